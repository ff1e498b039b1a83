// Registry graph access on top of SparqlClient (see knowledge_graph.h).
#include "server/kg/knowledge_graph.h"

#include <charconv>
#include <cstdlib>

#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {

KnowledgeGraph::KnowledgeGraph(const SparqlClient& client, std::string graph_iri)
    : client_(client),
      graph_(Term::Iri(graph_iri.empty() ? std::string(vocab::kRegistryGraph) : graph_iri, "graph")
                 .value()) {}

Result<Ok> KnowledgeGraph::InsertTriples(const std::vector<Triple>& triples) const {
  for (size_t begin = 0; begin < triples.size(); begin += kMaxTriplesPerInsert) {
    size_t end = std::min(triples.size(), begin + kMaxTriplesPerInsert);
    std::vector<Triple> chunk(triples.begin() + static_cast<std::ptrdiff_t>(begin),
                              triples.begin() + static_cast<std::ptrdiff_t>(end));
    std::string update = "INSERT DATA { GRAPH " + graph_.ToSparql() + " {\n" + ToNTriples(chunk) + "} }";
    auto done = client_.Update(update);
    if (!done.ok()) return done.error();
  }
  return Ok{};
}

Result<Ok> KnowledgeGraph::LoadTriples(const std::vector<Triple>& triples) const {
  if (client_.endpoints().graph_store_url.empty()) return InsertTriples(triples);
  return client_.GraphStorePost(graph_.value(), "application/n-triples", ToNTriples(triples));
}

Result<Ok> KnowledgeGraph::LoadTurtle(const std::string& turtle) const {
  return client_.GraphStorePost(graph_.value(), "text/turtle", turtle);
}

Result<Ok> KnowledgeGraph::Clear() const {
  return client_.Update("CLEAR SILENT GRAPH " + graph_.ToSparql());
}

std::optional<int64_t> IntegerValue(const RdfValue* value) {
  if (value == nullptr) return std::nullopt;
  int64_t number = 0;
  const std::string& text = value->value;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  auto [end, error] = std::from_chars(begin, text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return number;
}

std::optional<double> NumberValue(const RdfValue* value) {
  if (value == nullptr || value->value.empty()) return std::nullopt;
  char* end = nullptr;
  double number = std::strtod(value->value.c_str(), &end);
  if (end != value->value.c_str() + value->value.size()) return std::nullopt;
  return number;
}

Result<int64_t> KnowledgeGraph::Count(const std::string& query) const {
  auto result = client_.Select(query);
  if (!result.ok()) return result.error();
  auto count = IntegerValue(result->Get(0, "count"));
  if (result->rows.size() != 1 || !count) {
    return MakeError(ErrorKind::kStore, "COUNT query returned no integer ?count: " + query);
  }
  return *count;
}

Result<int64_t> KnowledgeGraph::CountInstances(const Term& klass) const {
  return Count(std::string(vocab::kPrefixes) + "SELECT (COUNT(DISTINCT ?s) AS ?count)\n" + FromClause() +
               "WHERE { ?s a " + klass.ToSparql() + " }");
}

}  // namespace tinyforge::server::kg
