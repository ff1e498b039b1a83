// Internal helpers shared by rollout_engine.cpp (decisions) and rollout_engine_commands.cpp
// (operator commands): error constructors, an RAII transaction, TF_TRY.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "server/fleet/rollout_store.h"
#include "server/fleet/rollout_types.h"

namespace tinyforge::server::fleet::rollout_detail {

inline constexpr size_t kMaxIdLength = 256;
inline constexpr int64_t kMaxSoakSeconds = 30LL * 24 * 3600;

inline RolloutError Internal(const Error& error) { return RolloutFailure(RolloutErrorKind::kInternal, error.message); }
inline RolloutError Invalid(const std::string& message) { return RolloutFailure(RolloutErrorKind::kInvalid, message); }
inline RolloutError Conflict(const std::string& message) { return RolloutFailure(RolloutErrorKind::kConflict, message); }

inline std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", fraction * 100);
  return text;
}

// Smallest number of confirmed devices that meets the success threshold (at least one).
inline int64_t NeededConfirmations(int64_t size, double threshold) {
  auto needed = static_cast<int64_t>(std::ceil(threshold * static_cast<double>(size) - 1e-9));
  return std::max<int64_t>(1, std::min(size, needed));
}

// An RAII transaction: rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(RolloutStore& store) : store_(store) {}
  ~Transaction() {
    if (!done_) store_.RollbackTransaction();
  }
  Result<Ok> Begin() { return store_.Begin(); }
  Result<Ok> Commit() {
    auto result = store_.Commit();
    done_ = result.ok();
    return result;
  }

 private:
  RolloutStore& store_;
  bool done_ = false;
};

// Returns the error of a failed Result<...> step from a function returning Result<Ok>.
#define TF_ROLLOUT_TRY(expr)                                                  \
  do {                                                                        \
    auto tf_rollout_try_result = (expr);                                      \
    if (!tf_rollout_try_result.ok()) return tf_rollout_try_result.error();    \
  } while (0)

}  // namespace tinyforge::server::fleet::rollout_detail
