// Shapes graph -> compiled ShapeSet (see shacl_shapes.h). Every sh: term on a shape is either
// compiled into a constraint, a target, or a known non-validating parameter; anything else fails.
#include "server/kg/shacl_shapes.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <unordered_set>

#include "server/kg/shacl_turtle.h"

namespace tinyforge::server::kg::shacl {

namespace {

constexpr int kMaxPathDepth = 32;

std::string Sh(std::string_view local) { return std::string(kSh) + std::string(local); }

bool IsSimpleLocal(std::string_view local) {
  if (local.empty()) return false;
  for (char c : local) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return local.back() != '.';
}

const std::vector<NodeId> kNone;

}  // namespace

std::string_view ComponentName(Component component) {
  switch (component) {
    case Component::kClass: return "sh:ClassConstraintComponent";
    case Component::kDatatype: return "sh:DatatypeConstraintComponent";
    case Component::kNodeKind: return "sh:NodeKindConstraintComponent";
    case Component::kMinCount: return "sh:MinCountConstraintComponent";
    case Component::kMaxCount: return "sh:MaxCountConstraintComponent";
    case Component::kMinExclusive: return "sh:MinExclusiveConstraintComponent";
    case Component::kMinInclusive: return "sh:MinInclusiveConstraintComponent";
    case Component::kMaxExclusive: return "sh:MaxExclusiveConstraintComponent";
    case Component::kMaxInclusive: return "sh:MaxInclusiveConstraintComponent";
    case Component::kMinLength: return "sh:MinLengthConstraintComponent";
    case Component::kMaxLength: return "sh:MaxLengthConstraintComponent";
    case Component::kPattern: return "sh:PatternConstraintComponent";
    case Component::kLanguageIn: return "sh:LanguageInConstraintComponent";
    case Component::kUniqueLang: return "sh:UniqueLangConstraintComponent";
    case Component::kEquals: return "sh:EqualsConstraintComponent";
    case Component::kDisjoint: return "sh:DisjointConstraintComponent";
    case Component::kLessThan: return "sh:LessThanConstraintComponent";
    case Component::kLessThanOrEquals: return "sh:LessThanOrEqualsConstraintComponent";
    case Component::kNot: return "sh:NotConstraintComponent";
    case Component::kAnd: return "sh:AndConstraintComponent";
    case Component::kOr: return "sh:OrConstraintComponent";
    case Component::kXone: return "sh:XoneConstraintComponent";
    case Component::kNode: return "sh:NodeConstraintComponent";
    case Component::kProperty: return "sh:PropertyConstraintComponent";
    case Component::kQualifiedValueShape: return "sh:QualifiedValueShapeConstraintComponent";
    case Component::kClosed: return "sh:ClosedConstraintComponent";
    case Component::kHasValue: return "sh:HasValueConstraintComponent";
    case Component::kIn: return "sh:InConstraintComponent";
  }
  return "sh:UnknownConstraintComponent";
}

// Compiles shapes out of one graph; lives only during ShapeSet::Load.
class ShapeCompiler {
 public:
  ShapeCompiler(Graph& graph, ShapeSet& set) : graph_(graph), set_(set) {}

  Result<Ok> Run() {
    Graph& g = graph_;
    rdf_type_ = g.Iri(std::string(kRdfNs) + "type");
    set_.vocabulary_ = {rdf_type_, g.Iri(std::string(kRdfsNs) + "subClassOf")};
    // Roots: declared shapes, shapes with targets, and every value of a shape-valued parameter.
    std::set<NodeId> roots;
    for (const char* klass : {"NodeShape", "PropertyShape"}) {
      for (NodeId s : g.Subjects(rdf_type_, g.Iri(Sh(klass)))) roots.insert(s);
    }
    for (const char* target : {"targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "property",
                               "node", "qualifiedValueShape", "not", "path"}) {
      for (const auto& [subject, object] : g.WithPredicate(g.Iri(Sh(target)))) {
        roots.insert(subject);
        (void)object;
      }
    }
    for (NodeId root : roots) {
      auto compiled = Compile(root, "");
      if (!compiled.ok()) return compiled.error();
    }
    for (size_t i = 0; i < set_.shapes_.size(); ++i) {
      const Shape& shape = set_.shapes_[i];
      if (!shape.target_classes.empty() || !shape.target_nodes.empty() || !shape.target_subjects_of.empty() ||
          !shape.target_objects_of.empty()) {
        set_.targeted_.push_back(i);
      }
    }
    BuildClassHierarchy();
    return Ok{};
  }

