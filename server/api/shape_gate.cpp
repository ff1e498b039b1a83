// SHACL gate of the REST writes (see shape_gate.h).
#include "server/api/shape_gate.h"

#include "server/api/handler_support.h"
#include "server/kg/registry_validator.h"

namespace tinyforge::server::api::detail {

nlohmann::json ViolationsJson(const std::vector<kg::shacl::ValidationResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& result : results) {
    nlohmann::json entry = {{"focus_node", result.focus_node}, {"path", result.path},
                            {"component", result.component}, {"value", result.value},
                            {"message", result.message},     {"shape", result.shape},
                            {"severity", std::string(kg::shacl::SeverityName(result.severity))}};
    if (!result.details.empty()) entry["details"] = ViolationsJson(result.details);
    out.push_back(std::move(entry));
  }
  return out;
}

nlohmann::json RequireShapes(const std::vector<kg::Triple>& triples, const std::string& what,
                             const std::vector<std::string>& problems, const std::string& code) {
  auto validator = kg::RegistryValidator::Embedded();
  if (!validator.ok()) Fail(500, "internal", "the registry shapes did not load: " + validator.error().message);
  kg::shacl::ValidationReport report = (*validator)->Validate(triples);
  if (problems.empty() && report.violation_count() == 0) return ViolationsJson(report.results);
  std::string message = what + " is invalid:";
  for (const std::string& line : problems) message += "\n  " + line;
  if (report.violation_count() > 0) message += "\n" + kg::ValidationError(report, what).message;
  ApiError error{400, problems.empty() ? "shape_violations" : code, message};
  error.violations = ViolationsJson(report.results);
  throw ApiFailure{error};
}

}  // namespace tinyforge::server::api::detail
