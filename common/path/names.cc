#include "common/path/names.h"

#include <string>

#include "absl/strings/ascii.h"
#include "common/path/repo_path.h"

namespace mlvc::common {
namespace {

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Checks one segment: allowed characters, alnum first, no trailing '.', no "..".
absl::Status ValidateSegment(std::string_view what, std::string_view name, std::string_view seg) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError("invalid " + std::string(what) + " name '" +
                                      std::string(name.substr(0, 120)) + "': " + std::string(why));
  };
  if (seg.empty()) return bad("empty segment");
  for (char c : seg) {
    if (!IsNameChar(c)) return bad("only letters, digits, '.', '_' and '-' are allowed");
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(seg.front()))) {
    return bad("must start with a letter or digit");
  }
  if (seg.back() == '.') return bad("must not end with '.'");
  if (seg.find("..") != std::string_view::npos) return bad("must not contain '..'");
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRepositoryName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("repository name is empty");
  if (name.size() > 100) {
    return absl::InvalidArgumentError("invalid repository name: longer than 100 characters");
  }
  if (AllDigits(name)) {
    return absl::InvalidArgumentError(
        "invalid repository name '" + std::string(name) + "': must not be all digits");
  }
  return ValidateSegment("repository", name, name);
}

absl::Status ValidateBranchName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("branch name is empty");
  if (name.size() > 200) {
    return absl::InvalidArgumentError("invalid branch name: longer than 200 characters");
  }
  if (AllDigits(name)) {
    return absl::InvalidArgumentError(
        "invalid branch name '" + std::string(name) + "': must not be all digits");
  }
  for (std::string_view seg : SplitOn(name, '/')) {
    if (absl::Status s = ValidateSegment("branch", name, seg); !s.ok()) return s;
    if (seg.ends_with(".lock")) {
      return absl::InvalidArgumentError("invalid branch name '" + std::string(name) +
                                        "': a segment must not end with '.lock'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("label name is empty");
  if (name.size() > 100) {
    return absl::InvalidArgumentError("invalid label name: longer than 100 characters");
  }
  if (AllDigits(name)) {
    return absl::InvalidArgumentError(
        "invalid label name '" + std::string(name) + "': must not be all digits");
  }
  if (name.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError("invalid label name '" + std::string(name) +
                                      "': must not contain '/'");
  }
  if (absl::Status s = ValidateSegment("label", name, name); !s.ok()) return s;
  if (name.ends_with(".lock")) {
    return absl::InvalidArgumentError("invalid label name '" + std::string(name) +
                                      "': must not end with '.lock'");
  }
  return absl::OkStatus();
}

}  // namespace mlvc::common
