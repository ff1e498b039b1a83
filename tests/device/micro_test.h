// A gtest-like shim for device tests that run under QEMU: no heap, no stdio, output through
// semihosting, and the exit code tells ctest pass (0) or fail (1).
//
//   TF_TEST(LoaderDevice, LoadsValidBlob) { TF_EXPECT_EQ(1 + 1, 2); }
//   int main() { return tinyforge::micro_test::RunAll(); }
#ifndef TINYFORGE_TESTS_DEVICE_MICRO_TEST_H_
#define TINYFORGE_TESTS_DEVICE_MICRO_TEST_H_

#include <stdint.h>

#include "m4bench.h"

namespace tinyforge::micro_test {

using TestFunction = void (*)();
struct TestCase {
  const char* suite;
  const char* name;
  TestFunction function;
};

inline constexpr int kMaxTests = 256;
inline TestCase g_tests[kMaxTests];
inline int g_test_count = 0;
inline int g_failures_in_current = 0;

struct Registrar {
  Registrar(const char* suite, const char* name, TestFunction function) {
    if (g_test_count < kMaxTests) g_tests[g_test_count++] = TestCase{suite, name, function};
  }
};

inline void ReportFailure(const char* file, int line, const char* expression) {
  ++g_failures_in_current;
  m4_puts("  FAILED ");
  m4_puts(file);
  m4_puts(":");
  m4_put_i32(line);
  m4_puts(": ");
  m4_puts(expression);
  m4_puts("\n");
}

inline int RunAll() {
  int failed_tests = 0;
  for (int i = 0; i < g_test_count; ++i) {
    g_failures_in_current = 0;
    g_tests[i].function();
    m4_puts(g_failures_in_current == 0 ? "[ PASS ] " : "[ FAIL ] ");
    m4_puts(g_tests[i].suite);
    m4_puts(".");
    m4_puts(g_tests[i].name);
    m4_puts("\n");
    if (g_failures_in_current != 0) ++failed_tests;
  }
  m4_put_i32(g_test_count - failed_tests);
  m4_puts(" passed, ");
  m4_put_i32(failed_tests);
  m4_puts(" failed\n");
  return (failed_tests == 0 && g_test_count > 0) ? 0 : 1;
}

}  // namespace tinyforge::micro_test

#define TF_TEST(suite, name)                                                               \
  static void suite##_##name##_Test();                                                     \
  static ::tinyforge::micro_test::Registrar suite##_##name##_registrar(#suite, #name,      \
                                                                       suite##_##name##_Test); \
  static void suite##_##name##_Test()

#define TF_EXPECT_TRUE(condition)                                                       \
  do {                                                                                  \
    if (!(condition)) ::tinyforge::micro_test::ReportFailure(__FILE__, __LINE__, #condition); \
  } while (0)
#define TF_EXPECT_EQ(a, b) TF_EXPECT_TRUE((a) == (b))
#define TF_EXPECT_NEAR(a, b, tolerance) \
  TF_EXPECT_TRUE(((a) - (b)) <= (tolerance) && ((b) - (a)) <= (tolerance))
#define TF_ASSERT_TRUE(condition)                                                       \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      ::tinyforge::micro_test::ReportFailure(__FILE__, __LINE__, #condition);           \
      return;                                                                           \
    }                                                                                   \
  } while (0)

#endif  // TINYFORGE_TESTS_DEVICE_MICRO_TEST_H_
