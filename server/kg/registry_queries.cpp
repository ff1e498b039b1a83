// Registry reads, deletes, export and import (see registry_queries.h).
#include "server/kg/registry_queries.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

#include "server/kg/rdf_mapping.h"
#include "server/kg/shacl_turtle.h"
#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {
namespace {

std::string Value(const SelectResult& result, size_t row, const char* variable) {
  const RdfValue* value = result.Get(row, variable);
  return value ? value->value : "";
}

std::string SearchPattern(const ModelSearch& search) {
  std::string pattern =
      "?m a tf:ModelVersion ; schema:identifier ?id ; schema:version ?version .\n";
  if (!search.op.empty()) pattern += "?m tf:usesOp " + OperatorIri(search.op).ToSparql() + " .\n";
  if (!search.text.empty()) {
    // Lower-cased on our side too, so the store compares two lower-case strings.
    std::string lowered;
    for (char c : search.text) lowered += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    pattern += "{ ?m schema:identifier ?text } UNION { ?m schema:name ?text }\n"
               "FILTER(CONTAINS(LCASE(STR(?text)), " + Term::String(lowered).ToSparql() + "))\n";
  }
  return pattern;
}

}  // namespace

Result<ModelVersionPage> RegistryQueries::SearchModels(const ModelSearch& search, int64_t offset,
                                                       int64_t limit) const {
  std::string pattern = SearchPattern(search);
  std::string prefixes(vocab::kPrefixes);
  TINYFORGE_KG_TRY(total, graph_.Count(prefixes + "SELECT (COUNT(DISTINCT ?m) AS ?count)\n" +
                                       graph_.FromClause() + "WHERE {\n" + pattern + "}"));
  TINYFORGE_KG_TRY(rows, graph_.client().Select(
                             prefixes + "SELECT DISTINCT ?m ?id ?version ?name\n" + graph_.FromClause() +
                             "WHERE {\n" + pattern + "OPTIONAL { ?m schema:name ?name }\n}\nORDER BY ?m\nLIMIT " +
                             std::to_string(limit) + " OFFSET " + std::to_string(offset)));
  ModelVersionPage page;
  page.total = total;
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    page.items.push_back({Value(rows, i, "m"), Value(rows, i, "id"), Value(rows, i, "version"),
                          Value(rows, i, "name")});
  }
  int64_t expected = std::max<int64_t>(0, std::min<int64_t>(limit, total - offset));
  if (static_cast<int64_t>(page.items.size()) < expected) {
    return MakeError(ErrorKind::kTruncated, "model search returned " + std::to_string(page.items.size()) +
                                                " rows, the count promised " + std::to_string(expected));
  }
  return page;
}

Result<std::vector<ModelVersionRow>> RegistryQueries::Versions(const std::string& id) const {
  TINYFORGE_KG_TRY(rows, graph_.client().Select(
                             std::string(vocab::kPrefixes) + "SELECT ?m ?version ?number ?name\n" +
                             graph_.FromClause() + "WHERE {\n?m a tf:ModelVersion ; tf:versionOf " +
                             ModelIri(id).ToSparql() +
                             " ; schema:version ?version ; tf:versionNumber ?number .\n"
                             "OPTIONAL { ?m schema:name ?name }\n}\nORDER BY ?number"));
  std::vector<ModelVersionRow> out;
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    out.push_back({Value(rows, i, "m"), id, Value(rows, i, "version"), Value(rows, i, "name")});
  }
  return out;
}

Result<std::vector<ModelVersionRow>> RegistryQueries::Ancestors(const Term& model) const {
  TINYFORGE_KG_TRY(rows, graph_.client().Select(
                             std::string(vocab::kPrefixes) + "SELECT DISTINCT ?a ?id ?version\n" +
                             graph_.FromClause() + "WHERE {\n" + model.ToSparql() +
                             " tf:derivedFrom+ ?a .\nOPTIONAL { ?a schema:identifier ?id ; schema:version ?version }\n}"));
  std::vector<ModelVersionRow> out;
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    out.push_back({Value(rows, i, "a"), Value(rows, i, "id"), Value(rows, i, "version"), ""});
  }
  return out;
}

