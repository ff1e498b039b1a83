// The kernel interface: each op is a plain struct of function pointers (prepare, eval, scratch
// size), looked up by opcode in a caller-supplied table so only the ops a model uses are linked.
#ifndef TINYFORGE_OP_REGISTRY_H_
#define TINYFORGE_OP_REGISTRY_H_

#include <stdint.h>

#include "tinyforge/format/tfm.h"
#include "tinyforge/status.h"
#include "tinyforge/tensor.h"

namespace tinyforge {

// Everything one op invocation sees. Built by the interpreter per op; borrowed for the call.
struct OpContext {
  uint16_t opcode = 0;
  const void* params = nullptr;  // the op's params struct from the blob (4-aligned), or nullptr
  uint32_t params_bytes = 0;
  Tensor inputs[format::kMaxOpInputs];  // absent optional inputs have data == nullptr
  uint8_t input_count = 0;
  Tensor output;
  void* scratch = nullptr;  // the op's planned scratch area inside the arena
  uint32_t scratch_bytes = 0;
};

struct OpRegistration {
  uint16_t opcode;
  // Checks arity, dtypes, shapes, params and quantization once, at Prepare. Eval may then trust
  // everything prepare accepted.
  Status (*prepare)(const OpContext& context);
  Status (*eval)(const OpContext& context);
  // Scratch bytes eval needs for these shapes; callable on the host by the planner. May be
  // nullptr when the op needs none.
  uint32_t (*scratch_bytes)(const OpContext& context);
};

// A table of registrations; the caller owns the array (usually a static const generated per
// model by the toolchain, or AllOpsResolver() in tests).
class OpResolver {
 public:
  constexpr OpResolver(const OpRegistration* registrations, uint32_t count)
      : registrations_(registrations), count_(count) {}
  const OpRegistration* Find(uint16_t opcode) const {
    for (uint32_t i = 0; i < count_; ++i) {
      if (registrations_[i].opcode == opcode) return &registrations_[i];
    }
    return nullptr;
  }
  uint32_t count() const { return count_; }
  const OpRegistration& at(uint32_t i) const { return registrations_[i]; }

 private:
  const OpRegistration* registrations_;
  uint32_t count_;
};

// Every op with reference kernels (and, on Cortex-M4 builds with TINYFORGE_OPTIMIZED_KERNELS,
// the optimized ones where they exist).
const OpResolver& AllOpsResolver();
// Every op, reference kernels only (the contract the optimized kernels are checked against).
const OpResolver& ReferenceOpsResolver();

}  // namespace tinyforge

#endif  // TINYFORGE_OP_REGISTRY_H_
