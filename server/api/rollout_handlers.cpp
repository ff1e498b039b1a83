// Rollout routes: create (explicit devices or a knowledge-graph filter), list, get, and the
// pause / resume / cancel / rollback commands. The engine (server/fleet/rollout_engine.h) decides;
// these handlers only validate, resolve the target and render JSON.
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/fleet/rollout_engine.h"
#include "server/fleet/rollout_targets.h"

namespace tinyforge::server::api {
namespace {

using namespace detail;  // NOLINT: the handlers' own helpers
using nlohmann::json;
using fleet::RolloutErrorKind;

constexpr int64_t kMaxRolloutDevices = 100000;

fleet::RolloutEngine& Engine(ApiContext& context) {
  if (!context.rollouts) Fail(503, "rollouts_unavailable", "the rollout engine is not running");
  return *context.rollouts;
}

template <typename T>
T Check(fleet::RolloutResult<T> result) {
  if (result.ok()) return std::move(result.value());
  const fleet::RolloutError& error = result.error();
  switch (error.kind) {
    case RolloutErrorKind::kInvalid: Fail(400, "invalid_argument", error.message);
    case RolloutErrorKind::kNotFound: Fail(404, "not_found", error.message);
    case RolloutErrorKind::kConflict: Fail(409, "conflict", error.message);
    case RolloutErrorKind::kUnavailable: Fail(503, "fleet_unavailable", error.message);
    case RolloutErrorKind::kInternal: break;
  }
  Fail(500, "internal", error.message);
}

void RequireKnownFields(const json& object, const std::string& where, std::initializer_list<const char*> known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (const char* name : known) found = found || key == name;
    if (!found) Fail(400, "invalid_argument", where + key + ": unknown field");
  }
}

std::string StringField(const json& object, const char* key, const std::string& where, bool required) {
  if (!object.contains(key)) {
    if (required) Fail(400, "invalid_argument", where + key + ": required");
    return "";
  }
  if (!object[key].is_string()) Fail(400, "invalid_argument", where + key + ": must be a string");
  std::string value = object[key].get<std::string>();
  if (required && value.empty()) Fail(400, "invalid_argument", where + key + ": must not be empty");
  if (value.size() > 256) Fail(400, "invalid_argument", where + key + ": longer than 256 characters");
  return value;
}

double NumberField(const json& object, const char* key, double fallback) {
  if (!object.contains(key)) return fallback;
  if (!object[key].is_number()) Fail(400, "invalid_argument", std::string(key) + ": must be a number");
  return object[key].get<double>();
}

int64_t IntegerField(const json& object, const char* key) {
  if (!object.contains(key)) return 0;
  if (!object[key].is_number_integer()) Fail(400, "invalid_argument", std::string(key) + ": must be an integer");
  return object[key].get<int64_t>();
}

std::vector<fleet::GroupSpec> ParseGroups(const json& body) {
  if (!body.contains("groups")) return fleet::DefaultGroups();
  const json& groups = body["groups"];
  if (!groups.is_array() || groups.empty() || groups.size() > 100) {
    Fail(400, "invalid_argument", "groups: must be an array of 1..100 percentages (\"10%\") or device counts");
  }
  std::vector<fleet::GroupSpec> out;
  for (size_t i = 0; i < groups.size(); ++i) {
    std::string where = "groups[" + std::to_string(i) + "]";
    std::string text;
    if (groups[i].is_string()) text = groups[i].get<std::string>();
    else if (groups[i].is_number_integer()) text = std::to_string(groups[i].get<int64_t>());
    else Fail(400, "invalid_argument", where + ": must be a percentage string like \"10%\" or an integer count");
    auto spec = fleet::ParseGroupSpec(text);
    if (!spec.ok()) Fail(400, "invalid_argument", where + ": " + spec.error().message);
    out.push_back(spec.value());
  }
  return out;
}

// Fills spec.device_ids and spec.target_description from body.target.
void ResolveTarget(ApiContext& context, const json& body, fleet::RolloutSpec& spec) {
  if (!body.contains("target")) Fail(400, "invalid_argument", "target: required ({\"devices\": [...]} or {\"model\": ...})");
  const json& target = body["target"];
  if (!target.is_object()) Fail(400, "invalid_argument", "target: must be an object");
  RequireKnownFields(target, "target.", {"devices", "model", "version", "sensor_type"});
  bool by_list = target.contains("devices"), by_model = target.contains("model");
  if (by_list == by_model) Fail(400, "invalid_argument", "target: give exactly one of \"devices\" or \"model\"");
  json description = json::object();
  if (by_list) {
    if (target.contains("version") || target.contains("sensor_type")) {
      Fail(400, "invalid_argument", "target: \"version\" and \"sensor_type\" go with \"model\", not with \"devices\"");
    }
    const json& devices = target["devices"];
    if (!devices.is_array() || devices.empty()) Fail(400, "invalid_argument", "target.devices: must be a non-empty array of device ids");
    if (static_cast<int64_t>(devices.size()) > kMaxRolloutDevices) {
      Fail(400, "invalid_argument", "target.devices: more than " + std::to_string(kMaxRolloutDevices) + " devices");
    }
    for (size_t i = 0; i < devices.size(); ++i) {
      if (!devices[i].is_string()) Fail(400, "invalid_argument", "target.devices[" + std::to_string(i) + "]: must be a string");
      spec.device_ids.push_back(devices[i].get<std::string>());
    }
    description = {{"devices", static_cast<int64_t>(devices.size())}};
  } else {
    fleet::GraphTarget graph_target;
    graph_target.model_id = StringField(target, "model", "target.", true);
    graph_target.model_version = StringField(target, "version", "target.", false);
    graph_target.sensor_type = StringField(target, "sensor_type", "target.", false);
    auto store = Store(context);
    auto resolved = detail::Check(fleet::ResolveGraphTarget(*store->graph, graph_target, kMaxRolloutDevices));
    if (resolved.device_ids.empty()) {
      Fail(409, "empty_target", "target: no registered device is compatible with model \"" + graph_target.model_id +
                                    "\" version " + resolved.model_version +
                                    (graph_target.sensor_type.empty() ? "" : " with a " + graph_target.sensor_type));
    }
    spec.device_ids = std::move(resolved.device_ids);
    description = {{"model", graph_target.model_id}, {"version", resolved.model_version}};
    if (!graph_target.sensor_type.empty()) description["sensor_type"] = graph_target.sensor_type;
  }
  spec.target_description = description.dump();
}

json GroupJson(const fleet::GroupStatus& group, const fleet::RolloutStatus& status) {
  std::string state = group.started_at_ms == 0 ? "waiting"
                      : group.threshold_reached_at_ms != 0 ? (group.pending == 0 ? "done" : "passed")
                                                          : "running";
  return {{"index", group.index + 1}, {"size", group.size}, {"state", state},
          {"spec", group.index < static_cast<int>(status.spec.groups.size())
                       ? status.spec.groups[static_cast<size_t>(group.index)].ToString() : ""},
          {"confirmed", group.confirmed}, {"failed", group.failed}, {"incompatible", group.incompatible},
          {"cancelled", group.cancelled}, {"pending", group.pending}, {"waiting", group.waiting},
          {"started_at_ms", group.started_at_ms}, {"threshold_reached_at_ms", group.threshold_reached_at_ms}};
}

// Failed and incompatible devices over all groups: "failures" lists at most 100 of them.
int64_t FailureTotal(const fleet::RolloutStatus& status) {
  int64_t total = 0;
  for (const auto& group : status.groups) total += group.failed + group.incompatible;
  return total;
}

json StatusJson(const fleet::RolloutStatus& status) {
  json groups = json::array();
  for (const auto& group : status.groups) groups.push_back(GroupJson(group, status));
  json failures = json::array();
  for (const auto& failure : status.failures) {
    failures.push_back({{"device_id", failure.device_id}, {"group", failure.group + 1},
                        {"outcome", failure.outcome}, {"detail", failure.detail}});
  }
  json group_specs = json::array();
  for (const auto& spec : status.spec.groups) group_specs.push_back(spec.ToString());
  json target = json::parse(status.spec.target_description, nullptr, false);
  return {{"id", status.id},
          {"name", status.spec.name},
          {"state", fleet::RolloutStateName(status.state)},
          {"reason", status.reason},
          {"artifact_id", status.spec.artifact_id},
          {"rollback_artifact_id", status.spec.rollback_artifact_id},
          {"target", target.is_discarded() ? json(nullptr) : target},
          {"device_count", status.device_count},
          {"group_plan", group_specs},
          {"success_threshold", status.spec.success_threshold},
          {"error_threshold", status.spec.error_threshold},
          {"soak_seconds", status.spec.soak_seconds},
          {"group_timeout_seconds", status.spec.group_timeout_seconds},
          {"current_group", status.current_group + 1},
          {"created_at_ms", status.created_at_ms},
          {"updated_at_ms", status.updated_at_ms},
          {"groups", groups},
          {"failures", failures},
          {"failures_total", FailureTotal(status)},
          {"rollback", {{"artifact_id", status.rollback.artifact_id}, {"devices", status.rollback.devices},
                        {"confirmed", status.rollback.confirmed}, {"failed", status.rollback.failed},
                        {"pending", status.rollback.pending}}}};
}

int64_t RolloutId(const ApiRequest& request) {
  auto id = domain::ParseCount(request.params.at(0));
  if (!id || *id == 0) Fail(400, "invalid_argument", "id: must be a positive integer, got \"" + request.params.at(0) + "\"");
  return *id;
}

// Command bodies are optional; when present they must be JSON objects with known fields.
json CommandBody(const ApiRequest& request, const char* what, std::initializer_list<const char*> known) {
  std::string trimmed = request.body;
  trimmed.erase(0, trimmed.find_first_not_of(" \t\r\n"));
  if (trimmed.empty()) return json::object();
  json body = ParseJsonBody(request, what);
  RequireKnownFields(body, "", known);
  return body;
}

}  // namespace

