#include "client/wc/state_file_internal.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/wc/wc_state.pb.h"
#include "common/hash/sha256.h"
#include "common/path/repo_path.h"
#include "google/protobuf/arena.h"
#include "nlohmann/json.hpp"

namespace mlvc::client::wc::internal {
namespace {

using nlohmann::json;

// Thrown inside the decoders only, turned into DATA_LOSS before returning.
struct BadState {
  std::string why;
};

FileKind ParseKind(const json& j) {
  const std::string s = j.get<std::string>();
  if (s == "text") return FileKind::kText;
  if (s == "binary") return FileKind::kBinary;
  throw BadState{"unknown kind '" + s + "'"};
}

Schedule ParseSchedule(const json& j) {
  const std::string s = j.get<std::string>();
  if (s == "normal") return Schedule::kNormal;
  if (s == "added") return Schedule::kAdded;
  if (s == "deleted") return Schedule::kDeleted;
  throw BadState{"unknown schedule '" + s + "'"};
}

// An integer field of the JSON state. nlohmann's get<int>() converts a float or an
// out-of-range integer with a plain cast (undefined behaviour for a float out of range,
// a wrong value otherwise); earlier mlvc only ever wrote integers in range.
template <typename Int>
Int IntegerField(const json& object, const char* key) {
  const json& value = object.at(key);
  if (value.is_number_unsigned()) {
    const auto u = value.get<uint64_t>();
    if (std::in_range<Int>(u)) return static_cast<Int>(u);
  } else if (value.is_number_integer()) {
    const auto i = value.get<int64_t>();
    if (std::in_range<Int>(i)) return static_cast<Int>(i);
  }
  throw BadState{absl::StrCat("'", key, "' is not an integer in range")};
}

void CheckContentId(const std::string& id) {
  if (!id.empty() && !common::IsContentId(id)) throw BadState{"bad content id '" + id + "'"};
}

// --- version 2 (binary) ---

namespace pb = ::mlvc::client::wc::state;

constexpr char kMagic[] = "mlvc-wc\n";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;
constexpr size_t kHeaderSize = kMagicSize + 8;

constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A content id (64 lowercase hex digits, or empty) as its raw 32 bytes. Entries hold only
// ids that passed common::IsContentId, or none; anything else (a bug) is written as one
// byte, which makes the file fail the check on load rather than name another content.
std::string IdToRaw(const std::string& id) {
  if (id.empty()) return id;
  if (id.size() != 64) return "?";
  std::string raw(32, '\0');
  for (size_t i = 0; i < 32; ++i) {
    const int hi = HexValue(id[2 * i]);
    const int lo = HexValue(id[2 * i + 1]);
    if (hi < 0 || lo < 0) return "?";
    raw[i] = static_cast<char>((hi << 4) | lo);
  }
  return raw;
}

std::string RawToId(const std::string& raw) {
  if (raw.empty()) return std::string();
  if (raw.size() != 32) throw BadState{"bad content id"};
  std::string id(64, '\0');
  for (size_t i = 0; i < 32; ++i) {
    const auto byte = static_cast<unsigned char>(raw[i]);
    id[2 * i] = kHexDigits[byte >> 4];
    id[2 * i + 1] = kHexDigits[byte & 0xf];
  }
  return id;
}

pb::Kind ToPb(FileKind kind) { return kind == FileKind::kText ? pb::KIND_TEXT : pb::KIND_BINARY; }

pb::Schedule ToPb(Schedule schedule) {
  switch (schedule) {
    case Schedule::kNormal: return pb::SCHEDULE_NORMAL;
    case Schedule::kAdded: return pb::SCHEDULE_ADDED;
    case Schedule::kDeleted: return pb::SCHEDULE_DELETED;
  }
  return pb::SCHEDULE_NORMAL;
}

FileKind FromPb(pb::Kind kind) {
  switch (kind) {
    case pb::KIND_TEXT: return FileKind::kText;
    case pb::KIND_BINARY: return FileKind::kBinary;
    default: break;
  }
  throw BadState{absl::StrCat("unknown kind ", static_cast<int>(kind))};
}

Schedule FromPb(pb::Schedule schedule) {
  switch (schedule) {
    case pb::SCHEDULE_NORMAL: return Schedule::kNormal;
    case pb::SCHEDULE_ADDED: return Schedule::kAdded;
    case pb::SCHEDULE_DELETED: return Schedule::kDeleted;
    default: break;
  }
  throw BadState{absl::StrCat("unknown schedule ", static_cast<int>(schedule))};
}

template <typename Repeated>
std::vector<std::string> ToVector(const Repeated& repeated) {
  return std::vector<std::string>(repeated.begin(), repeated.end());
}

void CheckSparsePaths(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    if (!common::NormalizeRepoRelpath(p).ok()) throw BadState{"bad sparse path '" + p + "'"};
  }
}

void CheckEntryPath(const std::string& relpath) {
  absl::StatusOr<std::string> norm = common::NormalizeRepoRelpath(relpath);
  if (!norm.ok() || *norm != relpath) throw BadState{"bad path '" + relpath + "'"};
}

absl::Status AsDataLoss(const std::string& why) {
  return absl::DataLossError(absl::StrCat("corrupt working-copy state: ", why));
}

}  // namespace

