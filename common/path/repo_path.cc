#include "common/path/repo_path.h"

#include <vector>

#include "absl/status/status.h"

namespace mlvc::common {
namespace {

absl::Status Invalid(std::string_view path, std::string_view why) {
  std::string shown(path.substr(0, 200));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return absl::InvalidArgumentError("invalid path '" + shown + "': " + std::string(why));
}

// ".mlvc" in any letter case: case-insensitive filesystems would otherwise let it through.
bool IsReservedName(std::string_view component) {
  static constexpr std::string_view kReserved = ".mlvc";
  if (component.size() != kReserved.size()) return false;
  for (size_t i = 0; i < component.size(); ++i) {
    char c = component[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kReserved[i]) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string_view> SplitOn(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

absl::StatusOr<std::string> NormalizeRepoRelpath(std::string_view path) {
  if (path.empty()) return Invalid(path, "empty path");
  if (path.size() > kMaxPathBytes) return Invalid(path, "longer than 4096 bytes");
  for (char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return Invalid(path, "contains a NUL character");
    if (byte < 0x20 || byte == 0x7f) return Invalid(path, "contains a control character");
  }
  if (path.front() == '/') return Invalid(path, "absolute paths are not allowed");
  std::string_view body = path;
  if (body.size() > 1 && body.back() == '/') body.remove_suffix(1);
  std::vector<std::string_view> kept;
  for (std::string_view component : SplitOn(body, '/')) {
    if (component.empty()) return Invalid(path, "empty path component");
    if (component == ".") continue;
    if (component == "..") return Invalid(path, "'..' is not allowed");
    if (component.size() > kMaxComponentBytes) {
      return Invalid(path, "a component is longer than 255 bytes");
    }
    if (IsReservedName(component)) {
      return Invalid(path, "'.mlvc' is reserved for working-copy state");
    }
    kept.push_back(component);
  }
  if (kept.empty()) return Invalid(path, "names no file");
  std::string joined;
  for (std::string_view component : kept) {
    if (!joined.empty()) joined.push_back('/');
    joined.append(component);
  }
  return joined;
}

bool RelpathIsWithin(std::string_view path, std::string_view ancestor) {
  if (ancestor.empty()) return true;
  if (path.size() < ancestor.size()) return false;
  if (path.substr(0, ancestor.size()) != ancestor) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

std::string_view RelpathDirname(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view RelpathBasename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace mlvc::common