ApiResponse CreateRollout(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    fleet::RolloutEngine& engine = Engine(context);
    json body = ParseJsonBody(request, "rollout");
    RequireKnownFields(body, "", {"name", "artifact_id", "rollback_artifact_id", "target", "groups", "success_threshold",
                                  "error_threshold", "soak_seconds", "group_timeout_seconds", "start"});
    fleet::RolloutSpec spec;
    spec.name = StringField(body, "name", "", false);
    spec.artifact_id = StringField(body, "artifact_id", "", true);
    spec.rollback_artifact_id = StringField(body, "rollback_artifact_id", "", false);
    spec.groups = ParseGroups(body);
    spec.success_threshold = NumberField(body, "success_threshold", spec.success_threshold);
    spec.error_threshold = NumberField(body, "error_threshold", spec.error_threshold);
    spec.soak_seconds = IntegerField(body, "soak_seconds");
    spec.group_timeout_seconds = IntegerField(body, "group_timeout_seconds");
    if (body.contains("start")) {
      if (!body["start"].is_boolean()) Fail(400, "invalid_argument", "start: must be true or false");
      spec.start = body["start"].get<bool>();
    }
    // Cheap checks before the (possibly long) graph query; the engine checks them again.
    if (!engine.HasDispatcher()) Fail(503, "fleet_unavailable", "fleet service not running: cannot deliver updates");
    ResolveTarget(context, body, spec);
    int64_t id = Check(engine.Create(std::move(spec)));
    return JsonResponse(201, StatusJson(Check(engine.Get(id))));
  });
}

