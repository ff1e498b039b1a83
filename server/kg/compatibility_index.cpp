// The in-store compatibility index (see compatibility_index.h for the design).
#include "server/kg/compatibility_index.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

#include "server/kg/compatibility_support.h"
#include "server/kg/registry_queries.h"
#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {
namespace {

using compat::CheckPageArguments;
using compat::DoubleLiteral;
using compat::ExpectedRowsOnPage;
using compat::IntLiteral;
using compat::ValueText;

// Every index writer holds this: a model and a new profile written at the same moment would
// otherwise each compute its tf:canRun rows without seeing the other.
std::mutex& WriterMutex() {
  static std::mutex mutex;
  return mutex;
}

// Graph Store POSTs in flight at once for a device batch.
constexpr size_t kParallelLoads = 2;

// Updates go in requests of a bounded size (Virtuoso compiles each request as one unit).
constexpr size_t kOperationsPerUpdate = 40;

Result<Ok> RunUpdates(const SparqlClient& client, const std::vector<std::string>& operations) {
  for (size_t begin = 0; begin < operations.size(); begin += kOperationsPerUpdate) {
    std::string update = std::string(vocab::kPrefixes);
    size_t end = std::min(operations.size(), begin + kOperationsPerUpdate);
    for (size_t i = begin; i < end; ++i) update += (i == begin ? "" : " ;\n") + operations[i];
    auto done = client.Update(update);
    if (!done.ok()) return done.error();
  }
  return Ok{};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The model pattern's view of a profile: what CompatibilityQueries::CompatibleModelsPattern needs.
DeviceCapabilities ProfileCapabilities(const CapabilityProfile& profile, const std::set<std::string>& supported,
                                       const std::set<std::string>& used_ops) {
  DeviceCapabilities c;
  c.ram_bytes = profile.ram_bytes;
  c.flash_bytes = profile.flash_bytes;
  c.runtime_version = profile.runtime_version;
  c.runtime_version_number = VersionNumber(profile.runtime_version).value_or(0);
  c.supported_op_iris.assign(supported.begin(), supported.end());
  for (const auto& [type, rate] : profile.best_rate_by_sensor) {
    c.best_rate_by_sensor_type.emplace_back(SensorTypeIri(type).value(), rate);
  }
  for (const std::string& op : used_ops) {
    if (supported.count(op) == 0) c.unsupported_op_iris.push_back(op);
  }
  return c;
}

}  // namespace

std::string IdFromIri(std::string_view iri) {
  size_t slash = iri.rfind('/');
  std::string_view segment = slash == std::string_view::npos ? iri : iri.substr(slash + 1);
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() + 0 && HexValue(segment[i + 1]) >= 0 &&
        HexValue(segment[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(segment[i + 1]) * 16 + HexValue(segment[i + 2]));
      i += 2;
    } else {
      out += segment[i];
    }
  }
  return out;
}

std::string CompatibilityIndex::ProfilesForModelPattern(const ModelCard& card,
                                                        const std::vector<std::string>& runtime_iris) const {
  // The runtimes that qualify are constants (read first): one `?rt tf:supportsOp <op>` join per op
  // made Virtuoso 7.2.5 spend up to 1.5 s compiling the INSERT, even over an empty graph.
  std::string values;
  for (const std::string& iri : runtime_iris) values += " " + Term::Iri(iri).value().ToSparql();
  std::string pattern =
      "VALUES ?rt {" + values + " }\n"
      "  ?profile tf:runtime ?rt ; a tf:CapabilityProfile ; tf:ramBytes ?ram ; tf:flashBytes ?flash .\n"
      "  FILTER(?ram >= " + IntLiteral(card.arena_bytes) + " && ?flash >= " + IntLiteral(card.flash_bytes) + ")\n";
  // A model may name a sensor type twice: the highest rate decides.
  std::map<std::string, double> sensors;
  for (const SensorRequirement& sensor : card.required_sensors) {
    auto [it, inserted] = sensors.emplace(sensor.type, sensor.min_sampling_rate_hz);
    if (!inserted) it->second = std::max(it->second, sensor.min_sampling_rate_hz);
  }
  size_t i = 0;
  for (const auto& [type, rate] : sensors) {
    std::string s = "?s" + std::to_string(i), r = "?r" + std::to_string(i);
    pattern += "  ?profile tf:sensorCapability " + s + " . " + s + " tf:sensorType " + SensorTypeIri(type).ToSparql() +
               " ; tf:samplingRateHz " + r + " . FILTER(" + r + " >= " + DoubleLiteral(rate) + ")\n";
    ++i;
  }
  return pattern;
}

