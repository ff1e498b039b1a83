// SHACL Core shapes compiled from a shapes graph: targets, paths and constraint components with
// every term already interned, so validating one small data graph is integer work.
//
// Supported: sh:NodeShape / sh:PropertyShape; targets sh:targetClass (with rdfs:subClassOf from
// the ontology and the data), sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf, implicit
// class targets; paths: IRI, sh:inversePath, sequence, sh:alternativePath, sh:zeroOrMorePath,
// sh:oneOrMorePath, sh:zeroOrOnePath; constraint components: class, datatype, nodeKind,
// minCount, maxCount, min/maxExclusive, min/maxInclusive, minLength, maxLength, pattern (+flags "i"),
// languageIn, uniqueLang, equals, disjoint, lessThan, lessThanOrEquals, not, and, or, xone, node,
// property, qualifiedValueShape (+ qualifiedMin/MaxCount, qualifiedValueShapesDisjoint), closed
// (+ ignoredProperties), hasValue, in; sh:message, sh:severity, sh:deactivated.
// Anything else in the sh: namespace on a shape (sh:sparql, sh:rule, unknown terms...) is a load
// error naming it: a rule the engine does not check must never be silently ignored.
#pragma once

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/kg/kg_result.h"
#include "server/kg/shacl_graph.h"

namespace tinyforge::server::kg::shacl {

enum class Severity { kViolation, kWarning, kInfo };

struct Path {
  enum class Kind { kPredicate, kInverse, kSequence, kAlternative, kZeroOrMore, kOneOrMore, kZeroOrOne };
  Kind kind = Kind::kPredicate;
  NodeId predicate = 0;     // kPredicate
  std::vector<Path> steps;  // the others (one step for inverse and the repetitions)
};

enum class Component {
  kClass, kDatatype, kNodeKind, kMinCount, kMaxCount, kMinExclusive, kMinInclusive, kMaxExclusive,
  kMaxInclusive, kMinLength, kMaxLength, kPattern, kLanguageIn, kUniqueLang, kEquals, kDisjoint,
  kLessThan, kLessThanOrEquals, kNot, kAnd, kOr, kXone, kNode, kProperty, kQualifiedValueShape,
  kClosed, kHasValue, kIn,
};
// "sh:MinCountConstraintComponent"...
std::string_view ComponentName(Component component);

enum class NodeKind { kIri, kBlankNode, kLiteral, kBlankNodeOrIri, kBlankNodeOrLiteral, kIriOrLiteral };

struct Constraint {
  Component kind;
  NodeId term = 0;            // class, datatype, hasValue, bound, equals/disjoint/lessThan property
  NodeKind node_kind = NodeKind::kIri;
  int64_t count = 0;          // min/maxCount, min/maxLength
  std::vector<NodeId> terms;  // sh:in, sh:languageIn (literals), sh:ignoredProperties + allowed (closed)
  std::vector<size_t> shapes; // not/and/or/xone/node/property/qualifiedValueShape (one or more)
  std::shared_ptr<const std::regex> regex;
  std::string pattern;        // as written, for messages
  int64_t qualified_min = -1, qualified_max = -1;
  std::vector<size_t> qualified_siblings;  // with qualifiedValueShapesDisjoint
};

struct Shape {
  NodeId node = 0;
  std::string name;              // compact name for reports (tfsh:DeviceShape, or a blank label)
  bool is_property = false;
  Path path;
  std::string path_text;         // compact path for reports: schema:version, ^tf:onDevice, a/b
  std::vector<NodeId> target_classes, target_nodes, target_subjects_of, target_objects_of;
  std::vector<Constraint> constraints;
  Severity severity = Severity::kViolation;
  std::string message;           // sh:message (first one), empty = generated per result
  bool deactivated = false;
};

class ShapeSet {
 public:
  struct Document {
    std::string name;    // for error messages, e.g. "ontology/shapes.ttl"
    std::string turtle;
  };
  // Reads the shapes documents and the ontology documents (their rdfs:subClassOf is the class
  // hierarchy for sh:class and sh:targetClass) into one graph and compiles every shape.
  // Errors: kInvalidArgument naming the Turtle position, or the shape and the unsupported or
  // malformed SHACL term.
  static Result<std::shared_ptr<const ShapeSet>> Load(const std::vector<Document>& shapes,
                                                      const std::vector<Document>& ontology = {});

  const std::vector<Shape>& shapes() const { return shapes_; }
  const std::vector<size_t>& targeted() const { return targeted_; }  // shapes with targets
  const std::shared_ptr<const TermDictionary>& terms() const { return terms_; }
  // Superclasses (transitive, without the class itself) of a class in the ontology/shapes graph.
  const std::vector<NodeId>& SuperClasses(NodeId klass) const;
  // Compact name of a term using the documents' prefixes: tf:ramBytes, "12"^^xsd:integer.
  std::string Compact(const RdfNode& node) const;
  std::string Compact(NodeId id) const;

  // Ids of the terms the validator uses often (interned at load).
  struct Vocabulary {
    NodeId rdf_type, rdfs_subclass_of;
  };
  const Vocabulary& vocabulary() const { return vocabulary_; }

 private:
  friend class ShapeCompiler;
  ShapeSet() = default;
  std::vector<Shape> shapes_;
  std::vector<size_t> targeted_;
  std::shared_ptr<const TermDictionary> terms_;
  std::unordered_map<NodeId, std::vector<NodeId>> superclasses_;
  std::map<std::string, std::string> prefixes_;  // prefix -> namespace
  Vocabulary vocabulary_{};
};

}  // namespace tinyforge::server::kg::shacl
