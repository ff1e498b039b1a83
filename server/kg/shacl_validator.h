// SHACL Core validation of a data graph against a compiled ShapeSet, with a structured report.
// Thread-safe: Validate() only reads the ShapeSet, so one set serves every request thread.
#pragma once

#include <string>
#include <vector>

#include "server/kg/shacl_graph.h"
#include "server/kg/shacl_shapes.h"

namespace tinyforge::server::kg::shacl {

struct ValidationResult {
  std::string focus_node;  // the IRI (without <>), or _:label / a literal's N-Triples text
  std::string path;        // compact property path (schema:version, ^tf:onDevice); "" for node shapes
  std::string component;   // sh:MinCountConstraintComponent ...
  std::string value;       // the offending value node, compact ("-5"^^xsd:integer, tf:Foo); "" if none
  std::string message;     // the shape's sh:message, else a generated sentence
  std::string shape;       // source shape, compact (tfsh:DeviceShape[tf:ramBytes] for a blank one)
  Severity severity = Severity::kViolation;
  // sh:detail: why a value did not conform to a nested shape (sh:node, sh:qualifiedValueShape...).
  std::vector<ValidationResult> details;
};

struct ValidationReport {
  std::vector<ValidationResult> results;
  // SHACL's sh:conforms: no results at all.
  bool conforms() const { return results.empty(); }
  // Results whose severity is sh:Violation (warnings and infos do not block an insert).
  size_t violation_count() const;
  // One line per result (details indented below it), for logs and error messages.
  std::string ToText() const;
};

std::string_view SeverityName(Severity severity);  // "Violation", "Warning", "Info"

// `data` should be built on shapes.terms() (Graph data(shapes.terms())) so that terms are shared;
// a graph with its own dictionary works too but then no shape term matches by id.
ValidationReport Validate(const ShapeSet& shapes, const Graph& data);

}  // namespace tinyforge::server::kg::shacl
