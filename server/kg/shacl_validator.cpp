// SHACL Core validation (see shacl_validator.h). Results are only rendered to text when a
// constraint fails, so a conforming graph costs index lookups and integer compares.
#include "server/kg/shacl_validator.h"

#include <algorithm>
#include <unordered_set>

#include "server/kg/shacl_literals.h"

namespace tinyforge::server::kg::shacl {
namespace {

// Nested shapes (sh:node inside sh:node...) deeper than this are reported, not followed: recursive
// shapes over cyclic data would otherwise never end.
constexpr int kMaxShapeDepth = 48;

void AddUnique(std::vector<NodeId>& nodes, NodeId node) {
  if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) nodes.push_back(node);
}

class Validator {
 public:
  Validator(const ShapeSet& set, const Graph& data) : set_(set), data_(data) {
    rdf_type_ = set.vocabulary().rdf_type;
    data_has_subclasses_ = !data.WithPredicate(set.vocabulary().rdfs_subclass_of).empty();
  }

  void Run(ValidationReport& report) {
    for (size_t index : set_.targeted()) {
      const Shape& shape = set_.shapes()[index];
      if (shape.deactivated) continue;
      for (NodeId focus : FocusNodes(shape)) ValidateShape(index, focus, &report.results);
    }
  }

 private:
  std::vector<NodeId> FocusNodes(const Shape& shape) const {
    std::vector<NodeId> focus;
    for (NodeId node : shape.target_nodes) AddUnique(focus, node);
    for (NodeId klass : shape.target_classes) {
      for (const auto& [subject, type] : data_.WithPredicate(rdf_type_)) {
        if (IsSubClass(type, klass)) AddUnique(focus, subject);
      }
    }
    for (NodeId predicate : shape.target_subjects_of) {
      for (const auto& [subject, unused] : data_.WithPredicate(predicate)) AddUnique(focus, subject);
    }
    for (NodeId predicate : shape.target_objects_of) {
      for (const auto& [unused, object] : data_.WithPredicate(predicate)) AddUnique(focus, object);
    }
    return focus;
  }

  bool IsSubClass(NodeId type, NodeId klass) const {
    if (type == klass) return true;
    const auto& supers = set_.SuperClasses(type);
    if (std::binary_search(supers.begin(), supers.end(), klass)) return true;
    if (!data_has_subclasses_) return false;
    // rdfs:subClassOf triples in the data graph itself (SHACL's definition of a SHACL instance).
    std::vector<NodeId> stack{type};
    std::unordered_set<NodeId> seen{type};
    NodeId subclass_of = set_.vocabulary().rdfs_subclass_of;
    while (!stack.empty()) {
      NodeId next = stack.back();
      stack.pop_back();
      const auto direct = data_.Objects(next, subclass_of);
      std::vector<NodeId> parents(direct.begin(), direct.end());
      const auto& ontology = set_.SuperClasses(next);
      parents.insert(parents.end(), ontology.begin(), ontology.end());
      for (NodeId parent : parents) {
        if (parent == klass) return true;
        if (seen.insert(parent).second) stack.push_back(parent);
      }
    }
    return false;
  }

  bool InstanceOf(NodeId node, NodeId klass) const {
    for (NodeId type : data_.Objects(node, rdf_type_)) {
      if (IsSubClass(type, klass)) return true;
    }
    return false;
  }