Result<std::vector<std::string>> CompatibilityIndex::RuntimesFor(const ModelCard& card) const {
  auto read = graph_.client().Select(std::string(vocab::kPrefixes) + "SELECT ?rt ?v ?op\n" + graph_.FromClause() +
                                     "WHERE { ?rt a tf:RuntimeVersion ; tf:versionNumber ?v .\n"
                                     "        OPTIONAL { ?rt tf:supportsOp ?op } }");
  if (!read.ok()) return read.error();
  std::map<std::string, std::set<std::string>> ops;
  std::map<std::string, int64_t> version;
  for (size_t i = 0; i < read->rows.size(); ++i) {
    std::string rt = ValueText(read->Get(i, "rt"));
    version[rt] = IntegerValue(read->Get(i, "v")).value_or(0);
    ops[rt];
    if (const RdfValue* op = read->Get(i, "op")) ops[rt].insert(op->value);
  }
  int64_t minimum = VersionNumber(card.runtime_version).value_or(0);
  std::vector<std::string> out;
  for (const auto& [rt, supported] : ops) {
    if (version[rt] < minimum || !IsSafeIri(rt)) continue;
    bool all = std::all_of(card.ops.begin(), card.ops.end(),
                           [&](const std::string& op) { return supported.count(OperatorIri(op).value()) > 0; });
    if (all) out.push_back(rt);
  }
  return out;
}

Result<Ok> CompatibilityIndex::RecomputeProfiles(const std::vector<CapabilityProfile>& profiles) const {
  if (profiles.empty()) return Ok{};
  // The runtimes' ops and every op any model uses, read once: the per-profile INSERTs then carry
  // them as constants (the two-step form; see compatibility.h).
  std::set<std::string> runtimes;
  for (const auto& profile : profiles) runtimes.insert(RuntimeIri(profile.runtime_version).ToSparql());
  std::string values;
  for (const auto& runtime : runtimes) values += " " + runtime;
  auto read = graph_.client().Select(
      std::string(vocab::kPrefixes) + "SELECT ?rt ?op ?anyop\n" + graph_.FromClause() +
      "WHERE {\n  { VALUES ?rt {" + values + " } ?rt tf:supportsOp ?op }\n"
      "  UNION { SELECT DISTINCT ?anyop WHERE { ?m tf:usesOp ?anyop } }\n}");
  if (!read.ok()) return read.error();
  std::map<std::string, std::set<std::string>> supported;
  std::set<std::string> used_ops;
  for (size_t i = 0; i < read->rows.size(); ++i) {
    if (const RdfValue* op = read->Get(i, "anyop")) used_ops.insert(op->value);
    if (const RdfValue* op = read->Get(i, "op")) supported[ValueText(read->Get(i, "rt"))].insert(op->value);
  }
  for (const auto& op : used_ops) {
    if (!IsSafeIri(op)) return MakeError(ErrorKind::kStore, "store returned an IRI that cannot be quoted: " + op);
  }
  CompatibilityQueries queries(graph_);
  const std::string with = "WITH " + graph_.graph().ToSparql() + "\n";
  std::vector<std::string> operations;
  for (const auto& profile : profiles) {
    std::string p = profile.Iri().ToSparql();
    DeviceCapabilities capabilities =
        ProfileCapabilities(profile, supported[RuntimeIri(profile.runtime_version).value()], used_ops);
    operations.push_back(with + "DELETE { " + p + " tf:canRun ?old } WHERE { " + p + " tf:canRun ?old }");
    operations.push_back(with + "INSERT { " + p + " tf:canRun ?model } WHERE {\n" +
                         queries.CompatibleModelsPattern(capabilities) + "}");
  }
  return RunUpdates(graph_.client(), operations);
}