Result<std::vector<ModelVersionRow>> RegistryQueries::Descendants(const Term& model) const {
  TINYFORGE_KG_TRY(rows, graph_.client().Select(
                             std::string(vocab::kPrefixes) + "SELECT DISTINCT ?d ?id ?version\n" +
                             graph_.FromClause() + "WHERE {\n?d tf:derivedFrom+ " + model.ToSparql() +
                             " .\n?d schema:identifier ?id ; schema:version ?version .\n}"));
  std::vector<ModelVersionRow> out;
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    out.push_back({Value(rows, i, "d"), Value(rows, i, "id"), Value(rows, i, "version"), ""});
  }
  return out;
}

Result<bool> RegistryQueries::IsA(const Term& iri, const Term& klass) const {
  return graph_.client().Ask("ASK " + graph_.FromClause() + "WHERE { " + iri.ToSparql() + " a " +
                             klass.ToSparql() + " }");
}

Result<Ok> RegistryQueries::DeleteEntity(const Term& entity) const {
  const std::string with = "WITH " + graph_.graph().ToSparql() + "\n";
  const std::string e = entity.ToSparql();
  const std::string prefix = Term::String(entity.value() + "/").ToSparql();
  auto under = [&](const char* variable) {
    return std::string("FILTER(isIRI(") + variable + ") && STRSTARTS(STR(" + variable + "), " + prefix + "))\n";
  };
  // Deepest sub-nodes first: once a parent's triples are gone its children are unreachable.
  std::string update =
      with + "DELETE { ?c3 ?p ?o } WHERE { " + e + " ?p1 ?c1 . " + under("?c1") +
      "?c1 ?p2 ?c2 . " + under("?c2") + "?c2 ?p3 ?c3 . " + under("?c3") + "?c3 ?p ?o } ;\n" +
      with + "DELETE { ?c2 ?p ?o } WHERE { " + e + " ?p1 ?c1 . " + under("?c1") + "?c1 ?p2 ?c2 . " +
      under("?c2") + "?c2 ?p ?o } ;\n" +
      with + "DELETE { ?c1 ?p ?o } WHERE { " + e + " ?p1 ?c1 . " + under("?c1") + "?c1 ?p ?o } ;\n" +
      with + "DELETE { " + e + " ?p ?o } WHERE { " + e + " ?p ?o }";
  return graph_.client().Update(update);
}

namespace {

// Shortest text that reads back as exactly `value` (finite values only).
std::string RoundTripText(double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return error == std::errc() ? std::string(buffer, end) : std::string();
}

}  // namespace

