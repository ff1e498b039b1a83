// Synthetic dataset generators (see synthetic.h).
#include "toolchain/train/synthetic.h"

#include <cmath>

namespace tinyforge::toolchain {
namespace {
constexpr double kPi = 3.14159265358979323846;
}

Dataset MakeGaussianBlobs(size_t rows_per_class, int classes, size_t dims, float separation,
                          uint32_t seed) {
  Rng rng(seed);
  std::vector<float> centres(static_cast<size_t>(classes) * dims);
  for (float& value : centres) value = static_cast<float>(rng.Uniform(-separation, separation));
  Dataset data;
  data.cols = dims;
  for (size_t row = 0; row < rows_per_class; ++row) {
    for (int c = 0; c < classes; ++c) {
      for (size_t d = 0; d < dims; ++d)
        data.features.push_back(centres[static_cast<size_t>(c) * dims + d] +
                                static_cast<float>(rng.Normal()));
      data.labels.push_back(c);
      ++data.rows;
    }
  }
  return data;
}

Dataset MakeMoons(size_t rows, float noise, uint32_t seed) {
  Rng rng(seed);
  Dataset data;
  data.cols = 2;
  for (size_t row = 0; row < rows; ++row) {
    const int label = static_cast<int>(row % 2);
    const double angle = rng.Uniform(0.0, kPi);
    double x = std::cos(angle), y = std::sin(angle);
    if (label == 1) {
      x = 1.0 - x;
      y = 0.5 - y;
    }
    data.features.push_back(static_cast<float>(x + noise * rng.Normal()));
    data.features.push_back(static_cast<float>(y + noise * rng.Normal()));
    data.labels.push_back(label);
    ++data.rows;
  }
  return data;
}

Dataset MakeSineWindows(size_t rows_per_class, int classes, size_t width, size_t channels,
                        float noise, uint32_t seed) {
  Rng rng(seed);
  Dataset data;
  data.cols = width * channels;
  for (size_t row = 0; row < rows_per_class; ++row) {
    for (int c = 0; c < classes; ++c) {
      const double phase = rng.Uniform(0.0, 2.0 * kPi);
      const double amplitude = rng.Uniform(0.5, 1.5);
      for (size_t t = 0; t < width; ++t) {
        for (size_t ch = 0; ch < channels; ++ch) {
          const double angle = 2.0 * kPi * (c + 1) * static_cast<double>(t) /
                                   static_cast<double>(width) +
                               phase + static_cast<double>(ch);
          data.features.push_back(
              static_cast<float>(amplitude * std::sin(angle) + noise * rng.Normal()));
        }
      }
      data.labels.push_back(c);
      ++data.rows;
    }
  }
  return data;
}

}  // namespace tinyforge::toolchain
