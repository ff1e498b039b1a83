// Greedy-by-size first-fit arena planner (see arena_planner.h for the algorithm).
#include "toolchain/planner/arena_planner.h"

#include <algorithm>
#include <limits>
#include <string>

namespace tinyforge::toolchain {
namespace {

constexpr uint32_t kUnset = format::kNone32;

struct Buffer {
  uint64_t bytes = 0;
  uint32_t first = 0;  // op index range [first, last] during which the buffer is live
  uint32_t last = 0;
  uint32_t tensor = kUnset;  // kUnset for a scratch buffer
  uint32_t op = kUnset;      // owner op of a scratch buffer
  uint64_t offset = 0;
  bool placed = false;
};

uint64_t AlignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace

Result<ArenaPlan> PlanArena(const PlannerProblem& problem) {
  const uint32_t tensor_count = static_cast<uint32_t>(problem.tensors.size());
  const uint32_t op_count = static_cast<uint32_t>(problem.ops.size());
  const uint64_t alignment = problem.alignment == 0 ? 1 : problem.alignment;
  const auto check_index = [&](uint32_t t, const std::string& where) -> Result<void> {
    if (t >= tensor_count) {
      return MakeError("planner: " + where + " refers to tensor " + std::to_string(t) +
                       " but there are " + std::to_string(tensor_count));
    }
    return {};
  };

  // Producers, readers and graph IO per tensor.
  std::vector<uint32_t> producer(tensor_count, kUnset);
  std::vector<uint32_t> last_reader(tensor_count, kUnset);
  std::vector<bool> is_input(tensor_count, false);
  std::vector<bool> is_output(tensor_count, false);
  for (uint32_t t : problem.graph_inputs) {
    TINYFORGE_TRY(check_index(t, "graph input"));
    is_input[t] = true;
  }
  for (uint32_t t : problem.graph_outputs) {
    TINYFORGE_TRY(check_index(t, "graph output"));
    is_output[t] = true;
  }
  for (uint32_t i = 0; i < op_count; ++i) {
    const PlannerOp& op = problem.ops[i];
    const std::string where = "op " + std::to_string(i) + " (" + format::OpName(op.opcode) + ")";
    for (uint32_t t : op.inputs) {
      if (t == format::kNoTensor) continue;
      TINYFORGE_TRY(check_index(t, where));
      if (problem.tensors[t].is_constant) continue;
      if (!is_input[t] && (producer[t] == kUnset || producer[t] >= i)) {
        return MakeError("planner: " + where + " reads tensor " + std::to_string(t) +
                         " before any op writes it");
      }
      last_reader[t] = i;
    }
    TINYFORGE_TRY(check_index(op.output, where));
    if (problem.tensors[op.output].is_constant || is_input[op.output] ||
        producer[op.output] != kUnset) {
      return MakeError("planner: " + where + " writes tensor " + std::to_string(op.output) +
                       " which is a constant, a graph input or already written");
    }
    producer[op.output] = i;
  }

  // Reshape aliasing: the output takes over its input's buffer (root = owner of the bytes).
  std::vector<uint32_t> alias_root(tensor_count);
  for (uint32_t t = 0; t < tensor_count; ++t) alias_root[t] = t;
  for (uint32_t i = 0; i < op_count; ++i) {
    const PlannerOp& op = problem.ops[i];
    if (op.opcode != static_cast<uint16_t>(format::OpCode::kReshape) || op.inputs.empty()) continue;
    const uint32_t source = op.inputs[0];
    if (source == format::kNoTensor || problem.tensors[source].is_constant ||
        problem.tensors[source].bytes != problem.tensors[op.output].bytes) {
      continue;
    }
    alias_root[op.output] = alias_root[source];
  }

  // One buffer per root activation (lifetime = union over its aliases) and per op scratch.
  std::vector<Buffer> buffers;
  std::vector<uint32_t> buffer_of_root(tensor_count, kUnset);
  for (uint32_t t = 0; t < tensor_count; ++t) {
    if (problem.tensors[t].is_constant) continue;
    uint32_t first = is_input[t] ? 0 : producer[t];
    if (first == kUnset) continue;  // never live: gets offset 0, which overlaps nothing live
    uint32_t last = first;
    if (last_reader[t] != kUnset) last = std::max(last, last_reader[t]);
    if (is_output[t]) last = op_count;
    const uint32_t root = alias_root[t];
    if (buffer_of_root[root] == kUnset) {
      buffer_of_root[root] = static_cast<uint32_t>(buffers.size());
      Buffer buffer;
      buffer.bytes = problem.tensors[root].bytes;
      buffer.first = first;
      buffer.last = last;
      buffer.tensor = root;
      buffers.push_back(buffer);
    } else {
      Buffer& buffer = buffers[buffer_of_root[root]];
      buffer.first = std::min(buffer.first, first);
      buffer.last = std::max(buffer.last, last);
    }
  }
  for (uint32_t i = 0; i < op_count; ++i) {
    if (problem.ops[i].scratch_bytes == 0) continue;
    Buffer buffer;
    buffer.bytes = problem.ops[i].scratch_bytes;
    buffer.first = i;
    buffer.last = i;
    buffer.op = i;
    buffers.push_back(buffer);
  }

  std::vector<uint32_t> order(buffers.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (buffers[a].bytes != buffers[b].bytes) return buffers[a].bytes > buffers[b].bytes;
    return buffers[a].first < buffers[b].first;
  });