 private:
  Error Fail(NodeId shape, const std::string& what) const {
    return MakeError(ErrorKind::kInvalidArgument, "SHACL shape " + set_.Compact(graph_.node(shape)) + ": " + what);
  }

  // One value of a parameter that must be single-valued in a sensible shape.
  Result<int64_t> Integer(NodeId shape, std::string_view name, NodeId value) const {
    const RdfNode& node = graph_.node(value);
    if (!node.is_literal() || node.value.empty()) return Fail(shape, std::string(name) + " needs an integer literal");
    std::string_view text = node.value;
    if (text[0] == '+') text.remove_prefix(1);
    int64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size() || number < 0) {
      return Fail(shape, std::string(name) + " needs a non-negative integer, not " + node.ToString());
    }
    return number;
  }

  Result<std::vector<NodeId>> ListOf(NodeId shape, std::string_view name, NodeId head) const {
    auto members = graph_.List(head);
    if (!members.ok()) return Fail(shape, std::string(name) + ": " + members.error().message);
    return members;
  }

  Result<Path> ParsePath(NodeId shape, NodeId node, int depth, std::string& text) {
    if (depth > kMaxPathDepth) return Fail(shape, "sh:path nested too deeply");
    Graph& g = graph_;
    const RdfNode& term = g.node(node);
    Path path;
    if (term.is_iri()) {
      path.predicate = node;
      text = set_.Compact(term);
      return path;
    }
    if (!term.is_blank()) return Fail(shape, "sh:path must be an IRI or a blank node, not " + term.ToString());
    struct Unary {
      const char* name;
      Path::Kind kind;
      const char* prefix;
      const char* suffix;
    };
    for (const Unary& unary : {Unary{"inversePath", Path::Kind::kInverse, "^", ""},
                               Unary{"zeroOrMorePath", Path::Kind::kZeroOrMore, "(", ")*"},
                               Unary{"oneOrMorePath", Path::Kind::kOneOrMore, "(", ")+"},
                               Unary{"zeroOrOnePath", Path::Kind::kZeroOrOne, "(", ")?"}}) {
      const auto& values = g.Objects(node, g.Iri(Sh(unary.name)));
      if (values.empty()) continue;
      if (values.size() != 1) return Fail(shape, std::string("sh:") + unary.name + " needs exactly one value");
      std::string inner;
      TINYFORGE_KG_TRY(step, ParsePath(shape, values[0], depth + 1, inner));
      path.kind = unary.kind;
      path.steps.push_back(step);
      text = unary.prefix + inner + unary.suffix;
      return path;
    }
    const auto& alternatives = g.Objects(node, g.Iri(Sh("alternativePath")));
    bool is_list = !g.Objects(node, g.Iri(std::string(kRdfNs) + "first")).empty();
    if (alternatives.size() == 1 || is_list) {
      TINYFORGE_KG_TRY(members, ListOf(shape, "sh:path", is_list ? node : alternatives[0]));
      if (members.size() < 2) return Fail(shape, "a sequence or alternative path needs at least two members");
      path.kind = is_list ? Path::Kind::kSequence : Path::Kind::kAlternative;
      text = is_list ? "" : "(";
      for (size_t i = 0; i < members.size(); ++i) {
        std::string inner;
        TINYFORGE_KG_TRY(step, ParsePath(shape, members[i], depth + 1, inner));
        path.steps.push_back(step);
        text += (i == 0 ? "" : (is_list ? "/" : "|")) + inner;
      }
      if (!is_list) text += ")";
      return path;
    }
    return Fail(shape, "unsupported or malformed sh:path " + term.ToString());
  }

  Result<size_t> Compile(NodeId node, const std::string& parent_name) {
    if (auto it = index_.find(node); it != index_.end()) return it->second;
    size_t index = set_.shapes_.size();
    index_[node] = index;
    set_.shapes_.emplace_back();
    set_.shapes_[index].node = node;
    const RdfNode& term = graph_.node(node);
    std::string name = term.is_blank() ? parent_name : set_.Compact(term);
    auto result = Fill(index, node, name);
    if (!result.ok()) return result.error();
    return index;
  }

