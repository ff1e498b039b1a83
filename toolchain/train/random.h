// Portable deterministic randomness for training: std::mt19937's raw output is fixed by the
// standard, but std::*_distribution is not, so every distribution here is written out.
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_RANDOM_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_RANDOM_H_

#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace tinyforge::toolchain {

class Rng {
 public:
  explicit Rng(uint32_t seed) : engine_(seed) {}

  uint32_t NextU32() { return static_cast<uint32_t>(engine_()); }

  // Uniform in [0, 1) with 53 random bits (two engine draws).
  double Uniform01() {
    const uint64_t high = NextU32() >> 5;  // 27 bits
    const uint64_t low = NextU32() >> 6;   // 26 bits
    return static_cast<double>((high << 26) | low) * (1.0 / 9007199254740992.0);
  }
  double Uniform(double low, double high) { return low + (high - low) * Uniform01(); }

  // Standard normal by Box–Muller; the second value of each pair is kept for the next call.
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - Uniform01();  // (0, 1]: log is finite
    const double u2 = Uniform01();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    spare_ = radius * std::sin(kTwoPi * u2);
    has_spare_ = true;
    return radius * std::cos(kTwoPi * u2);
  }

  // Uniform integer in [0, bound), bound >= 1, unbiased (rejection of the short last bucket).
  uint32_t Below(uint32_t bound) {
    const uint64_t range = uint64_t{1} << 32;
    const uint64_t limit = range - range % bound;
    uint64_t draw;
    do {
      draw = NextU32();
    } while (draw >= limit);
    return static_cast<uint32_t>(draw % bound);
  }

  // Fisher–Yates.
  template <typename T>
  void Shuffle(std::vector<T>& values) {
    for (size_t i = values.size(); i > 1; --i) {
      const size_t j = Below(static_cast<uint32_t>(i));
      std::swap(values[i - 1], values[j]);
    }
  }

 private:
  std::mt19937 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_RANDOM_H_
