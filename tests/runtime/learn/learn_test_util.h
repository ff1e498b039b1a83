// Test helpers for TinyOL: a RAM flash with power-loss injection and a synthetic feature stream.
#ifndef TINYFORGE_TESTS_RUNTIME_LEARN_LEARN_TEST_UTIL_H_
#define TINYFORGE_TESTS_RUNTIME_LEARN_LEARN_TEST_UTIL_H_

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "tinyforge/learn.h"

namespace tinyforge::learn::testing {

// Two NOR-like slots: erase sets 0xFF, write ANDs bits in. After `write_budget` bytes have been
// written the power "fails": the failing write stores the bytes up to the budget and every later
// call fails, as on a device that browns out mid-write.
class RamFlash {
 public:
  explicit RamFlash(uint32_t slot_bytes) : slots_{std::vector<uint8_t>(slot_bytes, 0xFF),
                                                  std::vector<uint8_t>(slot_bytes, 0xFF)} {}
  FlashPort Port() {
    return FlashPort{this, &RamFlash::Read, &RamFlash::Write, &RamFlash::Erase,
                     static_cast<uint32_t>(slots_[0].size())};
  }
  void SetWriteBudget(int64_t bytes) { budget_ = bytes; power_lost_ = false; }
  void RestorePower() { budget_ = -1; power_lost_ = false; }
  std::vector<uint8_t>& slot(int index) { return slots_[index]; }
  uint64_t bytes_written() const { return bytes_written_; }
  int read_failures_left = 0;  // > 0: the next reads fail

 private:
  static int Read(void* context, uint8_t slot, uint32_t offset, void* data, uint32_t bytes) {
    auto* self = static_cast<RamFlash*>(context);
    if (self->power_lost_ || slot > 1 || uint64_t{offset} + bytes > self->slots_[slot].size())
      return -1;
    if (self->read_failures_left > 0) {
      --self->read_failures_left;
      return -1;
    }
    std::memcpy(data, self->slots_[slot].data() + offset, bytes);
    return 0;
  }
  static int Write(void* context, uint8_t slot, uint32_t offset, const void* data,
                   uint32_t bytes) {
    auto* self = static_cast<RamFlash*>(context);
    if (self->power_lost_ || slot > 1 || uint64_t{offset} + bytes > self->slots_[slot].size())
      return -1;
    const auto* in = static_cast<const uint8_t*>(data);
    for (uint32_t i = 0; i < bytes; ++i) {
      if (self->budget_ == 0) {
        self->power_lost_ = true;
        return -1;
      }
      if (self->budget_ > 0) --self->budget_;
      self->slots_[slot][offset + i] &= in[i];
      ++self->bytes_written_;
    }
    return 0;
  }
  static int Erase(void* context, uint8_t slot) {
    auto* self = static_cast<RamFlash*>(context);
    if (self->power_lost_ || slot > 1) return -1;
    std::fill(self->slots_[slot].begin(), self->slots_[slot].end(), uint8_t{0xFF});
    return 0;
  }

  std::vector<uint8_t> slots_[2];
  int64_t budget_ = -1;  // -1 = unlimited
  bool power_lost_ = false;
  uint64_t bytes_written_ = 0;
};

// Gaussian clusters, one per class, then an affine distortion per feature (offsets up to ±50,
// scales 0.1..20) so that only a standardized learner can use every feature equally.
class ClusterStream {
 public:
  ClusterStream(uint32_t features, uint32_t classes, float separation, uint32_t seed)
      : features_(features), random_(seed) {
    std::normal_distribution<float> normal(0.0f, separation);
    std::uniform_real_distribution<float> offset(-50.0f, 50.0f), scale(0.1f, 20.0f);
    means_.resize(classes * features);
    for (float& m : means_) m = normal(random_);
    offsets_.resize(features);
    scales_.resize(features);
    for (uint32_t j = 0; j < features; ++j) {
      offsets_[j] = offset(random_);
      scales_[j] = scale(random_);
    }
  }
  std::vector<float> Sample(uint32_t label) {
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<float> x(features_);
    for (uint32_t j = 0; j < features_; ++j)
      x[j] = offsets_[j] + scales_[j] * (means_[label * features_ + j] + noise(random_));
    return x;
  }
  std::mt19937& random() { return random_; }
  uint32_t Next(uint32_t bound) { return static_cast<uint32_t>(random_() % bound); }

 private:
  uint32_t features_;
  std::mt19937 random_;
  std::vector<float> means_, offsets_, scales_;
};

}  // namespace tinyforge::learn::testing

#endif  // TINYFORGE_TESTS_RUNTIME_LEARN_LEARN_TEST_UTIL_H_
