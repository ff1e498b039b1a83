// Interpreter: binds a validated Model to a caller-owned arena and runs its ops through an
// OpResolver. No heap: the op contexts are rebuilt on the stack for each call, and registrations
// are looked up again at Invoke (a short linear scan per op, cheaper than storing a table).
#include "tinyforge/interpreter.h"

#include "platform/debug_log.h"

namespace tinyforge {

Status Interpreter::Load(const void* blob, size_t blob_bytes) {
  prepared_ = false;
  arena_ = nullptr;
  return model_.Load(blob, blob_bytes);
}

uint32_t Interpreter::InputCount() const { return model_.loaded() ? model_.input_count() : 0; }
uint32_t Interpreter::OutputCount() const { return model_.loaded() ? model_.output_count() : 0; }
uint32_t Interpreter::ArenaBytesRequired() const {
  return model_.loaded() ? model_.arena_bytes() : 0;
}

Status Interpreter::TensorView(uint32_t tensor_index, Tensor* tensor) const {
  const format::TensorRecord& record = model_.tensor(tensor_index);
  *tensor = Tensor{};
  tensor->dtype = static_cast<DType>(record.dtype);
  tensor->rank = record.rank;
  for (uint32_t d = 0; d < format::kMaxRank; ++d) tensor->dims[d] = record.dims[d];
  if (record.kind == static_cast<uint8_t>(format::TensorKind::kConstant)) {
    tensor->is_constant = true;
    // Constants are read-only; the const_cast is confined to the view, kernels never write them
    // (the loader refused any op whose output is a constant).
    tensor->data = const_cast<uint8_t*>(model_.constant_data(tensor_index));
  } else {
    tensor->data = arena_ + model_.tensor_arena_offset(tensor_index);
  }
  if (const format::QuantRecord* quant = model_.quant(tensor_index)) {
    tensor->quant.scales = model_.quant_scales(*quant);
    tensor->quant.zero_points = model_.quant_zero_points(*quant);
    tensor->quant.channel_count = quant->channel_count;
    tensor->quant.axis = quant->axis;
  }
  return Status::kOk;
}

Status Interpreter::BuildContext(uint32_t op_index, OpContext* context) const {
  const format::OpRecord& op = model_.op(op_index);
  const uint16_t* list = model_.op_tensor_list(op_index);
  *context = OpContext{};
  context->opcode = op.opcode;
  context->params = model_.op_params(op_index);
  context->params_bytes = op.params_bytes;
  context->input_count = op.input_count;
  for (uint32_t k = 0; k < op.input_count; ++k) {
    if (list[k] == format::kNoTensor) continue;  // absent optional input: data stays nullptr
    TINYFORGE_RETURN_IF_ERROR(TensorView(list[k], &context->inputs[k]));
  }
  TINYFORGE_RETURN_IF_ERROR(TensorView(list[op.input_count], &context->output));
  const format::OpScratch& scratch = model_.op_scratch(op_index);
  if (scratch.bytes != 0) {
    context->scratch = arena_ + scratch.offset;
    context->scratch_bytes = scratch.bytes;
  }
  return Status::kOk;
}

Status Interpreter::Prepare(void* arena, size_t arena_bytes) {
  prepared_ = false;
  if (!model_.loaded()) return Status::kNotLoaded;
  if (arena == nullptr) return Status::kNullArgument;
  if ((reinterpret_cast<uintptr_t>(arena) & (format::kConstantsAlignment - 1)) != 0) {
    return Status::kArenaMisaligned;
  }
  if (arena_bytes < model_.arena_bytes()) return Status::kArenaTooSmall;
  arena_ = static_cast<uint8_t*>(arena);
  for (uint32_t i = 0; i < model_.op_count(); ++i) {
    const uint16_t opcode = model_.op(i).opcode;
    const OpRegistration* registration = resolver_->Find(opcode);
    if (registration == nullptr || registration->eval == nullptr) {
      platform::LogOpFailure("resolve", i, opcode, Status::kOpNotRegistered);
      return Status::kOpNotRegistered;
    }
    OpContext context;
    TINYFORGE_RETURN_IF_ERROR(BuildContext(i, &context));
    if (registration->prepare != nullptr) {
      const Status status = registration->prepare(context);
      if (status != Status::kOk) {
        platform::LogOpFailure("prepare", i, opcode, status);
        return status;
      }
    }
    if (registration->scratch_bytes != nullptr &&
        context.scratch_bytes < registration->scratch_bytes(context)) {
      platform::LogOpFailure("prepare", i, opcode, Status::kScratchTooSmall);
      return Status::kScratchTooSmall;
    }
  }
  prepared_ = true;
  return Status::kOk;
}

Status Interpreter::Invoke() {
  if (!prepared_) return Status::kNotPrepared;
  for (uint32_t i = 0; i < model_.op_count(); ++i) {
    const uint16_t opcode = model_.op(i).opcode;
    const OpRegistration* registration = resolver_->Find(opcode);
    if (registration == nullptr) return Status::kOpNotRegistered;  // resolver changed under us
    OpContext context;
    TINYFORGE_RETURN_IF_ERROR(BuildContext(i, &context));
    const Status status = registration->eval(context);
    if (status != Status::kOk) {
      platform::LogOpFailure("eval", i, opcode, status);
      return status;
    }
  }
  return Status::kOk;
}

Status Interpreter::Input(uint32_t index, Tensor* tensor) const {
  if (tensor == nullptr) return Status::kNullArgument;
  if (!prepared_) return Status::kNotPrepared;
  if (index >= model_.input_count()) return Status::kIndexOutOfRange;
  return TensorView(model_.input_tensor(index), tensor);
}

Status Interpreter::Output(uint32_t index, Tensor* tensor) const {
  if (tensor == nullptr) return Status::kNullArgument;
  if (!prepared_) return Status::kNotPrepared;
  if (index >= model_.output_count()) return Status::kIndexOutOfRange;
  return TensorView(model_.output_tensor(index), tensor);
}

}  // namespace tinyforge