std::string EncodeState(const WcConfig& config, const std::map<std::string, WcEntry>& entries) {
  google::protobuf::Arena arena;
  auto* state = google::protobuf::Arena::CreateMessage<pb::State>(&arena);
  state->set_version(static_cast<uint32_t>(kStateVersion));
  state->set_server(config.server);
  state->set_repository(config.repository);
  state->set_branch(config.branch);
  state->set_base(config.base_number);
  for (const std::string& p : config.sparse_paths) state->add_sparse_paths(p);
  if (config.lockable_patterns.has_value()) {
    state->set_has_lockable_patterns(true);
    for (const std::string& p : *config.lockable_patterns) state->add_lockable_patterns(p);
  }
  for (const std::string& p : config.held_locks) state->add_held_locks(p);
  if (config.pending_merge_parent.has_value()) {
    state->set_merge_parent(*config.pending_merge_parent);
  }
  state->mutable_entries()->Reserve(static_cast<int>(entries.size()));
  for (const auto& [relpath, e] : entries) {
    pb::Entry* out = state->add_entries();
    out->set_path(relpath);
    out->set_base_content_id(IdToRaw(e.base_content_id));
    out->set_base_size(e.base_size);
    out->set_mtime_ns(e.mtime_ns);
    out->set_disk_size(e.disk_size);
    if (!e.disk_content_id.empty() && e.disk_content_id == e.base_content_id) {
      out->set_disk_is_base(true);
    } else {
      out->set_disk_content_id(IdToRaw(e.disk_content_id));
    }
    out->set_kind(ToPb(e.kind));
    out->set_executable(e.executable);
    out->set_disk_kind(ToPb(e.disk_kind));
    out->set_schedule(ToPb(e.schedule));
    out->set_conflicted(e.conflicted);
  }
  const size_t payload_size = state->ByteSizeLong();
  std::string bytes(kHeaderSize + payload_size, '\0');
  std::memcpy(bytes.data(), kMagic, kMagicSize);
  for (size_t i = 0; i < 8; ++i) {
    bytes[kMagicSize + i] = static_cast<char>((uint64_t{payload_size} >> (8 * i)) & 0xff);
  }
  state->SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(bytes.data() + kHeaderSize));
  return bytes;
}

absl::StatusOr<WcState> DecodeState(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || bytes.substr(0, kMagicSize) != kMagic) {
    return AsDataLoss("not an mlvc state file");
  }
  uint64_t payload_size = 0;
  for (size_t i = 0; i < 8; ++i) {
    payload_size |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[kMagicSize + i]))
                    << (8 * i);
  }
  if (payload_size != bytes.size() - kHeaderSize) {
    return AsDataLoss(absl::StrCat("the file holds ", bytes.size() - kHeaderSize,
                                   " bytes of state where its header announces ",
                                   payload_size));
  }
  google::protobuf::Arena arena;
  auto* state = google::protobuf::Arena::CreateMessage<pb::State>(&arena);
  if (payload_size > static_cast<uint64_t>(INT32_MAX) ||
      !state->ParseFromArray(bytes.data() + kHeaderSize, static_cast<int>(payload_size))) {
    return AsDataLoss("unparsable state");
  }
  if (state->version() != static_cast<uint32_t>(kStateVersion)) {
    return AsDataLoss(absl::StrCat("unsupported state version ", state->version(),
                                   " (this mlvc reads ", kStateVersion, ")"));
  }
  try {
    WcState out;
    WcConfig& config = out.config;
    config.server = state->server();
    config.repository = state->repository();
    config.branch = state->branch();
    config.base_number = state->base();
    config.sparse_paths = ToVector(state->sparse_paths());
    CheckSparsePaths(config.sparse_paths);
    if (state->has_lockable_patterns()) {
      config.lockable_patterns = ToVector(state->lockable_patterns());
    }
    config.held_locks = ToVector(state->held_locks());
    std::sort(config.held_locks.begin(), config.held_locks.end());
    if (state->has_merge_parent()) config.pending_merge_parent = state->merge_parent();
    for (const pb::Entry& in : state->entries()) {
      WcEntry e;
      e.relpath = in.path();
      CheckEntryPath(e.relpath);
      // Written sorted: so each entry goes at the end of the map (linear, not n log n),
      // and order also rules out duplicates.
      if (!out.entries.empty() && !(out.entries.rbegin()->first < e.relpath)) {
        throw BadState{"entries out of order or duplicated at '" + e.relpath + "'"};
      }
      e.base_content_id = RawToId(in.base_content_id());
      e.base_size = in.base_size();
      e.mtime_ns = in.mtime_ns();
      e.disk_size = in.disk_size();
      if (in.disk_is_base()) {
        if (!in.disk_content_id().empty()) throw BadState{"two disk content ids"};
        e.disk_content_id = e.base_content_id;
      } else {
        e.disk_content_id = RawToId(in.disk_content_id());
      }
      e.kind = FromPb(in.kind());
      e.executable = in.executable();
      e.disk_kind = FromPb(in.disk_kind());
      e.schedule = FromPb(in.schedule());
      e.conflicted = in.conflicted();
      std::string key = e.relpath;
      out.entries.emplace_hint(out.entries.end(), std::move(key), std::move(e));
    }
    return out;
  } catch (const BadState& bad) {
    return AsDataLoss(bad.why);
  }
}