Result<Ok> CompatibilityIndex::AddDevices(const std::vector<DeviceDescription>& devices) const {
  std::lock_guard lock(WriterMutex());
  return AddDevicesLocked(devices);
}

Result<Ok> CompatibilityIndex::AddDevicesLocked(const std::vector<DeviceDescription>& devices) const {
  if (devices.empty()) return Ok{};
  // Distinct profiles of the batch, and which of them the store does not know yet.
  std::map<std::string, CapabilityProfile> profiles;
  std::vector<CapabilityProfile> device_profiles;
  device_profiles.reserve(devices.size());
  for (const auto& device : devices) {
    device_profiles.push_back(ProfileOf(device));
    profiles.emplace(device_profiles.back().Key(), device_profiles.back());
  }
  std::string values;
  for (const auto& [key, profile] : profiles) values += " " + profile.Iri().ToSparql();
  auto known = graph_.client().Select(std::string(vocab::kPrefixes) + "SELECT ?p\n" + graph_.FromClause() +
                                      "WHERE { VALUES ?p {" + values + " } ?p a tf:CapabilityProfile }");
  if (!known.ok()) return known.error();
  std::set<std::string> known_iris;
  for (size_t i = 0; i < known->rows.size(); ++i) known_iris.insert(ValueText(known->Get(i, "p")));
  std::vector<CapabilityProfile> fresh;
  for (const auto& [key, profile] : profiles) {
    if (known_iris.count(profile.Iri().value()) == 0) fresh.push_back(profile);
  }
  // canRun rows of new profiles first: if the device load then fails, rows of a profile without
  // devices change no answer, and the next device of that profile recomputes them.
  auto indexed = RecomputeProfiles(fresh);
  if (!indexed.ok()) return indexed.error();
  // One body per parallel load, POSTed as Turtle (ToTurtle: 1/3.5 of the N-Triples bytes; the
  // store ingested it ~30% faster, bench/kg/kg_register_profile); triples shared by many devices
  // (MCU, firmware, runtime, profile nodes) only once.
  const size_t parts = std::min<size_t>(kParallelLoads, devices.size() / 200 + 1);
  std::vector<std::vector<Triple>> bodies(parts);
  std::unordered_set<std::string> shared_keys;
  auto append = [&](std::vector<Triple>& body, std::vector<Triple>&& triples, bool maybe_shared) {
    for (Triple& triple : triples) {
      if (maybe_shared && !shared_keys.insert(ToNTriples({triple})).second) continue;
      body.push_back(std::move(triple));
    }
  };
  for (size_t i = 0; i < devices.size(); ++i) {
    std::vector<Triple>& body = bodies[i * parts / devices.size()];
    std::vector<Triple> own, shared;
    const std::string device_prefix = DeviceIri(devices[i].id).value();
    for (Triple& triple : DeviceTriples(devices[i])) {
      bool is_own = triple.subject.value() == device_prefix ||
                    triple.subject.value().compare(0, device_prefix.size() + 1, device_prefix + "/") == 0;
      (is_own ? own : shared).push_back(std::move(triple));
    }
    own.push_back(HasProfileTriple(devices[i], device_profiles[i]));
    append(body, std::move(own), false);
    append(body, std::move(shared), true);
    if (known_iris.count(device_profiles[i].Iri().value()) == 0) append(body, ProfileTriples(device_profiles[i]), true);
  }
  if (graph_.client().endpoints().graph_store_url.empty()) {
    // No Graph Store endpoint: INSERT DATA in chunks (see KnowledgeGraph::InsertTriples).
    std::vector<Triple> triples;
    for (size_t i = 0; i < devices.size(); ++i) {
      auto more = DeviceTriples(devices[i]);
      triples.insert(triples.end(), more.begin(), more.end());
      triples.push_back(HasProfileTriple(devices[i], device_profiles[i]));
    }
    for (const auto& profile : fresh) {
      auto more = ProfileTriples(profile);
      triples.insert(triples.end(), more.begin(), more.end());
    }
    return graph_.InsertTriples(triples);
  }
  // Virtuoso loads concurrent POSTs on separate threads: on 2 cores two loads in flight beat one.
  std::vector<std::future<Result<Ok>>> loads;
  for (const std::vector<Triple>& body : bodies) {
    loads.push_back(std::async(std::launch::async, [this, &body] {
      return graph_.client().GraphStorePost(graph_.graph().value(), "text/turtle", ToTurtle(body));
    }));
  }
  std::vector<Result<Ok>> results;
  for (auto& load : loads) results.push_back(load.get());
  for (size_t part = 0; part < parts; ++part) {
    if (results[part].ok()) continue;
    // All or nothing: take back what the other loads stored.
    RegistryQueries registry(graph_);
    for (size_t i = 0; i < devices.size(); ++i) (void)registry.DeleteEntity(DeviceIri(devices[i].id));
    return results[part].error();
  }
  return Ok{};
}