Result<SelectResult> RegistryQueries::AllTriples() const {
  // Virtuoso 7.2.5 writes xsd:double values in SELECT results (JSON, XML, CSV) and in N-Triples
  // with 6 significant digits, and STR() with 16, which is not always enough either (measured:
  // 0.30000000000000004 -> "0.3"; its `=` on doubles did not tell those apart). So an export
  // re-imported added a second, rounded triple. Its Turtle writer gives 20 digits, so the doubles
  // are read once more by CONSTRUCT as Turtle (any store writes Turtle exactly) and each row takes
  // the value of its (subject, predicate) nearest to the STR() reading.
  auto result = graph_.client().Select(
      std::string(vocab::kPrefixes) + "SELECT ?s ?p ?o (IF(isLiteral(?o) && DATATYPE(?o) = xsd:double, STR(?o), \"\") AS ?lex) " +
      graph_.FromClause() + "WHERE { ?s ?p ?o }");
  if (!result.ok()) return result.error();
  bool any_double = false;
  for (const Row& row : result->rows) {
    auto lex = row.find("lex");
    if (lex != row.end() && !lex->second.value.empty()) any_double = true;
  }
  if (any_double) {
    auto turtle = graph_.client().QueryText(std::string(vocab::kPrefixes) + "CONSTRUCT { ?s ?p ?o } " +
                                                graph_.FromClause() +
                                                "WHERE { ?s ?p ?o FILTER(isLiteral(?o) && DATATYPE(?o) = xsd:double) }",
                                            "text/turtle");
    if (!turtle.ok()) return turtle.error();
    shacl::Graph doubles;
    shacl::TurtleOptions options;
    options.source_name = "the store's CONSTRUCT of xsd:double values";
    auto read = shacl::ReadTurtle(*turtle, doubles, options);
    if (!read.ok()) return read.error();
    // Every literal of this CONSTRUCT is an xsd:double, however the Turtle spells it (Virtuoso
    // writes "2.0000000000000004441", which Turtle would read as a decimal).
    std::map<std::pair<std::string, std::string>, std::vector<double>> exact;
    for (const auto& triple : doubles.triples()) {
      const shacl::RdfNode& s = doubles.node(triple.subject);
      const shacl::RdfNode& o = doubles.node(triple.object);
      if (!s.is_iri() || !o.is_literal()) continue;
      char* end = nullptr;
      double value = std::strtod(o.value.c_str(), &end);
      if (o.value.empty() || *end != '\0' || !std::isfinite(value)) continue;
      exact[{s.value, doubles.node(triple.predicate).value}].push_back(value);
    }
    for (Row& row : result->rows) {
      auto lex = row.find("lex");
      if (lex == row.end() || lex->second.value.empty()) continue;
      char* end = nullptr;
      double reading = std::strtod(lex->second.value.c_str(), &end);
      if (*end != '\0' || !std::isfinite(reading)) continue;  // NaN, INF: as the store wrote them
      auto it = exact.find({row["s"].value, row["p"].value});
      double best = reading;  // a blank node subject: 16 digits are the best there is
      if (it != exact.end()) {
        best = it->second.front();
        for (double value : it->second) {
          if (std::fabs(value - reading) < std::fabs(best - reading)) best = value;
        }
      }
      row["o"].value = RoundTripText(best);
    }
  }
  for (Row& row : result->rows) row.erase("lex");
  return result;
}

namespace {

std::string NodeText(const RdfValue& value) {
  if (value.type == "uri") return "<" + value.value + ">";
  if (value.type == "bnode") return "_:" + value.value;
  std::string text = "\"" + EscapeStringBody(value.value) + "\"";
  if (!value.lang.empty()) return text + "@" + value.lang;
  if (!value.datatype.empty() && value.datatype != std::string(kXsd) + "string") {
    return text + "^^<" + value.datatype + ">";
  }
  return text;
}

}  // namespace

std::string RowsToTurtle(const SelectResult& rows) {
  std::string out;
  for (const Row& row : rows.rows) {
    auto s = row.find("s"), p = row.find("p"), o = row.find("o");
    if (s == row.end() || p == row.end() || o == row.end()) continue;
    // Store IRIs are re-checked: a triple loaded by SPARQL update may hold an unsafe IRI.
    if (s->second.type == "uri" && !IsSafeIri(s->second.value)) continue;
    if (!IsSafeIri(p->second.value)) continue;
    if (o->second.type == "uri" && !IsSafeIri(o->second.value)) continue;
    out += NodeText(s->second) + " " + NodeText(p->second) + " " + NodeText(o->second) + " .\n";
  }
  return out;
}

