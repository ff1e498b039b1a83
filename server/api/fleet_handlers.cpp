// Fleet routes: artifacts, fleet devices, alerts, single-device update, stats (see
// fleet_handlers.h). Thin: validate, call FleetService, render JSON.
#include "server/api/fleet_handlers.h"

#include <charconv>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "server/api/handler_support.h"
#include "server/fleet/fleet_service.h"
#include "server/kg/compatibility.h"
#include "server/kg/rdf_mapping.h"

namespace tinyforge::server::api {
namespace {

using namespace detail;  // NOLINT: the handlers' own helpers
using nlohmann::json;

fleet::FleetService& Fleet(ApiContext& context) {
  if (context.fleet == nullptr) Fail(503, "fleet_unavailable", "the fleet service (MQTT) is not running");
  return *context.fleet;
}

std::string VersionText(uint32_t v) {
  return std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xFF) + "." + std::to_string(v & 0xFF);
}

uint32_t ParseUnsigned(const std::string& text, const char* field, uint64_t max) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > max)
    Fail(400, "invalid_argument", std::string(field) + ": '" + text + "' is not an integer in 0.." + std::to_string(max));
  return static_cast<uint32_t>(value);
}

// "1.2.3" (each part 0-255) or a plain integer (major << 16 | minor << 8 | patch).
uint32_t ParseRuntimeVersion(const std::string& text) {
  if (text.find('.') == std::string::npos) return ParseUnsigned(text, "min_runtime", 0xFFFFFF);
  uint32_t parts[3] = {0, 0, 0};
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t dot = text.find('.', start);
    if ((i < 2) != (dot != std::string::npos))
      Fail(400, "invalid_argument", "min_runtime: '" + text + "' must be major.minor.patch");
    parts[i] = ParseUnsigned(text.substr(start, dot == std::string::npos ? std::string::npos : dot - start),
                             "min_runtime", 255);
    start = dot + 1;
  }
  return parts[0] << 16 | parts[1] << 8 | parts[2];
}

json ArtifactJson(const fleet::ArtifactRecord& r) {
  return {{"id", r.id},
          {"kind", r.spec.kind == fleet::ArtifactKind::kModel ? "model" : "firmware"},
          {"version", r.spec.version},
          {"device_type", r.spec.device_type},
          {"min_runtime", VersionText(r.spec.min_runtime_version)},
          {"pinned", r.spec.pinned},
          {"size", r.size},
          {"sha256", fleet::HexOf(r.sha256.data(), r.sha256.size())},
          {"manifest", fleet::HexOf(r.manifest.data(), r.manifest.size())},
          {"signature", fleet::HexOf(r.signature.data(), r.signature.size())},
          {"model_id", r.model_id.empty() ? json() : json(r.model_id)},
          {"model_version", r.model_version.empty() ? json() : json(r.model_version)},
          {"created_ms", r.created_ms}};
}

const char* PhaseName(fleet::TransferPhase phase) {
  switch (phase) {
    case fleet::TransferPhase::kWaitingForDevice: return "waiting_for_device";
    case fleet::TransferPhase::kOffered: return "transferring";
    case fleet::TransferPhase::kVerified: return "verified";
  }
  return "unknown";
}

void RequireDeviceId(const std::string& id) {
  if (!fleet::ValidDeviceId(id))
    Fail(400, "invalid_argument", "device id '" + id + "': must be 1-32 of A-Z a-z 0-9 _ -");
}

}  // namespace

ApiResponse UploadArtifact(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    fleet::FleetService& service = Fleet(context);
    if (!request.content_type.empty() && request.content_type != "application/octet-stream")
      Fail(415, "unsupported_media_type", "send the artifact bytes as application/octet-stream");
    if (request.body.empty()) Fail(400, "invalid_argument", "body: the artifact bytes are empty");
    fleet::ArtifactSpec spec;
    const std::string kind = request.Query("kind");
    if (kind == "model") spec.kind = fleet::ArtifactKind::kModel;
    else if (kind == "firmware") spec.kind = fleet::ArtifactKind::kFirmware;
    else Fail(400, "invalid_argument", "kind: must be \"model\" or \"firmware\"");
    spec.version = ParseUnsigned(request.Query("version"), "version", UINT32_MAX);
    spec.device_type = request.Query("device_type");
    if (spec.device_type.empty() || spec.device_type.size() > 15)
      Fail(400, "invalid_argument", "device_type: 1-15 characters required");
    spec.min_runtime_version = request.Query("min_runtime").empty() ? 0 : ParseRuntimeVersion(request.Query("min_runtime"));
    const std::string pinned = request.Query("pinned");
    if (!pinned.empty() && pinned != "true" && pinned != "false")
      Fail(400, "invalid_argument", "pinned: must be true or false");
    spec.pinned = pinned == "true";
    const std::string model_id = request.Query("model_id");
    const std::string model_version = request.Query("model_version");
    if (model_id.empty() != model_version.empty())
      Fail(400, "invalid_argument", "model_id and model_version go together");
    std::vector<uint8_t> payload(request.body.begin(), request.body.end());
    auto record = service.AddArtifact(spec, std::move(payload), model_id, model_version);
    if (!record.ok()) Fail(400, "invalid_argument", record.error().message);
    return JsonResponse(201, ArtifactJson(record.value()));
  });
}

