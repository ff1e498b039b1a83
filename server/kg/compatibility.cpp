// Two-step compatibility queries with reasons (see compatibility.h for the design).
#include "server/kg/compatibility.h"

#include <algorithm>
#include <map>
#include <set>

#include "server/kg/compatibility_support.h"
#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {
namespace {

using compat::CheckPageArguments;
using compat::DoubleLiteral;
using compat::ExpectedRowsOnPage;
using compat::IntLiteral;
using compat::ValueText;

// IRIs read back from the store are re-validated before they go into the next query.
Result<std::string> IriText(const std::string& iri) {
  auto term = Term::Iri(iri, "IRI from store");
  if (!term.ok()) return term.error();
  return term->ToSparql();
}

Result<ReasonKind> ParseKind(const std::string& text) {
  if (text == "ram_short") return ReasonKind::kRamShort;
  if (text == "flash_short") return ReasonKind::kFlashShort;
  if (text == "op_unsupported") return ReasonKind::kOpUnsupported;
  if (text == "sensor_missing") return ReasonKind::kSensorMissing;
  if (text == "sampling_rate_too_low") return ReasonKind::kSamplingRateTooLow;
  if (text == "firmware_too_old") return ReasonKind::kFirmwareTooOld;
  return MakeError(ErrorKind::kStore, "unknown reason kind from store: " + text);
}

// IRIs read from the store go back into the next query: make sure each one can be quoted, so the
// query builders below never meet an invalid one.
Result<Ok> CheckIris(const std::vector<std::string>& iris) {
  for (const std::string& iri : iris) {
    if (!IsSafeIri(iri)) return MakeError(ErrorKind::kStore, "store returned an IRI that cannot be quoted: " + iri);
  }
  return Ok{};
}

// "?v IN (<a>, <b>)" over IRIs (re-validated); callers handle the empty list.
std::string InList(const std::string& variable, const std::vector<std::string>& iris) {
  std::string out;
  for (const std::string& iri : iris) out += (out.empty() ? "" : ", ") + IriText(iri).value();
  return variable + " IN (" + out + ")";
}

// " <a> <b>" for a VALUES block.
std::string ValuesList(const std::vector<std::string>& iris) {
  std::string out;
  for (const std::string& iri : iris) out += " " + IriText(iri).value();
  return out;
}

}  // namespace

const char* ReasonKindName(ReasonKind kind) {
  switch (kind) {
    case ReasonKind::kRamShort: return "ram_short";
    case ReasonKind::kFlashShort: return "flash_short";
    case ReasonKind::kOpUnsupported: return "op_unsupported";
    case ReasonKind::kSensorMissing: return "sensor_missing";
    case ReasonKind::kSamplingRateTooLow: return "sampling_rate_too_low";
    case ReasonKind::kFirmwareTooOld: return "firmware_too_old";
  }
  return "unknown";
}

std::string Reason::Describe() const {
  switch (kind) {
    case ReasonKind::kRamShort: return "RAM short by " + std::to_string(amount) + " bytes";
    case ReasonKind::kFlashShort: return "flash short by " + std::to_string(amount) + " bytes";
    case ReasonKind::kOpUnsupported:
      return "op " + op + " unsupported by runtime version " + runtime_version;
    case ReasonKind::kSensorMissing:
      return "sensor " + sensor_type + " missing (" + std::to_string(rate_hz) + " Hz required)";
    case ReasonKind::kSamplingRateTooLow:
      return "sensor " + sensor_type + " samples below the required " + std::to_string(rate_hz) + " Hz";
    case ReasonKind::kFirmwareTooOld:
      return "firmware too old: runtime " + runtime_version + " < required " + required_version;
  }
  return "unknown";
}