  // Value nodes of `path` from `focus`; `forward` false walks it backwards (inverse paths).
  void Walk(const Path& path, NodeId focus, bool forward, std::vector<NodeId>& out) const {
    switch (path.kind) {
      case Path::Kind::kPredicate: {
        const auto& next = forward ? data_.Objects(focus, path.predicate) : data_.Subjects(path.predicate, focus);
        for (NodeId node : next) AddUnique(out, node);
        return;
      }
      case Path::Kind::kInverse: Walk(path.steps[0], focus, !forward, out); return;
      case Path::Kind::kAlternative:
        for (const Path& step : path.steps) Walk(step, focus, forward, out);
        return;
      case Path::Kind::kSequence: {
        std::vector<NodeId> current{focus};
        for (size_t i = 0; i < path.steps.size(); ++i) {
          const Path& step = path.steps[forward ? i : path.steps.size() - 1 - i];
          std::vector<NodeId> next;
          for (NodeId node : current) Walk(step, node, forward, next);
          current.swap(next);
        }
        for (NodeId node : current) AddUnique(out, node);
        return;
      }
      case Path::Kind::kZeroOrOne:
        AddUnique(out, focus);
        Walk(path.steps[0], focus, forward, out);
        return;
      case Path::Kind::kZeroOrMore:
      case Path::Kind::kOneOrMore: {
        std::vector<NodeId> reached;
        if (path.kind == Path::Kind::kZeroOrMore) reached.push_back(focus);
        std::vector<NodeId> frontier{focus};
        std::unordered_set<NodeId> expanded;
        while (!frontier.empty()) {
          NodeId node = frontier.back();
          frontier.pop_back();
          if (!expanded.insert(node).second) continue;
          std::vector<NodeId> next;
          Walk(path.steps[0], node, forward, next);
          for (NodeId candidate : next) {
            AddUnique(reached, candidate);
            frontier.push_back(candidate);
          }
        }
        for (NodeId node : reached) AddUnique(out, node);
        return;
      }
    }
  }

  std::string NodeText(NodeId node) const {
    const RdfNode& term = data_.node(node);
    return term.is_iri() ? term.value : term.ToString();
  }

  // Adds one result; returns false so callers can `return Report(...)` when only conformance matters.
  void Report(std::vector<ValidationResult>* out, const Shape& shape, const Constraint& constraint, NodeId focus,
              const NodeId* value, std::string generated, std::vector<ValidationResult> details = {},
              const std::string* path_override = nullptr) const {
    if (!out) return;
    ValidationResult result;
    result.focus_node = NodeText(focus);
    result.path = path_override ? *path_override : shape.path_text;
    result.component = std::string(ComponentName(constraint.kind));
    if (value) result.value = set_.Compact(data_.node(*value));
    result.message = shape.message.empty() ? std::move(generated) : shape.message;
    result.shape = shape.name;
    result.severity = shape.severity;
    result.details = std::move(details);
    out->push_back(std::move(result));
  }

  bool Conforms(size_t shape, NodeId node) { return ValidateShape(shape, node, nullptr); }

  // Validates `focus` against one shape; with out == nullptr stops at the first failure.
  bool ValidateShape(size_t index, NodeId focus, std::vector<ValidationResult>* out) {
    const Shape& shape = set_.shapes()[index];
    if (shape.deactivated) return true;
    if (depth_ >= kMaxShapeDepth) {
      if (out) {
        ValidationResult result;
        result.focus_node = NodeText(focus);
        result.component = "sh:NodeConstraintComponent";
        result.message = "shapes nested deeper than " + std::to_string(kMaxShapeDepth) + " levels (recursive shape?)";
        result.shape = shape.name;
        out->push_back(std::move(result));
      }
      return false;
    }
    ++depth_;
    std::vector<NodeId> values;
    if (shape.is_property) Walk(shape.path, focus, true, values);
    else values.push_back(focus);
    size_t before = out ? out->size() : 0;
    bool ok = true;
    for (const Constraint& constraint : shape.constraints) {
      ok = Check(shape, constraint, focus, values, out) && ok;
      if (!ok && !out) break;
    }
    --depth_;
    return ok && (!out || out->size() == before);
  }

