// SHACL gate of the registry's inserts (see registry_validator.h).
#include "server/kg/registry_validator.h"

#include <mutex>
#include <optional>

namespace tinyforge::server::kg {
namespace {

shacl::RdfNode ToNode(const Term& term) {
  if (term.kind() == Term::Kind::kIri) return shacl::RdfNode::Iri(term.value());
  return shacl::RdfNode::Literal(term.value(), term.datatype(), term.lang());
}

}  // namespace

Result<std::shared_ptr<const RegistryValidator>> RegistryValidator::FromTurtle(std::string_view shapes_turtle,
                                                                               std::string_view ontology_turtle) {
  auto shapes = shacl::ShapeSet::Load({{"ontology/shapes.ttl", std::string(shapes_turtle)}},
                                      {{"ontology/tinyforge.ttl", std::string(ontology_turtle)}});
  if (!shapes.ok()) return shapes.error();
  return std::shared_ptr<const RegistryValidator>(new RegistryValidator(std::move(shapes.value())));
}

Result<std::shared_ptr<const RegistryValidator>> RegistryValidator::Embedded() {
  static std::once_flag once;
  static std::optional<Result<std::shared_ptr<const RegistryValidator>>> loaded;
  std::call_once(once, [] { loaded.emplace(FromTurtle(EmbeddedShapesTurtle(), EmbeddedOntologyTurtle())); });
  return *loaded;
}

shacl::ValidationReport RegistryValidator::Validate(const std::vector<Triple>& triples) const {
  shacl::Graph data(shapes_->terms());
  for (const Triple& triple : triples) {
    data.Add(data.Intern(ToNode(triple.subject)), data.Intern(ToNode(triple.predicate)),
             data.Intern(ToNode(triple.object)));
  }
  return shacl::Validate(*shapes_, data);
}

Result<Ok> RegistryValidator::Check(const std::vector<Triple>& triples, std::string_view what) const {
  shacl::ValidationReport report = Validate(triples);
  if (report.violation_count() == 0) return Ok{};
  return ValidationError(report, what);
}

Error ValidationError(const shacl::ValidationReport& report, std::string_view what) {
  size_t count = report.violation_count();
  std::string message = std::string(what) + " violates the registry shapes (" + std::to_string(count) +
                        " violation" + (count == 1 ? "" : "s") + "):";
  std::string text = report.ToText();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    message += "\n  " + text.substr(start, end - start);
    start = end + 1;
  }
  return MakeError(ErrorKind::kInvalidArgument, message);
}

}  // namespace tinyforge::server::kg
