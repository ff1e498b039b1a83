// The two benchmark workloads as real .tfm blobs (host only, C++20): MLPerf Tiny's AD autoencoder
// and KWS DS-CNN, int8, weights/biases from fixed LCG seeds, requantization from the scales the
// same way the runtime's Prepare re-derives it, built with toolchain::ModelBuilder (which plans
// the arena with the Cortex-M scratch sizes).
//
//   AD : input [1,640] -> FC 128,128,128,128,8,128,128,128,128 (ReLU) -> FC 640 (no activation)
//   KWS: input [1,49,10,1] -> Conv2D 64@10x4 stride 2 (pads 4,1) + ReLU
//        -> 4 x [DepthwiseConv2D 3x3 pad 1 + ReLU, Conv2D 1x1 64 + ReLU]
//        -> GlobalAveragePool [1,64] -> FC 12 -> Softmax
#ifndef TINYFORGE_BENCH_COMMON_BENCH_MODELS_H_
#define TINYFORGE_BENCH_COMMON_BENCH_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "toolchain/ir/result.h"

namespace tinyforge::bench {

struct BenchModel {
  std::string name;                 // "ad" or "kws"
  std::vector<uint8_t> blob;        // the .tfm bytes
  std::vector<int8_t> input;        // one input, graph input 0
  uint32_t planner_arena_bytes = 0; // ModelBuilder::last_plan().arena_bytes
  uint32_t constant_bytes = 0;      // weights + biases + requant + quantization tables
  std::vector<uint16_t> opcodes;    // distinct opcodes, in first-use order
};

toolchain::Result<BenchModel> BuildAdModel();
toolchain::Result<BenchModel> BuildKwsModel();

// FNV-1a over bytes: the output checksum the host and the device compare.
inline uint32_t Checksum(const int8_t* bytes, uint32_t count) {
  uint32_t hash = 2166136261u;
  for (uint32_t i = 0; i < count; ++i) hash = (hash ^ static_cast<uint8_t>(bytes[i])) * 16777619u;
  return hash;
}

}  // namespace tinyforge::bench

#endif  // TINYFORGE_BENCH_COMMON_BENCH_MODELS_H_
