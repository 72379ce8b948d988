// Assertions for end-to-end tests that show the whole command, its exit code and its output
// when they fail.
#pragma once

#include <catch2/catch.hpp>

#include "tests/e2e/support/process.h"

// Runs `mlvc ARGS...` as `client` in `cwd`, requires exit code `code`, yields the result.
#define MLVC_EXPECT(code, client, cwd, ...)                       \
  ([&] {                                                          \
    ::mlvc::testing::ProcessResult r_ = (client).Run((cwd), {__VA_ARGS__}); \
    INFO(r_.Describe());                                          \
    REQUIRE(r_.exit_code == (code));                              \
    return r_;                                                    \
  }())

#define MLVC_OK(client, cwd, ...) MLVC_EXPECT(0, client, cwd, __VA_ARGS__)

// For a refused command: exit `code` and one `mlvc: ` sentence on stderr, nothing changed.
#define MLVC_REFUSED(code, client, cwd, ...)                      \
  ([&] {                                                          \
    ::mlvc::testing::ProcessResult r_ = (client).Run((cwd), {__VA_ARGS__}); \
    INFO(r_.Describe());                                          \
    REQUIRE(r_.exit_code == (code));                              \
    REQUIRE(r_.err.rfind("mlvc: ", 0) == 0);                      \
    return r_;                                                    \
  }())