  bool Check(const Shape& shape, const Constraint& c, NodeId focus, const std::vector<NodeId>& values,
             std::vector<ValidationResult>* out) {
    bool ok = true;
    auto fail = [&](const NodeId* value, std::string message, std::vector<ValidationResult> details = {}) {
      ok = false;
      Report(out, shape, c, focus, value, std::move(message), std::move(details));
    };
    auto each = [&](auto&& accept, auto&& describe) {
      for (NodeId value : values) {
        if (accept(value)) continue;
        if (!out) {  // only conformance matters: no message to build
          ok = false;
          return;
        }
        fail(&value, describe(value));
      }
    };
    // Names for messages, rendered only when something fails.
    auto term_name = [&] { return c.term ? set_.Compact(c.term) : std::string(); };
    switch (c.kind) {
      case Component::kClass:
        each([&](NodeId v) { return InstanceOf(v, c.term); },
             [&](NodeId) { return "must be an instance of " + term_name(); });
        break;
      case Component::kDatatype: {
        const std::string& datatype = data_.node(c.term).value;
        each([&](NodeId v) {
               const RdfNode& node = data_.node(v);
               return node.is_literal() && node.datatype == datatype && IsWellFormedLiteral(node);
             },
             [&](NodeId v) {
               const RdfNode& node = data_.node(v);
               return node.is_literal() && node.datatype == datatype ? "is not a valid " + term_name() + " literal"
                                                                     : "must be a literal of datatype " + term_name();
             });
        break;
      }
      case Component::kNodeKind:
        each([&](NodeId v) {
               const RdfNode& node = data_.node(v);
               switch (c.node_kind) {
                 case NodeKind::kIri: return node.is_iri();
                 case NodeKind::kBlankNode: return node.is_blank();
                 case NodeKind::kLiteral: return node.is_literal();
                 case NodeKind::kBlankNodeOrIri: return !node.is_literal();
                 case NodeKind::kBlankNodeOrLiteral: return !node.is_iri();
                 case NodeKind::kIriOrLiteral: return !node.is_blank();
               }
               return false;
             },
             [&](NodeId) { return "must be a node of kind " + term_name(); });
        break;
      case Component::kMinCount:
        if (static_cast<int64_t>(values.size()) < c.count) {
          fail(nullptr, "needs at least " + std::to_string(c.count) + " value" + (c.count == 1 ? "" : "s") +
                            ", found " + std::to_string(values.size()));
        }
        break;
      case Component::kMaxCount:
        if (static_cast<int64_t>(values.size()) > c.count) {
          fail(nullptr, "allows at most " + std::to_string(c.count) + " value" + (c.count == 1 ? "" : "s") +
                            ", found " + std::to_string(values.size()));
        }
        break;
      case Component::kMinExclusive:
      case Component::kMinInclusive:
      case Component::kMaxExclusive:
      case Component::kMaxInclusive: {
        const char* op = c.kind == Component::kMinExclusive   ? ">"
                         : c.kind == Component::kMinInclusive ? ">="
                         : c.kind == Component::kMaxExclusive ? "<"
                                                              : "<=";
        const RdfNode& bound = data_.node(c.term);
        each([&](NodeId v) {
               auto order = CompareLiterals(data_.node(v), bound);
               if (!order) return false;
               switch (c.kind) {
                 case Component::kMinExclusive: return *order > 0;
                 case Component::kMinInclusive: return *order >= 0;
                 case Component::kMaxExclusive: return *order < 0;
                 default: return *order <= 0;
               }
             },
             [&](NodeId v) {
               return CompareLiterals(data_.node(v), bound) ? std::string("must be ") + op + " " + bound.value
                                                            : "is not comparable with " + term_name();
             });
        break;
      }
      case Component::kMinLength:
      case Component::kMaxLength: {
        bool min = c.kind == Component::kMinLength;
        each([&](NodeId v) {
               const RdfNode& node = data_.node(v);
               if (node.is_blank()) return false;
               int64_t length = static_cast<int64_t>(CodePointLength(node.value));
               return min ? length >= c.count : length <= c.count;
             },
             [&](NodeId) {
               return std::string(min ? "must have at least " : "must have at most ") + std::to_string(c.count) +
                      " characters";
             });
        break;
      }
      case Component::kPattern:
        each([&](NodeId v) {
               const RdfNode& node = data_.node(v);
               return !node.is_blank() && std::regex_search(node.value, *c.regex);
             },
             [&](NodeId) { return "must match the pattern " + c.pattern; });
        break;
      case Component::kLanguageIn:
        each([&](NodeId v) {
               const RdfNode& node = data_.node(v);
               if (!node.is_literal() || node.lang.empty()) return false;
               for (NodeId range : c.terms) {
                 std::string tag = data_.node(range).value;
                 for (char& ch : tag) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                 if (tag == "*" || node.lang == tag ||
                     (node.lang.size() > tag.size() && node.lang.compare(0, tag.size(), tag) == 0 &&
                      node.lang[tag.size()] == '-')) {
                   return true;
                 }
               }
               return false;
             },
             [&](NodeId) { return std::string("must have one of the allowed language tags"); });
        break;
      case Component::kUniqueLang: {
        std::vector<std::string> seen, reported;
        for (NodeId v : values) {
          const std::string& lang = data_.node(v).lang;
          if (lang.empty()) continue;
          if (std::find(seen.begin(), seen.end(), lang) == seen.end()) {
            seen.push_back(lang);
          } else if (std::find(reported.begin(), reported.end(), lang) == reported.end()) {
            reported.push_back(lang);
            fail(nullptr, "has more than one value with language tag \"" + lang + "\"");
          }
        }
        break;
      }
      case Component::kEquals:
      case Component::kDisjoint:
      case Component::kLessThan:
      case Component::kLessThanOrEquals: {
        const auto& others = data_.Objects(focus, c.term);
        auto contains = [](std::span<const NodeId> list, NodeId v) {
          return std::find(list.begin(), list.end(), v) != list.end();
        };
        for (NodeId v : values) {
          if (c.kind == Component::kEquals && !contains(others, v)) fail(&v, "must also be a value of " + term_name());
          if (c.kind == Component::kDisjoint && contains(others, v)) fail(&v, "must not also be a value of " + term_name());
          if (c.kind == Component::kLessThan || c.kind == Component::kLessThanOrEquals) {
            for (NodeId other : others) {
              auto order = CompareLiterals(data_.node(v), data_.node(other));
              bool less = order && (*order < 0 || (c.kind == Component::kLessThanOrEquals && *order == 0));
              if (!less) fail(&v, std::string("must be ") + (c.kind == Component::kLessThan ? "<" : "<=") +
                                      " every value of " + term_name());
            }
          }
          if (!ok && !out) return false;
        }
        if (c.kind == Component::kEquals) {
          for (NodeId other : others) {
            if (!contains(values, other)) fail(&other, "is a value of " + term_name() + " but not of this path");
          }
        }
        break;
      }
      case Component::kNot:
        each([&](NodeId v) { return !Conforms(c.shapes[0], v); },
             [&](NodeId) { return "must not conform to " + set_.shapes()[c.shapes[0]].name; });
        break;
      case Component::kAnd:
      case Component::kOr:
      case Component::kXone: {
        for (NodeId v : values) {
          size_t conforming = 0;
          for (size_t member : c.shapes) {
            if (Conforms(member, v)) ++conforming;
            else if (c.kind == Component::kAnd) break;
          }
          bool accepted = c.kind == Component::kAnd ? conforming == c.shapes.size()
                          : c.kind == Component::kOr ? conforming >= 1
                                                     : conforming == 1;
          if (accepted) continue;
          const char* what = c.kind == Component::kAnd  ? "must conform to every shape of sh:and"
                             : c.kind == Component::kOr ? "must conform to at least one shape of sh:or"
                                                        : "must conform to exactly one shape of sh:xone";
          fail(&v, what);
          if (!out) return false;
        }
        break;
      }
      case Component::kNode:
        for (NodeId v : values) {
          if (Conforms(c.shapes[0], v)) continue;
          std::vector<ValidationResult> details;
          if (out) ValidateShape(c.shapes[0], v, &details);
          fail(&v, "must conform to " + set_.shapes()[c.shapes[0]].name, std::move(details));
          if (!out) return false;
        }
        break;
      case Component::kProperty:
        for (NodeId v : values) {
          if (!ValidateShape(c.shapes[0], v, out)) {
            ok = false;
            if (!out) return false;
          }
        }
        break;
      case Component::kQualifiedValueShape: {
        int64_t count = 0;
        for (NodeId v : values) {
          if (!Conforms(c.shapes[0], v)) continue;
          bool sibling = false;
          for (size_t other : c.qualified_siblings) sibling = sibling || Conforms(other, v);
          if (!sibling) ++count;
        }
        const std::string& name = set_.shapes()[c.shapes[0]].name;
        if (c.qualified_min >= 0 && count < c.qualified_min) {
          std::vector<ValidationResult> details;
          if (out) {
            for (NodeId v : values) ValidateShape(c.shapes[0], v, &details);
          }
          fail(nullptr, "needs at least " + std::to_string(c.qualified_min) + " value(s) conforming to " + name +
                            ", found " + std::to_string(count), std::move(details));
        }
        if (c.qualified_max >= 0 && count > c.qualified_max) {
          fail(nullptr, "allows at most " + std::to_string(c.qualified_max) + " value(s) conforming to " + name +
                            ", found " + std::to_string(count));
        }
        break;
      }
      case Component::kClosed:
        for (NodeId v : values) {
          for (const auto& [predicate, object] : data_.Outgoing(v)) {
            if (std::find(c.terms.begin(), c.terms.end(), predicate) != c.terms.end()) continue;
            ok = false;
            std::string path = set_.Compact(data_.node(predicate));
            NodeId value = object;
            Report(out, shape, c, v, &value, "property " + path + " is not allowed by the closed shape " + shape.name,
                   {}, &path);
            if (!out) return false;
          }
        }
        break;
      case Component::kHasValue:
        if (std::find(values.begin(), values.end(), c.term) == values.end()) fail(nullptr, "must have the value " + term_name());
        break;
      case Component::kIn:
        each([&](NodeId v) { return std::find(c.terms.begin(), c.terms.end(), v) != c.terms.end(); },
             [&](NodeId) {
               std::string list;
               for (NodeId allowed : c.terms) list += (list.empty() ? "" : ", ") + set_.Compact(allowed);
               return "must be one of: " + list;
             });
        break;
    }
    return ok;
  }

