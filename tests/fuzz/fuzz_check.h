// FUZZ_CHECK: the invariants the fuzz targets assert. A failed check prints the condition
// and aborts, which libFuzzer reports as a crash (and saves the input) and which fails the
// CTest replay of the corpora in the gcc builds. Plain assert() would vanish under NDEBUG.
// Requires: nothing. Used by: tests/fuzz/*_fuzz.cc.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                          \
  do {                                                                                 \
    if (!(condition)) {                                                                \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__,     \
                   #condition);                                                        \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)
