// MaxPool2D, AveragePool2D and GlobalAveragePool op adapters against straightforward loops.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "op_test_support.h"

namespace tinyforge {
namespace {

using testing::OpHarness;
using testing::RandomValues;

format::Pool2DParams PoolParams(uint16_t filter, uint16_t stride, uint16_t pad,
                                uint8_t activation = 0) {
  format::Pool2DParams p{};
  p.activation = activation;
  p.filter_height = p.filter_width = filter;
  p.stride_height = p.stride_width = stride;
  p.pad_top = p.pad_left = pad;
  return p;
}

// Independent pool over valid elements only (SAME padding excluded), in double.
std::vector<double> PoolReference(const std::vector<double>& in, uint32_t batch, uint32_t h,
                                  uint32_t w, uint32_t c, uint32_t filter, uint32_t stride,
                                  uint32_t pad, uint32_t out_h, uint32_t out_w, bool max) {
  std::vector<double> out;
  for (uint32_t b = 0; b < batch; ++b)
    for (uint32_t oy = 0; oy < out_h; ++oy)
      for (uint32_t ox = 0; ox < out_w; ++ox)
        for (uint32_t ch = 0; ch < c; ++ch) {
          double acc = max ? -1e300 : 0.0;
          int count = 0;
          for (uint32_t ky = 0; ky < filter; ++ky)
            for (uint32_t kx = 0; kx < filter; ++kx) {
              const int64_t y = int64_t(oy) * stride + ky - pad;
              const int64_t x = int64_t(ox) * stride + kx - pad;
              if (y < 0 || x < 0 || y >= h || x >= w) continue;
              const double v = in[((size_t(b) * h + y) * w + x) * c + ch];
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          out.push_back(max ? acc : acc / count);
        }
  return out;
}

TEST(PoolingOpTest, FloatHandChecked2x2) {
  OpHarness h;
  h.Input<float>({1, 2, 4, 1}, {1, 5, 2, 0, -3, 4, 8, 6});
  h.Output<float>({1, 1, 2, 1});
  h.SetParams(PoolParams(2, 2, 0));
  ASSERT_EQ(h.Run(ops::kMaxPool2D), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{5, 8}));
  ASSERT_EQ(h.Run(ops::kAveragePool2D), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{1.75f, 4.0f}));
}

TEST(PoolingOpTest, RandomFloatAndInt8MatchReference) {
  testing::Rng rng(51);
  for (int trial = 0; trial < 40; ++trial) {
    const uint32_t batch = 1 + rng() % 2, h = 2 + rng() % 6, w = 2 + rng() % 6, c = 1 + rng() % 3;
    const uint32_t filter = 1 + rng() % 3, stride = 1 + rng() % 2;
    const uint32_t pad = trial % 2 == 0 ? 0 : (filter - 1) / 2;
    const uint32_t pad_after = trial % 2 == 0 ? 0 : (filter - 1) - pad;
    if (h + pad + pad_after < filter || w + pad + pad_after < filter) continue;
    const uint32_t out_h = (h + pad + pad_after - filter) / stride + 1;
    const uint32_t out_w = (w + pad + pad_after - filter) / stride + 1;
    const bool max = trial % 4 < 2;
    const OpRegistration& op = max ? ops::kMaxPool2D : ops::kAveragePool2D;
    const size_t count = size_t(batch) * h * w * c;

    const auto x = RandomValues<float>(rng, count, -3, 3);
    OpHarness f;
    f.Input<float>({batch, h, w, c}, x);
    f.Output<float>({batch, out_h, out_w, c});
    f.SetParams(PoolParams(uint16_t(filter), uint16_t(stride), uint16_t(pad)));
    ASSERT_EQ(f.Run(op), Status::kOk);
    const auto expected = PoolReference(std::vector<double>(x.begin(), x.end()), batch, h, w, c,
                                        filter, stride, pad, out_h, out_w, max);
    const auto got = f.OutputValues<float>();
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5);

    const auto q = RandomValues<int8_t>(rng, count, -128, 127);
    OpHarness s;
    s.Quantize(s.Input<int8_t>({batch, h, w, c}, q), 0.1f, 3);
    s.Quantize(s.Output<int8_t>({batch, out_h, out_w, c}), 0.1f, 3);
    s.SetParams(PoolParams(uint16_t(filter), uint16_t(stride), uint16_t(pad)));
    ASSERT_EQ(s.Run(op), Status::kOk);
    const auto q_expected = PoolReference(std::vector<double>(q.begin(), q.end()), batch, h, w,
                                          c, filter, stride, pad, out_h, out_w, max);
    const auto q_got = s.OutputValues<int8_t>();
    for (size_t i = 0; i < q_got.size(); ++i) {
      // Exact: max is a max, average rounds half away from zero (std::round does too).
      EXPECT_EQ(q_got[i], static_cast<int8_t>(std::round(q_expected[i]))) << i;
    }
  }
}

TEST(PoolingOpTest, Int8FusedReluClampsAtZeroPoint) {
  OpHarness h;
  h.Quantize(h.Input<int8_t>({1, 1, 2, 1}, {-100, 50}), 0.5f, -10);
  h.Quantize(h.Output<int8_t>({1, 1, 2, 1}), 0.5f, -10);
  h.SetParams(PoolParams(1, 1, 0, 1));
  ASSERT_EQ(h.Run(ops::kMaxPool2D), Status::kOk);
  EXPECT_EQ(h.OutputValues<int8_t>(), (std::vector<int8_t>{-10, 50}));
}

