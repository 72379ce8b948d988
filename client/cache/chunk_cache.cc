#include "client/cache/chunk_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "common/hash/sha256.h"

namespace mlvc::client::cache {
namespace fs = std::filesystem;

namespace {

constexpr size_t kHashBytes = 32;
// hash[32] | offset u64 | length u32 | check u32 (little endian, as the machine writes it)
constexpr size_t kRecordBytes = 48;
constexpr char kDataSuffix[] = ".dat";
constexpr char kIndexSuffix[] = ".idx";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// 64 lowercase hex digits -> 32 bytes; nullopt for anything else.
std::optional<std::string> HashKey(const std::string& hex) {
  if (hex.size() != 2 * kHashBytes) return std::nullopt;
  std::string key(kHashBytes, '\0');
  for (size_t i = 0; i < kHashBytes; ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[i] = static_cast<char>(hi * 16 + lo);
  }
  return key;
}

// FNV-1a over the record's first 44 bytes: tells a whole record from a torn or garbled one.
uint32_t RecordCheck(const char* record) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < kRecordBytes - 4; ++i) {
    h ^= static_cast<unsigned char>(record[i]);
    h *= 0x100000001b3ULL;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

std::string RandomName() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(::getpid()));
  static const char kHex[] = "0123456789abcdef";
  std::string name;
  uint64_t v = gen();
  for (int i = 0; i < 16; ++i, v >>= 4) name.push_back(kHex[v & 15]);
  return name;
}

