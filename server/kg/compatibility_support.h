// Small helpers both compatibility query paths share (compatibility.cpp: the two-step queries,
// compatibility_index.cpp: the in-store index): literals, result values, page arithmetic.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "server/kg/compatibility.h"
#include "server/kg/sparql_term.h"

namespace tinyforge::server::kg::compat {

inline std::string IntLiteral(int64_t value) { return Term::Integer(value).ToSparql(); }
inline std::string DoubleLiteral(double value) { return Term::Double(value).ToSparql(); }
inline std::string ValueText(const RdfValue* value) { return value == nullptr ? "" : value->value; }

inline Result<Ok> CheckPageArguments(int64_t offset, int64_t limit) {
  if (offset < 0 || limit <= 0 || limit > CompatibilityQueries::kMaxPageSize) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "page: offset must be >= 0 and limit in 1.." +
                         std::to_string(CompatibilityQueries::kMaxPageSize));
  }
  return Ok{};
}

// Rows a page of `limit` from `offset` must hold when the answer has `total` rows.
inline int64_t ExpectedRowsOnPage(int64_t total, int64_t offset, int64_t limit) {
  return std::max<int64_t>(0, std::min(limit, total - offset));
}

}  // namespace tinyforge::server::kg::compat
