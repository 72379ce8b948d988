#include "common/record/environment_file.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/record/yaml_load.h"
#include "common/status/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace mlvc::common {
namespace {

// Bracket nesting refused before yaml-cpp (which recurses per level) sees the file.
constexpr int kMaxEnvYamlDepth = 32;

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
         c == '.';
}

bool StartsAlnum(std::string_view s) {
  return !s.empty() && absl::ascii_isalnum(static_cast<unsigned char>(s.front()));
}

// Cuts `s` at the first '#' that starts a comment: pip requires a blank before it, so the
// "#egg=" fragment of a URL is kept.
std::string_view StripComment(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && (i == 0 || absl::ascii_isspace(static_cast<unsigned char>(s[i - 1])))) {
      return s.substr(0, i);
    }
  }
  return s;
}

class PackageSink {
 public:
  absl::Status Add(std::string name, std::string version) {
    if (map_.size() >= kMaxEnvPackages && map_.find(name) == map_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("more than ", kMaxEnvPackages,
                                                     " packages"));
    }
    map_[std::move(name)] = std::move(version);
    return absl::OkStatus();
  }
  PackageVersions Take() { return std::move(map_); }

 private:
  PackageVersions map_;
};

// The package a URL or path names: "#egg=NAME", else a wheel's or archive's file name up to
// its version, else the last path component without ".git". Empty when none makes sense.
std::string NameOfReference(std::string_view ref) {
  if (size_t egg = ref.find("#egg="); egg != std::string_view::npos) {
    std::string_view name = ref.substr(egg + 5);
    name = name.substr(0, name.find_first_of("&[ "));
    return StartsAlnum(name) ? NormalizePackageName(name) : std::string();
  }
  std::string_view path = ref.substr(0, ref.find_first_of("#?"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  // "git+https://host/x.git@v1": the revision is not part of the name.
  if (size_t scheme = path.find("://"); scheme != std::string_view::npos) {
    if (size_t at = path.rfind('@'); at != std::string_view::npos && at > scheme &&
                                     path.find('/', at) == std::string_view::npos) {
      path = path.substr(0, at);
    }
  }
  std::string_view base = path.substr(path.rfind('/') + 1);  // npos + 1 == 0
  absl::string_view b = Absl(base);
  if (absl::ConsumeSuffix(&b, ".whl")) {
    b = b.substr(0, b.find('-'));
  } else if (absl::ConsumeSuffix(&b, ".tar.gz") || absl::ConsumeSuffix(&b, ".tar.bz2") ||
             absl::ConsumeSuffix(&b, ".tgz") || absl::ConsumeSuffix(&b, ".zip")) {
    // "pkg-name-1.0" -> "pkg-name": cut at the last '-' followed by a digit.
    for (size_t i = b.size(); i-- > 0;) {
      if (b[i] == '-' && i + 1 < b.size() && absl::ascii_isdigit(static_cast<unsigned char>(b[i + 1]))) {
        b = b.substr(0, i);
        break;
      }
    }
  } else {
    absl::ConsumeSuffix(&b, ".git");
  }
  std::string_view name(b.data(), b.size());
  return StartsAlnum(name) ? NormalizePackageName(name) : std::string();
}

absl::Status AddReference(std::string_view ref, PackageSink& out) {
  std::string name = NameOfReference(ref);
  // Without a derivable name ("-e ."), the reference itself keys the entry: still recorded,
  // still comparable across runs.
  if (name.empty()) name = std::string(ref);
  return out.Add(std::move(name), std::string(ref));
}

bool LooksLikeReference(std::string_view s) {
  absl::string_view a = Absl(s);
  return absl::StrContains(a, "://") || s.front() == '.' || s.front() == '/' ||
         s.front() == '~' || absl::EndsWith(a, ".whl") || absl::EndsWith(a, ".tar.gz") ||
         absl::EndsWith(a, ".zip");
}

// One logical line of a requirements file (comment, continuation already handled).
absl::Status ParsePipLine(std::string_view line, PackageSink& out) {
  line = Trim(line);
  if (line.empty()) return absl::OkStatus();
  absl::string_view a = Absl(line);
  // "-e REF", "-eREF", "--editable REF", "--editable=REF" (pip's option syntax).
  std::string_view editable;
  bool is_editable = false;
  if (absl::StartsWith(a, "--editable")) {
    editable = line.substr(10);
    is_editable = editable.empty() || editable.front() == '=' ||
                  absl::ascii_isspace(static_cast<unsigned char>(editable.front()));
  } else if (absl::StartsWith(a, "-e")) {
    editable = line.substr(2);
    is_editable = true;
  }
  if (is_editable) {
    if (!editable.empty() && editable.front() == '=') editable.remove_prefix(1);
    editable = Trim(editable);
    if (editable.empty()) {
      return absl::InvalidArgumentError("editable entry without a reference");
    }
    return AddReference(editable, out);
  }
  if (line.front() == '-') return absl::OkStatus();  // -r, -c, -i, --index-url, ...: not packages

  // Name, then optional [extras].
  size_t i = 0;
  while (i < line.size() && IsNameChar(line[i])) ++i;
  std::string_view name = line.substr(0, i);
  if (i < line.size() && line[i] == '[') {
    size_t close = line.find(']', i);
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("unclosed '[' in requirement '", Absl(line), "'"));
    }
    i = close + 1;
  }
  size_t after = i;
  while (after < line.size() && absl::ascii_isspace(static_cast<unsigned char>(line[after]))) {
    ++after;
  }
  if (StartsAlnum(name) && after < line.size() && line[after] == '@') {
    // PEP 508 direct reference, as `pip freeze` prints local and VCS installs.
    std::string_view ref = Trim(line.substr(after + 1));
    if (size_t marker = ref.find(" ;"); marker != std::string_view::npos) {
      ref = Trim(ref.substr(0, marker));
    }
    if (ref.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("direct reference without a URL in '", Absl(line), "'"));
    }
    return out.Add(NormalizePackageName(name), std::string(ref));
  }
  if (LooksLikeReference(line)) return AddReference(line, out);

  std::string_view spec = line.substr(i);
  spec = spec.substr(0, spec.find(';'));  // environment markers
  if (size_t opt = spec.find(" --"); opt != std::string_view::npos) {
    spec = spec.substr(0, opt);  // --hash=..., per-requirement options
  }
  spec = Trim(spec);
  if (!spec.empty() && spec.front() == '(' && spec.back() == ')') {
    spec = Trim(spec.substr(1, spec.size() - 2));
  }
  if (!StartsAlnum(name) ||
      (!spec.empty() && std::string_view("=<>!~,").find(spec.front()) == std::string_view::npos)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse requirement '", Absl(line), "'"));
  }
  std::string version;
  if (absl::StartsWith(Absl(spec), "===")) {
    version = Trim(spec.substr(3));
  } else if (absl::StartsWith(Absl(spec), "==") && spec.find(',') == std::string_view::npos) {
    version = Trim(spec.substr(2));
  } else {
    for (char c : spec) {
      if (!absl::ascii_isspace(static_cast<unsigned char>(c))) version.push_back(c);
    }
  }
  return out.Add(NormalizePackageName(name), std::move(version));
}