Result<Ok> CompatibilityIndex::ReplaceDevice(const DeviceDescription& device) const {
  std::lock_guard lock(WriterMutex());
  auto removed = RegistryQueries(graph_).DeleteEntity(DeviceIri(device.id));
  if (!removed.ok()) return removed.error();
  return AddDevicesLocked({device});
}

Result<Ok> CompatibilityIndex::AddModel(const ModelCard& card) const {
  std::lock_guard lock(WriterMutex());
  std::vector<Triple> triples = ModelCardTriples(card);
  Term model = ModelVersionIri(card.id, card.version);
  auto runtimes = RuntimesFor(card);
  if (!runtimes.ok()) return runtimes.error();
  if (runtimes->empty()) return graph_.InsertTriples(triples);  // no runtime can run it: no rows
  std::string index = "WITH " + graph_.graph().ToSparql() + "\nINSERT { ?profile tf:canRun " + model.ToSparql() +
                      " } WHERE {\n  " + ProfilesForModelPattern(card, *runtimes) + "}";
  if (triples.size() <= KnowledgeGraph::kMaxTriplesPerInsert) {
    // One request: the model never exists without its index rows.
    return graph_.client().Update(std::string(vocab::kPrefixes) + "INSERT DATA { GRAPH " +
                                  graph_.graph().ToSparql() + " {\n" + ToNTriples(triples) + "} } ;\n" + index);
  }
  auto inserted = graph_.InsertTriples(triples);
  if (!inserted.ok()) return inserted.error();
  return graph_.client().Update(std::string(vocab::kPrefixes) + index);
}

Result<Ok> CompatibilityIndex::RemoveModel(const Term& model) const {
  std::lock_guard lock(WriterMutex());
  auto unindexed = graph_.client().Update(std::string(vocab::kPrefixes) + "WITH " + graph_.graph().ToSparql() +
                                          "\nDELETE { ?p tf:canRun " + model.ToSparql() + " } WHERE { ?p tf:canRun " +
                                          model.ToSparql() + " }");
  if (!unindexed.ok()) return unindexed.error();
  return RegistryQueries(graph_).DeleteEntity(model);
}

