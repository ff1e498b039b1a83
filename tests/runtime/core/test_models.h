// Host test helpers: the reference test model (built with ModelBuilder), aligned buffers, a
// blob patcher that re-stamps the CRC, and the independent computation of the model's output.
// Shared by tests/runtime/core, tests/toolchain/*, tests/fuzz and tests/device/host_tools.
#ifndef TINYFORGE_TESTS_RUNTIME_CORE_TEST_MODELS_H_
#define TINYFORGE_TESTS_RUNTIME_CORE_TEST_MODELS_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "core/crc32.h"
#include "tests/runtime/core/test_kernels.h"
#include "tinyforge/format/tfm.h"
#include "toolchain/format/model_builder.h"

namespace tinyforge::testing {

// A byte buffer with 16-aligned storage (Model::Load and Prepare need aligned memory).
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t bytes, uint8_t fill = 0)
      : data_(static_cast<uint8_t*>(::operator new[](bytes + 16, std::align_val_t{16}))),
        size_(bytes) {
    std::memset(data_.get(), fill, bytes + 16);
  }
  explicit AlignedBuffer(const std::vector<uint8_t>& bytes) : AlignedBuffer(bytes.size()) {
    if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
  }
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Delete {
    void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t{16}); }
  };
  std::unique_ptr<uint8_t[], Delete> data_;
  size_t size_;
};

// Re-stamps header.crc32 after a test edited the blob (so the loader reaches the edited field).
inline void RefreshCrc(std::vector<uint8_t>& blob) {
  if (blob.size() < format::kHeaderBytes) return;
  format::FileHeader header;
  std::memcpy(&header, blob.data(), sizeof(header));
  if (header.blob_bytes < format::kHeaderBytes || header.blob_bytes > blob.size()) return;
  header.crc32 = BlobCrc32(blob.data(), header.blob_bytes);
  std::memcpy(blob.data(), &header, sizeof(header));
}

template <typename T>
T ReadAt(const std::vector<uint8_t>& blob, size_t offset) {
  T value;
  std::memcpy(&value, blob.data() + offset, sizeof(T));
  return value;
}
template <typename T>
void WriteAt(std::vector<uint8_t>& blob, size_t offset, const T& value) {
  std::memcpy(blob.data() + offset, &value, sizeof(T));
}

// Offset of the section table entry of `kind`, and of the section payload itself.
inline size_t SectionEntryOffset(const std::vector<uint8_t>& blob, format::SectionKind kind) {
  const auto header = ReadAt<format::FileHeader>(blob, 0);
  for (uint32_t i = 0; i < header.section_count; ++i) {
    const size_t at = header.section_table_offset + i * sizeof(format::SectionEntry);
    if (ReadAt<format::SectionEntry>(blob, at).kind == static_cast<uint32_t>(kind)) return at;
  }
  throw std::runtime_error("section not found");
}
inline size_t SectionOffset(const std::vector<uint8_t>& blob, format::SectionKind kind) {
  return ReadAt<format::SectionEntry>(blob, SectionEntryOffset(blob, kind)).offset;
}
inline size_t TensorRecordOffset(const std::vector<uint8_t>& blob, uint32_t tensor) {
  return SectionOffset(blob, format::SectionKind::kTensors) + 8 +
         tensor * sizeof(format::TensorRecord);
}
inline size_t OpRecordOffset(const std::vector<uint8_t>& blob, uint32_t op) {
  return SectionOffset(blob, format::SectionKind::kOperators) + 8 + op * sizeof(format::OpRecord);
}
inline size_t PlanOffsetOf(const std::vector<uint8_t>& blob, uint32_t tensor) {
  return SectionOffset(blob, format::SectionKind::kArenaPlan) + sizeof(format::ArenaPlanHeader) +
         4 * tensor;
}