ApiResponse ListArtifacts(ApiContext& context, const ApiRequest&) noexcept {
  return Guard(context, [&] {
    auto records = Fleet(context).store().ListArtifacts();
    if (!records.ok()) Fail(500, "internal", records.error().message);
    json items = json::array();
    for (const auto& record : records.value()) items.push_back(ArtifactJson(record));
    return JsonResponse(200, {{"total", items.size()}, {"items", items}});
  });
}

ApiResponse GetFleetDevice(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    fleet::FleetService& service = Fleet(context);
    const std::string id = request.params.at(0);
    RequireDeviceId(id);
    auto view = service.store().GetDevice(id);
    if (!view.ok()) Fail(500, "internal", view.error().message);
    auto history = service.store().ListTransferResults(id);
    if (!history.ok()) Fail(500, "internal", history.error().message);
    json update;
    for (const auto& t : service.distributor().Transfers()) {
      if (t.device_id != id) continue;
      update = {{"artifact_id", t.artifact_id}, {"offer_id", t.offer_id}, {"phase", PhaseName(t.phase)},
                {"next_chunk", t.next_chunk}, {"chunk_count", t.chunk_count},
                {"started_ms", t.started_ms}, {"deadline_ms", t.deadline_ms}};
    }
    if (!view.value() && update.is_null() && history->empty())
      Fail(404, "not_found", "device \"" + id + "\" has sent nothing to the fleet service");
    json body = {{"device_id", id}, {"update", update}};
    json results = json::array();
    for (const auto& r : history.value()) {
      results.push_back({{"artifact_id", r.result.artifact_id}, {"outcome", fleet::UpdateOutcomeName(r.result.outcome)},
                         {"running_version", r.result.running_version}, {"detail", r.result.detail},
                         {"finished_ms", r.finished_ms}});
    }
    body["update_history"] = results;
    if (view.value()) {
      const fleet::DeviceView& v = *view.value();
      body["last_seen_ms"] = v.last_seen_ms;
      body["last_message_id"] = {{"epoch", v.last_epoch}, {"seq", v.last_seq}};
      body["counters"] = {{"telemetry", v.telemetry_count}, {"alerts", v.alert_count}, {"learn", v.learn_count},
                          {"states", v.state_count}, {"acks", v.ack_count}};
      body["state"] = v.has_state
          ? json{{"confirmed_version", v.state.confirmed_version}, {"running_version", v.state.running_version},
                 {"runtime_version", VersionText(v.state.runtime_version)}, {"active_slot", v.state.active_slot == 0 ? "A" : "B"},
                 {"trial", v.state.trial != 0}, {"ota_state", v.state.ota_state}, {"artifact_kind", v.state.artifact_kind},
                 {"telemetry_dropped", v.state.telemetry_dropped}, {"device_type", v.state.device_type},
                 {"received_ms", v.state_ms}}
          : json();
      const fleet::TelemetryMessage& t = v.last_telemetry;
      body["last_telemetry"] = v.has_telemetry
          ? json{{"epoch", t.id.epoch}, {"seq", t.id.seq}, {"uptime_s", t.uptime_s}, {"inference_count", t.inference_count},
                 {"latency_us_mean", t.latency_us_mean}, {"latency_us_max", t.latency_us_max},
                 {"anomaly_count", t.anomaly_count}, {"drift_alarms", t.drift_alarms},
                 {"accuracy_per10k", t.accuracy_per10k == 0xFFFF ? json() : json(t.accuracy_per10k)}}
          : json();
    }
    return JsonResponse(200, body);
  });
}

ApiResponse ListFleetDeviceAlerts(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    fleet::FleetService& service = Fleet(context);
    const std::string id = request.params.at(0);
    RequireDeviceId(id);
    domain::PageRequest page = Page(request);
    auto total = service.store().CountAlerts(id);
    auto alerts = service.store().ListAlerts(id, page.offset, page.limit);
    if (!total.ok() || !alerts.ok()) Fail(500, "internal", (total.ok() ? alerts.error() : total.error()).message);
    json items = json::array();
    for (const auto& a : alerts.value()) {
      items.push_back({{"epoch", a.epoch}, {"seq", a.seq}, {"model_version", a.model_version},
                       {"class_index", a.class_index}, {"score", a.score}, {"uptime_ms", a.uptime_ms},
                       {"received_ms", a.received_ms}});
    }
    return JsonResponse(200, {{"device_id", id}, {"total", total.value()}, {"offset", page.offset},
                              {"limit", page.limit}, {"items", items}});
  });
}

