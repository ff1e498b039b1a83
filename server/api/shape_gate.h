// The REST layer's side of SHACL validation: every model card, device and runtime release is
// mapped to triples and validated against the registry shapes (kg/registry_validator.h) before
// anything is written; a refusal is one 400 listing every violation, structured and as text.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/kg/shacl_validator.h"
#include "server/kg/sparql_term.h"

namespace tinyforge::server::api::detail {

// [{focus_node, path, component, value, message, shape, severity, details: [...]}, ...]
nlohmann::json ViolationsJson(const std::vector<kg::shacl::ValidationResult>& results);

// Validates `triples`. Throws ApiFailure 400 when any result has severity sh:Violation, or when
// `problems` (checks outside the shapes, e.g. the TD's JSON-LD structure) is not empty; the
// message lists the problems, then every SHACL result. `code` is used when there are problems,
// "shape_violations" otherwise. Returns the warnings (severity sh:Warning / sh:Info) otherwise.
nlohmann::json RequireShapes(const std::vector<kg::Triple>& triples, const std::string& what,
                             const std::vector<std::string>& problems = {},
                             const std::string& code = "invalid_document");

}  // namespace tinyforge::server::api::detail
