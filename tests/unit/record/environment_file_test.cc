#include "common/record/environment_file.h"

#include <string>

#include "catch2/catch.hpp"

namespace mlvc::common {
namespace {

TEST_CASE("record: PEP 503 normalization lowercases and folds separator runs", "[record]") {
  CHECK(NormalizePackageName("Foo_Bar..baz") == "foo-bar-baz");
  CHECK(NormalizePackageName("scikit_learn") == "scikit-learn");
  CHECK(NormalizePackageName("PyYAML") == "pyyaml");
  CHECK(NormalizePackageName("zope.interface") == "zope-interface");
  CHECK(NormalizePackageName("a-_.-b") == "a-b");
}

TEST_CASE("record: Requirements with comments and extras and markers", "[record]") {
  auto r = ParsePipRequirements(
      "# training deps\n"
      "\n"
      "numpy==1.26.0  # pinned for the ABI\n"
      "Torch_Vision==0.16.0\n"
      "requests[security,socks]==2.31.0\n"
      "pandas>=2.0, <3 ; python_version >= '3.9'\n"
      "tqdm\n"
      "scipy==1.11.3 \\\n"
      "    --hash=sha256:abc\n"
      "-r base.txt\n"
      "--index-url https://pypi.example/simple\n");
  REQUIRE(r.ok());
  CHECK(r->size() == 6);
  CHECK(r->at("numpy") == "1.26.0");
  CHECK(r->at("torch-vision") == "0.16.0");
  CHECK(r->at("requests") == "2.31.0");
  CHECK(r->at("pandas") == ">=2.0,<3");
  CHECK(r->at("tqdm") == "");
  CHECK(r->at("scipy") == "1.11.3");
}

TEST_CASE("record: Requirements keep editable and URL entries with their reference", "[record]") {
  auto r = ParsePipRequirements(
      "-e git+https://github.com/org/mylib.git@v1.2#egg=My_Lib\n"
      "--editable ./tools/featurizer\n"
      "https://files.example/wheels/fast_tok-0.3.1-py3-none-any.whl\n"
      "git+https://github.com/org/other-pkg.git@abc123\n"
      "localpkg @ file:///build/wheels/localpkg-2.0-py3-none-any.whl\n"
      "-e .\n");
  REQUIRE(r.ok());
  CHECK(r->at("my-lib") == "git+https://github.com/org/mylib.git@v1.2#egg=My_Lib");
  CHECK(r->at("featurizer") == "./tools/featurizer");
  CHECK(r->at("fast-tok") == "https://files.example/wheels/fast_tok-0.3.1-py3-none-any.whl");
  CHECK(r->at("other-pkg") == "git+https://github.com/org/other-pkg.git@abc123");
  CHECK(r->at("localpkg") == "file:///build/wheels/localpkg-2.0-py3-none-any.whl");
  CHECK(r->at(".") == ".");
  CHECK(r->size() == 6);
}

TEST_CASE("record: Pip freeze output parses into pinned versions", "[record]") {
  auto r = ParsePipRequirements(
      "certifi==2023.7.22\r\n"
      "charset-normalizer==3.3.0\r\n"
      "mypkg @ file:///home/ci/src/mypkg\r\n"
      "# Editable install with no version control (tool==0.1)\r\n"
      "-e /src/tool\r\n"
      "typing_extensions==4.8.0");  // no final newline
  REQUIRE(r.ok());
  CHECK(r->size() == 5);
  CHECK(r->at("certifi") == "2023.7.22");
  CHECK(r->at("charset-normalizer") == "3.3.0");
  CHECK(r->at("mypkg") == "file:///home/ci/src/mypkg");
  CHECK(r->at("tool") == "/src/tool");
  CHECK(r->at("typing-extensions") == "4.8.0");
}

TEST_CASE("record: A requirement without a valid name is INVALID_ARGUMENT naming the line", "[record]") {
  auto r = ParsePipRequirements("numpy==1.0\n\n!!bogus\n");
  REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(r.status().message()).find("line 3") != std::string::npos);
  CHECK(ParsePipRequirements("numpy 1.0\n").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParsePipRequirements("requests[security==1\n").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParsePipRequirements("-e\n").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("record: Conda environment with a nested pip list", "[record]") {
  auto r = ParseCondaEnvironment(R"(name: train
channels:
  - conda-forge
  - defaults
dependencies:
  - python=3.11.5=h955ad1f_0
  - numpy=1.26.0=py311h24aa872_0
  - conda-forge::pytorch=2.1.0
  - cudatoolkit 11.8.0 h6a678d5_0
  - scipy>=1.10
  - Pillow==10.0.1
  - pip
  - pip:
    - transformers==4.34.0
    - numpy==1.26.1  # pip installs last and wins
    - -e git+https://github.com/org/tok.git@v2#egg=tok
)");
  REQUIRE(r.ok());
  CHECK(r->at("python") == "3.11.5");
  CHECK(r->at("numpy") == "1.26.1");
  CHECK(r->at("pytorch") == "2.1.0");
  CHECK(r->at("cudatoolkit") == "11.8.0");
  CHECK(r->at("scipy") == ">=1.10");
  CHECK(r->at("pillow") == "10.0.1");
  CHECK(r->at("pip") == "");
  CHECK(r->at("transformers") == "4.34.0");
  CHECK(r->at("tok") == "git+https://github.com/org/tok.git@v2#egg=tok");
  CHECK(r->size() == 9);
}

TEST_CASE("record: Malformed conda environments are INVALID_ARGUMENT", "[record]") {
  auto bad_yaml = ParseEnvironmentFile("environment.yml", "dependencies:\n  - [numpy\n");
  REQUIRE(bad_yaml.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(bad_yaml.status().message()).find("environment.yml") != std::string::npos);
  CHECK(std::string(bad_yaml.status().message()).find("line") != std::string::npos);
  CHECK(ParseCondaEnvironment("dependencies: numpy\n").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseCondaEnvironment("dependencies:\n  - {conda: x}\n").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseCondaEnvironment("- numpy\n").status().code() ==
        absl::StatusCode::kInvalidArgument);
  auto empty = ParseCondaEnvironment("name: x\n");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("record: A pip list reused by aliases counts every use", "[record]") {
  // 2,000 pip lines reused 2,000 times: 4 million entries from 54 KB.
  std::string text = "shared: &p\n";
  for (int i = 0; i < 2000; ++i) text += "  - numpy==1.0\n";
  text += "dependencies:\n";
  for (int i = 0; i < 2000; ++i) text += "  - pip: *p\n";
  auto reused = ParseCondaEnvironment(text);
  REQUIRE(reused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(reused.status().message()).find("more than 10000 pip entries") !=
        std::string::npos);

  auto twice = ParseCondaEnvironment(
      "shared: &p [torch==2.1.0]\ndependencies:\n  - pip: *p\n  - pip: *p\n");
  REQUIRE(twice.ok());
  CHECK(twice->at("torch") == "2.1.0");
}

TEST_CASE("record: ParseEnvironmentFile picks the format by name and content", "[record]") {
  auto conda = ParseEnvironmentFile("env/environment.yaml", "dependencies:\n  - numpy=1.0\n");
  REQUIRE(conda.ok());
  CHECK(conda->at("numpy") == "1.0");
  auto pip = ParseEnvironmentFile("requirements.txt", "numpy==1.0\n");
  REQUIRE(pip.ok());
  CHECK(pip->at("numpy") == "1.0");
  auto guessed = ParseEnvironmentFile("deps", "name: x\ndependencies:\n  - numpy=2.0\n");
  REQUIRE(guessed.ok());
  CHECK(guessed->at("numpy") == "2.0");
  auto big = ParseEnvironmentFile("r.txt", std::string(kMaxEnvFileBytes + 1, '#'));
  CHECK(big.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("record: EnvDiff lists added and removed and changed packages sorted by name", "[record]") {
  PackageVersions a{{"numpy", "1.26.0"}, {"torch", "2.0.1"}, {"tqdm", "4.66.1"},
                    {"pandas", "2.1.0"}};
  PackageVersions b{{"numpy", "1.26.1"}, {"torch", "2.1.0"}, {"pandas", "2.1.0"},
                    {"accelerate", "0.23.0"}, {"wandb", "0.15.12"}};
  EnvDifference d = EnvDiff(a, b);
  REQUIRE(d.added.size() == 2);
  CHECK(d.added[0].name == "accelerate");
  CHECK(d.added[0].new_version == "0.23.0");
  CHECK(d.added[1].name == "wandb");
  REQUIRE(d.removed.size() == 1);
  CHECK(d.removed[0].name == "tqdm");
  CHECK(d.removed[0].old_version == "4.66.1");
  REQUIRE(d.changed.size() == 2);
  CHECK(d.changed[0].name == "numpy");
  CHECK(d.changed[0].old_version == "1.26.0");
  CHECK(d.changed[0].new_version == "1.26.1");
  CHECK(d.changed[1].name == "torch");
  CHECK(!d.empty());
  CHECK(EnvDiff(a, a).empty());
}

}  // namespace
}  // namespace mlvc::common
