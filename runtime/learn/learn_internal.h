// Internals of TinyOL shared by learner.cpp, persistence.cpp and the tests: the small float
// kernels (logits, masked softmax, SGD step, Welford) and the ring-buffer slot states.
#ifndef TINYFORGE_LEARN_LEARN_INTERNAL_H_
#define TINYFORGE_LEARN_LEARN_INTERNAL_H_

#include <stdint.h>
#include <string.h>

namespace tinyforge::learn::internal {

inline constexpr uint32_t kMaxClassesLimit = 64;      // matches ConfigCapacitiesValid
inline constexpr uint32_t kMaxFeaturesOnStack = 256;  // Predict standardizes into a stack buffer

// pending_state values of one ring-buffer slot.
inline constexpr uint32_t kSlotFree = 0;
inline constexpr uint32_t kSlotPending = 1;
inline constexpr uint32_t kSlotResolved = 2;  // labelled or discarded
inline constexpr uint32_t kSlotExpired = 3;

// Bit test, so it holds under any float flags (no reliance on isfinite with fast-math).
inline bool IsFinite(float x) {
  uint32_t bits = 0;
  memcpy(&bits, &x, sizeof(bits));
  return (bits & 0x7F800000u) != 0x7F800000u;
}

// logits[k] = bias[k] + Σ_j weights[k][j]·x[j] for k < classes (row-major weights).
void Logits(const float* weights, const float* bias, const float* x, uint32_t features,
            uint32_t classes, float* logits);

// Softmax over the classes with trained[k] > 0 (others get probability 0). Returns the arg max
// among them, or -1 when no class is trained yet.
int32_t MaskedSoftmax(const float* logits, const uint32_t* trained, uint32_t classes,
                      float* probabilities);

// One SGD step on a row: g_j = gradient·x_j + l2·w_j (bias: gradient only); with a velocity row
// (features + 1 floats, bias last): v ← momentum·v + g, w ← w − rate·v; else w ← w − rate·g.
void SgdStep(float* weights, float* bias, float* velocity, const float* x, uint32_t features,
             float gradient, float rate, float momentum, float l2);

// Per-feature Welford update of mean/M2 with a count cap (see RunningStat). Returns the new count.
float WelfordUpdate(const float* x, uint32_t features, float count, float max_count, float* mean,
                    float* m2);

// e^x and ln(x) from +, -, *, / only (no libm): the same bits on the host and the Cortex-M4, so
// a stream replayed on the device trains exactly like on the host. Relative error < 4e-7.
// ExpF: 0 below -87.3, clamped at x = 88. LogF: x must be a positive normal float (else -88).
float ExpF(float x);
float LogF(float x);

// CRC-32 (IEEE 802.3, reflected, as zlib) continued from crc (start with 0).
uint32_t Crc32(uint32_t crc, const void* data, uint32_t bytes);

}  // namespace tinyforge::learn::internal

#endif  // TINYFORGE_LEARN_LEARN_INTERNAL_H_