bool WriteAll(int fd, const char* data, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool ReadAll(int fd, char* data, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

uint64_t FileBytes(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace

absl::StatusOr<uint64_t> ParseCacheSize(std::string_view text) {
  auto bad = [&]() {
    return absl::InvalidArgumentError("cache size '" + std::string(text) +
                                      "' is not a size (e.g. 0, 512M, 2G, 1073741824)");
  };
  std::string s(text);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  size_t digits = 0;
  while (digits < s.size() && (std::isdigit(static_cast<unsigned char>(s[digits])) ||
                               s[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) return bad();
  std::string number = s.substr(0, digits);
  std::string unit = s.substr(digits);
  if (std::count(number.begin(), number.end(), '.') > 1) return bad();
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() >= 2 && unit.substr(unit.size() - 2) == "IB") unit.resize(unit.size() - 2);
  else if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  double scale = 1;
  if (unit == "") scale = 1;
  else if (unit == "K") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024;
  else if (unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else return bad();
  const double value = std::strtod(number.c_str(), nullptr) * scale;
  if (!std::isfinite(value) || value < 0 || value > 9.0e18) return bad();
  return static_cast<uint64_t>(value);
}

absl::StatusOr<CacheOptions> DefaultCacheOptions() {
  CacheOptions options;
  if (const char* size = std::getenv("MLVC_CACHE_SIZE"); size != nullptr && *size != '\0') {
    absl::StatusOr<uint64_t> parsed = ParseCacheSize(size);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError("MLVC_CACHE_SIZE: " + std::string(parsed.status().message()));
    }
    options.max_bytes = *parsed;
  }
  std::string base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = std::string(home) + "/.cache";
  } else {
    options.max_bytes = 0;
    return options;
  }
  options.dir = base + "/mlvc/chunks-v1";
  return options;
}

struct ChunkCache::Impl {
  struct Segment {
    std::string name;  // without suffix
    int read_fd = -1;  // opened on first read
    bool touched = false;
    bool gone = false;
  };
  struct Location {
    uint32_t segment = 0;
    uint32_t length = 0;
    uint64_t offset = 0;
  };

  CacheOptions options;
  bool enabled = false;
  uint64_t segment_bytes = 0;

  mutable std::mutex mu;
  std::vector<Segment> segments;
  std::unordered_map<std::string, uint32_t> segment_by_name;
  std::unordered_map<std::string, Location> index;  // binary hash -> where
  // Older copies of chunks found in several segments (rare: two processes fetching the same
  // chunk, or a chunk fetched again after its copy turned out corrupt).
  std::unordered_map<std::string, std::vector<Location>> alternates;
  // This instance's segment being written.
  int data_fd = -1;
  int index_fd = -1;
  uint32_t active = 0;
  uint64_t active_bytes = 0;
  uint64_t active_records = 0;
  bool write_failed = false;
  CacheStats stats;

  std::string PathOf(const std::string& name, const char* suffix) const {
    return options.dir + "/" + name + suffix;
  }

  uint32_t SegmentId(const std::string& name) {
    auto [it, inserted] = segment_by_name.emplace(name, static_cast<uint32_t>(segments.size()));
    if (inserted) segments.push_back(Segment{name});
    return it->second;
  }

  // Loads one segment's index records (a torn tail or a bad record is skipped).
  void LoadIndex(const std::string& name) {
    const std::string path = PathOf(name, kIndexSuffix);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    const uint32_t id = SegmentId(name);
    std::vector<char> buffer(kRecordBytes * 4096);
    std::string carry;
    while (true) {
      ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      carry.append(buffer.data(), static_cast<size_t>(n));
      size_t pos = 0;
      for (; pos + kRecordBytes <= carry.size(); pos += kRecordBytes) {
        const char* record = carry.data() + pos;
        uint32_t check;
        std::memcpy(&check, record + 44, 4);
        if (check != RecordCheck(record)) continue;
        Location loc;
        loc.segment = id;
        std::memcpy(&loc.offset, record + 32, 8);
        std::memcpy(&loc.length, record + 40, 4);
        // Segments load oldest first: the newest copy is tried first, older ones after it.
        auto [it, inserted] = index.try_emplace(std::string(record, kHashBytes), loc);
        if (!inserted) {
          alternates[it->first].push_back(it->second);
          it->second = loc;
        }
      }
      carry.erase(0, pos);
    }
    ::close(fd);
  }

  void CloseActive() {
    if (data_fd >= 0) ::close(data_fd);
    if (index_fd >= 0) ::close(index_fd);
    data_fd = index_fd = -1;
  }

  // Creates a fresh segment for this instance. False on failure (write_failed set).
  bool StartSegment() {
    for (int attempt = 0; attempt < 8; ++attempt) {
      const std::string name = RandomName();
      const std::string data_path = PathOf(name, kDataSuffix);
      int fd = ::open(data_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) {
        if (errno == EEXIST) continue;
        break;
      }
      int ifd = ::open(PathOf(name, kIndexSuffix).c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (ifd < 0) {
        ::close(fd);
        ::unlink(data_path.c_str());
        if (errno == EEXIST) continue;
        break;
      }
      data_fd = fd;
      index_fd = ifd;
      active = SegmentId(name);
      active_bytes = 0;
      active_records = 0;
      return true;
    }
    write_failed = true;
    return false;
  }

  // Removes least recently used segments (not the one this instance writes) until the cache
  // fits its cap. Runs under the lock file, so two processes never evict at once.
  void Evict() {
    const std::string lock_path = options.dir + "/lock";
    int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) return;
    while (::flock(lock_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct Candidate {
      std::string name;
      uint64_t bytes = 0;
      struct timespec used {};
    };
    std::vector<Candidate> candidates;
    uint64_t total = 0;
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(options.dir, ec)) {
      const std::string file = entry.path().filename().string();
      if (file.size() <= 4 || file.substr(file.size() - 4) != kDataSuffix) continue;
      Candidate c;
      c.name = file.substr(0, file.size() - 4);
      struct stat st;
      if (::stat(entry.path().c_str(), &st) != 0) continue;
      c.bytes = static_cast<uint64_t>(st.st_size) + FileBytes(PathOf(c.name, kIndexSuffix));
      c.used = st.st_mtim;
      total += c.bytes;
      if (data_fd >= 0 && c.name == segments[active].name) continue;
      candidates.push_back(std::move(c));
    }
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      if (a.used.tv_sec != b.used.tv_sec) return a.used.tv_sec < b.used.tv_sec;
      return a.used.tv_nsec < b.used.tv_nsec;
    });
    bool dropped_own = false;
    for (const Candidate& c : candidates) {
      if (total <= options.max_bytes) break;
      // Index first: a reader then never finds records pointing into a deleted segment.
      ::unlink(PathOf(c.name, kIndexSuffix).c_str());
      ::unlink(PathOf(c.name, kDataSuffix).c_str());
      total -= std::min(total, c.bytes);
      ++stats.evicted_segments;
      auto it = segment_by_name.find(c.name);
      if (it != segment_by_name.end()) {
        Segment& seg = segments[it->second];
        seg.gone = true;
        if (seg.read_fd >= 0) ::close(seg.read_fd);
        seg.read_fd = -1;
        dropped_own = true;
      }
    }
    ::flock(lock_fd, LOCK_UN);
    ::close(lock_fd);
    if (dropped_own) {
      for (auto it = index.begin(); it != index.end();) {
        if (segments[it->second.segment].gone) {
          it = index.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
};

ChunkCache::ChunkCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ChunkCache::~ChunkCache() {
  Close().IgnoreError();
  for (Impl::Segment& seg : impl_->segments) {
    if (seg.read_fd >= 0) ::close(seg.read_fd);
  }
}

absl::StatusOr<std::unique_ptr<ChunkCache>> ChunkCache::Open(const CacheOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->enabled = options.max_bytes > 0 && !options.dir.empty();
  impl->segment_bytes = options.segment_bytes;
  if (impl->segment_bytes == 0) {
    impl->segment_bytes =
        std::min<uint64_t>(64ull << 20, std::max<uint64_t>(64ull << 10, options.max_bytes / 16));
  }
  if (impl->enabled) {
    std::error_code ec;
    fs::create_directories(options.dir, ec);
    if (ec) {
      return absl::InternalError("cannot create the chunk cache '" + options.dir +
                                 "': " + ec.message());
    }
    // Oldest first, so that when two segments hold a chunk the most recently used one wins.
    std::vector<std::pair<struct timespec, std::string>> found;
    for (const fs::directory_entry& entry : fs::directory_iterator(options.dir, ec)) {
      const std::string file = entry.path().filename().string();
      if (file.size() <= 4 || file.substr(file.size() - 4) != kDataSuffix) continue;
      struct stat st;
      if (::stat(entry.path().c_str(), &st) != 0) continue;
      found.emplace_back(st.st_mtim, file.substr(0, file.size() - 4));
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      if (a.first.tv_sec != b.first.tv_sec) return a.first.tv_sec < b.first.tv_sec;
      return a.first.tv_nsec < b.first.tv_nsec;
    });
    for (const auto& [mtime, name] : found) impl->LoadIndex(name);
  }
  return std::unique_ptr<ChunkCache>(new ChunkCache(std::move(impl)));
}

bool ChunkCache::enabled() const { return impl_->enabled; }

uint64_t ChunkCache::max_bytes() const { return impl_->options.max_bytes; }

bool ChunkCache::Contains(const std::string& hash_hex) const {
  if (!impl_->enabled) return false;
  std::optional<std::string> key = HashKey(hash_hex);
  if (!key) return false;
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->index.count(*key) > 0;
}

std::optional<std::string> ChunkCache::Get(const std::string& hash_hex) {
  if (!impl_->enabled) return std::nullopt;
  std::optional<std::string> key = HashKey(hash_hex);
  if (!key) return std::nullopt;
  Impl& m = *impl_;
  // The indexed copy, else older copies of the same chunk (Impl::alternates), until one
  // reads back whole and matches its hash.
  while (true) {
    Impl::Location loc;
    int fd = -1;
    bool touch = false;
    {
      std::lock_guard<std::mutex> lock(m.mu);
      auto it = m.index.find(*key);
      if (it == m.index.end()) {
        ++m.stats.misses;
        return std::nullopt;
      }
      loc = it->second;
      Impl::Segment& seg = m.segments[loc.segment];
      if (seg.read_fd < 0 && !seg.gone) {
        seg.read_fd = ::open(m.PathOf(seg.name, kDataSuffix).c_str(), O_RDONLY | O_CLOEXEC);
      }
      if (seg.read_fd >= 0) {
        // A duplicate: this instance's eviction may close seg.read_fd while we read.
        fd = ::dup(seg.read_fd);
        touch = !seg.touched;
        seg.touched = true;
      }
    }
    std::string data(loc.length, '\0');
    bool ok = false;
    const bool readable = fd >= 0;  // else evicted by another process
    if (readable) {
      ok = ReadAll(fd, data.data(), data.size(), loc.offset) &&
           common::Sha256Hex(data) == hash_hex;
      if (ok && touch) ::futimens(fd, nullptr);  // most recently used: evicted last
      ::close(fd);
    }
    std::lock_guard<std::mutex> lock(m.mu);
    if (ok) {
      ++m.stats.hits;
      m.stats.hit_bytes += data.size();
      return data;
    }
    if (readable) ++m.stats.corrupt;
    auto it = m.index.find(*key);
    if (it != m.index.end() && it->second.segment == loc.segment &&
        it->second.offset == loc.offset) {
      auto alt = m.alternates.find(*key);
      if (alt != m.alternates.end() && !alt->second.empty()) {
        it->second = alt->second.back();
        alt->second.pop_back();
      } else {
        m.index.erase(it);
      }
    }
  }
}

absl::Status ChunkCache::Put(const std::string& hash_hex, std::string_view data) {
  if (!impl_->enabled) return absl::OkStatus();
  std::optional<std::string> key = HashKey(hash_hex);
  if (!key) return absl::InvalidArgumentError("not a chunk hash: " + hash_hex);
  if (data.size() > impl_->options.max_bytes) return absl::OkStatus();  // would evict all
  std::lock_guard<std::mutex> lock(impl_->mu);
  Impl& m = *impl_;
  if (m.write_failed) return absl::InternalError("the chunk cache is not writable");
  if (m.index.count(*key) > 0) return absl::OkStatus();
  if (m.data_fd < 0 && !m.StartSegment()) {
    return absl::InternalError("cannot write to the chunk cache '" + m.options.dir +
                               "': " + std::strerror(errno));
  }
  char record[kRecordBytes];
  std::memcpy(record, key->data(), kHashBytes);
  const uint64_t offset = m.active_bytes;
  const uint32_t length = static_cast<uint32_t>(data.size());
  std::memcpy(record + 32, &offset, 8);
  std::memcpy(record + 40, &length, 4);
  const uint32_t check = RecordCheck(record);
  std::memcpy(record + 44, &check, 4);
  // Data first, then its index record: a reader never finds a record before its bytes.
  if (!WriteAll(m.data_fd, data.data(), data.size(), offset) ||
      !WriteAll(m.index_fd, record, kRecordBytes, m.active_records * kRecordBytes)) {
    m.write_failed = true;
    m.CloseActive();
    return absl::InternalError("cannot write to the chunk cache '" + m.options.dir +
                               "': " + std::strerror(errno));
  }
  m.index[*key] = Impl::Location{m.active, length, offset};
  m.active_bytes += data.size();
  ++m.active_records;
  ++m.stats.puts;
  if (m.active_bytes >= m.segment_bytes) {
    m.CloseActive();
    m.Evict();
  }
  return absl::OkStatus();
}

absl::Status ChunkCache::Close() {
  if (!impl_->enabled) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(impl_->mu);
  const bool wrote = impl_->data_fd >= 0 || impl_->stats.puts > 0;
  impl_->CloseActive();
  if (wrote) impl_->Evict();
  return absl::OkStatus();
}

CacheStats ChunkCache::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

uint64_t ChunkCache::DiskBytes() const {
  if (!impl_->enabled) return 0;
  uint64_t total = 0;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(impl_->options.dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.size() > 4 && (file.substr(file.size() - 4) == kDataSuffix ||
                            file.substr(file.size() - 4) == kIndexSuffix)) {
      total += FileBytes(entry.path().string());
    }
  }
  return total;
}

}  // namespace mlvc::client::cache