// --- version 1 (JSON) ---

absl::StatusOr<WcState> DecodeLegacyJsonState(std::string_view text) {
  try {
    const json j = json::parse(text.begin(), text.end());
    const int version = IntegerField<int>(j, "version");
    if (version != kLegacyJsonStateVersion) {
      throw BadState{absl::StrCat("unsupported state version ", version, " in ",
                                  kLegacyStateFileName, " (this mlvc reads ",
                                  kLegacyJsonStateVersion, " there)")};
    }
    WcState state;
    state.config.server = j.at("server").get<std::string>();
    state.config.repository = j.at("repository").get<std::string>();
    state.config.branch = j.at("branch").get<std::string>();
    state.config.base_number = IntegerField<int64_t>(j, "base");
    state.config.sparse_paths = j.at("sparse_paths").get<std::vector<std::string>>();
    if (j.contains("merge_parent")) {
      state.config.pending_merge_parent = IntegerField<int64_t>(j, "merge_parent");
    }
    for (const std::string& p : state.config.sparse_paths) {
      if (!common::NormalizeRepoRelpath(p).ok()) throw BadState{"bad sparse path '" + p + "'"};
    }
    if (j.contains("lockable_patterns")) {
      state.config.lockable_patterns =
          j.at("lockable_patterns").get<std::vector<std::string>>();
    }
    if (j.contains("held_locks")) {
      state.config.held_locks = j.at("held_locks").get<std::vector<std::string>>();
      std::sort(state.config.held_locks.begin(), state.config.held_locks.end());
    }
    for (const json& je : j.at("entries")) {
      WcEntry e;
      e.relpath = je.at("path").get<std::string>();
      absl::StatusOr<std::string> norm = common::NormalizeRepoRelpath(e.relpath);
      if (!norm.ok() || *norm != e.relpath) throw BadState{"bad path '" + e.relpath + "'"};
      e.base_content_id = je.at("base_content_id").get<std::string>();
      e.base_size = IntegerField<uint64_t>(je, "base_size");
      e.mtime_ns = IntegerField<int64_t>(je, "mtime_ns");
      e.disk_size = IntegerField<uint64_t>(je, "disk_size");
      e.disk_content_id = je.at("disk_content_id").get<std::string>();
      e.kind = ParseKind(je.at("kind"));
      e.executable = je.at("executable").get<bool>();
      e.disk_kind = ParseKind(je.at("disk_kind"));
      e.schedule = ParseSchedule(je.at("schedule"));
      e.conflicted = je.value("conflicted", false);
      CheckContentId(e.base_content_id);
      CheckContentId(e.disk_content_id);
      std::string key = e.relpath;
      if (!state.entries.emplace(std::move(key), std::move(e)).second) {
        throw BadState{"duplicate path"};
      }
    }
    return state;
  } catch (const BadState& bad) {
    return absl::DataLossError(absl::StrCat("corrupt working-copy state: ", bad.why));
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("corrupt working-copy state: ", e.what()));
  }
}

}  // namespace mlvc::client::wc::internal
