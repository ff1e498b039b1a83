// Knowledge-graph rollout targets (see rollout_targets.h).
#include "server/fleet/rollout_targets.h"

#include <algorithm>
#include <functional>

#include "server/kg/compatibility.h"
#include "server/kg/rdf_mapping.h"
#include "server/kg/registry_queries.h"
#include "server/kg/vocabulary.h"

namespace tinyforge::server::fleet {
namespace {

using kg::ErrorKind;

constexpr int64_t kPage = kg::CompatibilityQueries::kMaxPageSize;

kg::Result<std::vector<std::string>> PageThrough(int64_t max_devices,
                                                 const std::function<kg::Result<kg::CandidatePage>(int64_t)>& page_at) {
  std::vector<std::string> ids;
  for (int64_t offset = 0;; offset += kPage) {
    auto page = page_at(offset);
    if (!page.ok()) return page.error();
    if (page->total > max_devices) {
      return kg::MakeError(ErrorKind::kInvalidArgument, "target: the filter selects " + std::to_string(page->total) +
                                                            " devices, more than the limit of " +
                                                            std::to_string(max_devices) + " per rollout");
    }
    for (const kg::Candidate& candidate : page->items) ids.push_back(candidate.id);
    if (page->items.empty() || offset + kPage >= page->total) break;
  }
  return ids;
}

// The compatibility pattern of the model with one more required sensor, paged like
// CompatibilityQueries pages (ORDER BY IRI, exact COUNT first, short pages are errors).
kg::Result<kg::CandidatePage> SensorFilteredPage(const kg::KnowledgeGraph& graph, const std::string& pattern,
                                                 int64_t offset) {
  auto total = graph.Count(std::string(kg::vocab::kPrefixes) + "SELECT (COUNT(DISTINCT ?device) AS ?count)\n" +
                           graph.FromClause() + "WHERE {\n" + pattern + "}");
  if (!total.ok()) return total.error();
  auto rows = graph.client().Select(std::string(kg::vocab::kPrefixes) + "SELECT DISTINCT ?device ?id\n" +
                                    graph.FromClause() + "WHERE {\n" + pattern +
                                    "  ?device schema:identifier ?id .\n}\nORDER BY ?device\nLIMIT " +
                                    std::to_string(kPage) + " OFFSET " + std::to_string(offset));
  if (!rows.ok()) return rows.error();
  int64_t expected = std::max<int64_t>(0, std::min<int64_t>(kPage, *total - offset));
  if (static_cast<int64_t>(rows->rows.size()) != expected) {
    return kg::MakeError(ErrorKind::kTruncated, "store returned " + std::to_string(rows->rows.size()) +
                                                    " devices where its COUNT promised " + std::to_string(expected));
  }
  kg::CandidatePage page;
  page.total = *total;
  page.offset = offset;
  for (size_t i = 0; i < rows->rows.size(); ++i) {
    const kg::RdfValue* iri = rows->Get(i, "device");
    const kg::RdfValue* id = rows->Get(i, "id");
    page.items.push_back({iri ? iri->value : "", id ? id->value : "", "", {}});
  }
  return page;
}

}  // namespace

kg::Result<ResolvedTarget> ResolveGraphTarget(const kg::KnowledgeGraph& graph, const GraphTarget& target,
                                              int64_t max_devices) {
  ResolvedTarget resolved;
  resolved.model_version = target.model_version;
  if (resolved.model_version.empty()) {
    auto versions = kg::RegistryQueries(graph).Versions(target.model_id);
    if (!versions.ok()) return versions.error();
    if (versions->empty()) return kg::MakeError(ErrorKind::kNotFound, "target.model: no model \"" + target.model_id + "\"");
    resolved.model_version = versions->back().version;
  }
  kg::Term model = kg::ModelVersionIri(target.model_id, resolved.model_version);
  kg::CompatibilityQueries compatibility(graph);
  auto requirements = compatibility.ReadModelRequirements(model);
  if (!requirements.ok()) {
    if (requirements.error().kind == ErrorKind::kNotFound) {
      return kg::MakeError(ErrorKind::kNotFound, "target.model: no model \"" + target.model_id + "\" version \"" +
                                                     resolved.model_version + "\"");
    }
    return requirements.error();
  }
  kg::Result<std::vector<std::string>> ids = std::vector<std::string>();
  if (target.sensor_type.empty()) {
    ids = PageThrough(max_devices, [&](int64_t offset) { return compatibility.CompatibleDevices(model, offset, kPage); });
  } else {
    const auto& known = kg::KnownSensorTypes();
    if (std::find(known.begin(), known.end(), target.sensor_type) == known.end()) {
      std::string names;
      for (const std::string& name : known) names += (names.empty() ? "" : ", ") + name;
      return kg::MakeError(ErrorKind::kInvalidArgument,
                           "target.sensor_type: unknown sensor type \"" + target.sensor_type + "\" (known: " + names + ")");
    }
    kg::ModelRequirements extended = requirements.value();
    std::string type_iri = kg::SensorTypeIri(target.sensor_type).value();
    bool required = std::any_of(extended.sensors.begin(), extended.sensors.end(),
                                [&](const kg::ModelRequirements::Sensor& s) { return s.type_iri == type_iri; });
    if (!required) extended.sensors.push_back({type_iri, 0});
    std::string pattern = compatibility.CompatibleDevicesPattern(extended);
    ids = PageThrough(max_devices, [&](int64_t offset) { return SensorFilteredPage(graph, pattern, offset); });
  }
  if (!ids.ok()) return ids.error();
  resolved.device_ids = std::move(ids.value());
  return resolved;
}

}  // namespace tinyforge::server::fleet
