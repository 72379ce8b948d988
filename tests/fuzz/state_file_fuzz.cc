// Fuzz target: the working-copy state file (client/wc/state_file_internal), which every
// mlvc command reads from disk, where it may be truncated, stale or hand-edited. Feeds the
// bytes to both decoders, the binary version 2 and the legacy JSON version 1. Besides
// "never crashes": a state either decoder accepts is saved as version 2 on the next Save(),
// so EncodeState of it must decode back to the same state.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "client/wc/state_file_internal.h"
#include "client/wc/working_copy.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace wc = mlvc::client::wc;

bool SameConfig(const wc::WcConfig& a, const wc::WcConfig& b) {
  return a.server == b.server && a.repository == b.repository && a.branch == b.branch &&
         a.base_number == b.base_number && a.sparse_paths == b.sparse_paths &&
         a.lockable_patterns == b.lockable_patterns && a.held_locks == b.held_locks &&
         a.pending_merge_parent == b.pending_merge_parent;
}

bool SameEntry(const wc::WcEntry& a, const wc::WcEntry& b) {
  return a.relpath == b.relpath && a.base_content_id == b.base_content_id &&
         a.base_size == b.base_size && a.mtime_ns == b.mtime_ns && a.disk_size == b.disk_size &&
         a.disk_content_id == b.disk_content_id && a.kind == b.kind &&
         a.executable == b.executable && a.disk_kind == b.disk_kind &&
         a.schedule == b.schedule && a.conflicted == b.conflicted;
}

void CheckRoundTrip(const wc::internal::WcState& state) {
  for (const auto& [relpath, e] : state.entries) FUZZ_CHECK(relpath == e.relpath);
  const std::string bytes = wc::internal::EncodeState(state.config, state.entries);
  absl::StatusOr<wc::internal::WcState> again = wc::internal::DecodeState(bytes);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameConfig(again->config, state.config));
  FUZZ_CHECK(again->entries.size() == state.entries.size());
  auto it = again->entries.begin();
  for (const auto& [relpath, e] : state.entries) {
    FUZZ_CHECK(it->first == relpath);
    FUZZ_CHECK(SameEntry(it->second, e));
    ++it;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<wc::internal::WcState> binary = wc::internal::DecodeState(input);
  if (binary.ok()) CheckRoundTrip(*binary);
  absl::StatusOr<wc::internal::WcState> json = wc::internal::DecodeLegacyJsonState(input);
  if (json.ok()) CheckRoundTrip(*json);
  return 0;
}
