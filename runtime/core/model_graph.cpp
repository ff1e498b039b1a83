// Model::Load, part 2: operator records, graph inputs/outputs and the arena plan, including the
// liveness proof that no two activations share arena bytes while both are live.
//
// Lifetimes (no heap, so nothing is tabulated; each is recomputed by scanning the op list):
//   start(t) = 0 for a graph input, else the index of the op that writes t
//   end(t)   = op_count for a graph output, else the last op that reads t (at least start(t))
// Two activations conflict when [start, end] intervals intersect; conflicting activations must
// not share a byte, except a Reshape output that aliases its input exactly (same offset, same
// bytes; transitively through chains of Reshapes). Only pairs whose bytes overlap are checked,
// so a good plan costs O(tensors^2) cheap comparisons plus O(ops) per reused pair.
#include <string.h>

#include "core/checked_math.h"
#include "tinyforge/model.h"

namespace tinyforge {

using core::CheckedAdd;
using core::CheckedMul;
using core::RangeInside;
using core::RangesOverlap;

namespace {

constexpr uint32_t kTableHeaderBytes = 8;
constexpr uint32_t kNoOp = format::kNone32;

uint32_t ReadU32(const uint8_t* base, uint32_t offset) {
  uint32_t value;
  memcpy(&value, base + offset, sizeof(value));
  return value;
}

// Size of the params struct each opcode carries (0 = none).
uint32_t ParamsBytesFor(uint16_t opcode) {
  switch (static_cast<format::OpCode>(opcode)) {
    case format::OpCode::kFullyConnected:
      return sizeof(format::FullyConnectedParams);
    case format::OpCode::kConv1D:
      return sizeof(format::Conv1DParams);
    case format::OpCode::kConv2D:
    case format::OpCode::kDepthwiseConv2D:
      return sizeof(format::Conv2DParams);
    case format::OpCode::kMaxPool2D:
    case format::OpCode::kAveragePool2D:
      return sizeof(format::Pool2DParams);
    case format::OpCode::kAdd:
    case format::OpCode::kMul:
      return sizeof(format::ElementwiseParams);
    case format::OpCode::kSoftmax:
      return sizeof(format::SoftmaxParams);
    case format::OpCode::kConcat:
      return sizeof(format::ConcatParams);
    case format::OpCode::kTreeEnsemble:
      return sizeof(format::TreeEnsembleParams);
    default:
      return 0;
  }
}

bool ActivationValid(uint8_t activation) {
  return activation <= static_cast<uint8_t>(format::FusedActivation::kRelu6);
}

// Checks the params fields the loader can judge without shapes; kernels check the rest.
Status CheckParams(uint16_t opcode, const void* params, uint8_t output_rank) {
  switch (static_cast<format::OpCode>(opcode)) {
    case format::OpCode::kFullyConnected: {
      const auto* p = static_cast<const format::FullyConnectedParams*>(params);
      if (!ActivationValid(p->activation)) return Status::kBadParams;
      return Status::kOk;
    }
    case format::OpCode::kConv1D: {
      const auto* p = static_cast<const format::Conv1DParams*>(params);
      if (!ActivationValid(p->activation) || p->stride == 0 || p->dilation == 0) {
        return Status::kBadParams;
      }
      return Status::kOk;
    }
    case format::OpCode::kConv2D:
    case format::OpCode::kDepthwiseConv2D: {
      const auto* p = static_cast<const format::Conv2DParams*>(params);
      if (!ActivationValid(p->activation) || p->stride_height == 0 || p->stride_width == 0 ||
          p->dilation_height == 0 || p->dilation_width == 0 || p->depth_multiplier == 0) {
        return Status::kBadParams;
      }
      return Status::kOk;
    }
    case format::OpCode::kMaxPool2D:
    case format::OpCode::kAveragePool2D: {
      const auto* p = static_cast<const format::Pool2DParams*>(params);
      if (!ActivationValid(p->activation) || p->filter_height == 0 || p->filter_width == 0 ||
          p->stride_height == 0 || p->stride_width == 0) {
        return Status::kBadParams;
      }
      return Status::kOk;
    }
    case format::OpCode::kAdd:
    case format::OpCode::kMul: {
      const auto* p = static_cast<const format::ElementwiseParams*>(params);
      if (!ActivationValid(p->activation)) return Status::kBadParams;
      return Status::kOk;
    }
    case format::OpCode::kSoftmax: {
      const auto* p = static_cast<const format::SoftmaxParams*>(params);
      // beta > 0 and finite (NaN fails the first comparison).
      if (!(p->beta > 0.0f) || !(p->beta < 3.4e38f)) return Status::kBadParams;
      return Status::kOk;
    }
    case format::OpCode::kConcat: {
      const auto* p = static_cast<const format::ConcatParams*>(params);
      if (p->axis < 0 || p->axis >= static_cast<int32_t>(output_rank)) return Status::kBadParams;
      return Status::kOk;
    }
    default:
      return Status::kOk;
  }
}

}  // namespace

const uint16_t* Model::op_tensor_list(uint32_t index) const {
  return reinterpret_cast<const uint16_t*>(operators_ + ops_[index].tensor_list_offset);
}

const void* Model::op_params(uint32_t index) const {
  if (ops_[index].params_bytes == 0) return nullptr;
  return operators_ + ops_[index].params_offset;
}

Status Model::LoadOperators() {
  const SectionView& section = sections_[static_cast<uint32_t>(format::SectionKind::kOperators)];
  if (section.bytes < kTableHeaderBytes) return Status::kOperatorTableMalformed;
  const uint32_t count = ReadU32(section.data, 0);
  uint32_t records_end = 0;
  if (count == 0 || ReadU32(section.data, 4) != 0 ||
      !CheckedMul(count, sizeof(format::OpRecord), &records_end) ||
      !CheckedAdd(records_end, kTableHeaderBytes, &records_end) || records_end > section.bytes) {
    return Status::kOperatorTableMalformed;
  }
  operators_ = section.data;
  operators_bytes_ = section.bytes;
  ops_ = reinterpret_cast<const format::OpRecord*>(section.data + kTableHeaderBytes);
  op_count_ = count;
  for (uint32_t i = 0; i < count; ++i) {
    const format::OpRecord& op = ops_[i];
    if (op.opcode == 0 || op.opcode > format::kOpCodeCount) return Status::kUnknownOp;
    if (op.input_count == 0 || op.input_count > format::kMaxOpInputs ||
        op.output_count != format::kMaxOpOutputs) {
      return Status::kBadOpArity;
    }
    const uint32_t list_bytes = 2u * (op.input_count + op.output_count);
    if ((op.tensor_list_offset & 1u) != 0 || op.tensor_list_offset < records_end ||
        !RangeInside(op.tensor_list_offset, list_bytes, section.bytes)) {
      return Status::kOperatorTableMalformed;
    }
    const uint16_t* list = op_tensor_list(i);
    // The first input is required by every op; later inputs may be absent (kNoTensor).
    if (list[0] == format::kNoTensor) return Status::kBadOpArity;
    for (uint32_t k = 0; k < op.input_count; ++k) {
      if (list[k] != format::kNoTensor && list[k] >= tensor_count_) {
        return Status::kTensorIndexOutOfRange;
      }
    }
    const uint16_t output = list[op.input_count];
    if (output >= tensor_count_) return Status::kTensorIndexOutOfRange;
    if (tensors_[output].kind == static_cast<uint8_t>(format::TensorKind::kConstant)) {
      return Status::kWriteToConstant;
    }
    if (op.params_bytes != ParamsBytesFor(op.opcode)) return Status::kBadParams;
    if (op.params_bytes == 0) {
      if (op.params_offset != format::kNone32) return Status::kBadParams;
    } else {
      if ((op.params_offset & 3u) != 0 || op.params_offset < records_end ||
          !RangeInside(op.params_offset, op.params_bytes, section.bytes)) {
        return Status::kBadParams;
      }
      TINYFORGE_RETURN_IF_ERROR(CheckParams(op.opcode, op_params(i), tensors_[output].rank));
    }
    // Op-specific content (shapes, requant tables, a forest's node indices) is proven by the op's
    // Prepare, not here: the loader links into every image, and code that only one op needs
    // would sit in the flash of every model without it (a TreeEnsemble proof here cost 0.9 KB
    // and broke the runtime-code goal of issue 2 at -Os: AD 0.495 -> 0.539 of TFLM's code).
  }
  return Status::kOk;
}

Status Model::LoadGraphIo() {
  const SectionView& section = sections_[static_cast<uint32_t>(format::SectionKind::kGraphIo)];
  if (section.bytes < 8) return Status::kGraphIoMalformed;
  const uint32_t inputs = ReadU32(section.data, 0);
  const uint32_t outputs = ReadU32(section.data, 4);
  uint32_t total = 0;
  uint32_t bytes = 0;
  if (inputs == 0 || outputs == 0 || inputs > format::kMaxGraphIo ||
      outputs > format::kMaxGraphIo || !CheckedAdd(inputs, outputs, &total) ||
      !CheckedMul(total, 4u, &bytes) || !CheckedAdd(bytes, 8u, &bytes) || bytes != section.bytes) {
    return Status::kGraphIoMalformed;
  }
  graph_io_ = reinterpret_cast<const uint32_t*>(section.data + 8);
  input_count_ = inputs;
  output_count_ = outputs;
  for (uint32_t i = 0; i < total; ++i) {
    if (graph_io_[i] >= tensor_count_) return Status::kTensorIndexOutOfRange;
    if (tensors_[graph_io_[i]].kind != static_cast<uint8_t>(format::TensorKind::kActivation)) {
      return Status::kGraphIoMalformed;
    }
  }
  for (uint32_t i = 0; i < inputs; ++i) {
    for (uint32_t j = 0; j < i; ++j) {
      if (graph_io_[i] == graph_io_[j]) return Status::kGraphIoMalformed;
    }
  }
  for (uint32_t i = inputs; i < total; ++i) {
    for (uint32_t j = inputs; j < i; ++j) {
      if (graph_io_[i] == graph_io_[j]) return Status::kGraphIoMalformed;
    }
  }
  return Status::kOk;
}

Status Model::LoadPlan() {
  const SectionView& section = sections_[static_cast<uint32_t>(format::SectionKind::kArenaPlan)];
  if (section.bytes < sizeof(format::ArenaPlanHeader)) return Status::kPlanMalformed;
  plan_ = reinterpret_cast<const format::ArenaPlanHeader*>(section.data);
  uint32_t expected = 0;
  uint32_t scratch_bytes = 0;
  if (plan_->tensor_count != tensor_count_ || plan_->op_count != op_count_ ||
      plan_->alignment != format::kConstantsAlignment ||
      !CheckedMul(tensor_count_, 4u, &expected) ||
      !CheckedMul(op_count_, sizeof(format::OpScratch), &scratch_bytes) ||
      !CheckedAdd(expected, scratch_bytes, &expected) ||
      !CheckedAdd(expected, sizeof(format::ArenaPlanHeader), &expected) ||
      expected != section.bytes) {
    plan_ = nullptr;
    return Status::kPlanMalformed;
  }
  plan_offsets_ = reinterpret_cast<const uint32_t*>(section.data + sizeof(format::ArenaPlanHeader));
  plan_scratch_ = reinterpret_cast<const format::OpScratch*>(
      section.data + sizeof(format::ArenaPlanHeader) + 4u * tensor_count_);
  const uint32_t arena = plan_->arena_bytes;
  const uint32_t align_mask = plan_->alignment - 1;
  for (uint32_t t = 0; t < tensor_count_; ++t) {
    const uint32_t offset = plan_offsets_[t];
    if (tensors_[t].kind == static_cast<uint8_t>(format::TensorKind::kConstant)) {
      if (offset != format::kNone32) return Status::kPlanMalformed;
      continue;
    }
    if (offset == format::kNone32 || (offset & align_mask) != 0) return Status::kPlanMalformed;
    if (!RangeInside(offset, tensors_[t].data_bytes, arena)) return Status::kPlanOutOfArena;
  }
  for (uint32_t i = 0; i < op_count_; ++i) {
    const format::OpScratch& scratch = plan_scratch_[i];
    if (scratch.bytes == 0) {
      if (scratch.offset != format::kNone32) return Status::kPlanMalformed;
      continue;
    }
    if ((scratch.offset & align_mask) != 0) return Status::kPlanMalformed;
    if (!RangeInside(scratch.offset, scratch.bytes, arena)) return Status::kPlanOutOfArena;
  }
  return Status::kOk;
}

// Upper bound on the work of CheckPlanLifetimes, in op-list scans (each ~op_count steps). Without
// a heap the checks rescan the op list, which a hostile blob could make quadratic or worse; past
// this budget the blob is refused (kPlanTooComplex) instead of keeping a device busy for minutes.
// The MLPerf Tiny models need well under 1% of it.
constexpr uint64_t kPlanCheckBudget = uint64_t{1} << 24;

Status Model::CheckPlanLifetimes() const {
  uint64_t steps = 0;
  const auto over_budget = [&steps]() { return steps > kPlanCheckBudget; };
  const auto is_activation = [this](uint32_t t) {
    return tensors_[t].kind == static_cast<uint8_t>(format::TensorKind::kActivation);
  };
  const auto is_graph_input = [this](uint32_t t) {
    for (uint32_t i = 0; i < input_count_; ++i) {
      if (graph_io_[i] == t) return true;
    }
    return false;
  };
  const auto is_graph_output = [this](uint32_t t) {
    for (uint32_t i = 0; i < output_count_; ++i) {
      if (graph_io_[input_count_ + i] == t) return true;
    }
    return false;
  };
  const auto output_of = [this](uint32_t op) {
    return static_cast<uint32_t>(op_tensor_list(op)[ops_[op].input_count]);
  };
  const auto producer = [&](uint32_t t) {
    steps += op_count_;
    for (uint32_t i = 0; i < op_count_; ++i) {
      if (output_of(i) == t) return i;
    }
    return kNoOp;
  };
  const auto reads = [this](uint32_t op, uint32_t t) {
    const uint16_t* list = op_tensor_list(op);
    for (uint32_t k = 0; k < ops_[op].input_count; ++k) {
      if (list[k] == t) return true;
    }
    return false;
  };

  // Dataflow: each activation written once, never a graph input, and read only after its write.
  for (uint32_t i = 0; i < op_count_; ++i) {
    if (over_budget()) return Status::kPlanTooComplex;
    const uint32_t output = output_of(i);
    if (is_graph_input(output) || producer(output) != i) return Status::kTensorWrittenTwice;
    const uint16_t* list = op_tensor_list(i);
    for (uint32_t k = 0; k < ops_[i].input_count; ++k) {
      const uint32_t t = list[k];
      if (t == format::kNoTensor || !is_activation(t) || is_graph_input(t)) continue;
      const uint32_t writer = producer(t);
      if (writer == kNoOp || writer >= i) return Status::kTensorUsedBeforeWritten;
    }
  }
  for (uint32_t o = 0; o < output_count_; ++o) {
    const uint32_t t = graph_io_[input_count_ + o];
    if (!is_graph_input(t) && producer(t) == kNoOp) return Status::kTensorUsedBeforeWritten;
  }

  // Interval of an activation, or false when it is never live (neither written nor an input).
  const auto lifetime = [&](uint32_t t, uint32_t* start, uint32_t* end) {
    uint32_t first = is_graph_input(t) ? 0 : producer(t);
    if (first == kNoOp) return false;
    uint32_t last = first;
    steps += op_count_ - first;
    for (uint32_t i = first; i < op_count_; ++i) {
      if (reads(i, t)) last = i;
    }
    if (is_graph_output(t)) last = op_count_;
    *start = first;
    *end = last;
    return true;
  };
  // Follows Reshape ops that alias exactly back to the tensor that owns the bytes.
  const auto alias_root = [&](uint32_t t) {
    for (uint32_t hops = 0; hops < op_count_ && !over_budget(); ++hops) {
      const uint32_t writer = producer(t);
      if (writer == kNoOp ||
          ops_[writer].opcode != static_cast<uint16_t>(format::OpCode::kReshape)) {
        break;
      }
      const uint32_t source = op_tensor_list(writer)[0];
      if (!is_activation(source) || plan_offsets_[source] != plan_offsets_[t] ||
          tensors_[source].data_bytes != tensors_[t].data_bytes) {
        break;
      }
      t = source;
    }
    return t;
  };

  for (uint32_t a = 0; a < tensor_count_; ++a) {
    if (!is_activation(a)) continue;
    for (uint32_t b = a + 1; b < tensor_count_; ++b) {
      ++steps;
      if (over_budget()) return Status::kPlanTooComplex;
      if (!is_activation(b)) continue;
      if (!RangesOverlap(plan_offsets_[a], tensors_[a].data_bytes, plan_offsets_[b],
                         tensors_[b].data_bytes)) {
        continue;
      }
      uint32_t a_start = 0, a_end = 0, b_start = 0, b_end = 0;
      if (!lifetime(a, &a_start, &a_end) || !lifetime(b, &b_start, &b_end)) continue;
      if (a_end < b_start || b_end < a_start) continue;
      const uint32_t root_a = alias_root(a);
      const uint32_t root_b = alias_root(b);
      if (over_budget()) return Status::kPlanTooComplex;  // a cut-short alias walk proves nothing
      if (root_a == root_b) continue;
      return Status::kPlanOverlap;
    }
  }
  // Scratch of op i lives during op i only, and must not touch any activation live then.
  for (uint32_t i = 0; i < op_count_; ++i) {
    const format::OpScratch& scratch = plan_scratch_[i];
    if (scratch.bytes == 0) continue;
    for (uint32_t t = 0; t < tensor_count_; ++t) {
      ++steps;
      if (over_budget()) return Status::kPlanTooComplex;
      if (!is_activation(t) || !RangesOverlap(scratch.offset, scratch.bytes, plan_offsets_[t],
                                              tensors_[t].data_bytes)) {
        continue;
      }
      uint32_t start = 0, end = 0;
      if (lifetime(t, &start, &end) && start <= i && i <= end) return Status::kPlanOverlap;
    }
  }
  return Status::kOk;
}

}  // namespace tinyforge