  const ShapeSet& set_;
  const Graph& data_;
  NodeId rdf_type_ = 0;
  bool data_has_subclasses_ = false;
  int depth_ = 0;
};

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kViolation: return "Violation";
    case Severity::kWarning: return "Warning";
    case Severity::kInfo: return "Info";
  }
  return "Violation";
}

size_t ValidationReport::violation_count() const {
  return static_cast<size_t>(std::count_if(results.begin(), results.end(), [](const ValidationResult& result) {
    return result.severity == Severity::kViolation;
  }));
}

namespace {
void AppendText(const ValidationResult& result, int indent, std::string& out) {
  out += std::string(static_cast<size_t>(indent) * 2, ' ');
  if (result.severity != Severity::kViolation) out += std::string(SeverityName(result.severity)) + ": ";
  out += "<" + result.focus_node + ">";
  if (!result.path.empty()) out += " " + result.path;
  if (!result.value.empty()) out += " = " + result.value;
  out += ": " + result.message + " (" + result.component + ", shape " + result.shape + ")\n";
  for (const ValidationResult& detail : result.details) AppendText(detail, indent + 1, out);
}
}  // namespace

std::string ValidationReport::ToText() const {
  std::string out;
  for (const ValidationResult& result : results) AppendText(result, 0, out);
  return out;
}

ValidationReport Validate(const ShapeSet& shapes, const Graph& data) {
  ValidationReport report;
  Validator(shapes, data).Run(report);
  return report;
}

}  // namespace tinyforge::server::kg::shacl
