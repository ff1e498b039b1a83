// AllOpsResolver() and ReferenceOpsResolver(): every op, as constant tables (no constructors).
#include "tinyforge/op_registry.h"
#include "tinyforge/ops.h"

namespace tinyforge {
namespace {

#define TINYFORGE_REGISTRATION(name, code) ops::k##name,
constexpr OpRegistration kAllOps[] = {TINYFORGE_OPS(TINYFORGE_REGISTRATION)};
#undef TINYFORGE_REGISTRATION

// Same table with the always-reference variants of the four ops that have optimized kernels.
constexpr OpRegistration kReferenceOps[] = {
    ops::kFullyConnectedReference, ops::kConv1DReference, ops::kConv2DReference,
    ops::kDepthwiseConv2DReference, ops::kMaxPool2D, ops::kAveragePool2D,
    ops::kGlobalAveragePool, ops::kAdd, ops::kMul, ops::kRelu, ops::kRelu6, ops::kSoftmax,
    ops::kSigmoid, ops::kTanh, ops::kReshape, ops::kConcat, ops::kQuantize, ops::kDequantize,
    ops::kTreeEnsemble};

static_assert(sizeof(kAllOps) / sizeof(kAllOps[0]) == format::kOpCodeCount, "an op is missing");
static_assert(sizeof(kReferenceOps) / sizeof(kReferenceOps[0]) == format::kOpCodeCount,
              "an op is missing");

constexpr OpResolver kAllOpsResolver(kAllOps, format::kOpCodeCount);
constexpr OpResolver kReferenceOpsResolver(kReferenceOps, format::kOpCodeCount);

}  // namespace

const OpResolver& AllOpsResolver() { return kAllOpsResolver; }
const OpResolver& ReferenceOpsResolver() { return kReferenceOpsResolver; }

}  // namespace tinyforge
