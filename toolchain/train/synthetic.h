// Deterministic synthetic datasets for tests, examples and smoke checks of the trainers.
#ifndef TINYFORGE_TOOLCHAIN_TRAIN_SYNTHETIC_H_
#define TINYFORGE_TOOLCHAIN_TRAIN_SYNTHETIC_H_

#include <cstdint>

#include "toolchain/train/dataset.h"

namespace tinyforge::toolchain {

// `classes` Gaussian blobs in `dims` dimensions, unit spread, centres drawn uniformly in
// [-separation, separation]^dims; rows interleaved by class.
Dataset MakeGaussianBlobs(size_t rows_per_class, int classes, size_t dims, float separation,
                          uint32_t seed);

// Two interleaved 2-D half moons (not linearly separable) with Gaussian noise.
Dataset MakeMoons(size_t rows, float noise, uint32_t seed);

// Windows of `width` x `channels` samples: class c is a sine of frequency (c + 1) cycles per
// window with random phase and amplitude in [0.5, 1.5], plus noise.
Dataset MakeSineWindows(size_t rows_per_class, int classes, size_t width, size_t channels,
                        float noise, uint32_t seed);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_TRAIN_SYNTHETIC_H_