  Result<Ok> Fill(size_t index, NodeId node, std::string name) {
    Graph& g = graph_;
    if (graph_.node(node).is_literal()) return Fail(node, "a shape must be an IRI or a blank node");
    Shape shape;
    shape.node = node;
    const auto& paths = g.Objects(node, g.Iri(Sh("path")));
    if (paths.size() > 1) return Fail(node, "has more than one sh:path");
    bool typed_node_shape = false, typed_property_shape = false;
    for (NodeId type : g.Objects(node, rdf_type_)) {
      typed_node_shape = typed_node_shape || type == g.Iri(Sh("NodeShape"));
      typed_property_shape = typed_property_shape || type == g.Iri(Sh("PropertyShape"));
      // An implicit class target: a shape that is also a class.
      if (type == g.Iri(std::string(kRdfsNs) + "Class") || type == g.Iri("http://www.w3.org/2002/07/owl#Class")) {
        shape.target_classes.push_back(node);
      }
    }
    if (typed_property_shape && paths.empty()) return Fail(node, "is a sh:PropertyShape without sh:path");
    if (typed_node_shape && !paths.empty()) return Fail(node, "is a sh:NodeShape but has sh:path");
    if (!paths.empty()) {
      shape.is_property = true;
      TINYFORGE_KG_TRY(path, ParsePath(node, paths[0], 0, shape.path_text));
      shape.path = path;
    }
    if (name.empty()) name = graph_.node(node).ToString();
    if (graph_.node(node).is_blank() && shape.is_property) name += "[" + shape.path_text + "]";
    shape.name = name;
    set_.shapes_[index].name = name;  // for nested shapes' names while this one compiles

    // Groups of parameters that form one component.
    std::optional<NodeId> pattern, flags, qualified_shape, qualified_min, qualified_max, qualified_disjoint,
        closed, ignored;
    for (const auto& [predicate, object] : g.Outgoing(node)) {
      const RdfNode& p = g.node(predicate);
      if (p.value.compare(0, kSh.size(), kSh) != 0) continue;  // rdf:type, rdfs:label, own annotations
      std::string local = p.value.substr(kSh.size());
      Constraint c{};
      auto single_shape = [&](Component kind) -> Result<Ok> {
        TINYFORGE_KG_TRY(nested, Compile(object, local == "property" ? name : name + "/" + local));
        c.kind = kind;
        c.shapes = {nested};
        shape.constraints.push_back(c);
        return Ok{};
      };
      auto shape_list = [&](Component kind) -> Result<Ok> {
        TINYFORGE_KG_TRY(members, ListOf(node, "sh:" + local, object));
        c.kind = kind;
        for (size_t i = 0; i < members.size(); ++i) {
          TINYFORGE_KG_TRY(nested, Compile(members[i], name + "/" + local + "[" + std::to_string(i) + "]"));
          c.shapes.push_back(nested);
        }
        shape.constraints.push_back(c);
        return Ok{};
      };
      auto term_param = [&](Component kind, bool must_be_iri) -> Result<Ok> {
        if (must_be_iri && !g.node(object).is_iri()) return Fail(node, "sh:" + local + " needs an IRI");
        c.kind = kind;
        c.term = object;
        shape.constraints.push_back(c);
        return Ok{};
      };
      auto count_param = [&](Component kind, bool property_only) -> Result<Ok> {
        if (property_only && !shape.is_property) return Fail(node, "sh:" + local + " is only allowed on property shapes");
        TINYFORGE_KG_TRY(number, Integer(node, "sh:" + local, object));
        c.kind = kind;
        c.count = number;
        shape.constraints.push_back(c);
        return Ok{};
      };
      Result<Ok> step = Ok{};
      if (local == "targetClass") {
        shape.target_classes.push_back(object);
      } else if (local == "targetNode") {
        shape.target_nodes.push_back(object);
      } else if (local == "targetSubjectsOf") {
        shape.target_subjects_of.push_back(object);
      } else if (local == "targetObjectsOf") {
        shape.target_objects_of.push_back(object);
      } else if (local == "path" || local == "name" || local == "description" || local == "order" ||
                 local == "group" || local == "defaultValue") {
        // path compiled above; the rest are non-validating (SHACL 2.3.2)
      } else if (local == "message") {
        const RdfNode& text = g.node(object);
        if (!text.is_literal()) return Fail(node, "sh:message needs a literal");
        if (shape.message.empty() || text.lang.empty() || text.lang == "en") shape.message = text.value;
      } else if (local == "severity") {
        if (object == g.Iri(Sh("Violation"))) shape.severity = Severity::kViolation;
        else if (object == g.Iri(Sh("Warning"))) shape.severity = Severity::kWarning;
        else if (object == g.Iri(Sh("Info"))) shape.severity = Severity::kInfo;
        else return Fail(node, "sh:severity must be sh:Violation, sh:Warning or sh:Info");
      } else if (local == "deactivated") {
        const RdfNode& flag = g.node(object);
        shape.deactivated = flag.is_literal() && (flag.value == "true" || flag.value == "1");
      } else if (local == "class") {
        step = term_param(Component::kClass, true);
      } else if (local == "datatype") {
        step = term_param(Component::kDatatype, true);
      } else if (local == "hasValue") {
        step = term_param(Component::kHasValue, false);
      } else if (local == "minExclusive" || local == "minInclusive" || local == "maxExclusive" ||
                 local == "maxInclusive") {
        if (!g.node(object).is_literal()) return Fail(node, "sh:" + local + " needs a literal");
        step = term_param(local == "minExclusive"   ? Component::kMinExclusive
                          : local == "minInclusive" ? Component::kMinInclusive
                          : local == "maxExclusive" ? Component::kMaxExclusive
                                                    : Component::kMaxInclusive,
                          false);
      } else if (local == "equals" || local == "disjoint" || local == "lessThan" || local == "lessThanOrEquals") {
        bool property_only = local == "lessThan" || local == "lessThanOrEquals";
        if (property_only && !shape.is_property) return Fail(node, "sh:" + local + " is only allowed on property shapes");
        step = term_param(local == "equals"     ? Component::kEquals
                          : local == "disjoint" ? Component::kDisjoint
                          : local == "lessThan" ? Component::kLessThan
                                                : Component::kLessThanOrEquals,
                          true);
      } else if (local == "nodeKind") {
        static const std::pair<const char*, NodeKind> kKinds[] = {
            {"IRI", NodeKind::kIri}, {"BlankNode", NodeKind::kBlankNode}, {"Literal", NodeKind::kLiteral},
            {"BlankNodeOrIRI", NodeKind::kBlankNodeOrIri}, {"BlankNodeOrLiteral", NodeKind::kBlankNodeOrLiteral},
            {"IRIOrLiteral", NodeKind::kIriOrLiteral}};
        bool known = false;
        for (const auto& [kind_name, kind] : kKinds) {
          if (object == g.Iri(Sh(kind_name))) {
            c.kind = Component::kNodeKind;
            c.node_kind = kind;
            c.term = object;
            known = true;
          }
        }
        if (!known) return Fail(node, "sh:nodeKind must be one of sh:IRI, sh:BlankNode, sh:Literal, sh:BlankNodeOrIRI, sh:BlankNodeOrLiteral, sh:IRIOrLiteral");
        shape.constraints.push_back(c);
      } else if (local == "minCount") {
        step = count_param(Component::kMinCount, true);
      } else if (local == "maxCount") {
        step = count_param(Component::kMaxCount, true);
      } else if (local == "minLength") {
        step = count_param(Component::kMinLength, false);
      } else if (local == "maxLength") {
        step = count_param(Component::kMaxLength, false);
      } else if (local == "uniqueLang") {
        if (!shape.is_property) return Fail(node, "sh:uniqueLang is only allowed on property shapes");
        const RdfNode& flag = g.node(object);
        if (flag.is_literal() && (flag.value == "true" || flag.value == "1")) {
          c.kind = Component::kUniqueLang;
          shape.constraints.push_back(c);
        }
      } else if (local == "pattern") {
        if (pattern) return Fail(node, "has more than one sh:pattern");
        pattern = object;
      } else if (local == "flags") {
        flags = object;
      } else if (local == "in" || local == "languageIn") {
        TINYFORGE_KG_TRY(members, ListOf(node, "sh:" + local, object));
        c.kind = local == "in" ? Component::kIn : Component::kLanguageIn;
        c.terms = members;
        shape.constraints.push_back(c);
      } else if (local == "not") {
        step = single_shape(Component::kNot);
      } else if (local == "node") {
        step = single_shape(Component::kNode);
      } else if (local == "property") {
        step = single_shape(Component::kProperty);
      } else if (local == "and" || local == "or" || local == "xone") {
        step = shape_list(local == "and" ? Component::kAnd : (local == "or" ? Component::kOr : Component::kXone));
      } else if (local == "qualifiedValueShape") {
        if (qualified_shape) return Fail(node, "has more than one sh:qualifiedValueShape");
        qualified_shape = object;
      } else if (local == "qualifiedMinCount") {
        qualified_min = object;
      } else if (local == "qualifiedMaxCount") {
        qualified_max = object;
      } else if (local == "qualifiedValueShapesDisjoint") {
        qualified_disjoint = object;
      } else if (local == "closed") {
        closed = object;
      } else if (local == "ignoredProperties") {
        ignored = object;
      } else {
        return Fail(node, "unsupported SHACL term sh:" + local +
                              " (this engine implements SHACL Core without SPARQL-based constraints)");
      }
      if (!step.ok()) return step.error();
    }
    if (pattern) {
      const RdfNode& text = g.node(*pattern);
      if (!text.is_literal()) return Fail(node, "sh:pattern needs a string literal");
      auto options = std::regex::ECMAScript;
#ifdef __GLIBCXX__
      // libstdc++'s default (backtracking) matcher recurses once per repetition and can overflow
      // the stack on long values; the Thompson-style executor is linear in the input.
      options |= std::regex_constants::__polynomial;
#endif
      if (flags) {
        const RdfNode& flag_text = g.node(*flags);
        for (char flag : flag_text.value) {
          if (flag == 'i') options |= std::regex::icase;
          else return Fail(node, std::string("sh:flags \"") + flag + "\" is not supported (only \"i\")");
        }
      }
      Constraint c{};
      c.kind = Component::kPattern;
      c.pattern = text.value;
      try {
        c.regex = std::make_shared<const std::regex>(text.value, options);
      } catch (const std::regex_error& error) {
        return Fail(node, "sh:pattern \"" + text.value + "\" is not a valid ECMAScript regex: " + error.what());
      }
      shape.constraints.push_back(c);
    } else if (flags) {
      return Fail(node, "sh:flags without sh:pattern");
    }
    if (qualified_shape) {
      if (!shape.is_property) return Fail(node, "sh:qualifiedValueShape is only allowed on property shapes");
      if (!qualified_min && !qualified_max) return Fail(node, "sh:qualifiedValueShape needs sh:qualifiedMinCount or sh:qualifiedMaxCount");
      Constraint c{};
      c.kind = Component::kQualifiedValueShape;
      TINYFORGE_KG_TRY(nested, Compile(*qualified_shape, name + "/qualifiedValueShape"));
      c.shapes = {nested};
      if (qualified_min) {
        TINYFORGE_KG_TRY(number, Integer(node, "sh:qualifiedMinCount", *qualified_min));
        c.qualified_min = number;
      }
      if (qualified_max) {
        TINYFORGE_KG_TRY(number, Integer(node, "sh:qualifiedMaxCount", *qualified_max));
        c.qualified_max = number;
      }
      if (qualified_disjoint) {
        const RdfNode& flag = g.node(*qualified_disjoint);
        if (flag.is_literal() && (flag.value == "true" || flag.value == "1")) c.qualified_siblings = {SIZE_MAX};
      }
      shape.constraints.push_back(c);
    } else if (qualified_min || qualified_max || qualified_disjoint) {
      return Fail(node, "sh:qualifiedMinCount/MaxCount/ValueShapesDisjoint without sh:qualifiedValueShape");
    }
    if (closed) {
      const RdfNode& flag = g.node(*closed);
      if (flag.is_literal() && (flag.value == "true" || flag.value == "1")) {
        Constraint c{};
        c.kind = Component::kClosed;
        if (ignored) {
          TINYFORGE_KG_TRY(members, ListOf(node, "sh:ignoredProperties", *ignored));
          c.terms = members;
        }
        for (NodeId property : g.Objects(node, g.Iri(Sh("property")))) {
          for (NodeId path : g.Objects(property, g.Iri(Sh("path")))) {
            if (g.node(path).is_iri()) c.terms.push_back(path);
          }
        }
        shape.constraints.push_back(c);
      }
    } else if (ignored) {
      return Fail(node, "sh:ignoredProperties without sh:closed");
    }
    set_.shapes_[index] = std::move(shape);
    return Ok{};
  }

