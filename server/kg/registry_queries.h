// Registry reads and deletes the REST API needs beyond compatibility: search/list model versions,
// versions and lineage of a model, existence checks, deleting one entity with its own sub-nodes,
// and whole-graph export/import. Every user value enters a query as a Term.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/kg/knowledge_graph.h"

namespace tinyforge::server::kg {

struct ModelVersionRow {
  std::string iri;
  std::string id;
  std::string version;
  std::string name;
};

struct ModelVersionPage {
  int64_t total = 0;  // exact (COUNT)
  std::vector<ModelVersionRow> items;
};

struct ModelSearch {
  std::string text;  // substring of id or name, case-insensitive; empty = all
  std::string op;    // operator name the model uses; empty = any
};

class RegistryQueries {
 public:
  explicit RegistryQueries(const KnowledgeGraph& graph) : graph_(graph) {}

  Result<ModelVersionPage> SearchModels(const ModelSearch& search, int64_t offset, int64_t limit) const;
  // Versions of model `id`, oldest first by version number.
  Result<std::vector<ModelVersionRow>> Versions(const std::string& id) const;
  // Ancestors (tf:derivedFrom+) and descendants of a model version, as rows (id/version may be
  // empty for an ancestor that was never registered).
  Result<std::vector<ModelVersionRow>> Ancestors(const Term& model) const;
  Result<std::vector<ModelVersionRow>> Descendants(const Term& model) const;
  // ASK { <iri> a <klass> } in the registry graph.
  Result<bool> IsA(const Term& iri, const Term& klass) const;
  // Deletes every triple of `entity` and of its sub-nodes (IRIs under "<entity>/", up to three
  // links deep) in one update request; shared nodes (operators, runtimes, firmware) stay.
  Result<Ok> DeleteEntity(const Term& entity) const;
  // Every triple of the registry graph.
  Result<SelectResult> AllTriples() const;

 private:
  const KnowledgeGraph& graph_;
};

// Serializations of SELECT ?s ?p ?o rows: N-Triples (valid Turtle) and expanded JSON-LD.
std::string RowsToTurtle(const SelectResult& rows);
nlohmann::json RowsToJsonLd(const SelectResult& rows);
// Expanded JSON-LD (an array of node objects, as RowsToJsonLd writes) -> triples. Blank nodes and
// compacted forms are refused. Errors: kInvalidArgument naming the node/property.
Result<std::vector<Triple>> ExpandedJsonLdToTriples(const nlohmann::json& document);

}  // namespace tinyforge::server::kg