  uint64_t arena_bytes = 0;
  std::vector<const Buffer*> conflicts;
  for (uint32_t index : order) {
    Buffer& buffer = buffers[index];
    conflicts.clear();
    for (const Buffer& other : buffers) {
      if (other.placed && other.first <= buffer.last && buffer.first <= other.last &&
          other.bytes != 0) {
        conflicts.push_back(&other);
      }
    }
    std::sort(conflicts.begin(), conflicts.end(),
              [](const Buffer* a, const Buffer* b) { return a->offset < b->offset; });
    uint64_t candidate = 0;
    for (const Buffer* other : conflicts) {
      if (candidate + buffer.bytes <= other->offset) break;  // fits in the gap before `other`
      candidate = std::max(candidate, AlignUp(other->offset + other->bytes, alignment));
    }
    buffer.offset = candidate;
    buffer.placed = true;
    arena_bytes = std::max(arena_bytes, candidate + buffer.bytes);
  }
  if (arena_bytes >= std::numeric_limits<uint32_t>::max()) {
    return MakeError("planner: arena of " + std::to_string(arena_bytes) +
                     " bytes does not fit the format's uint32 offsets");
  }

  ArenaPlan plan;
  plan.arena_bytes = static_cast<uint32_t>(arena_bytes);
  plan.tensor_offsets.assign(tensor_count, format::kNone32);
  plan.op_scratch.assign(op_count, format::OpScratch{format::kNone32, 0});
  for (uint32_t t = 0; t < tensor_count; ++t) {
    if (problem.tensors[t].is_constant) continue;
    const uint32_t buffer = buffer_of_root[alias_root[t]];
    if (buffer != kUnset) {
      plan.tensor_offsets[t] = static_cast<uint32_t>(buffers[buffer].offset);
    } else {
      // Never live (no writer, not an input): offset 0 overlaps nothing live, but the loader
      // still wants it inside the arena.
      plan.tensor_offsets[t] = 0;
      plan.arena_bytes = std::max(plan.arena_bytes, problem.tensors[t].bytes);
    }
  }
  for (const Buffer& buffer : buffers) {
    if (buffer.op != kUnset) {
      plan.op_scratch[buffer.op] = {static_cast<uint32_t>(buffer.offset),
                                    static_cast<uint32_t>(buffer.bytes)};
    }
  }
  return plan;
}

}  // namespace tinyforge::toolchain
