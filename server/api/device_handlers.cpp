// Device routes: register a WoT TD 1.1 with capabilities, list, get, delete, deployments,
// compatible models, the /things directory, runtime releases.
#include "server/api/handler_support.h"
#include "server/api/shape_gate.h"
#include "server/api/handlers.h"
#include "server/domain/thing_description.h"
#include "server/kg/compatibility_index.h"
#include "server/kg/rdf_mapping.h"
#include "server/kg/registry_queries.h"
#include "server/kg/vocabulary.h"
#include "server/fleet/fleet_service.h"

namespace tinyforge::server::api {
namespace {

// The device's broker account, created with its registration: the password appears only in this
// response (the broker keeps a hash). An external broker (--mqtt-url) manages its own accounts.
nlohmann::json DeviceMqttAccount(fleet::FleetService& fleet, const std::string& device_id) {
  nlohmann::json mqtt = {{"url", fleet.broker_url()}, {"user", device_id}, {"password", nullptr}};
  if (!fleet::ValidDeviceId(device_id)) {
    mqtt["note"] = "no MQTT account: the id must be 1-32 of A-Z a-z 0-9 _ - to be an MQTT user name";
    return mqtt;
  }
  auto account = fleet.CreateDeviceAccount(device_id);
  if (account.ok()) mqtt["password"] = account->password;
  else mqtt["note"] = account.error().message;
  return mqtt;
}

}  // namespace
}  // namespace tinyforge::server::api

namespace tinyforge::server::api {
namespace {

using namespace detail;  // NOLINT: the handlers' own helpers
using nlohmann::json;

domain::ThingDescriptionOutline Outline(const json& td) {
  domain::ThingDescriptionOutline outline;
  if (td.contains("@context")) {
    outline.has_context = true;
    const json& context = td["@context"];
    if (context.is_string()) outline.context_iris.push_back(context.get<std::string>());
    if (context.is_array()) {
      for (const json& entry : context) {
        if (entry.is_string()) outline.context_iris.push_back(entry.get<std::string>());
      }
    }
  }
  if (td.contains("title") && td["title"].is_string()) {
    outline.title_is_string = true;
    outline.title = td["title"].get<std::string>();
  }
  if (td.contains("security")) {
    outline.security_present = true;
    const json& security = td["security"];
    if (security.is_string()) {
      outline.security_is_string_or_string_array = true;
      outline.security_names.push_back(security.get<std::string>());
    } else if (security.is_array()) {
      outline.security_is_string_or_string_array = true;
      for (const json& name : security) {
        if (!name.is_string()) outline.security_is_string_or_string_array = false;
        else outline.security_names.push_back(name.get<std::string>());
      }
    }
  }
  if (td.contains("securityDefinitions") && td["securityDefinitions"].is_object()) {
    outline.security_definitions_is_object = true;
    for (const auto& [name, definition] : td["securityDefinitions"].items()) {
      outline.security_definitions.push_back(
          {name, definition.is_object() && definition.contains("scheme") && definition["scheme"].is_string()});
    }
  }
  auto forms = [&outline](const json& list, const std::string& where) {
    for (size_t i = 0; i < list.size(); ++i) {
      const json& form = list[i];
      bool has_href = form.is_object() && form.contains("href") && form["href"].is_string() &&
                      !form["href"].get<std::string>().empty();
      outline.forms.push_back({where + ".forms[" + std::to_string(i) + "]", has_href});
    }
  };
  if (td.contains("forms")) {
    if (!td["forms"].is_array()) outline.top_level_forms_malformed = true;
    else forms(td["forms"], "(thing)");
  }
  for (const char* kind : {"properties", "actions", "events"}) {
    if (!td.contains(kind) || !td[kind].is_object()) continue;
    for (const auto& [name, affordance] : td[kind].items()) {
      std::string where = std::string(kind) + "." + name;
      if (!affordance.is_object() || !affordance.contains("forms") || !affordance["forms"].is_array() ||
          affordance["forms"].empty()) {
        outline.affordances_without_forms.push_back(where);
      } else {
        forms(affordance["forms"], where);
      }
    }
  }
  return outline;
}

}  // namespace

// TD 1.1 structure (JSON-LD level: @context, security, forms...), the JSON types the mapping needs,
// and the registry shapes on the mapped triples, together: one 400 lists every violation.
kg::DeviceDescription detail::ValidateDevice(const json& td) {
  std::vector<std::string> violations = domain::ValidateThingDescription(Outline(td));
  auto parsed = kg::ParseDeviceDescription(td);
  if (!parsed.ok()) {
    std::string message = "Thing Description is invalid:";
    for (const auto& line : violations) message += "\n  " + line;
    message += "\n" + parsed.error().message;
    Fail(400, "invalid_thing_description", message);
  }
  RequireShapes(kg::DeviceTriples(*parsed), "Thing Description", violations, "invalid_thing_description");
  return parsed.value();
}

namespace {

kg::Term DeviceClass() { return kg::Term::Iri(kg::vocab::Tf("Device")).value(); }

void RequireDevice(const kg::RegistryQueries& queries, const std::string& id) {
  if (!Check(queries.IsA(kg::DeviceIri(id), DeviceClass()))) Fail(404, "not_found", "no device \"" + id + "\"");
}

}  // namespace

ApiResponse RegisterDevice(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    json td = ParseJsonBody(request, "Thing Description");
    kg::DeviceDescription device = ValidateDevice(td);
    RequirePathSafeId(device.id, "id");
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    kg::Term iri = kg::DeviceIri(device.id);
    if (Check(queries.IsA(iri, DeviceClass()))) Fail(409, "conflict", "device \"" + device.id + "\" is already registered");
    Check(kg::CompatibilityIndex(*store->graph).AddDevices({device}));  // with its profile (index)
    auto saved = context.db.PutDocument("device", device.id, td.dump(-1, ' ', false, json::error_handler_t::replace));
    if (!saved.ok()) {
      (void)queries.DeleteEntity(iri);
      Fail(500, "internal", saved.error().message);
    }
    json body = {{"id", device.id}, {"iri", iri.value()}};
    if (context.fleet != nullptr) body["mqtt"] = DeviceMqttAccount(*context.fleet, device.id);
    return JsonResponse(201, body);
  });
}