Result<ModelRequirements> CompatibilityQueries::ReadModelRequirements(const Term& model) const {
  std::string m = model.ToSparql();
  std::string query = std::string(vocab::kPrefixes) +
      "SELECT ?arena ?flash ?minv ?minvs ?op ?stype ?rate\n" + graph_.FromClause() + "WHERE {\n"
      "  { " + m + " a tf:ModelVersion ; tf:arenaBytes ?arena ; tf:flashBytes ?flash ;\n"
      "      tf:minRuntimeVersionNumber ?minv ; tf:minRuntimeVersion ?minvs . }\n"
      "  UNION { " + m + " tf:usesOp ?op . }\n"
      "  UNION { " + m + " tf:requiresSensor ?q . ?q tf:sensorType ?stype ; tf:minSamplingRateHz ?rate . }\n"
      "}";
  auto result = graph_.client().Select(query);
  if (!result.ok()) return result.error();
  ModelRequirements requirements;
  requirements.iri = model.value();
  bool found = false;
  for (size_t i = 0; i < result->rows.size(); ++i) {
    if (auto arena = IntegerValue(result->Get(i, "arena"))) {
      found = true;
      requirements.arena_bytes = *arena;
      requirements.flash_bytes = IntegerValue(result->Get(i, "flash")).value_or(0);
      requirements.min_runtime_version_number = IntegerValue(result->Get(i, "minv")).value_or(0);
      requirements.min_runtime_version = ValueText(result->Get(i, "minvs"));
    }
    if (const RdfValue* op = result->Get(i, "op")) requirements.op_iris.push_back(op->value);
    if (const RdfValue* type = result->Get(i, "stype")) {
      requirements.sensors.push_back({type->value, NumberValue(result->Get(i, "rate")).value_or(0)});
    }
  }
  if (!found) return MakeError(ErrorKind::kNotFound, "no model version " + model.value());
  std::sort(requirements.op_iris.begin(), requirements.op_iris.end());
  std::vector<std::string> iris = requirements.op_iris;
  for (const auto& sensor : requirements.sensors) iris.push_back(sensor.type_iri);
  auto checked = CheckIris(iris);
  if (!checked.ok()) return checked.error();
  return requirements;
}

Result<DeviceCapabilities> CompatibilityQueries::ReadDeviceCapabilities(const Term& device) const {
  std::string d = device.ToSparql();
  std::string query = std::string(vocab::kPrefixes) +
      "SELECT ?ram ?flash ?rtn ?rtv ?op ?stype ?rate ?anyop ?anytype\n" + graph_.FromClause() + "WHERE {\n"
      "  { " + d + " a tf:Device ; tf:ramBytes ?ram ; tf:flashBytes ?flash ; tf:runtime ?rt .\n"
      "    ?rt tf:versionNumber ?rtn ; schema:version ?rtv . }\n"
      "  UNION { " + d + " tf:runtime ?rt . ?rt tf:supportsOp ?op . }\n"
      "  UNION { " + d + " ssn:hasSubSystem ?s . ?s a sosa:Sensor ; a ?stype ; tf:samplingRateHz ?rate .\n"
      "          FILTER(?stype != sosa:Sensor) }\n"
      // Every op and sensor type any model needs: step 2 names the unsupported/missing ones.
      "  UNION { SELECT DISTINCT ?anyop WHERE { ?m tf:usesOp ?anyop } }\n"
      "  UNION { SELECT DISTINCT ?anytype WHERE { ?r tf:sensorType ?anytype } }\n"
      "}";
  auto result = graph_.client().Select(query);
  if (!result.ok()) return result.error();
  DeviceCapabilities capabilities;
  capabilities.iri = device.value();
  bool found = false;
  std::map<std::string, double> best;
  std::set<std::string> all_ops;
  std::set<std::string> all_types;
  for (size_t i = 0; i < result->rows.size(); ++i) {
    if (const RdfValue* op = result->Get(i, "anyop")) all_ops.insert(op->value);
    if (const RdfValue* type = result->Get(i, "anytype")) all_types.insert(type->value);
    if (auto ram = IntegerValue(result->Get(i, "ram"))) {
      found = true;
      capabilities.ram_bytes = *ram;
      capabilities.flash_bytes = IntegerValue(result->Get(i, "flash")).value_or(0);
      capabilities.runtime_version_number = IntegerValue(result->Get(i, "rtn")).value_or(0);
      capabilities.runtime_version = ValueText(result->Get(i, "rtv"));
    }
    if (const RdfValue* op = result->Get(i, "op")) capabilities.supported_op_iris.push_back(op->value);
    if (const RdfValue* type = result->Get(i, "stype")) {
      double rate = NumberValue(result->Get(i, "rate")).value_or(0);
      auto [it, inserted] = best.emplace(type->value, rate);
      if (!inserted) it->second = std::max(it->second, rate);
    }
  }
  if (!found) return MakeError(ErrorKind::kNotFound, "no device " + device.value());
  std::sort(capabilities.supported_op_iris.begin(), capabilities.supported_op_iris.end());
  capabilities.supported_op_iris.erase(
      std::unique(capabilities.supported_op_iris.begin(), capabilities.supported_op_iris.end()),
      capabilities.supported_op_iris.end());
  capabilities.best_rate_by_sensor_type.assign(best.begin(), best.end());
  for (const std::string& op : all_ops) {
    if (!std::binary_search(capabilities.supported_op_iris.begin(), capabilities.supported_op_iris.end(), op)) {
      capabilities.unsupported_op_iris.push_back(op);
    }
  }
  for (const std::string& type : all_types) {
    if (best.count(type) == 0) capabilities.missing_sensor_type_iris.push_back(type);
  }
  std::vector<std::string> iris(all_ops.begin(), all_ops.end());
  iris.insert(iris.end(), all_types.begin(), all_types.end());
  iris.insert(iris.end(), capabilities.supported_op_iris.begin(), capabilities.supported_op_iris.end());
  for (const auto& [type, rate] : capabilities.best_rate_by_sensor_type) iris.push_back(type);
  auto checked = CheckIris(iris);
  if (!checked.ok()) return checked.error();
  return capabilities;
}