Result<std::vector<CapabilityProfile>> CompatibilityIndex::ReadProfiles(const std::string& runtime_iri) const {
  std::string filter = runtime_iri.empty() ? "" : "  FILTER(?rt = " + Term::Iri(runtime_iri).value().ToSparql() + ")\n";
  auto read = graph_.client().Select(
      std::string(vocab::kPrefixes) + "SELECT ?p ?ram ?flash ?rtv ?stype ?rate\n" + graph_.FromClause() +
      "WHERE {\n  ?p a tf:CapabilityProfile ; tf:ramBytes ?ram ; tf:flashBytes ?flash ; tf:runtime ?rt .\n" + filter +
      "  ?rt schema:version ?rtv .\n"
      "  OPTIONAL { ?p tf:sensorCapability ?s . ?s tf:sensorType ?stype ; tf:samplingRateHz ?rate }\n}");
  if (!read.ok()) return read.error();
  std::map<std::string, CapabilityProfile> by_iri;
  for (size_t i = 0; i < read->rows.size(); ++i) {
    CapabilityProfile& profile = by_iri[ValueText(read->Get(i, "p"))];
    profile.ram_bytes = IntegerValue(read->Get(i, "ram")).value_or(0);
    profile.flash_bytes = IntegerValue(read->Get(i, "flash")).value_or(0);
    profile.runtime_version = ValueText(read->Get(i, "rtv"));
    if (const RdfValue* type = read->Get(i, "stype")) {
      std::string name = SensorTypeName(type->value);
      if (name.empty()) return MakeError(ErrorKind::kStore, "profile with an unknown sensor type: " + type->value);
      profile.best_rate_by_sensor.emplace_back(name, NumberValue(read->Get(i, "rate")).value_or(0));
    }
  }
  std::vector<CapabilityProfile> out;
  for (auto& [iri, profile] : by_iri) {
    std::sort(profile.best_rate_by_sensor.begin(), profile.best_rate_by_sensor.end());
    // A node whose values do not spell its own IRI was not written by us: recomputing it under
    // the IRI its values give would index a profile no device links to. Skip it.
    if (profile.Iri().value() == iri) out.push_back(std::move(profile));
  }
  return out;
}

Result<Ok> CompatibilityIndex::AddRuntime(const RuntimeRelease& runtime) const {
  std::lock_guard lock(WriterMutex());
  auto inserted = graph_.InsertTriples(RuntimeTriples(runtime));
  if (!inserted.ok()) return inserted.error();
  auto profiles = ReadProfiles(RuntimeIri(runtime.version).value());
  if (!profiles.ok()) return profiles.error();
  return RecomputeProfiles(*profiles);
}

Result<Ok> CompatibilityIndex::AssignMissingProfiles() const {
  auto read = graph_.client().Select(
      std::string(vocab::kPrefixes) + "SELECT ?d ?ram ?flash ?rtv ?stype ?rate\n" + graph_.FromClause() +
      "WHERE {\n  ?d a tf:Device ; tf:ramBytes ?ram ; tf:flashBytes ?flash ; tf:runtime ?rt .\n"
      "  ?rt schema:version ?rtv .\n  FILTER NOT EXISTS { ?d tf:hasProfile ?any }\n"
      "  OPTIONAL { ?d ssn:hasSubSystem ?s . ?s a sosa:Sensor ; a ?stype ; tf:samplingRateHz ?rate .\n"
      "             FILTER(?stype != sosa:Sensor) }\n}");
  if (!read.ok()) return read.error();
  std::map<std::string, DeviceDescription> devices;
  for (size_t i = 0; i < read->rows.size(); ++i) {
    std::string iri = ValueText(read->Get(i, "d"));
    DeviceDescription& device = devices[iri];
    device.id = IdFromIri(iri);
    device.ram_bytes = IntegerValue(read->Get(i, "ram")).value_or(0);
    device.flash_bytes = IntegerValue(read->Get(i, "flash")).value_or(0);
    device.runtime_version = ValueText(read->Get(i, "rtv"));
    if (const RdfValue* type = read->Get(i, "stype")) {
      std::string name = SensorTypeName(type->value);
      if (!name.empty()) device.sensors.push_back({name, NumberValue(read->Get(i, "rate")).value_or(0)});
    }
  }
  std::vector<Triple> triples;
  std::set<std::string> written;
  for (const auto& [iri, device] : devices) {
    if (DeviceIri(device.id).value() != iri) continue;  // not an IRI the server built
    CapabilityProfile profile = ProfileOf(device);
    triples.push_back(HasProfileTriple(device, profile));
    if (written.insert(profile.Key()).second) {
      auto more = ProfileTriples(profile);
      triples.insert(triples.end(), more.begin(), more.end());
    }
  }
  if (triples.empty()) return Ok{};
  return graph_.LoadTriples(triples);
}