ApiResponse ListDevices(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    domain::PageRequest page = Page(request);
    auto total = Check(context.db.CountDocuments("device"));
    auto documents = Check(context.db.ListDocuments("device", page.offset, page.limit));
    json items = json::array();
    for (const auto& text : documents) {
      json td = json::parse(text, nullptr, false);
      items.push_back({{"id", td.value("id", "")}, {"title", td.value("title", "")}});
    }
    return JsonResponse(200, {{"total", total}, {"offset", page.offset}, {"limit", page.limit}, {"items", items}});
  });
}

ApiResponse GetDevice(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    auto document = Check(context.db.GetDocument("device", request.params.at(0)));
    if (!document) Fail(404, "not_found", "no device \"" + request.params.at(0) + "\"");
    auto deployment = Check(context.db.GetDeployment(request.params.at(0)));
    json body = {{"id", request.params.at(0)}, {"iri", kg::DeviceIri(request.params.at(0)).value()},
                 {"thing_description", json::parse(*document, nullptr, false)}};
    body["deployment"] = deployment ? json{{"model_id", deployment->model_id}, {"version", deployment->model_version}} : json();
    return JsonResponse(200, body);
  });
}

ApiResponse DeleteDevice(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    RequireDevice(queries, request.params.at(0));
    Check(queries.DeleteEntity(kg::DeviceIri(request.params.at(0))));
    Check(context.db.DeleteDocument("device", request.params.at(0)));
    Check(context.db.ClearDeployment(request.params.at(0)));
    return ApiResponse{204, "application/json", ""};
  });
}

ApiResponse CompatibleModels(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    domain::PageRequest page = Page(request);
    auto store = Store(context);
    kg::CompatibilityQueries compatibility(*store->graph);
    kg::Term iri = kg::DeviceIri(request.params.at(0));
    bool all = request.Query("include") == "all";
    if (!request.Query("include").empty() && !all) Fail(400, "invalid_argument", "include must be \"all\" or absent");
    // Compatible only: one join through the in-store index; with reasons: the two-step queries.
    auto result = all ? compatibility.ModelsWithReasons(iri, page.offset, page.limit)
                      : kg::CompatibilityIndex(*store->graph).CompatibleModels(iri, page.offset, page.limit);
    json body = CandidatePageJson(Check(std::move(result)), page.limit, true);
    body["device"] = {{"id", request.params.at(0)}};
    return JsonResponse(200, body);
  });
}

ApiResponse SetDeployment(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    json body = ParseJsonBody(request, "deployment");
    if (!body.contains("model_id") || !body["model_id"].is_string() || !body.contains("version") ||
        !body["version"].is_string()) {
      Fail(400, "invalid_argument", "deployment: model_id and version must be strings");
    }
    std::string model_id = body["model_id"].get<std::string>();
    std::string version = body["version"].get<std::string>();
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    RequireDevice(queries, request.params.at(0));
    if (!Check(queries.IsA(kg::ModelVersionIri(model_id, version), kg::Term::Iri(kg::vocab::Tf("ModelVersion")).value()))) {
      Fail(404, "not_found", "no model \"" + model_id + "\" version \"" + version + "\"");
    }
    Check(context.db.SetDeployment({request.params.at(0), model_id, version}));
    return JsonResponse(200, {{"device_id", request.params.at(0)}, {"model_id", model_id}, {"version", version}});
  });
}

ApiResponse ClearDeployment(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    if (!Check(context.db.ClearDeployment(request.params.at(0)))) {
      Fail(404, "not_found", "device \"" + request.params.at(0) + "\" has no deployment");
    }
    return ApiResponse{204, "application/json", ""};
  });
}

ApiResponse ListThings(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    domain::PageRequest page = Page(request);
    auto documents = Check(context.db.ListDocuments("device", page.offset, page.limit));
    auto total = Check(context.db.CountDocuments("device"));
    json things = json::array();
    for (const auto& text : documents) things.push_back(json::parse(text, nullptr, false));
    // WoT Discovery: the directory lists TDs as a JSON array (application/td+json items).
    ApiResponse response = JsonResponse(200, things);
    response.content_type = "application/ld+json";
    (void)total;
    return response;
  });
}

ApiResponse GetThing(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    auto document = Check(context.db.GetDocument("device", request.params.at(0)));
    if (!document) Fail(404, "not_found", "no Thing \"" + request.params.at(0) + "\"");
    return ApiResponse{200, "application/td+json", *document};
  });
}

ApiResponse RegisterRuntime(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    json body = ParseJsonBody(request, "runtime release");
    kg::RuntimeRelease runtime = Check(kg::ParseRuntimeRelease(body));
    RequireShapes(kg::RuntimeTriples(runtime), "runtime release");
    auto store = Store(context);
    Check(kg::CompatibilityIndex(*store->graph).AddRuntime(runtime));  // recomputes its profiles
    return JsonResponse(201, {{"version", runtime.version}, {"ops", runtime.ops}});
  });
}

}  // namespace tinyforge::server::api
