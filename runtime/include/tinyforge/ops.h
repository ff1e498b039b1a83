// Per-op registrations, so the toolchain can generate a resolver with only the ops a model uses:
//
//   static const tinyforge::OpRegistration kModelOps[] = {tinyforge::ops::kFullyConnected,
//                                                         tinyforge::ops::kSoftmax};
//   static const tinyforge::OpResolver kResolver(kModelOps, 2);
//
// The registrations are constant-initialized (no static constructors). k<Op> uses the optimized
// int8 kernels when the runtime is built with TINYFORGE_OPTIMIZED_KERNELS and they exist;
// k<Op>Reference always uses the reference kernels (the two differ only for FullyConnected,
// Conv1D, Conv2D and DepthwiseConv2D). Every Prepare returns, besides kOk:
//   kBadOpArity (input count, or a required input absent / a forbidden one present),
//   kBadParams (params missing, wrong size, or out of range), kNullArgument (a tensor has no data),
//   kWriteToConstant, kDTypeMismatch, kShapeMismatch, kQuantizationMismatch, kScratchTooSmall.
// Eval assumes a successful Prepare with the same context and returns kOk.
#ifndef TINYFORGE_OPS_H_
#define TINYFORGE_OPS_H_

#include <stdint.h>

#include "tinyforge/format/tfm.h"
#include "tinyforge/op_registry.h"
#include "tinyforge/status.h"

namespace tinyforge::ops {

#define TINYFORGE_OPS_DECLARE_ADAPTER(name, code) \
  Status Prepare##name(const OpContext& context); \
  Status Eval##name(const OpContext& context);
TINYFORGE_OPS(TINYFORGE_OPS_DECLARE_ADAPTER)
#undef TINYFORGE_OPS_DECLARE_ADAPTER

// The ops whose int8 path has an optimized variant: an always-reference Eval, and the scratch
// size their Eval needs (0 for the reference kernels; the optimized ones may ask for more).
#define TINYFORGE_OPS_WITH_OPTIMIZED_KERNELS(X) \
  X(FullyConnected)                             \
  X(Conv1D)                                     \
  X(Conv2D)                                     \
  X(DepthwiseConv2D)
#define TINYFORGE_OPS_DECLARE_VARIANTS(name)                \
  Status Eval##name##Reference(const OpContext& context);   \
  uint32_t ScratchBytes##name(const OpContext& context);
TINYFORGE_OPS_WITH_OPTIMIZED_KERNELS(TINYFORGE_OPS_DECLARE_VARIANTS)
#undef TINYFORGE_OPS_DECLARE_VARIANTS

// k<Op>: the registration AllOpsResolver() holds.
#define TINYFORGE_OPS_DEFINE_PLAIN(name)                                            \
  inline constexpr OpRegistration k##name{static_cast<uint16_t>(format::OpCode::k##name), \
                                          &Prepare##name, &Eval##name, nullptr};
#define TINYFORGE_OPS_DEFINE_OPTIMIZABLE(name)                                                \
  inline constexpr OpRegistration k##name{static_cast<uint16_t>(format::OpCode::k##name),     \
                                          &Prepare##name, &Eval##name, &ScratchBytes##name};  \
  inline constexpr OpRegistration k##name##Reference{                                         \
      static_cast<uint16_t>(format::OpCode::k##name), &Prepare##name, &Eval##name##Reference, \
      &ScratchBytes##name};
TINYFORGE_OPS_WITH_OPTIMIZED_KERNELS(TINYFORGE_OPS_DEFINE_OPTIMIZABLE)
// kFullyConnectedF32: float32 only (int8 is refused at Prepare with kDTypeMismatch), so a
// firmware running a float model links no int8 FullyConnected kernel (about 3 KB on Cortex-M4).
Status PrepareFullyConnectedF32(const OpContext& context);
Status EvalFullyConnectedF32(const OpContext& context);
inline constexpr OpRegistration kFullyConnectedF32{
    static_cast<uint16_t>(format::OpCode::kFullyConnected), &PrepareFullyConnectedF32,
    &EvalFullyConnectedF32, &ScratchBytesFullyConnected};
// The other ops have one kernel set.
TINYFORGE_OPS_DEFINE_PLAIN(MaxPool2D)
TINYFORGE_OPS_DEFINE_PLAIN(AveragePool2D)
TINYFORGE_OPS_DEFINE_PLAIN(GlobalAveragePool)
TINYFORGE_OPS_DEFINE_PLAIN(Add)
TINYFORGE_OPS_DEFINE_PLAIN(Mul)
TINYFORGE_OPS_DEFINE_PLAIN(Relu)
TINYFORGE_OPS_DEFINE_PLAIN(Relu6)
TINYFORGE_OPS_DEFINE_PLAIN(Softmax)
TINYFORGE_OPS_DEFINE_PLAIN(Sigmoid)
TINYFORGE_OPS_DEFINE_PLAIN(Tanh)
TINYFORGE_OPS_DEFINE_PLAIN(Reshape)
TINYFORGE_OPS_DEFINE_PLAIN(Concat)
TINYFORGE_OPS_DEFINE_PLAIN(Quantize)
TINYFORGE_OPS_DEFINE_PLAIN(Dequantize)
TINYFORGE_OPS_DEFINE_PLAIN(TreeEnsemble)
// kTreeEnsembleF32: float32 input only (int8 is refused at Prepare with kDTypeMismatch), so a
// firmware running a float forest links no int8 walk (about 0.8 KB on Cortex-M4 at -O2).
Status PrepareTreeEnsembleF32(const OpContext& context);
Status EvalTreeEnsembleF32(const OpContext& context);
inline constexpr OpRegistration kTreeEnsembleF32{static_cast<uint16_t>(format::OpCode::kTreeEnsemble),
                                                 &PrepareTreeEnsembleF32, &EvalTreeEnsembleF32, nullptr};

// Register<Op>(): the same registrations as functions, for code that prefers calls.
#define TINYFORGE_OPS_DEFINE_REGISTER(name, code) \
  constexpr OpRegistration Register##name() { return k##name; }
TINYFORGE_OPS(TINYFORGE_OPS_DEFINE_REGISTER)
#undef TINYFORGE_OPS_DEFINE_REGISTER
#undef TINYFORGE_OPS_DEFINE_PLAIN
#undef TINYFORGE_OPS_DEFINE_OPTIMIZABLE

}  // namespace tinyforge::ops

#endif  // TINYFORGE_OPS_H_