Result<int64_t> CompatibilityIndex::Rebuild() const {
  std::lock_guard lock(WriterMutex());
  auto assigned = AssignMissingProfiles();
  if (!assigned.ok()) return assigned.error();
  auto profiles = ReadProfiles("");
  if (!profiles.ok()) return profiles.error();
  // Rows naming models that are gone (e.g. deleted by a plain SPARQL update) go too.
  auto cleared = graph_.client().Update(std::string(vocab::kPrefixes) + "WITH " + graph_.graph().ToSparql() +
                                        "\nDELETE { ?p tf:canRun ?m } WHERE { ?p tf:canRun ?m }");
  if (!cleared.ok()) return cleared.error();
  auto recomputed = RecomputeProfiles(*profiles);
  if (!recomputed.ok()) return recomputed.error();
  return static_cast<int64_t>(profiles->size());
}

Result<std::vector<CompatibilityIndex::ProfileCount>> CompatibilityIndex::CompatibleProfiles(const Term& model) const {
  std::string m = model.ToSparql();
  // The counts per profile come from the store's indexes without touching a device IRI's text;
  // it is the IRI text that makes ORDER BY over all compatible devices cost ~0.2 s at 100k.
  auto table = graph_.client().SelectCsv(
      std::string(vocab::kPrefixes) + "SELECT ?exists ?p ?n\n" + graph_.FromClause() + "WHERE {\n  { " + m +
      " a tf:ModelVersion . BIND(1 AS ?exists) }\n"
      "  UNION { SELECT ?p (COUNT(*) AS ?n) WHERE { ?p tf:canRun " + m + " . ?item tf:hasProfile ?p } GROUP BY ?p }\n}");
  if (!table.ok()) return table.error();
  int exists = table->Column("exists"), p = table->Column("p"), n = table->Column("n");
  if (exists < 0 || p < 0 || n < 0) return MakeError(ErrorKind::kStore, "profile counts: the store's answer lacks a column");
  bool found = false;
  std::vector<ProfileCount> profiles;
  for (const auto& row : table->rows) {
    if (!row[exists].empty()) found = true;
    if (row[p].empty()) continue;
    int64_t count = 0;
    auto [end, error] = std::from_chars(row[n].data(), row[n].data() + row[n].size(), count);
    if (error != std::errc() || end != row[n].data() + row[n].size() || count <= 0) {
      return MakeError(ErrorKind::kStore, "profile counts: not a count: \"" + row[n] + "\"");
    }
    profiles.push_back({row[p], count});
  }
  if (!found) return MakeError(ErrorKind::kNotFound, "no model version " + model.value());
  std::sort(profiles.begin(), profiles.end(),
            [](const ProfileCount& a, const ProfileCount& b) { return a.profile_iri < b.profile_iri; });
  return profiles;
}

