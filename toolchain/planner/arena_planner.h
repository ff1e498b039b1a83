// Exact arena planner: assigns every activation and every op's scratch an offset in one arena so
// that buffers live at the same time never share bytes, and reports the exact arena size.
//
// Algorithm (TFLM's GreedyMemoryPlanner, made exact for our op-order lifetimes):
//   1. lifetime of each activation = [first op that writes it (0 for graph inputs),
//      last op that reads it (op_count for graph outputs)]; scratch of op i lives at [i, i].
//   2. a Reshape whose output has the same byte size as its (activation) input aliases it: the
//      output gets its input's offset and extends the input's lifetime instead of a new buffer.
//   3. buffers sorted by size, largest first (ties: earlier first use, then lower index);
//      each goes into the lowest aligned gap between already placed buffers whose lifetimes
//      intersect its own (first fit).
//   4. arena_bytes = the highest end of any placed buffer (no rounding: the exact byte count).
// Greedy-by-size is not optimal in general (the problem is NP-hard), but it matches TFLM's
// results and is optimal for chains, which most small models are.
#ifndef TINYFORGE_TOOLCHAIN_PLANNER_ARENA_PLANNER_H_
#define TINYFORGE_TOOLCHAIN_PLANNER_ARENA_PLANNER_H_

#include <cstdint>
#include <vector>

#include "tinyforge/format/tfm.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

struct PlannerTensor {
  uint32_t bytes = 0;
  bool is_constant = false;  // constants live in the blob, never in the arena
};

struct PlannerOp {
  uint16_t opcode = 0;
  std::vector<uint32_t> inputs;  // tensor indices; format::kNoTensor for an absent input
  uint32_t output = 0;
  uint32_t scratch_bytes = 0;
};

struct PlannerProblem {
  std::vector<PlannerTensor> tensors;
  std::vector<PlannerOp> ops;  // in execution order
  std::vector<uint32_t> graph_inputs;
  std::vector<uint32_t> graph_outputs;
  uint32_t alignment = format::kConstantsAlignment;
};

struct ArenaPlan {
  std::vector<uint32_t> tensor_offsets;        // format::kNone32 for constants
  std::vector<format::OpScratch> op_scratch;   // {kNone32, 0} for ops without scratch
  uint32_t arena_bytes = 0;
};

// Plans the arena. Errors (with the op/tensor index named): an index out of range, an activation
// read before any op writes it, a tensor written twice, an arena larger than 4 GiB.
Result<ArenaPlan> PlanArena(const PlannerProblem& problem);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_PLANNER_ARENA_PLANNER_H_