std::string CompatibilityQueries::CompatibleDevicesPattern(const ModelRequirements& r) const {
  std::string pattern =
      "  ?device a tf:Device ; tf:ramBytes ?ram ; tf:flashBytes ?flash ; tf:runtime ?rt .\n"
      "  FILTER(?ram >= " + IntLiteral(r.arena_bytes) + " && ?flash >= " + IntLiteral(r.flash_bytes) + ")\n"
      "  ?rt tf:versionNumber ?rtn . FILTER(?rtn >= " + IntLiteral(r.min_runtime_version_number) + ")\n";
  // Ops and sensors are constants now: plain joins, which the store plans well.
  for (const std::string& op : r.op_iris) {
    pattern += "  ?rt tf:supportsOp " + IriText(op).value() + " .\n";
  }
  for (size_t i = 0; i < r.sensors.size(); ++i) {
    std::string s = "?s" + std::to_string(i);
    std::string rate = "?r" + std::to_string(i);
    pattern += "  ?device ssn:hasSubSystem " + s + " . " + s + " a " + IriText(r.sensors[i].type_iri).value() +
               " ; tf:samplingRateHz " + rate + " . FILTER(" + rate + " >= " + DoubleLiteral(r.sensors[i].min_rate_hz) +
               ")\n";
  }
  return pattern;
}

std::string CompatibilityQueries::CompatibleModelsPattern(const DeviceCapabilities& c) const {
  std::string pattern =
      "  ?model a tf:ModelVersion ; tf:arenaBytes ?arena ; tf:flashBytes ?flash ;\n"
      "         tf:minRuntimeVersionNumber ?minv .\n"
      "  FILTER(?arena <= " + IntLiteral(c.ram_bytes) + " && ?flash <= " + IntLiteral(c.flash_bytes) +
      " && ?minv <= " + IntLiteral(c.runtime_version_number) + ")\n";
  // The unsupported ops as a positive IN list: Virtuoso 7.2.5 plans "?op NOT IN (supported)"
  // and "!=" chains 5-10x slower, and overflows its stack (SQ200) on NOT IN for some shapes.
  if (!c.unsupported_op_iris.empty()) {
    if (c.unsupported_op_iris.size() == 1) {  // one-element IN lists trip Virtuoso (SP031)
      pattern += "  FILTER NOT EXISTS { ?model tf:usesOp " + IriText(c.unsupported_op_iris[0]).value() + " }\n";
    } else {
      pattern += "  FILTER NOT EXISTS { ?model tf:usesOp ?op . FILTER(" + InList("?op", c.unsupported_op_iris) + ") }\n";
    }
  }
  std::string satisfied;
  for (const auto& [type, rate] : c.best_rate_by_sensor_type) {
    satisfied += std::string(satisfied.empty() ? "" : " || ") + "(?t = " + IriText(type).value() +
                 " && ?r <= " + DoubleLiteral(rate) + ")";
  }
  if (satisfied.empty()) {
    // Virtuoso 7.2.5 overflows its stack on FILTER(!(false)) here (SQ200): say it directly.
    pattern += "  FILTER NOT EXISTS { ?model tf:requiresSensor ?q }\n";
  } else {
    pattern += "  FILTER NOT EXISTS { ?model tf:requiresSensor ?q . ?q tf:sensorType ?t ; tf:minSamplingRateHz ?r .\n"
               "                      FILTER(!(" + satisfied + ")) }\n";
  }
  return pattern;
}