TEST(PoolingOpTest, PrepareRejections) {
  auto make = [](OpHarness& h) {
    h.Quantize(h.Input<int8_t>({1, 4, 4, 2}, std::vector<int8_t>(32, 0)), 0.1f, 0);
    h.Quantize(h.Output<int8_t>({1, 2, 2, 2}), 0.1f, 0);
    h.SetParams(PoolParams(2, 2, 0));
  };
  {
    OpHarness h;
    make(h);
    EXPECT_EQ(h.Prepare(ops::kMaxPool2D), Status::kOk);
  }
  {
    OpHarness h;
    make(h);
    h.Quantize(h.context.output, 0.2f, 0);  // pools do not rescale
    EXPECT_EQ(h.Prepare(ops::kAveragePool2D), Status::kQuantizationMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.SetParams(PoolParams(2, 0, 0));
    EXPECT_EQ(h.Prepare(ops::kMaxPool2D), Status::kBadParams);
  }
  {
    OpHarness h;
    make(h);
    h.SetParams(PoolParams(2, 1, 0));  // stride 1 gives 3x3
    EXPECT_EQ(h.Prepare(ops::kMaxPool2D), Status::kShapeMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.context.output.dims[3] = 3;
    EXPECT_EQ(h.Prepare(ops::kMaxPool2D), Status::kShapeMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.context.output.dtype = DType::kFloat32;
    EXPECT_EQ(h.Prepare(ops::kMaxPool2D), Status::kDTypeMismatch);
  }
  {
    OpHarness h;
    make(h);
    h.context.params_bytes = 4;
    EXPECT_EQ(h.Prepare(ops::kMaxPool2D), Status::kBadParams);
  }
  {
    OpHarness h;
    make(h);
    h.context.input_count = 2;
    EXPECT_EQ(h.Prepare(ops::kMaxPool2D), Status::kBadOpArity);
  }
}

TEST(GlobalAveragePoolOpTest, FloatAndInt8MatchReferenceInBothOutputLayouts) {
  testing::Rng rng(61);
  for (int trial = 0; trial < 20; ++trial) {
    const uint32_t batch = 1 + rng() % 2, h = 1 + rng() % 5, w = 1 + rng() % 5, c = 1 + rng() % 4;
    const std::vector<uint32_t> out_dims =
        trial % 2 == 0 ? std::vector<uint32_t>{batch, c} : std::vector<uint32_t>{batch, 1, 1, c};
    const auto x = RandomValues<float>(rng, size_t(batch) * h * w * c, -2, 2);
    OpHarness f;
    f.Input<float>({batch, h, w, c}, x);
    f.Output<float>(out_dims);
    ASSERT_EQ(f.Run(ops::kGlobalAveragePool), Status::kOk);
    const auto q = RandomValues<int8_t>(rng, x.size(), -128, 127);
    const float in_scale = 0.05f, out_scale = trial % 3 == 0 ? 0.05f : 0.02f;
    const int32_t in_zp = -7, out_zp = 4;
    OpHarness s;
    s.Quantize(s.Input<int8_t>({batch, h, w, c}, q), in_scale, in_zp);
    s.Quantize(s.Output<int8_t>(out_dims), out_scale, out_zp);
    ASSERT_EQ(s.Run(ops::kGlobalAveragePool), Status::kOk);
    const auto got = f.OutputValues<float>();
    const auto q_got = s.OutputValues<int8_t>();
    for (uint32_t b = 0; b < batch; ++b)
      for (uint32_t ch = 0; ch < c; ++ch) {
        double sum = 0, q_sum = 0;
        for (uint32_t i = 0; i < h * w; ++i) {
          sum += x[(size_t(b) * h * w + i) * c + ch];
          q_sum += in_scale * (q[(size_t(b) * h * w + i) * c + ch] - in_zp);
        }
        EXPECT_NEAR(got[b * c + ch], sum / (h * w), 1e-5);
        const int32_t expected = testing::QuantizeExpected(q_sum / (h * w), out_scale, out_zp);
        EXPECT_LE(std::abs(q_got[b * c + ch] - expected), 1);
      }
  }
}

TEST(GlobalAveragePoolOpTest, AcceptsRank3AndRejectsBadOutputs) {
  OpHarness h;
  h.Input<float>({1, 3, 2}, {1, 2, 3, 4, 5, 6});
  h.Output<float>({1, 2});
  ASSERT_EQ(h.Run(ops::kGlobalAveragePool), Status::kOk);
  EXPECT_EQ(h.OutputValues<float>(), (std::vector<float>{3, 4}));
  h.context.output.dims[1] = 3;
  EXPECT_EQ(h.Prepare(ops::kGlobalAveragePool), Status::kShapeMismatch);
  h.context.output.rank = 3;
  h.context.output.dims[1] = 2;
  h.context.output.dims[2] = 2;
  EXPECT_EQ(h.Prepare(ops::kGlobalAveragePool), Status::kShapeMismatch);  // spatial must be 1
  h.context.output.dims[1] = 1;
  EXPECT_EQ(h.Prepare(ops::kGlobalAveragePool), Status::kOk);
  h.context.output.dtype = DType::kInt8;
  EXPECT_EQ(h.Prepare(ops::kGlobalAveragePool), Status::kDTypeMismatch);
}

}  // namespace
}  // namespace tinyforge
