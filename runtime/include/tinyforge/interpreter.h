// Load a .tfm blob in place, prepare it in a caller-owned arena, and run it. No heap.
//
//   Interpreter interpreter(AllOpsResolver());
//   TINYFORGE_RETURN_IF_ERROR(interpreter.Load(blob, blob_bytes));   // validates every byte
//   TINYFORGE_RETURN_IF_ERROR(interpreter.Prepare(arena, arena_bytes)); // checks ops + plan
//   Tensor in; (void)interpreter.Input(0, &in); ... fill in.data ...
//   TINYFORGE_RETURN_IF_ERROR(interpreter.Invoke());
//
// The blob and the arena must outlive the interpreter. The arena needs ArenaBytesRequired()
// bytes (from the plan in the blob) and 16-byte alignment.
#ifndef TINYFORGE_INTERPRETER_H_
#define TINYFORGE_INTERPRETER_H_

#include <stddef.h>
#include <stdint.h>

#include "tinyforge/model.h"
#include "tinyforge/op_registry.h"
#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tinyforge {

class Interpreter {
 public:
  explicit Interpreter(const OpResolver& resolver) : resolver_(&resolver) {}

  // Validates the whole blob (see Model::Load). Resets any previous Prepare.
  Status Load(const void* blob, size_t blob_bytes);
  // Binds the arena, resolves every op (kOpNotRegistered), checks each op's planned scratch
  // against its scratch_bytes() (kScratchTooSmall) and runs its prepare (whose status is
  // returned as is). kNotLoaded before Load, kArenaMisaligned unless 16-byte aligned,
  // kArenaTooSmall when arena_bytes < ArenaBytesRequired(). Only the first ArenaBytesRequired()
  // bytes of the arena are ever touched.
  Status Prepare(void* arena, size_t arena_bytes);
  // Runs every op's eval in order; stops at the first failing op and returns its status.
  // kNotPrepared before a successful Prepare.
  Status Invoke();

  uint32_t InputCount() const;
  uint32_t OutputCount() const;
  // Fills *tensor with a view of graph input/output `index` (valid after Prepare).
  Status Input(uint32_t index, Tensor* tensor) const;
  Status Output(uint32_t index, Tensor* tensor) const;
  // The arena size the blob's plan asks for; 0 before Load.
  uint32_t ArenaBytesRequired() const;
  const Model& model() const { return model_; }

 private:
  Status BuildContext(uint32_t op_index, OpContext* context) const;
  Status TensorView(uint32_t tensor_index, Tensor* tensor) const;

  const OpResolver* resolver_;
  Model model_;
  uint8_t* arena_ = nullptr;
  bool prepared_ = false;
};

}  // namespace tinyforge

#endif  // TINYFORGE_INTERPRETER_H_
