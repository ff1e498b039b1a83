// Deterministic float32 math (exp, tanh, sigmoid, rounding) with no libm, so that the host and the
// Cortex-M4 compute bit-identical activations (the runtime is built with -ffp-contract=off).
//
// Every function is a fixed sequence of IEEE-754 single-precision +, -, *, / (each correctly
// rounded on both targets) and integer bit operations; no library call, no FMA, no x87.
//
// Accuracy (tests/runtime/kernels/math_test.cpp, against long double libm; measured / asserted):
//   Exp      max relative error 9.7e-8 / 2e-7 on [-87, 88] (Cody-Waite ln2 split + degree-7 Taylor)
//   Tanh     max relative error 1.7e-7 / 3e-7 on [-20, 20] (odd Taylor below 0.55, else
//            1 - 2/(e^2x + 1))
//   Sigmoid  max relative error 1.8e-7 / 3e-7 on [-80, 80]
// (float32 epsilon is 1.19e-7, so these are within ~1.5 ulp.) Subnormal exp results are within
// one subnormal step.
#ifndef TINYFORGE_CORE_MATH_H_
#define TINYFORGE_CORE_MATH_H_

#include <stdint.h>

namespace tinyforge::math {

// e^x. Returns +inf above 88.72 (overflow), 0 below -103.9 (underflow), NaN for NaN.
float Exp(float x);
// Hyperbolic tangent; ±1 beyond |x| >= 9.1 (where float32 tanh rounds to ±1), NaN for NaN.
float Tanh(float x);
// 1 / (1 + e^-x), evaluated without cancellation on both sides; NaN for NaN.
float Sigmoid(float x);

// Rounds half away from zero (like std::round) and converts, saturating to [INT32_MIN, INT32_MAX];
// NaN gives 0. Deterministic and free of undefined float->int conversions.
int32_t RoundToInt32(float x);

inline bool IsNan(float x) { return x != x; }
inline bool IsFinite(float x) { return x == x && x - x == 0.0f; }

}  // namespace tinyforge::math

#endif  // TINYFORGE_CORE_MATH_H_
