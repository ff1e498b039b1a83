// The registry's insert gate: the triples the server is about to write for one model card, device
// or runtime release are validated against ontology/shapes.ttl (with the class hierarchy of
// ontology/tinyforge.ttl) before anything reaches the store. Both files are compiled into the
// binary, so the shapes parsed here are the shapes of this source tree.
//
// Per item: build a graph of a few dozen triples on the shapes' term dictionary and validate it.
// Thread-safe (const) and meant to be called per item inside a batch:
//   auto validator = RegistryValidator::Embedded();            // parsed once per process
//   auto report = (*validator)->Validate(DeviceTriples(device));
//   if (report.violation_count() > 0) ... refuse the item, list report.results
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/kg/kg_result.h"
#include "server/kg/shacl_shapes.h"
#include "server/kg/shacl_validator.h"
#include "server/kg/sparql_term.h"

namespace tinyforge::server::kg {

// The text of ontology/shapes.ttl and ontology/tinyforge.ttl at build time.
std::string_view EmbeddedShapesTurtle();
std::string_view EmbeddedOntologyTurtle();

class RegistryValidator {
 public:
  // The embedded shapes and ontology, compiled on first use (then shared by every caller).
  static Result<std::shared_ptr<const RegistryValidator>> Embedded();
  // Other shapes (tests, or a deployment that adds its own rules).
  static Result<std::shared_ptr<const RegistryValidator>> FromTurtle(std::string_view shapes_turtle,
                                                                     std::string_view ontology_turtle);

  shacl::ValidationReport Validate(const std::vector<Triple>& triples) const;
  // Ok when no result has severity sh:Violation; otherwise kInvalidArgument whose message names
  // `what` and lists every result, one per line.
  Result<Ok> Check(const std::vector<Triple>& triples, std::string_view what) const;

  const shacl::ShapeSet& shapes() const { return *shapes_; }

 private:
  explicit RegistryValidator(std::shared_ptr<const shacl::ShapeSet> shapes) : shapes_(std::move(shapes)) {}
  std::shared_ptr<const shacl::ShapeSet> shapes_;
};

// kInvalidArgument: "<what> violates the registry shapes (N violations):\n  <line>..."
Error ValidationError(const shacl::ValidationReport& report, std::string_view what);

}  // namespace tinyforge::server::kg
