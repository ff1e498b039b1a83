// Bulk device registration (POST /api/v1/devices:batch) and replacement of a device's description
// (PUT /api/v1/devices/{id}); both keep the in-store compatibility index in step.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "server/api/handler_support.h"
#include "server/fleet/fleet_service.h"
#include "server/api/handlers.h"
#include "server/kg/compatibility_index.h"
#include "server/kg/registry_queries.h"
#include "server/kg/vocabulary.h"

namespace tinyforge::server::api {
namespace {

using namespace detail;  // NOLINT: the handlers' own helpers
using nlohmann::json;

constexpr size_t kMaxBatchDevices = 10000;
// Devices per existence query: keeps the VALUES list (and Virtuoso's compile time) bounded.
constexpr size_t kExistenceChunk = 1000;

// The body: a JSON array of TDs, or NDJSON (one TD per line).
std::vector<json> BatchItems(const ApiRequest& request) {
  std::vector<json> items;
  if (request.content_type == "application/x-ndjson" || request.content_type == "application/ndjson") {
    size_t line_number = 0;
    for (size_t begin = 0; begin < request.body.size();) {
      size_t end = request.body.find('\n', begin);
      if (end == std::string::npos) end = request.body.size();
      std::string_view line(request.body.data() + begin, end - begin);
      begin = end + 1;
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      json item = json::parse(line, nullptr, false);
      if (item.is_discarded()) {
        Fail(400, "malformed_json", "devices[" + std::to_string(items.size()) + "] (line " +
                                        std::to_string(line_number) + "): not valid JSON");
      }
      items.push_back(std::move(item));
    }
  } else {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) Fail(400, "malformed_json", "device batch: the body is not valid JSON");
    if (!body.is_array()) Fail(400, "malformed_json", "device batch: the body must be a JSON array of Thing Descriptions (or NDJSON)");
    items.reserve(body.size());
    for (auto& item : body) items.push_back(std::move(item));
  }
  if (items.empty()) Fail(400, "invalid_argument", "device batch: no devices");
  if (items.size() > kMaxBatchDevices) {
    Fail(413, "batch_too_large", "device batch: " + std::to_string(items.size()) + " devices; at most " +
                                     std::to_string(kMaxBatchDevices) + " per request");
  }
  return items;
}

// Each device's broker account, as POST /api/v1/devices returns it (`mqtt: {url, user,
// password}`, the password only here), created with one broker reload for the whole batch. The
// devices are stored already: an account failure is reported per device (`note`), like the single
// registration does, instead of undoing the batch.
json BatchMqttAccounts(fleet::FleetService& fleet, const std::vector<kg::DeviceDescription>& devices) {
  std::vector<std::string> account_ids;
  for (const auto& device : devices) {
    if (fleet::ValidDeviceId(device.id)) account_ids.push_back(device.id);
  }
  std::map<std::string, std::string> passwords;
  std::string failure;
  if (!account_ids.empty()) {
    auto accounts = fleet.CreateDeviceAccounts(account_ids);
    if (accounts.ok()) {
      for (const auto& account : accounts.value()) passwords[account.user] = account.password;
    } else {
      failure = accounts.error().message;
    }
  }
  json out = json::array();
  for (const auto& device : devices) {
    json mqtt = {{"url", fleet.broker_url()}, {"user", device.id}, {"password", nullptr}};
    auto it = passwords.find(device.id);
    if (it != passwords.end()) mqtt["password"] = it->second;
    else if (!fleet::ValidDeviceId(device.id))
      mqtt["note"] = "no MQTT account: the id must be 1-32 of A-Z a-z 0-9 _ - to be an MQTT user name";
    else mqtt["note"] = failure;
    out.push_back({{"id", device.id}, {"iri", kg::DeviceIri(device.id).value()}, {"mqtt", std::move(mqtt)}});
  }
  return out;
}

}  // namespace

