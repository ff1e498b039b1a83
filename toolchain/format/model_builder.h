// ModelBuilder: the host-side writer of .tfm blobs. Collect tensors, ops, graph IO and metadata,
// then Build() checks them, plans the arena (toolchain/planner) and serializes a blob that
// Model::Load accepts, CRC included.
//
//   ModelBuilder builder;
//   const uint32_t input = builder.AddTensor(DType::kFloat32, {1, 8}, "input");
//   const uint32_t output = builder.AddTensor(DType::kFloat32, {1, 8}, "output");
//   builder.AddOp(OpCode::kRelu, {input}, output);
//   builder.SetInputs({input});
//   builder.SetOutputs({output});
//   Result<std::vector<uint8_t>> blob = builder.Build();
//
// The returned vector's storage is not guaranteed 16-aligned; copy it into an aligned buffer
// (or a flash image) before Model::Load.
#ifndef TINYFORGE_TOOLCHAIN_FORMAT_MODEL_BUILDER_H_
#define TINYFORGE_TOOLCHAIN_FORMAT_MODEL_BUILDER_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "tinyforge/format/tfm.h"
#include "tinyforge/op_registry.h"
#include "toolchain/ir/result.h"
#include "toolchain/planner/arena_planner.h"

namespace tinyforge::toolchain {

// real = scales[c] * (q - zero_points[c]); one entry = per-tensor, dims[axis] entries =
// per-channel along `axis`.
struct Quantization {
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  uint32_t axis = 0;
};

struct TensorSpec {
  format::DType dtype = format::DType::kFloat32;
  std::vector<uint32_t> shape;                // rank 0..4, every dim >= 1
  std::optional<std::vector<uint8_t>> data;   // present = constant (exactly the tensor's bytes)
  std::optional<Quantization> quantization;
  std::string name;                           // optional; stored as metadata "tensor.<i>.name"
};

// The params struct of an op, by type; std::monostate for ops without params.
using OpParams = std::variant<std::monostate, format::FullyConnectedParams, format::Conv1DParams,
                              format::Conv2DParams, format::Pool2DParams,
                              format::ElementwiseParams, format::SoftmaxParams,
                              format::ConcatParams, format::TreeEnsembleParams>;

struct OpSpec {
  format::OpCode opcode = format::OpCode::kRelu;
  std::vector<uint32_t> inputs;  // format::kNoTensor for an absent optional input
  uint32_t output = 0;
  OpParams params;
};

struct BuildOptions {
  // Resolver whose scratch_bytes() sizes each op's scratch. nullptr: AllOpsResolver() when it is
  // linked into the binary, else no scratch.
  const OpResolver* scratch_resolver = nullptr;
  // Write tensor names as metadata entries "tensor.<index>.name" and point name_key at them.
  bool embed_tensor_names = true;
};

class ModelBuilder {
 public:
  // Returns the new tensor's index.
  uint32_t AddTensor(TensorSpec spec);
  uint32_t AddTensor(format::DType dtype, std::vector<uint32_t> shape, std::string name = {});
  // A constant from typed values (their bytes are copied as they are in memory: little-endian).
  template <typename T>
  uint32_t AddConstant(format::DType dtype, std::vector<uint32_t> shape,
                       const std::vector<T>& values, std::optional<Quantization> quantization = {},
                       std::string name = {}) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return AddTensor(TensorSpec{dtype, std::move(shape), std::move(bytes),
                                std::move(quantization), std::move(name)});
  }
  void SetQuantization(uint32_t tensor, Quantization quantization);

  // Returns the op's index (execution order = call order).
  uint32_t AddOp(format::OpCode opcode, std::vector<uint32_t> inputs, uint32_t output,
                 OpParams params = std::monostate{});
  void SetInputs(std::vector<uint32_t> inputs) { graph_inputs_ = std::move(inputs); }
  void SetOutputs(std::vector<uint32_t> outputs) { graph_outputs_ = std::move(outputs); }

  void AddMetadata(std::string key, std::string value);  // kString
  void AddMetadata(std::string key, const char* value) { AddMetadata(key, std::string(value)); }
  void AddMetadata(std::string key, int64_t value);      // kInt64
  void AddMetadata(std::string key, double value);       // kFloat64
  void AddMetadataJson(std::string key, std::string json);  // kJson (not parsed here)

  const std::vector<TensorSpec>& tensors() const { return tensors_; }
  const std::vector<OpSpec>& ops() const { return ops_; }

  // Checks everything Model::Load would check that the builder can get wrong (indices, shapes,
  // data sizes, scales, params), sizes scratch, plans the arena and writes the blob. Errors name
  // the op or tensor.
  Result<std::vector<uint8_t>> Build(const BuildOptions& options = {}) const;
  // The plan of the last successful Build (offsets, scratch, arena bytes).
  const ArenaPlan& last_plan() const { return last_plan_; }

 private:
  struct MetadataItem {
    std::string key;
    format::MetadataType type;
    std::vector<uint8_t> value;
  };
  Result<void> Check() const;
  Result<std::vector<uint32_t>> ScratchSizes(const OpResolver* resolver) const;

  std::vector<TensorSpec> tensors_;
  std::vector<OpSpec> ops_;
  std::vector<uint32_t> graph_inputs_;
  std::vector<uint32_t> graph_outputs_;
  std::vector<MetadataItem> metadata_;
  mutable ArenaPlan last_plan_;
};

// Element count and byte size of a shape/dtype (no overflow check: shapes come from the builder).
uint64_t ElementCount(const std::vector<uint32_t>& shape);
uint64_t TensorBytes(format::DType dtype, const std::vector<uint32_t>& shape);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_FORMAT_MODEL_BUILDER_H_
