// The registry graph in a SPARQL 1.1 store: inserts (chunked INSERT DATA or Graph Store Protocol
// batches) and counts. All data lives in one named graph; every query names it with FROM, so the
// layer works on stores whose default graph is not the union of named graphs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/kg/kg_result.h"
#include "server/kg/rdf_mapping.h"
#include "server/kg/sparql_client.h"
#include "server/kg/sparql_term.h"

namespace tinyforge::server::kg {

// Turtle text of `triples` (the same graph as ToNTriples): data IRIs relative to an @base of
// vocab::kDataBase, vocabulary IRIs as prefixed names, integers and booleans bare, consecutive
// triples of one subject joined with ';'. About half the bytes of N-Triples for registry data.
std::string ToTurtle(const std::vector<Triple>& triples);

class KnowledgeGraph {
 public:
  // Virtuoso 7.2.5 refuses INSERT DATA above ~1,400 triples per request; stay well below.
  static constexpr size_t kMaxTriplesPerInsert = 1000;

  // `client` must outlive this object. `graph_iri` must be a valid IRI (a constant).
  explicit KnowledgeGraph(const SparqlClient& client, std::string graph_iri = "");

  const SparqlClient& client() const { return client_; }
  const Term& graph() const { return graph_; }
  // "FROM <graph>" for queries.
  std::string FromClause() const { return "FROM " + graph_.ToSparql() + "\n"; }

  // INSERT DATA in chunks of kMaxTriplesPerInsert. Not atomic across chunks.
  Result<Ok> InsertTriples(const std::vector<Triple>& triples) const;
  // One Graph Store Protocol POST of Turtle (ToTurtle; the fast path for bulk loads); falls back
  // to InsertTriples when the client has no GSP endpoint.
  Result<Ok> LoadTriples(const std::vector<Triple>& triples) const;
  // POSTs Turtle text (e.g. the ontology files) through the Graph Store Protocol.
  Result<Ok> LoadTurtle(const std::string& turtle) const;
  Result<Ok> Clear() const;  // CLEAR SILENT GRAPH <graph>

  Result<Ok> AddModelCard(const ModelCard& card) const { return InsertTriples(ModelCardTriples(card)); }
  Result<Ok> AddDevice(const DeviceDescription& device) const { return InsertTriples(DeviceTriples(device)); }
  Result<Ok> AddRuntime(const RuntimeRelease& runtime) const { return InsertTriples(RuntimeTriples(runtime)); }

  // Number of distinct subjects typed `klass` in the graph.
  Result<int64_t> CountInstances(const Term& klass) const;
  // Runs a query whose single row binds ?count to an integer.
  Result<int64_t> Count(const std::string& query) const;

 private:
  const SparqlClient& client_;
  Term graph_;
};

// Reads an integer literal (any XSD integer type). nullopt if absent or not an integer.
std::optional<int64_t> IntegerValue(const RdfValue* value);
std::optional<double> NumberValue(const RdfValue* value);

}  // namespace tinyforge::server::kg