ApiResponse RegisterDevicesBatch(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    // TINYFORGE_KG_TRACE=1: where a batch's time goes (parse, validate, store, documents).
    static const bool trace = std::getenv("TINYFORGE_KG_TRACE") != nullptr;
    auto stage_start = std::chrono::steady_clock::now();
    auto stage = [&](const char* name) {
      if (!trace) return;
      auto now = std::chrono::steady_clock::now();
      std::fprintf(stderr, "[batch] %s %.0f ms\n", name,
                   std::chrono::duration<double, std::milli>(now - stage_start).count());
      stage_start = now;
    };
    std::vector<json> items = BatchItems(request);
    stage("parse");
    // Validate every device first: the batch is all or nothing, and the error names the item.
    std::vector<kg::DeviceDescription> devices;
    devices.reserve(items.size());
    std::map<std::string, size_t> first_index;
    for (size_t i = 0; i < items.size(); ++i) {
      std::string where = "devices[" + std::to_string(i) + "]";
      if (!items[i].is_object()) Fail(400, "invalid_thing_description", where + ": must be a JSON object");
      try {
        devices.push_back(ValidateDevice(items[i]));
        RequirePathSafeId(devices.back().id, "id");
      } catch (const ApiFailure& failure) {
        ApiFailure named = failure;  // keeps the structured SHACL violations
        named.error.message = where + ": " + failure.error.message;
        throw named;
      }
      auto [it, inserted] = first_index.emplace(devices.back().id, i);
      if (!inserted) {
        Fail(400, "duplicate_id", where + ": id \"" + devices.back().id + "\" already appears at devices[" +
                                      std::to_string(it->second) + "]");
      }
    }
    stage("validate");
    auto store = Store(context);
    // Already registered? One query per chunk of ids.
    for (size_t begin = 0; begin < devices.size(); begin += kExistenceChunk) {
      size_t end = std::min(devices.size(), begin + kExistenceChunk);
      std::string values;
      for (size_t i = begin; i < end; ++i) values += " " + kg::DeviceIri(devices[i].id).ToSparql();
      auto found = Check(store->client->Select(std::string(kg::vocab::kPrefixes) + "SELECT ?d\n" +
                                               store->graph->FromClause() + "WHERE { VALUES ?d {" + values +
                                               " } ?d a tf:Device }"));
      if (!found.rows.empty()) {
        std::string id;  // the first registered one in batch order
        for (const auto& row : found.rows) {
          std::string candidate = kg::IdFromIri(row.at("d").value);
          if (id.empty() || first_index[candidate] < first_index[id]) id = candidate;
        }
        Fail(409, "conflict", "devices[" + std::to_string(first_index[id]) + "]: device \"" + id +
                                  "\" is already registered; nothing of this batch was stored");
      }
    }
    stage("existence check");
    Check(kg::CompatibilityIndex(*store->graph).AddDevices(devices));
    stage("store (profiles, index, Graph Store POSTs)");
    std::vector<std::pair<std::string, std::string>> documents;
    documents.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      documents.emplace_back(devices[i].id, items[i].dump(-1, ' ', false, json::error_handler_t::replace));
    }
    auto saved = context.db.PutDocuments("device", documents);
    if (!saved.ok()) {
      kg::RegistryQueries queries(*store->graph);
      for (const auto& device : devices) (void)queries.DeleteEntity(kg::DeviceIri(device.id));
      Fail(500, "internal", saved.error().message);
    }
    stage("documents (SQLite)");
    json body = {{"registered", devices.size()}};
    if (context.fleet != nullptr) body["devices"] = BatchMqttAccounts(*context.fleet, devices);
    stage("broker accounts");
    return JsonResponse(201, body);
  });
}

ApiResponse ReplaceDevice(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    json td = ParseJsonBody(request, "Thing Description");
    const std::string& id = request.params.at(0);
    if (!td.contains("id")) td["id"] = id;
    kg::DeviceDescription device = ValidateDevice(td);
    if (device.id != id) Fail(400, "invalid_argument", "id: \"" + device.id + "\" differs from the path's \"" + id + "\"");
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    if (!Check(queries.IsA(kg::DeviceIri(id), kg::Term::Iri(kg::vocab::Tf("Device")).value()))) {
      Fail(404, "not_found", "no device \"" + id + "\" (register it with POST /api/v1/devices)");
    }
    Check(kg::CompatibilityIndex(*store->graph).ReplaceDevice(device));
    Check(context.db.PutDocument("device", id, td.dump(-1, ' ', false, json::error_handler_t::replace)));
    return JsonResponse(200, {{"id", id}, {"iri", kg::DeviceIri(id).value()}});
  });
}

}  // namespace tinyforge::server::api
