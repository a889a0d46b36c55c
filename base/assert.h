#pragma once
// Assertions are for bugs, never for user input.
// CRM_ASSERT is always on (invariants whose violation would corrupt data, e.g. a gap in the log);
// CRM_DASSERT only in debug builds.

#include <cstdio>
#include <cstdlib>

#define CRM_ASSERT(cond, msg)                                                                    \
  do {                                                                                           \
    if (!(cond)) [[unlikely]] {                                                                  \
      std::fprintf(stderr, "%s:%d: assertion failed: %s: %s\n", __FILE__, __LINE__, #cond, msg); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

#ifdef NDEBUG
#define CRM_DASSERT(cond, msg) \
  do {                         \
  } while (0)
#else
#define CRM_DASSERT(cond, msg) CRM_ASSERT(cond, msg)
#endif
