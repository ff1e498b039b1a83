// Literal semantics SHACL Core needs: XSD lexical forms (sh:datatype rejects ill-formed literals),
// value comparison (sh:min/maxInclusive/Exclusive) and string length in code points.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "server/kg/shacl_graph.h"

namespace tinyforge::server::kg::shacl {

// True if the lexical form is valid for the literal's datatype. Datatypes this engine does not know
// are accepted as they are (as SHACL allows).
bool IsWellFormedLiteral(const RdfNode& literal);

// -1 / 0 / +1 when the two terms are comparable (both numeric, both strings, or both booleans of
// the same kind); nullopt otherwise (IRIs, blank nodes, ill-formed or mixed-kind literals), which
// SHACL's range constraints report as a violation.
std::optional<int> CompareLiterals(const RdfNode& a, const RdfNode& b);

// Unicode code points in valid-or-not UTF-8 (counts bytes that do not continue a sequence).
size_t CodePointLength(std::string_view utf8);

}  // namespace tinyforge::server::kg::shacl
