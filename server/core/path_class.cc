#include "server/core/path_class.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace mlvc::server::core {
namespace {

bool EndsWithAny(const std::string& name, std::initializer_list<const char*> suffixes) {
  for (const char* s : suffixes) {
    if (absl::EndsWith(name, s)) return true;
  }
  return false;
}

}  // namespace

PathClass ClassifyPath(std::string_view path) {
  const std::string lower = absl::AsciiStrToLower(absl::string_view(path.data(), path.size()));
  std::vector<std::string> parts = absl::StrSplit(lower, '/', absl::SkipEmpty());
  if (parts.empty()) return PathClass::kCode;
  const std::string name = parts.back();
  parts.pop_back();  // folders only
  const auto in_folder = [&](std::initializer_list<const char*> folders) {
    for (const std::string& p : parts) {
      for (const char* f : folders) {
        if (p == f) return true;
      }
    }
    return false;
  };
  if ((absl::StartsWith(name, "requirements") && absl::EndsWith(name, ".txt")) ||
      name == "environment.yml" || name == "environment.yaml" || name == "pyproject.toml" ||
      name == "dockerfile") {
    return PathClass::kDependencies;
  }
  if (EndsWithAny(name, {".pt", ".pth", ".onnx", ".safetensors", ".ckpt", ".h5"})) {
    return PathClass::kModel;
  }
  if (in_folder({"data", "datasets"}) ||
      EndsWithAny(name, {".csv", ".parquet", ".tsv", ".jsonl"})) {
    return PathClass::kData;
  }
  if (in_folder({"configs", "config"}) ||
      EndsWithAny(name, {".yaml", ".yml", ".json", ".toml"})) {
    return PathClass::kConfig;
  }
  return PathClass::kCode;
}

}  // namespace mlvc::server::core
