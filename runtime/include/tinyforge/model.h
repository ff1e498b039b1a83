// A validated, read-in-place view of a .tfm blob. Load checks every offset, length, index, dtype,
// op id, the plan and the CRC, so that nothing after it can read outside the blob.
#ifndef TINYFORGE_MODEL_H_
#define TINYFORGE_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/format/tfm.h"
#include "tinyforge/status.h"

namespace tinyforge {

struct MetadataValue {
  format::MetadataType type;
  const uint8_t* bytes;  // borrowed from the blob; not NUL-terminated
  uint32_t byte_count;
};

class Model {
 public:
  // Validates every byte of the blob (docs/format.md lists the rules) and, on kOk, keeps pointers
  // into it. blob must be 4-byte aligned (16 recommended, so constants are 16-aligned in memory)
  // and outlive the Model. blob_bytes may exceed the header's blob_bytes (e.g. a flash slot);
  // only the header's length is read. On failure the Model is left unloaded and the Status names
  // the first rule broken (kBadMagic, kCrcMismatch, kPlanOverlap, ...).
  Status Load(const void* blob, size_t blob_bytes);
  bool loaded() const { return loaded_; }

  uint32_t tensor_count() const { return tensor_count_; }
  uint32_t op_count() const { return op_count_; }
  uint32_t input_count() const { return input_count_; }
  uint32_t output_count() const { return output_count_; }
  uint32_t arena_bytes() const;
  uint32_t metadata_count() const { return metadata_count_; }
  uint32_t blob_bytes() const { return blob_bytes_; }

  // Accessors assume the index was range-checked by the caller (they are for validated use).
  const format::TensorRecord& tensor(uint32_t index) const { return tensors_[index]; }
  const format::OpRecord& op(uint32_t index) const { return ops_[index]; }
  const uint16_t* op_tensor_list(uint32_t index) const;  // inputs then outputs
  const void* op_params(uint32_t index) const;           // nullptr when params_bytes == 0
  uint32_t input_tensor(uint32_t index) const { return graph_io_[index]; }
  uint32_t output_tensor(uint32_t index) const { return graph_io_[input_count_ + index]; }
  uint32_t tensor_arena_offset(uint32_t index) const { return plan_offsets_[index]; }
  const format::OpScratch& op_scratch(uint32_t index) const { return plan_scratch_[index]; }
  const uint8_t* constant_data(uint32_t tensor_index) const;
  const format::QuantRecord* quant(uint32_t tensor_index) const;  // nullptr when unquantized
  const float* quant_scales(const format::QuantRecord& record) const;
  const int32_t* quant_zero_points(const format::QuantRecord& record) const;

  // Looks a metadata key up (exact match). kKeyNotFound when absent, kNotLoaded before Load.
  Status FindMetadata(const char* key, MetadataValue* value) const;
  // The metadata entry at `index` (in blob order) with its key; kIndexOutOfRange past the end.
  Status MetadataAt(uint32_t index, const char** key, uint32_t* key_bytes,
                    MetadataValue* value) const;

 private:
  // Load stages, in order; each returns the first broken rule. Split over model.cpp (container,
  // metadata, tensors, quantization) and model_graph.cpp (operators, graph IO, arena plan).
  Status LoadHeaderAndSections(const uint8_t* bytes, size_t available_bytes);
  Status LoadMetadata();
  Status LoadQuantization();
  Status LoadTensors();
  Status LoadOperators();
  Status LoadGraphIo();
  Status LoadPlan();
  Status CheckPlanLifetimes() const;
  void Reset();

  struct SectionView {
    const uint8_t* data = nullptr;
    uint32_t bytes = 0;
    bool present = false;
  };
  SectionView sections_[format::kSectionKindCount + 1];  // indexed by SectionKind code

  const uint8_t* blob_ = nullptr;
  uint32_t blob_bytes_ = 0;
  const uint8_t* metadata_ = nullptr;
  uint32_t metadata_bytes_ = 0;
  uint32_t metadata_count_ = 0;
  const format::TensorRecord* tensors_ = nullptr;
  uint32_t tensor_count_ = 0;
  const format::QuantRecord* quants_ = nullptr;
  uint32_t quant_count_ = 0;
  const uint8_t* constants_ = nullptr;
  uint32_t constants_bytes_ = 0;
  const uint8_t* operators_ = nullptr;
  uint32_t operators_bytes_ = 0;
  const format::OpRecord* ops_ = nullptr;
  uint32_t op_count_ = 0;
  const format::ArenaPlanHeader* plan_ = nullptr;
  const uint32_t* plan_offsets_ = nullptr;
  const format::OpScratch* plan_scratch_ = nullptr;
  const uint32_t* graph_io_ = nullptr;
  uint32_t input_count_ = 0;
  uint32_t output_count_ = 0;
  bool loaded_ = false;
};

}  // namespace tinyforge

#endif  // TINYFORGE_MODEL_H_