Result<CandidatePage> CompatibilityQueries::RunCandidatePage(const std::string& pattern,
                                                             const std::string& variable,
                                                             int64_t offset, int64_t limit,
                                                             bool models) const {
  auto total = graph_.Count(std::string(vocab::kPrefixes) + "SELECT (COUNT(DISTINCT ?" + variable +
                            ") AS ?count)\n" + graph_.FromClause() + "WHERE {\n" + pattern + "}");
  if (!total.ok()) return total.error();
  std::string query = std::string(vocab::kPrefixes) + "SELECT DISTINCT ?" + variable + " ?id" +
                      (models ? " ?ver" : "") + "\n" + graph_.FromClause() + "WHERE {\n" + pattern +
                      "  ?" + variable + " schema:identifier ?id .\n" +
                      (models ? "  ?" + variable + " schema:version ?ver .\n" : "") + "}\nORDER BY ?" +
                      variable + "\nLIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset);
  auto result = graph_.client().Select(query);
  if (!result.ok()) return result.error();
  CandidatePage page;
  page.total = *total;
  page.offset = offset;
  for (size_t i = 0; i < result->rows.size(); ++i) {
    page.items.push_back({ValueText(result->Get(i, variable)), ValueText(result->Get(i, "id")), ValueText(result->Get(i, "ver")), {}});
  }
  int64_t expected = ExpectedRowsOnPage(page.total, offset, limit);
  if (static_cast<int64_t>(page.items.size()) != expected) {
    return MakeError(ErrorKind::kTruncated, "store returned " + std::to_string(page.items.size()) +
                                                " rows where its COUNT promised " + std::to_string(expected));
  }
  return page;
}

Result<CandidatePage> CompatibilityQueries::RunReasonPage(const std::string& page_class,
                                                          const std::string& reasons_union,
                                                          const std::string& variable, int64_t offset,
                                                          int64_t limit, bool models,
                                                          const std::string& runtime_version) const {
  auto total = graph_.CountInstances(Term::Iri(vocab::Tf(page_class)).value());
  if (!total.ok()) return total.error();
  std::string v = "?" + variable;
  // Page first, then the reasons for exactly those IRIs as VALUES constants: with a page
  // sub-select joined to the UNION, Virtuoso 7.2.5 evaluated every branch over all candidates
  // (over 300 s at 20k devices).
  auto page_rows = graph_.client().Select(std::string(vocab::kPrefixes) + "SELECT " + v + "\n" + graph_.FromClause() +
                                          "WHERE { " + v + " a tf:" + page_class + " }\nORDER BY " + v +
                                          "\nLIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset));
  if (!page_rows.ok()) return page_rows.error();
  int64_t expected = ExpectedRowsOnPage(*total, offset, limit);
  if (static_cast<int64_t>(page_rows->rows.size()) != expected) {
    return MakeError(ErrorKind::kTruncated, "store returned " + std::to_string(page_rows->rows.size()) +
                                                " candidates where its COUNT promised " + std::to_string(expected));
  }
  CandidatePage page;
  page.total = *total;
  page.offset = offset;
  if (expected == 0) return page;
  std::vector<std::string> page_iris;
  for (size_t i = 0; i < page_rows->rows.size(); ++i) page_iris.push_back(ValueText(page_rows->Get(i, variable)));
  auto checked = CheckIris(page_iris);
  if (!checked.ok()) return checked.error();
  // The VALUES block goes inside every UNION branch: one VALUES before the UNION crashed
  // Virtuoso 7.2.5 (connection dropped, server gone).
  std::string values = "VALUES " + v + " {" + ValuesList(page_iris) + " } ";
  std::string branches = reasons_union;
  for (size_t at = branches.find("{ "); at != std::string::npos; ) {
    branches.insert(at + 2, values);
    size_t next = branches.find("UNION { ", at + 2 + values.size());
    at = next == std::string::npos ? next : next + 6;
  }
  std::string where = "WHERE {\n" + branches + "}";
  std::string projection = v + " ?id ?ver ?kind ?amount ?op ?stype ?rate ?rtv ?req";
  std::string query = std::string(vocab::kPrefixes) + "SELECT DISTINCT " + projection + "\n" +
                      graph_.FromClause() + where + "\nORDER BY " + v + " ?kind ?op ?stype";
  auto result = graph_.client().Select(query);
  if (!result.ok()) return result.error();
  // The row count is checked too: a cut inside a candidate's reasons would otherwise look like a
  // compatible candidate.
  auto rows = graph_.Count(std::string(vocab::kPrefixes) + "SELECT (COUNT(*) AS ?count)\n" +
                           graph_.FromClause() + "WHERE { SELECT DISTINCT " + projection + " " + where + " }");
  if (!rows.ok()) return rows.error();
  if (static_cast<int64_t>(result->rows.size()) != *rows) {
    return MakeError(ErrorKind::kTruncated, "store returned " + std::to_string(result->rows.size()) +
                                                " reason rows where its COUNT promised " + std::to_string(*rows));
  }
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < result->rows.size(); ++i) {
    std::string iri = ValueText(result->Get(i, variable));
    auto [it, inserted] = index.emplace(iri, page.items.size());
    if (inserted) page.items.push_back({iri, "", "", {}});
    Candidate& candidate = page.items[it->second];
    std::string kind = ValueText(result->Get(i, "kind"));
    if (kind == "candidate") {
      candidate.id = ValueText(result->Get(i, "id"));
      candidate.version = ValueText(result->Get(i, "ver"));
      continue;
    }
    auto reason_kind = ParseKind(kind);
    if (!reason_kind.ok()) return reason_kind.error();
    Reason reason{*reason_kind, IntegerValue(result->Get(i, "amount")).value_or(0), "", "", "", "", 0};
    if (const RdfValue* op = result->Get(i, "op")) reason.op = OperatorName(op->value);
    reason.runtime_version = models ? runtime_version : ValueText(result->Get(i, "rtv"));
    reason.required_version = models ? ValueText(result->Get(i, "req")) : runtime_version;
    if (const RdfValue* type = result->Get(i, "stype")) reason.sensor_type = SensorTypeName(type->value);
    reason.rate_hz = NumberValue(result->Get(i, "rate")).value_or(0);
    candidate.reasons.push_back(std::move(reason));
  }
  if (static_cast<int64_t>(page.items.size()) != expected) {
    return MakeError(ErrorKind::kTruncated, "reasons came back for " + std::to_string(page.items.size()) +
                                                " of the " + std::to_string(expected) + " candidates of the page");
  }
  return page;
}