Result<CandidatePage> CompatibilityIndex::CompatibleDevices(const Term& model, int64_t offset, int64_t limit) const {
  auto page_ok = CheckPageArguments(offset, limit);
  if (!page_ok.ok()) return page_ok.error();
  auto profiles = CompatibleProfiles(model);
  if (!profiles.ok()) return profiles.error();
  CandidatePage page;
  page.total = 0;
  page.offset = offset;
  // The profiles the page [offset, offset + limit) falls into, and how many rows each gives.
  std::string values;
  int64_t skip = -1;  // rows of the first chosen profile before the page
  std::map<std::string, int64_t> expected_rows;
  for (const ProfileCount& profile : *profiles) {
    int64_t begin = page.total, end = page.total + profile.devices;
    page.total = end;
    int64_t from = std::max(begin, offset), to = std::min(end, offset + limit);
    if (from >= to) continue;
    if (skip < 0) skip = from - begin;
    values += " " + Term::Iri(profile.profile_iri).value().ToSparql();
    expected_rows[profile.profile_iri] = to - from;
  }
  if (values.empty()) return page;  // past the end (or nothing compatible)
  for (const auto& [iri, rows] : expected_rows) {
    if (!IsSafeIri(iri)) return MakeError(ErrorKind::kStore, "store returned an IRI that cannot be quoted: " + iri);
  }
  auto table = graph_.client().SelectCsv(std::string(vocab::kPrefixes) + "SELECT ?p ?item\n" + graph_.FromClause() +
                                         "WHERE { VALUES ?p {" + values + " } ?item tf:hasProfile ?p }\n"
                                         "ORDER BY ?p ?item LIMIT " + std::to_string(limit) + " OFFSET " +
                                         std::to_string(skip));
  if (!table.ok()) return table.error();
  int p = table->Column("p"), item = table->Column("item");
  if (p < 0 || item < 0) return MakeError(ErrorKind::kStore, "device page: the store's answer lacks a column");
  // Checked against the counts: a page from a store that orders profiles differently than we do,
  // or that changed between the two requests, is an error, never a silently wrong page.
  std::map<std::string, int64_t> got_rows;
  for (const auto& row : table->rows) {
    ++got_rows[row[p]];
    page.items.push_back({row[item], IdFromIri(row[item]), "", {}});
  }
  if (got_rows != expected_rows) {
    return MakeError(ErrorKind::kTruncated, "store returned " + std::to_string(page.items.size()) +
                                                " devices, not the rows per profile its counts promised (" +
                                                std::to_string(ExpectedRowsOnPage(page.total, offset, limit)) +
                                                "); the graph may have changed meanwhile: retry");
  }
  return page;
}

Result<std::vector<std::string>> CompatibilityIndex::AllCompatibleDevices(const Term& model) const {
  auto profiles = CompatibleProfiles(model);
  if (!profiles.ok()) return profiles.error();
  if (profiles->empty()) return std::vector<std::string>();
  // Every device of those profiles, each row tagged with its profile's position (a short number
  // instead of the profile IRI: half the bytes). CSV: Virtuoso writes it ~7x faster than JSON.
  std::string values;
  for (size_t k = 0; k < profiles->size(); ++k) {
    const std::string& iri = (*profiles)[k].profile_iri;
    if (!IsSafeIri(iri)) return MakeError(ErrorKind::kStore, "store returned an IRI that cannot be quoted: " + iri);
    values += " (" + Term::Iri(iri).value().ToSparql() + " " + std::to_string(k) + ")";
  }
  auto table = graph_.client().SelectCsv(std::string(vocab::kPrefixes) + "SELECT ?k ?item\n" + graph_.FromClause() +
                                         "WHERE { VALUES (?p ?k) {" + values + " } ?item tf:hasProfile ?p }");
  if (!table.ok()) return table.error();
  int k = table->Column("k"), item = table->Column("item");
  if (k < 0 || item < 0) return MakeError(ErrorKind::kStore, "compatible devices: the store's answer lacks a column");
  std::vector<std::vector<std::string>> by_profile(profiles->size());
  for (auto& row : table->rows) {
    size_t index = 0;
    auto [end, error] = std::from_chars(row[k].data(), row[k].data() + row[k].size(), index);
    if (error != std::errc() || end != row[k].data() + row[k].size() || index >= by_profile.size()) {
      return MakeError(ErrorKind::kStore, "compatible devices: not a profile position: \"" + row[k] + "\"");
    }
    by_profile[index].push_back(std::move(row[item]));
  }
  // Checked per profile against the counts: a truncated answer (or a write in between) is an error.
  int64_t total = 0;
  for (size_t i = 0; i < by_profile.size(); ++i) {
    total += (*profiles)[i].devices;
    if (static_cast<int64_t>(by_profile[i].size()) != (*profiles)[i].devices) {
      return MakeError(ErrorKind::kTruncated, "store returned " + std::to_string(table->rows.size()) +
                                                  " devices, not the rows per profile its counts promised");
    }
  }
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(total));
  for (auto& iris : by_profile) {  // the page order: profile IRI, then device IRI
    std::sort(iris.begin(), iris.end());
    for (const auto& iri : iris) ids.push_back(IdFromIri(iri));
  }
  return ids;
}