ApiResponse UpdateFleetDevice(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    fleet::FleetService& service = Fleet(context);
    const std::string id = request.params.at(0);
    RequireDeviceId(id);
    json body = ParseJsonBody(request, "update");
    if (!body.contains("artifact_id") || !body["artifact_id"].is_string())
      Fail(400, "invalid_argument", "artifact_id: required string");
    const std::string artifact_id = body["artifact_id"].get<std::string>();
    auto artifact = service.store().GetArtifact(artifact_id);
    if (!artifact.ok()) Fail(500, "internal", artifact.error().message);
    if (!artifact.value()) Fail(404, "not_found", "no artifact \"" + artifact_id + "\"");
    auto started = service.distributor().StartUpdate(id, artifact_id);
    if (!started.ok()) Fail(400, "invalid_argument", started.error().message);
    return JsonResponse(202, {{"device_id", id}, {"artifact_id", artifact_id}, {"status", "started"},
                              {"follow", "/api/v1/fleet/devices/" + id}});
  });
}

ApiResponse FleetStats(ApiContext& context, const ApiRequest&) noexcept {
  return Guard(context, [&] {
    fleet::FleetService& service = Fleet(context);
    const fleet::IngestCounters c = service.bridge().counters();
    const fleet::DistributorCounters d = service.distributor().counters();
    auto devices = service.store().CountDevices();
    const auto& key = service.signing_key().public_key;
    return JsonResponse(200, {
        {"broker", {{"url", service.broker_url()}, {"private", service.private_broker()}, {"connected", c.connected},
                    {"reconnects", c.reconnects}}},
        {"ingest", {{"received", c.received}, {"accepted", c.accepted}, {"duplicates", c.duplicates},
                    {"malformed", c.malformed}, {"written", c.written}, {"pending", c.pending},
                    {"batches", c.batches}, {"write_errors", c.write_errors},
                    {"last_malformed", c.last_malformed.empty() ? json() : json(c.last_malformed)}}},
        {"ota", {{"active_transfers", d.active}, {"offers_sent", d.offers_sent}, {"chunks_sent", d.chunks_sent},
                 {"acks", d.acks}, {"results", d.results}}},
        {"devices", devices.ok() ? devices.value() : -1},
        {"signing_public_key", fleet::HexOf(key.data(), key.size())}});
  });
}

fleet::CompatibilityCheck KnowledgeGraphCompatibility(kg::StoreSupervisor& store) {
  // A rollout asks once per device: one CompatibleDevices listing per artifact (cached for a
  // minute) answers the compatible ones with a set lookup; only an incompatible device costs the
  // per-device query that names its reasons.
  struct Cache {
    std::mutex mutex;
    std::map<std::string, std::pair<std::chrono::steady_clock::time_point, std::set<std::string>>> compatible;
  };
  auto cache = std::make_shared<Cache>();
  return [&store, cache](const std::string& device_id, const fleet::ArtifactRecord& artifact) {
    fleet::CompatibilityVerdict verdict;
    if (artifact.model_id.empty()) return verdict;
    auto handle = store.Current();
    if (!handle) return fleet::CompatibilityVerdict{false, "knowledge graph unavailable: compatibility not checked"};
    kg::CompatibilityQueries queries(*handle->graph);
    const kg::Term model = kg::ModelVersionIri(artifact.model_id, artifact.model_version);
    const std::string device_iri = kg::DeviceIri(device_id).value();
    const int64_t page = kg::CompatibilityQueries::kMaxPageSize;
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(cache->mutex);
      auto cached = cache->compatible.find(artifact.id);
      if (cached == cache->compatible.end() || now - cached->second.first > std::chrono::seconds(60)) {
        std::set<std::string> devices;
        for (int64_t offset = 0;; offset += page) {
          auto listed = queries.CompatibleDevices(model, offset, page);
          if (!listed.ok()) return fleet::CompatibilityVerdict{false, "knowledge graph: " + listed.error().message};
          for (const kg::Candidate& candidate : listed->items) devices.insert(candidate.iri);
          if (listed->items.empty() || offset + page >= listed->total) break;
        }
        cached = cache->compatible.insert_or_assign(artifact.id, std::make_pair(now, std::move(devices))).first;
      }
      if (cached->second.second.count(device_iri) != 0) return verdict;
    }
    for (int64_t offset = 0;; offset += page) {
      auto models = queries.ModelsWithReasons(kg::DeviceIri(device_id), offset, page);
      if (!models.ok()) return fleet::CompatibilityVerdict{false, "knowledge graph: " + models.error().message};
      for (const kg::Candidate& candidate : models->items) {
        if (candidate.iri != model.value()) continue;
        for (const kg::Reason& reason : candidate.reasons) {
          verdict.compatible = false;
          verdict.reasons += (verdict.reasons.empty() ? "" : "; ") + reason.Describe();
        }
        return verdict;
      }
      if (models->items.empty() || offset + page >= models->total) break;
    }
    return fleet::CompatibilityVerdict{false, "device " + device_id + " or model " + artifact.model_id + " version " +
                                                  artifact.model_version + " is not in the knowledge graph"};
  };
}

}  // namespace tinyforge::server::api