absl::Status ParsePipText(std::string_view text, PackageSink& out) {
  size_t line_no = 0;
  size_t start = 0;
  std::string logical;
  size_t logical_line = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(start, end - start);
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (logical.empty()) logical_line = line_no;
    raw = StripComment(raw);
    if (!raw.empty() && raw.back() == '\\') {
      // A continuation: the next line carries on this requirement.
      logical.append(raw.substr(0, raw.size() - 1));
      logical.push_back(' ');
    } else {
      logical.append(raw);
      absl::Status s = ParsePipLine(logical, out);
      if (!s.ok()) return WithContext(s, absl::StrCat("line ", logical_line));
      logical.clear();
    }
    start = end + 1;
  }
  if (!logical.empty()) {
    absl::Status s = ParsePipLine(logical, out);
    if (!s.ok()) return WithContext(s, absl::StrCat("line ", logical_line));
  }
  return absl::OkStatus();
}

// One conda match spec: "[channel::]name[=version[=build]]", "name==version",
// "name version [build]", "name>=1.2".
absl::Status ParseCondaSpec(std::string_view spec, PackageSink& out) {
  spec = Trim(spec);
  if (size_t channel = spec.rfind("::"); channel != std::string_view::npos) {
    spec = spec.substr(channel + 2);
  }
  size_t i = 0;
  while (i < spec.size() && IsNameChar(spec[i])) ++i;
  std::string_view name = spec.substr(0, i);
  std::string_view rest = Trim(spec.substr(i));
  if (!StartsAlnum(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse conda dependency '", Absl(spec), "'"));
  }
  std::string version;
  if (i < spec.size() && absl::ascii_isspace(static_cast<unsigned char>(spec[i]))) {
    // "name version build": the version is the second word.
    rest = rest.substr(0, rest.find_first_of(" \t"));
    while (!rest.empty() && rest.front() == '=') rest.remove_prefix(1);
    version = std::string(rest);
  } else if (absl::StartsWith(Absl(rest), "==")) {
    version = std::string(rest.substr(2, rest.find('=', 2) - 2));
  } else if (absl::StartsWith(Absl(rest), "=")) {
    version = std::string(rest.substr(1, rest.find('=', 1) - 1));  // "=1.26.0=build"
  } else {
    version = std::string(rest);
  }
  return out.Add(NormalizePackageName(name), std::move(version));
}

absl::Status CheckSize(std::string_view text) {
  if (text.size() > kMaxEnvFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat("larger than ", kMaxEnvFileBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string NormalizePackageName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (out.empty() || out.back() != '-') out.push_back('-');
    } else {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

absl::StatusOr<PackageVersions> ParsePipRequirements(std::string_view text) {
  RETURN_IF_ERROR(CheckSize(text));
  PackageSink out;
  RETURN_IF_ERROR(ParsePipText(text, out));
  return out.Take();
}

absl::StatusOr<PackageVersions> ParseCondaEnvironment(std::string_view text) {
  RETURN_IF_ERROR(CheckSize(text));
  ASSIGN_OR_RETURN(YAML::Node root, internal::LoadYaml(text, "environment", kMaxEnvYamlDepth));
  PackageSink out;
  if (root.IsNull()) return out.Take();
  if (!root.IsMap()) return absl::InvalidArgumentError("the top level is not a mapping");
  YAML::Node deps = root["dependencies"];
  if (!deps || deps.IsNull()) return out.Take();
  if (!deps.IsSequence()) return absl::InvalidArgumentError("'dependencies' is not a list");
  // pip entries go in after every conda one: pip installs last, so its version is the one
  // in the environment.
  std::vector<std::string> pip_lines;
  for (size_t i = 0; i < deps.size(); ++i) {
    const YAML::Node& dep = deps[i];
    std::string where = absl::StrCat("dependency ", i + 1);
    if (dep.IsScalar()) {
      absl::Status s = ParseCondaSpec(dep.Scalar(), out);
      if (!s.ok()) return WithContext(s, where);
    } else if (dep.IsMap() && dep.size() == 1 && dep["pip"]) {
      const YAML::Node& pip = dep["pip"];
      if (pip.IsNull()) continue;
      if (!pip.IsSequence()) return absl::InvalidArgumentError(where + ": 'pip' is not a list");
      for (size_t j = 0; j < pip.size(); ++j) {
        // An alias copies its whole list each time it is used: without this bound, a file
        // of some kilobytes reusing one pip list thousands of times costs gigabytes.
        if (pip_lines.size() >= kMaxEnvPackages) {
          return absl::InvalidArgumentError(absl::StrCat(
              "more than ", kMaxEnvPackages,
              " pip entries (a YAML alias counts each time it is used)"));
        }
        if (!pip[j].IsScalar()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": pip entry ", j + 1, " is not a string"));
        }
        pip_lines.push_back(pip[j].Scalar());
      }
    } else {
      return absl::InvalidArgumentError(where + " is not a string or a 'pip' list");
    }
  }
  for (size_t j = 0; j < pip_lines.size(); ++j) {
    absl::Status s = ParsePipLine(StripComment(pip_lines[j]), out);
    if (!s.ok()) return WithContext(s, absl::StrCat("pip entry ", j + 1));
  }
  return out.Take();
}

absl::StatusOr<PackageVersions> ParseEnvironmentFile(std::string_view file_name,
                                                     std::string_view content) {
  absl::string_view name = Absl(file_name);
  std::string_view base = file_name.substr(file_name.rfind('/') + 1);
  bool conda;
  if (absl::EndsWithIgnoreCase(name, ".yml") || absl::EndsWithIgnoreCase(name, ".yaml")) {
    conda = true;
  } else if (base.find('.') != std::string_view::npos) {
    conda = false;
  } else {
    conda = absl::StartsWith(Absl(content), "dependencies:") ||
            absl::StrContains(Absl(content), "\ndependencies:");
  }
  absl::StatusOr<PackageVersions> parsed =
      conda ? ParseCondaEnvironment(content) : ParsePipRequirements(content);
  if (!parsed.ok()) return WithContext(parsed.status(), file_name);
  return parsed;
}

EnvDifference EnvDiff(const PackageVersions& a, const PackageVersions& b) {
  EnvDifference d;
  auto ia = a.begin();
  auto ib = b.begin();
  // Both maps are sorted: one merge pass keeps every list sorted by name.
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      d.removed.push_back({ia->first, ia->second, ""});
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      d.added.push_back({ib->first, "", ib->second});
      ++ib;
    } else {
      if (ia->second != ib->second) d.changed.push_back({ia->first, ia->second, ib->second});
      ++ia;
      ++ib;
    }
  }
  return d;
}

}  // namespace mlvc::common