// The reference test model (float32):
//   t0 input [2,8] -> FullyConnected(t1 weights [6,8], t2 bias [6]) -> t3 [2,6]
//   t4 = Relu(t3) [2,6];  t5 = Reshape(t4) [4,3];  t6 = Reshape(t3) [4,3];  t7 = Add(t5, t6)
//   t8: an unused int8 constant [3,2] quantized per channel on axis 0 (exercises quant records)
// Graph input t0, output t7. Lifetimes overlap in interesting ways (t3 lives across ops 0..3,
// both Reshapes alias).
struct TestModelTensors {
  static constexpr uint32_t kInput = 0, kWeights = 1, kBias = 2, kFc = 3, kRelu = 4,
                            kReshapeRelu = 5, kReshapeFc = 6, kOutput = 7, kQuantConst = 8;
};

inline std::vector<float> TestWeights() {
  std::vector<float> w(6 * 8);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.05f * static_cast<float>(int(i % 11) - 5);
  return w;
}
inline std::vector<float> TestBias() { return {0.5f, -0.25f, 0.0f, 1.0f, -1.0f, 0.125f}; }

inline toolchain::ModelBuilder TestModelBuilder() {
  using format::DType;
  using format::OpCode;
  toolchain::ModelBuilder builder;
  const uint32_t input = builder.AddTensor(DType::kFloat32, {2, 8}, "input");
  const uint32_t weights = builder.AddConstant(DType::kFloat32, {6, 8}, TestWeights(), {}, "w");
  const uint32_t bias = builder.AddConstant(DType::kFloat32, {6}, TestBias(), {}, "b");
  const uint32_t fc = builder.AddTensor(DType::kFloat32, {2, 6}, "fc");
  const uint32_t relu = builder.AddTensor(DType::kFloat32, {2, 6}, "relu");
  const uint32_t reshape_relu = builder.AddTensor(DType::kFloat32, {4, 3});
  const uint32_t reshape_fc = builder.AddTensor(DType::kFloat32, {4, 3});
  const uint32_t output = builder.AddTensor(DType::kFloat32, {4, 3}, "output");
  builder.AddConstant(DType::kInt8, {3, 2}, std::vector<int8_t>{1, -2, 3, -4, 5, -6},
                      toolchain::Quantization{{0.5f, 0.25f, 0.125f}, {0, 1, -1}, 0}, "q");
  builder.AddOp(OpCode::kFullyConnected, {input, weights, bias}, fc,
                format::FullyConnectedParams{0, {0, 0, 0}});
  builder.AddOp(OpCode::kRelu, {fc}, relu);
  builder.AddOp(OpCode::kReshape, {relu}, reshape_relu);
  builder.AddOp(OpCode::kReshape, {fc}, reshape_fc);
  builder.AddOp(OpCode::kAdd, {reshape_relu, reshape_fc}, output,
                format::ElementwiseParams{});
  builder.SetInputs({input});
  builder.SetOutputs({output});
  builder.AddMetadata(format::kKeyModelId, "test-model");
  builder.AddMetadata("test.answer", int64_t{42});
  return builder;
}

inline std::vector<uint8_t> BuildTestModel() {
  toolchain::BuildOptions options;
  options.scratch_resolver = &TestOpsResolver();
  auto blob = TestModelBuilder().Build(options);
  if (!blob.ok()) throw std::runtime_error(blob.error().message);
  return std::move(blob).value();
}

// The test model's output for `input` ([2,8]), computed directly (not through the runtime).
inline std::vector<float> TestModelExpected(const std::vector<float>& input) {
  const std::vector<float> w = TestWeights();
  const std::vector<float> b = TestBias();
  std::vector<float> out(12);
  for (int row = 0; row < 2; ++row) {
    for (int o = 0; o < 6; ++o) {
      float fc = b[o];
      for (int i = 0; i < 8; ++i) fc += input[row * 8 + i] * w[o * 8 + i];
      out[row * 6 + o] = (fc > 0.0f ? fc : 0.0f) + fc;
    }
  }
  return out;
}

inline std::vector<float> TestInput(uint32_t seed) {
  std::vector<float> input(16);
  uint32_t state = seed * 2654435761u + 12345u;
  for (float& value : input) {
    state = state * 1664525u + 1013904223u;
    value = static_cast<float>(static_cast<int32_t>(state >> 8) % 2001 - 1000) / 250.0f;
  }
  return input;
}

}  // namespace tinyforge::testing

#endif  // TINYFORGE_TESTS_RUNTIME_CORE_TEST_MODELS_H_