nlohmann::json RowsToJsonLd(const SelectResult& rows) {
  std::map<std::string, nlohmann::json> nodes;
  for (const Row& row : rows.rows) {
    auto s = row.find("s"), p = row.find("p"), o = row.find("o");
    if (s == row.end() || p == row.end() || o == row.end()) continue;
    std::string subject = s->second.type == "bnode" ? "_:" + s->second.value : s->second.value;
    nlohmann::json& node = nodes[subject];
    node["@id"] = subject;
    nlohmann::json object;
    if (o->second.type == "uri") {
      object["@id"] = o->second.value;
    } else if (o->second.type == "bnode") {
      object["@id"] = "_:" + o->second.value;
    } else {
      object["@value"] = o->second.value;
      if (!o->second.lang.empty()) {
        object["@language"] = o->second.lang;
      } else if (!o->second.datatype.empty()) {
        object["@type"] = o->second.datatype;
      }
    }
    if (p->second.value == vocab::Rdf("type") && o->second.type == "uri") {
      node["@type"].push_back(o->second.value);
    } else {
      node[p->second.value].push_back(object);
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& [unused, node] : nodes) out.push_back(std::move(node));
  return out;
}

Result<std::vector<Triple>> ExpandedJsonLdToTriples(const nlohmann::json& document) {
  if (!document.is_array()) {
    return MakeError(ErrorKind::kInvalidArgument, "JSON-LD import: expected expanded JSON-LD (an array of node objects)");
  }
  std::vector<Triple> out;
  const Term type = Term::Iri(vocab::Rdf("type")).value();
  for (size_t n = 0; n < document.size(); ++n) {
    const nlohmann::json& node = document[n];
    std::string where = "node[" + std::to_string(n) + "]";
    if (!node.is_object() || !node.contains("@id") || !node["@id"].is_string()) {
      return MakeError(ErrorKind::kInvalidArgument, where + ": must be an object with a string @id");
    }
    auto subject = Term::Iri(node["@id"].get<std::string>(), where + ".@id");
    if (!subject.ok()) return subject.error();
    for (const auto& [key, values] : node.items()) {
      if (key == "@id") continue;
      std::string field = where + "." + key;
      if (!values.is_array()) return MakeError(ErrorKind::kInvalidArgument, field + ": must be an array");
      if (key == "@type") {
        for (const auto& klass : values) {
          if (!klass.is_string()) return MakeError(ErrorKind::kInvalidArgument, field + ": must hold IRIs");
          auto object = Term::Iri(klass.get<std::string>(), field);
          if (!object.ok()) return object.error();
          out.push_back({*subject, type, *object});
        }
        continue;
      }
      auto predicate = Term::Iri(key, field);
      if (!predicate.ok()) return predicate.error();
      for (const auto& value : values) {
        if (!value.is_object()) return MakeError(ErrorKind::kInvalidArgument, field + ": values must be objects");
        if (value.contains("@id")) {
          if (!value["@id"].is_string()) return MakeError(ErrorKind::kInvalidArgument, field + ".@id: must be a string");
          auto object = Term::Iri(value["@id"].get<std::string>(), field + ".@id");
          if (!object.ok()) return object.error();
          out.push_back({*subject, *predicate, *object});
          continue;
        }
        if (!value.contains("@value") || !value["@value"].is_string()) {
          return MakeError(ErrorKind::kInvalidArgument, field + ": needs @id or a string @value");
        }
        std::string text = value["@value"].get<std::string>();
        std::string datatype = value.contains("@type") && value["@type"].is_string() ? value["@type"].get<std::string>() : "";
        std::string xsd(kXsd);
        if (value.contains("@language") && value["@language"].is_string()) {
          out.push_back({*subject, *predicate, Term::LangString(text, value["@language"].get<std::string>())});
        } else if (datatype.empty() || datatype == xsd + "string") {
          out.push_back({*subject, *predicate, Term::String(text)});
        } else if (datatype == xsd + "integer" || datatype == xsd + "int" || datatype == xsd + "long") {
          int64_t number = 0;
          auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
          if (error != std::errc() || end != text.data() + text.size()) {
            return MakeError(ErrorKind::kInvalidArgument, field + ": \"" + text + "\" is not an integer");
          }
          out.push_back({*subject, *predicate, Term::Integer(number)});
        } else if (datatype == xsd + "double" || datatype == xsd + "float" || datatype == xsd + "decimal") {
          char* end = nullptr;
          double number = std::strtod(text.c_str(), &end);
          if (text.empty() || end != text.c_str() + text.size()) {
            return MakeError(ErrorKind::kInvalidArgument, field + ": \"" + text + "\" is not a number");
          }
          out.push_back({*subject, *predicate, Term::Double(number)});
        } else if (datatype == xsd + "boolean") {
          if (text != "true" && text != "false" && text != "1" && text != "0") {
            return MakeError(ErrorKind::kInvalidArgument, field + ": \"" + text + "\" is not a boolean");
          }
          out.push_back({*subject, *predicate, Term::Boolean(text == "true" || text == "1")});
        } else {
          return MakeError(ErrorKind::kInvalidArgument, field + ": unsupported datatype " + datatype);
        }
      }
    }
  }
  return out;
}

}  // namespace tinyforge::server::kg
