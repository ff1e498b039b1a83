// DSP features on the Cortex-M4 (QEMU): synthetic signals against a double-precision reference
// computed here on the device, and real CWRU windows against the host toolchain's feature matrix.
#include <stdint.h>
#include <string.h>

#include "m4bench.h"
#include "micro_test.h"
#include "tests/data/cwru_windows.h"
#include "tests/runtime/dsp/dsp_reference.h"
#include "tinyforge/dsp.h"

namespace {

using namespace tinyforge::dsp;  // NOLINT: test file
using tinyforge::Status;

constexpr uint32_t kMaxN = 1024;
float g_signal[kMaxN];
float g_features[kMaxBands + 8];
float g_scratch[kMaxN / 2 + 1 + 2 * kMaxN + kMaxN / 4 + 1];
double g_cos_table[kMaxN];
double g_power[kMaxN / 2 + 1];
double g_expected[kMaxBands + 8];

FeatureConfig Config(uint32_t n, uint8_t hann) {
  FeatureConfig config;
  config.feature_mask = kAllFeaturesMask;
  config.window_size = n;
  config.window_stride = n / 2;
  config.sample_rate_hz = 12000.0f;
  config.band_count = 7;
  config.band_low_hz = 100.0f;
  config.band_high_hz = 5000.0f;
  config.hann_window = hann;
  return config;
}

// Two tones + offset + noise + impulses. The tones use our own sin so the test needs no libm
// for the input; the reference below uses newlib's double cos.
void MakeSignal(uint32_t n, uint32_t seed, float offset) {
  reference::Random random{seed};
  for (uint32_t t = 0; t < n; ++t) {
    float s1 = 0.0f, s2 = 0.0f, unused = 0.0f;
    SinCosOfFraction(37 * t, n, &s1, &unused);
    SinCosOfFraction(266 * t, n, &s2, &unused);
    g_signal[t] = offset + 0.8f * s1 + 0.3f * s2 + 0.2f * random.Uniform();
    if (t % 97 == 5) g_signal[t] += 2.5f;
  }
}

// Same tolerance policy as the host test (tests/runtime/dsp/features_test.cpp).
bool AgreesWithReference(const FeatureConfig& config, uint32_t count) {
  const reference::TimeStats stats = reference::Moments(g_signal, config.window_size);
  double total_power = 0.0;
  for (uint32_t k = 0; k <= config.window_size / 2; ++k) total_power += g_power[k];
  bool all = true;
  uint32_t index = 0;
  for (uint32_t bit = 0; bit < 9; ++bit) {
    if ((config.feature_mask & (1u << bit)) == 0) continue;
    const uint32_t slots = bit == 7 ? config.band_count : 1;
    double floor = 0.0;
    if (bit == 0) floor = stats.rms;
    if (bit == 6) floor = 1.0;
    if (bit == 7) floor = 1e-3 * total_power;
    if (bit == 8) floor = config.sample_rate_hz / 2000.0;
    for (uint32_t s = 0; s < slots; ++s, ++index) {
      if (!reference::Agrees(g_features[index], g_expected[index], floor)) {
        m4_puts("  mismatch at feature ");
        m4_put_u32(index);
        m4_puts("\n");
        all = false;
      }
    }
  }
  return all && index == count;
}

void CheckSynthetic(uint32_t n, uint8_t hann, uint32_t seed, float offset) {
  const FeatureConfig config = Config(n, hann);
  const uint32_t count = FeatureCount(config);
  TF_ASSERT_TRUE(count == 7 + 7 + 1);
  TF_ASSERT_TRUE(FeatureScratchFloats(config) <= sizeof(g_scratch) / sizeof(float));
  MakeSignal(n, seed, offset);
  const ScratchBuffer scratch{g_scratch, sizeof(g_scratch) / sizeof(float)};
  m4bench_begin();
  const Status status = ComputeFeatures(config, g_signal, n, g_features, count, scratch);
  m4bench_end_label(n == 1024 ? "features_1024" : "features_small");
  TF_ASSERT_TRUE(status == Status::kOk);
  TF_EXPECT_EQ(reference::Features(config, g_signal, g_cos_table, g_power, g_expected), count);
  TF_EXPECT_TRUE(AgreesWithReference(config, count));
}

TF_TEST(DspDevice, FeaturesOf256SampleHannWindowMatchDoubleReference) {
  CheckSynthetic(256, 1, 42u, 0.05f);
}

TF_TEST(DspDevice, FeaturesOf512SampleRectangularWindowMatchDoubleReference) {
  CheckSynthetic(512, 0, 7u, -1.5f);
}

TF_TEST(DspDevice, FeaturesOf1024SampleWindowMatchDoubleReference) {
  CheckSynthetic(1024, 1, 3u, 0.2f);
}

TF_TEST(DspDevice, ProcessWindowFillsGapsAndFlagsLongOnes) {
  FeatureConfig config = Config(256, 1);
  config.max_gap = 3;
  MakeSignal(256, 5u, 0.0f);
  const float nan = __builtin_nanf("");
  g_signal[40] = g_signal[41] = nan;
  bool usable = false;
  const ScratchBuffer scratch{g_scratch, sizeof(g_scratch) / sizeof(float)};
  TF_EXPECT_TRUE(ProcessWindow(config, g_signal, 256, g_features, kMaxBands + 8, scratch,
                               &usable) == Status::kOk);
  TF_EXPECT_TRUE(usable);
  for (int i = 50; i < 54; ++i) g_signal[i] = nan;
  TF_EXPECT_TRUE(ProcessWindow(config, g_signal, 256, g_features, kMaxBands + 8, scratch,
                               &usable) == Status::kOk);
  TF_EXPECT_TRUE(!usable);
}

// The host toolchain (toolchain/preprocess) computed cwru_windows.h's features from the same
// windows; the device must reproduce them bit for bit (same code, same IEEE float operations).
TF_TEST(DspDevice, CwruWindowFeaturesEqualTheHostFeatureMatrixBitForBit) {
  const FeatureConfig config = tinyforge::testdata::CwruFixtureConfig();
  const uint32_t count = FeatureCount(config);
  TF_ASSERT_TRUE(count == tinyforge::testdata::kCwruFeatureCount);
  const ScratchBuffer scratch{g_scratch, sizeof(g_scratch) / sizeof(float)};
  uint32_t differing = 0;
  for (uint32_t w = 0; w < tinyforge::testdata::kCwruWindowCount; ++w) {
    memcpy(g_signal, tinyforge::testdata::kCwruWindowBits[w], sizeof(float) * config.window_size);
    bool usable = false;
    TF_ASSERT_TRUE(ProcessWindow(config, g_signal, config.window_size, g_features, count, scratch,
                                 &usable) == Status::kOk);
    TF_ASSERT_TRUE(usable);
    for (uint32_t f = 0; f < count; ++f) {
      uint32_t bits = 0;
      memcpy(&bits, &g_features[f], sizeof(bits));
      if (bits != tinyforge::testdata::kCwruFeatureBits[w][f]) ++differing;
      const float expected = tinyforge::testdata::CwruFeature(w, f);
      TF_EXPECT_TRUE(reference::Agrees(g_features[f], expected, 1e-6));
    }
  }
  m4_kv_u32("cwru_features_not_bit_identical", differing);
  TF_EXPECT_EQ(differing, 0u);
}

}  // namespace

int main() { return tinyforge::micro_test::RunAll(); }