  void BuildClassHierarchy() {
    Graph& g = graph_;
    std::unordered_map<NodeId, std::vector<NodeId>> direct;
    for (const auto& [sub, super] : g.WithPredicate(set_.vocabulary_.rdfs_subclass_of)) direct[sub].push_back(super);
    for (const auto& [klass, unused] : direct) {
      std::vector<NodeId> closure;
      std::unordered_set<NodeId> seen{klass};
      std::vector<NodeId> stack = direct[klass];
      while (!stack.empty()) {
        NodeId next = stack.back();
        stack.pop_back();
        if (!seen.insert(next).second) continue;
        closure.push_back(next);
        if (auto it = direct.find(next); it != direct.end()) stack.insert(stack.end(), it->second.begin(), it->second.end());
      }
      std::sort(closure.begin(), closure.end());
      set_.superclasses_[klass] = closure;
    }
  }

  Graph& graph_;
  ShapeSet& set_;
  NodeId rdf_type_ = 0;
  std::unordered_map<NodeId, size_t> index_;
};

Result<std::shared_ptr<const ShapeSet>> ShapeSet::Load(const std::vector<Document>& shapes,
                                                       const std::vector<Document>& ontology) {
  std::shared_ptr<ShapeSet> set(new ShapeSet());
  Graph graph;
  int document_index = 0;
  for (const auto* documents : {&shapes, &ontology}) {
    for (const Document& document : *documents) {
      TurtleOptions options;
      options.source_name = document.name;
      options.blank_prefix = "d" + std::to_string(document_index++) + "_";
      auto read = ReadTurtle(document.turtle, graph, options, &set->prefixes_);
      if (!read.ok()) return read.error();
    }
  }
  if (!set->prefixes_.count("sh")) set->prefixes_["sh"] = std::string(kSh);
  if (!set->prefixes_.count("xsd")) set->prefixes_["xsd"] = std::string(kXsdNs);
  ShapeCompiler compiler(graph, *set);
  auto compiled = compiler.Run();
  if (!compiled.ok()) return compiled.error();
  // Fix the qualifiedValueShapesDisjoint siblings: the other qualified shapes of the same parent.
  for (Shape& parent : set->shapes_) {
    for (const Constraint& property : parent.constraints) {
      if (property.kind != Component::kProperty) continue;
      Shape& child = set->shapes_[property.shapes[0]];
      for (Constraint& qualified : child.constraints) {
        if (qualified.kind != Component::kQualifiedValueShape || qualified.qualified_siblings.empty()) continue;
        qualified.qualified_siblings.clear();
        for (const Constraint& other_property : parent.constraints) {
          if (other_property.kind != Component::kProperty || other_property.shapes[0] == property.shapes[0]) continue;
          for (const Constraint& other : set->shapes_[other_property.shapes[0]].constraints) {
            if (other.kind == Component::kQualifiedValueShape) qualified.qualified_siblings.push_back(other.shapes[0]);
          }
        }
      }
    }
  }
  // Terms the validator always needs, interned before the dictionary is frozen.
  for (const char* local : {"first", "rest", "nil", "langString"}) graph.Iri(std::string(kRdfNs) + local);
  set->terms_ = graph.FreezeDictionary();
  return std::shared_ptr<const ShapeSet>(set);
}

const std::vector<NodeId>& ShapeSet::SuperClasses(NodeId klass) const {
  auto it = superclasses_.find(klass);
  return it == superclasses_.end() ? kNone : it->second;
}

std::string ShapeSet::Compact(const RdfNode& node) const {
  if (node.is_iri()) {
    size_t best = 0;
    std::string out;
    for (const auto& [prefix, ns] : prefixes_) {
      if (ns.size() > best && node.value.size() > ns.size() && node.value.compare(0, ns.size(), ns) == 0 &&
          IsSimpleLocal(std::string_view(node.value).substr(ns.size()))) {
        best = ns.size();
        out = prefix + ":" + node.value.substr(ns.size());
      }
    }
    return best ? out : node.ToString();
  }
  if (node.is_literal() && node.lang.empty()) {
    std::string out = RdfNode::Literal(node.value).ToString();
    if (node.datatype == std::string(kXsdNs) + "string") return out;
    return out + "^^" + Compact(RdfNode::Iri(node.datatype));
  }
  return node.ToString();
}

std::string ShapeSet::Compact(NodeId id) const {
  return id < terms_->size() ? Compact(terms_->at(id)) : std::string("(term ") + std::to_string(id) + ")";
}

}  // namespace tinyforge::server::kg::shacl