ApiResponse ListRollouts(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    domain::PageRequest page = Page(request);
    int64_t total = 0;
    auto rollouts = Check(Engine(context).List(page.offset, page.limit, &total));
    json items = json::array();
    for (const auto& rollout : rollouts) {
      json item = StatusJson(rollout);
      item.erase("failures");
      items.push_back(item);
    }
    return JsonResponse(200, {{"total", total}, {"offset", page.offset}, {"limit", page.limit}, {"items", items}});
  });
}

ApiResponse GetRollout(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] { return JsonResponse(200, StatusJson(Check(Engine(context).Get(RolloutId(request))))); });
}

ApiResponse ListRolloutDevices(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    int64_t id = RolloutId(request);
    domain::PageRequest page = Page(request);
    std::optional<int> group;
    if (!request.Query("group").empty()) {
      auto number = domain::ParseCount(request.Query("group"));
      if (!number || *number == 0 || *number > 1000) Fail(400, "invalid_argument", "group: must be a group number from 1");
      group = static_cast<int>(*number - 1);
    }
    int64_t total = 0;
    auto devices = Check(Engine(context).Devices(id, request.Query("status"), group, page.offset, page.limit, &total));
    json items = json::array();
    for (const auto& device : devices) {
      json item = {{"device_id", device.device_id}, {"group", device.group + 1},
                   {"status", device.phase == "done" ? device.outcome : device.phase == "dispatched" ? "pending" : "waiting"},
                   {"detail", device.detail}};
      if (!device.rollback_phase.empty()) {
        item["rollback"] = {{"status", device.rollback_phase == "done" ? device.rollback_outcome : "pending"},
                            {"detail", device.rollback_detail}};
      }
      items.push_back(item);
    }
    return JsonResponse(200, {{"total", total}, {"offset", page.offset}, {"limit", page.limit}, {"items", items}});
  });
}

ApiResponse PauseRollout(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    int64_t id = RolloutId(request);
    json body = CommandBody(request, "pause", {"reason"});
    return JsonResponse(200, StatusJson(Check(Engine(context).Pause(id, StringField(body, "reason", "", false)))));
  });
}

ApiResponse ResumeRollout(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    int64_t id = RolloutId(request);
    (void)CommandBody(request, "resume", {});
    return JsonResponse(200, StatusJson(Check(Engine(context).Resume(id))));
  });
}

ApiResponse CancelRollout(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    int64_t id = RolloutId(request);
    json body = CommandBody(request, "cancel", {"reason"});
    return JsonResponse(200, StatusJson(Check(Engine(context).Cancel(id, StringField(body, "reason", "", false)))));
  });
}

ApiResponse RollbackRollout(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    int64_t id = RolloutId(request);
    json body = CommandBody(request, "rollback", {"artifact_id", "all_groups"});
    bool all_groups = false;
    if (body.contains("all_groups")) {
      if (!body["all_groups"].is_boolean()) Fail(400, "invalid_argument", "all_groups: must be true or false");
      all_groups = body["all_groups"].get<bool>();
    }
    std::string artifact = StringField(body, "artifact_id", "", false);
    return JsonResponse(200, StatusJson(Check(Engine(context).Rollback(id, artifact, all_groups))));
  });
}

}  // namespace tinyforge::server::api
