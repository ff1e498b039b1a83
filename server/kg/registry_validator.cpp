// SHACL gate of the registry's inserts (see registry_validator.h).
#include "server/kg/registry_validator.h"

#include <cctype>
#include <mutex>
#include <optional>

namespace tinyforge::server::kg {
namespace {

shacl::RdfNode ToNode(const Term& term) {
  if (term.kind() == Term::Kind::kIri) return shacl::RdfNode::Iri(term.value());
  return shacl::RdfNode::Literal(term.value(), term.datatype(), term.lang());
}

// TermDictionary::Key of ToNode(term), written into a reused buffer (no RdfNode, no allocation
// once the buffer has grown).
void KeyOf(const Term& term, std::string& key) {
  key.clear();
  if (term.kind() == Term::Kind::kIri) {
    key += static_cast<char>('0' + static_cast<int>(shacl::RdfNode::Kind::kIri));
    key += term.value();
    return;
  }
  key += static_cast<char>('0' + static_cast<int>(shacl::RdfNode::Kind::kLiteral));
  key += term.value();
  key += '\x1f';
  if (!term.datatype().empty()) key += term.datatype();
  else if (term.lang().empty()) key.append(shacl::kXsdNs).append("string");
  else key.append(shacl::kRdfNs).append("langString");
  key += '\x1f';
  for (char c : term.lang()) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
  std::string key;
  auto intern = [&](const Term& term) {
    KeyOf(term, key);
    return data.InternKeyed(key, [&] { return ToNode(term); });
  };
  for (const Triple& triple : triples) {
    shacl::NodeId subject = intern(triple.subject);
    shacl::NodeId predicate = intern(triple.predicate);
    data.Add(subject, predicate, intern(triple.object));
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