Result<CandidatePage> CompatibilityIndex::CompatibleModels(const Term& device, int64_t offset, int64_t limit) const {
  auto page_ok = CheckPageArguments(offset, limit);
  if (!page_ok.ok()) return page_ok.error();
  std::string d = device.ToSparql();
  std::string join = d + " tf:hasProfile ?p . ?p tf:canRun ?item .";
  // A device can run at most every model version (hundreds to a few thousand rows): all of them
  // in CSV, unordered, then sorted and paged here (measured on 7.2.5 at 100k devices: ~6 ms vs
  // ~15 ms for ORDER BY/LIMIT in the store with JSON). Id and version come from the model IRI
  // (model/{id}/{version}, percent-encoded segments): no join to schema:identifier/version.
  auto table = graph_.client().SelectCsv(std::string(vocab::kPrefixes) + "SELECT ?exists ?count ?item\n" +
                                         graph_.FromClause() + "WHERE {\n  { " + d +
                                         " a tf:Device . BIND(1 AS ?exists) }\n"
                                         "  UNION { SELECT (COUNT(*) AS ?count) WHERE { " + join + " } }\n"
                                         "  UNION { " + join + " }\n}");
  if (!table.ok()) return table.error();
  int exists = table->Column("exists"), count = table->Column("count"), item = table->Column("item");
  if (exists < 0 || count < 0 || item < 0) {
    return MakeError(ErrorKind::kStore, "compatible models: the store's answer lacks a column");
  }
  bool found = false;
  int64_t total = -1;
  std::vector<std::string> iris;
  for (auto& row : table->rows) {
    if (!row[exists].empty()) found = true;
    if (!row[count].empty()) total = std::strtoll(row[count].c_str(), nullptr, 10);
    if (!row[item].empty()) iris.push_back(std::move(row[item]));
  }
  if (!found) return MakeError(ErrorKind::kNotFound, "no device " + device.value());
  if (total < 0) return MakeError(ErrorKind::kStore, "the store's answer has no COUNT row");
  if (static_cast<int64_t>(iris.size()) != total) {
    return MakeError(ErrorKind::kTruncated, "store returned " + std::to_string(iris.size()) +
                                                " models where its COUNT promised " + std::to_string(total));
  }
  std::sort(iris.begin(), iris.end());
  CandidatePage page;
  page.total = total;
  page.offset = offset;
  for (int64_t i = offset; i < std::min<int64_t>(total, offset + limit); ++i) {
    const std::string& iri = iris[static_cast<size_t>(i)];
    std::string_view rest(iri);
    size_t last = rest.rfind('/');
    size_t before = last == std::string_view::npos || last == 0 ? std::string_view::npos : rest.rfind('/', last - 1);
    if (before == std::string_view::npos) return MakeError(ErrorKind::kStore, "not a model version IRI: " + iri);
    page.items.push_back({iri, IdFromIri(rest.substr(0, last)), IdFromIri(rest), {}});
  }
  return page;
}

}  // namespace tinyforge::server::kg
