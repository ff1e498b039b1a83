// Deterministic float32 exp/tanh/sigmoid: range reduction + fixed polynomials, no libm.
#include "core/math.h"

namespace tinyforge::math {
namespace {

float FromBits(uint32_t bits) {
  float value;
  __builtin_memcpy(&value, &bits, sizeof(value));
  return value;
}

// 2^k as a float for k in [-126, 127].
float PowerOfTwo(int32_t k) { return FromBits(static_cast<uint32_t>(k + 127) << 23); }

}  // namespace

// exp(x) = 2^k * exp(r), x = k*ln2 + r, |r| <= ln2/2.
// ln2 is split Cody-Waite style: kLn2High has 12 significant bits so k * kLn2High is exact for
// |k| <= 2^11, and x - k*kLn2High is then exact too (Sterbenz); kLn2Low carries the rest.
// exp(r) uses the Taylor polynomial to degree 7: the truncation error r^8/8! < 6e-9 relative.
float Exp(float x) {
  if (IsNan(x)) return x;
  if (x > 88.72283f) return FromBits(0x7F800000u);  // +inf
  if (x < -103.972f) return 0.0f;
  constexpr float kLog2E = 1.44269504088896341f;
  constexpr float kLn2High = 0.693145751953125f;      // 0x3F317200
  constexpr float kLn2Low = 1.428606765330187e-06f;   // ln2 - kLn2High
  const float scaled = x * kLog2E;
  const int32_t k = RoundToInt32(scaled);
  const float k_float = static_cast<float>(k);
  const float r = (x - k_float * kLn2High) - k_float * kLn2Low;
  // Horner, innermost first: 1 + r(1 + r/2(1 + r/3(1 + r/4(1 + r/5(1 + r/6(1 + r/7))))))
  float p = 1.0f + r * (1.0f / 7.0f);
  p = 1.0f + r * (1.0f / 6.0f) * p;
  p = 1.0f + r * (1.0f / 5.0f) * p;
  p = 1.0f + r * 0.25f * p;
  p = 1.0f + r * (1.0f / 3.0f) * p;
  p = 1.0f + r * 0.5f * p;
  p = 1.0f + r * p;
  // Scale by 2^k in two steps so neither factor leaves the normal range (k spans [-150, 128]).
  if (k > 127) return p * PowerOfTwo(127) * PowerOfTwo(k - 127);
  if (k < -126) return p * PowerOfTwo(k + 64) * PowerOfTwo(-64);
  return p * PowerOfTwo(k);
}

// Small |x|: the odd Taylor series to x^19 (next term < 1e-9 relative at |x| = 0.55), no
// cancellation. Larger |x|: 1 - 2/(e^2x + 1), whose cancellation costs < 1 bit above 0.55.
float Tanh(float x) {
  if (IsNan(x)) return x;
  const bool negative = x < 0.0f;
  const float a = negative ? -x : x;
  float result;
  if (a >= 9.1f) {
    result = 1.0f;
  } else if (a < 0.55f) {
    constexpr float kC[] = {-0.333333333333333333f, 0.133333333333333333f,
                            -0.053968253968253968f, 0.021869488536155203f,
                            -0.008863235529902197f, 0.003592128036572481f,
                            -0.001455834387051318f, 0.000590027440945586f,
                            -0.000239129114243552f};
    const float a2 = a * a;
    float p = kC[8];
    for (int i = 7; i >= 0; --i) p = kC[i] + a2 * p;
    result = a + a * (a2 * p);
  } else {
    const float e = Exp(2.0f * a);
    result = 1.0f - 2.0f / (e + 1.0f);
  }
  return negative ? -result : result;
}

// For x >= 0: 1/(1 + e^-x). For x < 0: e^x/(1 + e^x), which keeps full relative accuracy for
// tiny results instead of computing 1 - (something close to 1).
float Sigmoid(float x) {
  if (IsNan(x)) return x;
  if (x >= 0.0f) return 1.0f / (1.0f + Exp(-x));
  const float e = Exp(x);
  return e / (1.0f + e);
}

int32_t RoundToInt32(float x) {
  if (IsNan(x)) return 0;
  if (x >= 2147483520.0f) return INT32_MAX;  // largest float below 2^31
  if (x <= -2147483648.0f) return INT32_MIN;
  // |x| < 2^31 here, so the truncating conversion is defined.
  const int32_t truncated = static_cast<int32_t>(x);
  if (x >= 8388608.0f || x <= -8388608.0f) return truncated;  // already an integer (>= 2^23)
  const float fraction = x - static_cast<float>(truncated);  // exact below 2^23
  if (fraction >= 0.5f) return truncated + 1;
  if (fraction <= -0.5f) return truncated - 1;
  return truncated;
}

}  // namespace tinyforge::math
