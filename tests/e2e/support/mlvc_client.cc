#include "tests/e2e/support/mlvc_client.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/hash/sha256.h"
#include "tests/e2e/support/mlvc_server.h"

namespace mlvc::testing {

namespace fs = std::filesystem;

MlvcClient::MlvcClient(std::string token)
    : mlvc_(BinaryFromEnv("MLVC_BIN")), token_(std::move(token)) {}

ProcessResult MlvcClient::Run(const std::string& cwd, const std::vector<std::string>& args) const {
  ProcessOptions opts;
  opts.cwd = cwd;
  opts.env = {{"HOME", home_.path()}};
  // The chunk cache (XDG_CACHE_HOME, MLVC_CACHE_SIZE) then lives in HOME, never the real one.
  opts.unset_env = {"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "MLVC_CACHE_SIZE", "MLVC_SERVER",
                    "MLVC_CA"};
  if (token_.empty()) {
    opts.unset_env.push_back("MLVC_TOKEN");
  } else {
    opts.env["MLVC_TOKEN"] = token_;
  }
  for (const auto& [name, value] : env_) opts.env[name] = value;  // wins over unset_env
  std::vector<std::string> argv = {mlvc_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, opts);
}

void WriteFile(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.good()) throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteRandomFile(const std::string& path, uint64_t size, uint64_t seed) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<uint64_t> buf((1 << 20) / sizeof(uint64_t));
  uint64_t state = seed;
  uint64_t left = size;
  while (left > 0) {
    for (auto& word : buf) {  // splitmix64: fast, and no two chunks of the file repeat
      uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
    const uint64_t n = std::min<uint64_t>(left, buf.size() * sizeof(uint64_t));
    out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(n));
    left -= n;
  }
  if (!out.good()) throw std::runtime_error("cannot write " + path);
}

std::map<std::string, std::string> HashTree(const std::string& root) {
  std::map<std::string, std::string> hashes;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory() && it->path().filename() == ".mlvc") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    auto digest = mlvc::common::Sha256File(it->path().string());
    if (!digest.ok()) throw std::runtime_error(std::string(digest.status().message()));
    hashes[fs::relative(it->path(), root).string()] = digest->content_id;
  }
  return hashes;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

bool HasLine(const std::string& text, const std::string& line) {
  for (const std::string& l : Lines(text)) {
    if (l == line) return true;
  }
  return false;
}

std::string TenLines(const std::map<int, std::string>& edits) {
  std::string out;
  for (int i = 0; i < 10; ++i) {
    auto it = edits.find(i);
    out += (it == edits.end() ? "key" + std::to_string(i) + ": " + std::to_string(i)
                              : it->second) +
           "\n";
  }
  return out;
}

}  // namespace mlvc::testing