Result<CandidatePage> CompatibilityQueries::CompatibleDevices(const Term& model, int64_t offset,
                                                              int64_t limit) const {
  auto arguments = CheckPageArguments(offset, limit);
  if (!arguments.ok()) return arguments.error();
  auto requirements = ReadModelRequirements(model);
  if (!requirements.ok()) return requirements.error();
  return RunCandidatePage(CompatibleDevicesPattern(*requirements), "device", offset, limit, false);
}

Result<CandidatePage> CompatibilityQueries::CompatibleModels(const Term& device, int64_t offset,
                                                             int64_t limit) const {
  auto arguments = CheckPageArguments(offset, limit);
  if (!arguments.ok()) return arguments.error();
  auto capabilities = ReadDeviceCapabilities(device);
  if (!capabilities.ok()) return capabilities.error();
  return RunCandidatePage(CompatibleModelsPattern(*capabilities), "model", offset, limit, true);
}

Result<CandidatePage> CompatibilityQueries::DevicesWithReasons(const Term& model, int64_t offset,
                                                               int64_t limit) const {
  auto arguments = CheckPageArguments(offset, limit);
  if (!arguments.ok()) return arguments.error();
  auto requirements = ReadModelRequirements(model);
  if (!requirements.ok()) return requirements.error();
  const ModelRequirements& r = *requirements;
  std::string arena = IntLiteral(r.arena_bytes);
  std::string flash = IntLiteral(r.flash_bytes);
  std::string branches =
      "  { ?device schema:identifier ?id . BIND(\"candidate\" AS ?kind) }\n"
      "  UNION { ?device tf:ramBytes ?ram . FILTER(?ram < " + arena + ")\n"
      "          BIND(\"ram_short\" AS ?kind) BIND(" + arena + " - ?ram AS ?amount) }\n"
      "  UNION { ?device tf:flashBytes ?fl . FILTER(?fl < " + flash + ")\n"
      "          BIND(\"flash_short\" AS ?kind) BIND(" + flash + " - ?fl AS ?amount) }\n"
      "  UNION { ?device tf:runtime ?rt . ?rt tf:versionNumber ?rtn ; schema:version ?rtv .\n"
      "          FILTER(?rtn < " + IntLiteral(r.min_runtime_version_number) + ") BIND(\"firmware_too_old\" AS ?kind) }\n";
  if (!r.op_iris.empty()) {
    std::string values;
    for (const std::string& op : r.op_iris) values += " " + IriText(op).value();
    branches += "  UNION { ?device tf:runtime ?rt . ?rt schema:version ?rtv . VALUES ?op {" + values + " }\n"
                "          FILTER NOT EXISTS { ?rt tf:supportsOp ?op } BIND(\"op_unsupported\" AS ?kind) }\n";
  }
  for (const auto& sensor : r.sensors) {
    std::string type = IriText(sensor.type_iri).value();
    std::string rate = DoubleLiteral(sensor.min_rate_hz);
    branches += "  UNION { ?device a tf:Device . FILTER NOT EXISTS { ?device ssn:hasSubSystem ?sm . ?sm a " + type +
                " }\n          BIND(\"sensor_missing\" AS ?kind) BIND(" + type + " AS ?stype) BIND(" + rate +
                " AS ?rate) }\n";
    branches += "  UNION { ?device ssn:hasSubSystem ?sl . ?sl a " + type +
                " .\n          FILTER NOT EXISTS { ?device ssn:hasSubSystem ?sf . ?sf a " + type +
                " ; tf:samplingRateHz ?rf . FILTER(?rf >= " + rate + ") }\n"
                "          BIND(\"sampling_rate_too_low\" AS ?kind) BIND(" + type + " AS ?stype) BIND(" + rate +
                " AS ?rate) }\n";
  }
  return RunReasonPage("Device", branches, "device", offset, limit, false, r.min_runtime_version);
}

