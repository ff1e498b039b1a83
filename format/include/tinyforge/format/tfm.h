// The .tfm model blob: every constant, enum and record layout shared by the host writer and the
// device reader. docs/format.md is the prose spec of the same bytes; keep both in step.
//
// Byte layout (all little-endian, every record naturally aligned, offsets from blob start):
//
//   0 ┌──────────────────────────────┐
//     │ FileHeader (32 bytes)        │ magic "TFM1", version, sizes, section table offset, CRC32
//  32 ├──────────────────────────────┤
//     │ SectionEntry[section_count]  │ 16 bytes each: kind, offset, length, alignment
//     ├──────────────────────────────┤
//     │ sections, each at its own    │ kMetadata, kTensors, kQuantization, kConstants (16-aligned),
//     │ alignment, never overlapping │ kOperators, kArenaPlan, kGraphIo
//     └──────────────────────────────┘ blob_bytes
//
// Freestanding C++17: only <stdint.h>. The records are read in place, so every struct here is
// standard-layout with fixed-width fields and a static_assert on its size.
#ifndef TINYFORGE_FORMAT_TFM_H_
#define TINYFORGE_FORMAT_TFM_H_

#include <stdint.h>

namespace tinyforge::format {

inline constexpr uint32_t kMagic = 0x314D4654u;  // bytes 'T' 'F' 'M' '1'
inline constexpr uint16_t kVersionMajor = 1;     // a reader refuses any other major version
inline constexpr uint16_t kVersionMinor = 0;     // a reader accepts newer minor versions
inline constexpr uint32_t kHeaderBytes = 32;
inline constexpr uint32_t kConstantsAlignment = 16;
inline constexpr uint32_t kMaxRank = 4;
inline constexpr uint32_t kMaxOpInputs = 8;
inline constexpr uint32_t kMaxOpOutputs = 1;
inline constexpr uint32_t kMaxSections = 16;
inline constexpr uint32_t kMaxGraphIo = 64;  // graph inputs, and graph outputs, each at most
inline constexpr uint32_t kNone32 = 0xFFFFFFFFu;  // "no index" / "no offset"
inline constexpr uint16_t kNoTensor = 0xFFFFu;    // an absent optional op input

// ---- Element types: X(name, code, bytes) -------------------------------------------------------
#define TINYFORGE_DTYPES(X) \
  X(Float32, 1, 4)          \
  X(Int8, 2, 1)             \
  X(Int16, 3, 2)            \
  X(Int32, 4, 4)

enum class DType : uint8_t {
#define TINYFORGE_DTYPE_ENUM(name, code, bytes) k##name = code,
  TINYFORGE_DTYPES(TINYFORGE_DTYPE_ENUM)
#undef TINYFORGE_DTYPE_ENUM
};

// Bytes per element, or 0 for a code that is not a known dtype (so callers can reject it).
constexpr uint32_t DTypeBytes(uint8_t code) {
#define TINYFORGE_DTYPE_BYTES(name, c, bytes) \
  if (code == (c)) return (bytes);
  TINYFORGE_DTYPES(TINYFORGE_DTYPE_BYTES)
#undef TINYFORGE_DTYPE_BYTES
  return 0;
}

constexpr const char* DTypeName(uint8_t code) {
#define TINYFORGE_DTYPE_NAME(name, c, bytes) \
  if (code == (c)) return #name;
  TINYFORGE_DTYPES(TINYFORGE_DTYPE_NAME)
#undef TINYFORGE_DTYPE_NAME
  return "unknown";
}

// ---- Sections: X(name, code) -------------------------------------------------------------------
#define TINYFORGE_SECTIONS(X) \
  X(Metadata, 1)              \
  X(Tensors, 2)               \
  X(Quantization, 3)          \
  X(Constants, 4)             \
  X(Operators, 5)             \
  X(ArenaPlan, 6)             \
  X(GraphIo, 7)

enum class SectionKind : uint32_t {
#define TINYFORGE_SECTION_ENUM(name, code) k##name = code,
  TINYFORGE_SECTIONS(TINYFORGE_SECTION_ENUM)
#undef TINYFORGE_SECTION_ENUM
};
inline constexpr uint32_t kSectionKindCount = 7;  // codes 1..7, each exactly once

// ---- Operators: X(name, code) ------------------------------------------------------------------
// Input slots per op (docs/format.md lists them with shapes):
//   FullyConnected   in: input[batch, in], weights[out, in], bias[out]?, requant[out, 2]?,
//                        folded_bias[out]?            out: [batch, out]
//   Conv1D           in: input[batch, width, cin], weights[cout, kw, cin], bias?, requant?
//   Conv2D           in: input NHWC, weights[cout, kh, kw, cin], bias?, requant?, folded_bias?
//   DepthwiseConv2D  in: input NHWC, weights[1, kh, kw, cout], bias?, requant?, folded_bias?
//   MaxPool2D, AveragePool2D, GlobalAveragePool, Relu, Relu6, Softmax, Sigmoid, Tanh,
//   Reshape, Quantize, Dequantize: in: input.   Add, Mul: in: a, b (same shape).
//   Concat: in: 1..8 inputs.  Every op has exactly one output.
//   TreeEnsemble     in: input[batch, features] (float32 or int8), trees[trees, 2] int32,
//                        node_features[nodes] int16, node_thresholds[nodes] (float32, or int16 in
//                        the int8 input's quantized domain), node_children[nodes, 2] int16,
//                        leaf_values[leaves, outputs] float32      out: [batch, outputs] float32
//                        (all but the input are constants; see TreeEnsembleParams)
// "?" = optional (kNoTensor). requant is int32 [channels, 2] = (multiplier, shift) per output
// channel, written by the host and checked against the scales at Prepare.
#define TINYFORGE_OPS(X)  \
  X(FullyConnected, 1)    \
  X(Conv1D, 2)            \
  X(Conv2D, 3)            \
  X(DepthwiseConv2D, 4)   \
  X(MaxPool2D, 5)         \
  X(AveragePool2D, 6)     \
  X(GlobalAveragePool, 7) \
  X(Add, 8)               \
  X(Mul, 9)               \
  X(Relu, 10)             \
  X(Relu6, 11)            \
  X(Softmax, 12)          \
  X(Sigmoid, 13)          \
  X(Tanh, 14)             \
  X(Reshape, 15)          \
  X(Concat, 16)           \
  X(Quantize, 17)         \
  X(Dequantize, 18)        \
  X(TreeEnsemble, 19)

enum class OpCode : uint16_t {
#define TINYFORGE_OP_ENUM(name, code) k##name = code,
  TINYFORGE_OPS(TINYFORGE_OP_ENUM)
#undef TINYFORGE_OP_ENUM
};
inline constexpr uint16_t kOpCodeCount = 19;  // codes 1..19

// Op names as one string, each ended by '\0', in code order (codes are 1..kOpCodeCount in the
// X-macro's order, asserted below). A chain of `if (code == c) return "Name"` compiles to a table
// of pointers on the device (4 bytes per op, linked into every image by the op-failure log).
inline constexpr char kOpNames[] =
#define TINYFORGE_OP_STRING(name, c) #name "\0"
    TINYFORGE_OPS(TINYFORGE_OP_STRING)
#undef TINYFORGE_OP_STRING
    ;

constexpr bool OpCodesFollowTheListOrder() {
  uint16_t position = 0;
  bool in_order = true;
#define TINYFORGE_OP_ORDER(name, c) in_order = in_order && (c) == ++position;
  TINYFORGE_OPS(TINYFORGE_OP_ORDER)
#undef TINYFORGE_OP_ORDER
  return in_order && position == kOpCodeCount;
}
static_assert(OpCodesFollowTheListOrder(), "op codes must be 1..kOpCodeCount in list order");

constexpr const char* OpName(uint16_t code) {
  if (code == 0 || code > kOpCodeCount) return "unknown";
  const char* name = kOpNames;
  for (uint16_t skip = 1; skip < code; ++skip) {
    while (*name != '\0') ++name;
    ++name;
  }
  return name;
}

// ---- Records ------------------------------------------------------------------------------------
struct FileHeader {
  uint32_t magic;                 // kMagic
  uint16_t version_major;         // kVersionMajor
  uint16_t version_minor;         // kVersionMinor
  uint32_t header_bytes;          // kHeaderBytes
  uint32_t blob_bytes;            // total length of the blob, header included
  uint32_t section_table_offset;  // 4-aligned, right after the header in blobs we write
  uint32_t section_count;         // 1..kMaxSections
  uint32_t flags;                 // 0; a reader refuses unknown flags
  uint32_t crc32;                 // CRC-32 (IEEE, reflected) of the whole blob with this field 0
};
static_assert(sizeof(FileHeader) == kHeaderBytes, "FileHeader layout");

struct SectionEntry {
  uint32_t kind;       // SectionKind
  uint32_t offset;     // from blob start, a multiple of alignment
  uint32_t length;     // bytes
  uint32_t alignment;  // power of two, >= 4 (kConstantsAlignment for kConstants)
};
static_assert(sizeof(SectionEntry) == 16, "SectionEntry layout");

// kMetadata: uint32 entry_count, then entries, each a MetadataEntryHeader followed by the key
// bytes, the value bytes, and zero padding to a multiple of 4. Keys are ASCII, not terminated.
enum class MetadataType : uint16_t { kString = 1, kInt64 = 2, kFloat64 = 3, kJson = 4 };
struct MetadataEntryHeader {
  uint16_t key_bytes;   // 1..255
  uint16_t value_type;  // MetadataType
  uint32_t value_bytes;
};
static_assert(sizeof(MetadataEntryHeader) == 8, "MetadataEntryHeader layout");

// kTensors: uint32 tensor_count, uint32 reserved(0), then TensorRecord[tensor_count].
enum class TensorKind : uint8_t { kActivation = 0, kConstant = 1 };
struct TensorRecord {
  uint8_t dtype;          // DType
  uint8_t rank;           // 0..kMaxRank (0 = scalar)
  uint8_t kind;           // TensorKind
  uint8_t reserved;       // 0
  uint32_t dims[kMaxRank];// dims[0..rank), each >= 1; unused entries 0
  uint32_t data_offset;   // kConstant: from start of kConstants, 16-aligned; kActivation: kNone32
  uint32_t data_bytes;    // == product(dims) * DTypeBytes(dtype)
  uint32_t quantization;  // index into kQuantization records, or kNone32
  uint32_t name_key;      // reserved for a metadata key index, kNone32 when absent
};
static_assert(sizeof(TensorRecord) == 36, "TensorRecord layout");

// kQuantization: uint32 record_count, uint32 reserved(0), then QuantRecord[record_count].
// real = scale * (q - zero_point). Per-tensor: channel_count 1. Per-channel: channel_count equals
// dims[axis]. Scales are float32 > 0 and finite, zero points int32, both arrays in kConstants.
struct QuantRecord {
  uint32_t channel_count;
  uint32_t axis;
  uint32_t scales_offset;       // from start of kConstants, 4-aligned
  uint32_t zero_points_offset;  // from start of kConstants, 4-aligned
};
static_assert(sizeof(QuantRecord) == 16, "QuantRecord layout");

// kOperators: uint32 op_count, uint32 reserved(0), OpRecord[op_count], then the area the records
// point into (uint16 tensor index lists and params structs). Offsets are from the section start.
struct OpRecord {
  uint16_t opcode;              // OpCode
  uint8_t input_count;          // 1..kMaxOpInputs (absent optional inputs are kNoTensor)
  uint8_t output_count;         // kMaxOpOutputs
  uint32_t tensor_list_offset;  // uint16[input_count + output_count], 2-aligned
  uint32_t params_offset;       // 4-aligned; params struct of the op, see below
  uint32_t params_bytes;        // == sizeof(that struct), 0 for ops without params
};
static_assert(sizeof(OpRecord) == 16, "OpRecord layout");

// kArenaPlan: ArenaPlanHeader, uint32 tensor_offsets[tensor_count] (kNone32 for constants), then
// OpScratch[op_count]. Every activation lies inside [0, arena_bytes); two activations share bytes
// only when their lifetimes do not overlap (a Reshape output may alias its input exactly).
struct ArenaPlanHeader {
  uint32_t arena_bytes;  // what Prepare needs, exactly
  uint32_t tensor_count; // == kTensors tensor_count
  uint32_t op_count;     // == kOperators op_count
  uint32_t alignment;    // every offset is a multiple of it (16)
};
static_assert(sizeof(ArenaPlanHeader) == 16, "ArenaPlanHeader layout");
struct OpScratch {
  uint32_t offset;  // kNone32 when bytes == 0
  uint32_t bytes;
};
static_assert(sizeof(OpScratch) == 8, "OpScratch layout");

// kGraphIo: uint32 input_count, uint32 output_count, uint32 indices[input_count + output_count].

// ---- Op params ----------------------------------------------------------------------------------
enum class FusedActivation : uint8_t { kNone = 0, kRelu = 1, kRelu6 = 2 };

struct FullyConnectedParams {
  uint8_t activation;  // FusedActivation
  uint8_t reserved[3];
};
static_assert(sizeof(FullyConnectedParams) == 4, "FullyConnectedParams layout");

// Padding is explicit: the host resolves SAME/VALID into the leading pads; trailing pads follow
// from the output shape.
struct Conv1DParams {
  uint8_t activation;
  uint8_t reserved;
  uint16_t stride;
  uint16_t dilation;
  uint16_t pad_left;
};
static_assert(sizeof(Conv1DParams) == 8, "Conv1DParams layout");

struct Conv2DParams {
  uint8_t activation;
  uint8_t reserved;
  uint16_t stride_height;
  uint16_t stride_width;
  uint16_t dilation_height;
  uint16_t dilation_width;
  uint16_t pad_top;
  uint16_t pad_left;
  uint16_t depth_multiplier;  // DepthwiseConv2D only (cout == cin * depth_multiplier); else 1
};
static_assert(sizeof(Conv2DParams) == 16, "Conv2DParams layout");

struct Pool2DParams {
  uint8_t activation;
  uint8_t reserved;
  uint16_t filter_height;
  uint16_t filter_width;
  uint16_t stride_height;
  uint16_t stride_width;
  uint16_t pad_top;
  uint16_t pad_left;
  uint16_t reserved2;
};
static_assert(sizeof(Pool2DParams) == 16, "Pool2DParams layout");

// Add/Mul: int8 uses the TFLite fixed-point scheme; the host writes the multipliers, Prepare
// re-derives them from the scales and refuses a blob whose values disagree.
struct ElementwiseParams {
  uint8_t activation;
  uint8_t reserved[3];
  int32_t left_shift;         // Add only (20)
  int32_t input1_multiplier;
  int32_t input1_shift;
  int32_t input2_multiplier;  // Add only
  int32_t input2_shift;       // Add only
  int32_t output_multiplier;
  int32_t output_shift;
};
static_assert(sizeof(ElementwiseParams) == 32, "ElementwiseParams layout");

struct SoftmaxParams {
  float beta;  // > 0
};
static_assert(sizeof(SoftmaxParams) == 4, "SoftmaxParams layout");

struct ConcatParams {
  int32_t axis;  // 0..rank-1 (negative axes are resolved by the host)
};
static_assert(sizeof(ConcatParams) == 4, "ConcatParams layout");

// TreeEnsemble: a forest of binary trees stored as flat constant arrays, read in place.
//   trees[t] = (first node, first leaf row) of tree t; tree t owns nodes [first_t, first_t+1) and
//     leaf rows [leaf_t, leaf_t+1) (the last tree ends at the node / leaf count). Tree 0 starts
//     at (0, 0); both columns strictly increase.
//   node_features[n] = the feature an internal node tests (0..features-1), or -1 for a leaf.
//   node_thresholds[n]: go left when x[feature] < threshold (float32 input), or when
//     x_q[feature] < threshold_q (int8 input; threshold_q = ceil(threshold / scale + zero_point),
//     so the int8 decision equals the float decision on the dequantized input).
//   node_children[n] = (left, right) as node indices local to the tree, both greater than the
//     node's own local index (so every step goes forward and a walk ends within the tree's node
//     count), or for a leaf (local leaf row, 0).
//   leaf_values[leaf_t + local leaf row] = the leaf's output vector.
// Output row = mean over trees of the reached leaf vectors (kMeanLeafValues: class probabilities
// of a random forest), or for kIsolationScore (outputs == 1) the Isolation Forest anomaly score
// 2^(-mean / score_normalizer), where the leaf value is the path length (depth + c(leaf size))
// and score_normalizer = c(sample size).
enum class TreeEnsembleMode : uint8_t { kMeanLeafValues = 1, kIsolationScore = 2 };
inline constexpr int16_t kTreeLeaf = -1;  // node_features value of a leaf

struct TreeEnsembleParams {
  uint16_t tree_count;     // == trees dims[0], >= 1
  uint8_t mode;            // TreeEnsembleMode
  uint8_t reserved;        // 0
  float score_normalizer;  // kIsolationScore: finite and > 0; kMeanLeafValues: 0
};
static_assert(sizeof(TreeEnsembleParams) == 8, "TreeEnsembleParams layout");

// ---- Metadata keys the toolchain writes ---------------------------------------------------------
inline constexpr const char kKeyModelId[] = "model.id";
inline constexpr const char kKeyModelVersion[] = "model.version";
inline constexpr const char kKeyProducer[] = "producer.version";
inline constexpr const char kKeyInputNames[] = "io.input_names";    // JSON array of strings
inline constexpr const char kKeyOutputNames[] = "io.output_names";  // JSON array of strings
inline constexpr const char kKeyPreprocessing[] = "preprocessing";  // JSON object
// Isolation Forest models: alert when the score is above this (same rule as the host trainer).
inline constexpr const char kKeyAnomalyThreshold[] = "anomaly.threshold";  // Float64

}  // namespace tinyforge::format

#endif  // TINYFORGE_FORMAT_TFM_H_