Result<CandidatePage> CompatibilityQueries::ModelsWithReasons(const Term& device, int64_t offset,
                                                              int64_t limit) const {
  auto arguments = CheckPageArguments(offset, limit);
  if (!arguments.ok()) return arguments.error();
  auto capabilities = ReadDeviceCapabilities(device);
  if (!capabilities.ok()) return capabilities.error();
  const DeviceCapabilities& c = *capabilities;
  std::string ram = IntLiteral(c.ram_bytes);
  std::string flash = IntLiteral(c.flash_bytes);
  std::string branches =
      "  { ?model schema:identifier ?id ; schema:version ?ver . BIND(\"candidate\" AS ?kind) }\n"
      "  UNION { ?model tf:arenaBytes ?ar . FILTER(?ar > " + ram + ")\n"
      "          BIND(\"ram_short\" AS ?kind) BIND(?ar - " + ram + " AS ?amount) }\n"
      "  UNION { ?model tf:flashBytes ?fl . FILTER(?fl > " + flash + ")\n"
      "          BIND(\"flash_short\" AS ?kind) BIND(?fl - " + flash + " AS ?amount) }\n"
      "  UNION { ?model tf:minRuntimeVersionNumber ?mv ; tf:minRuntimeVersion ?req .\n"
      "          FILTER(?mv > " + IntLiteral(c.runtime_version_number) + ") BIND(\"firmware_too_old\" AS ?kind) }\n";
  if (!c.unsupported_op_iris.empty()) {
    // VALUES, not FILTER(?op IN (<one>)): a one-element IN list here is an internal compiler
    // error (SP031 "equiv replaces filter but under deprecation") in Virtuoso 7.2.5.
    branches += "  UNION { VALUES ?op {" + ValuesList(c.unsupported_op_iris) +
                " } ?model tf:usesOp ?op . BIND(\"op_unsupported\" AS ?kind) }\n";
  }
  std::string too_low;
  for (const auto& [type, rate] : c.best_rate_by_sensor_type) {
    std::string t = IriText(type).value();
    too_low += std::string(too_low.empty() ? "" : " || ") + "(?stype = " + t + " && ?rate > " + DoubleLiteral(rate) + ")";
  }
  if (!c.missing_sensor_type_iris.empty()) {
    branches += "  UNION { VALUES ?stype {" + ValuesList(c.missing_sensor_type_iris) +
                " } ?model tf:requiresSensor ?q . ?q tf:sensorType ?stype ; tf:minSamplingRateHz ?rate .\n"
                "          BIND(\"sensor_missing\" AS ?kind) }\n";
  }
  if (!too_low.empty()) {
    branches += "  UNION { ?model tf:requiresSensor ?q2 . ?q2 tf:sensorType ?stype ; tf:minSamplingRateHz ?rate .\n"
                "          FILTER(" + too_low + ") BIND(\"sampling_rate_too_low\" AS ?kind) }\n";
  }
  return RunReasonPage("ModelVersion", branches, "model", offset, limit, true, c.runtime_version);
}

}  // namespace tinyforge::server::kg
