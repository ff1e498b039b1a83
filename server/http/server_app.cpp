// Routes, authentication and the httplib <-> ApiRequest/ApiResponse edge (see server_app.h).
#include "server/http/server_app.h"

#include <httplib.h>

#include <algorithm>

#include "server/api/fleet_handlers.h"
#include "server/api/handlers.h"
#include "server/fleet/fleet_service.h"

namespace tinyforge::server::http {
namespace {

using api::ApiContext;
using api::ApiRequest;
using api::ApiResponse;
using domain::Permission;
using Handler = ApiResponse (*)(ApiContext&, const ApiRequest&) noexcept;

std::string MediaType(const std::string& header) {
  std::string type = header.substr(0, header.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(), [](char c) { return c == ' ' || c == '\t'; }), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

void Write(httplib::Response& out, const ApiResponse& response) {
  out.status = response.status;
  if (response.status != 204) out.set_content(response.body, response.content_type.c_str());
}

}  // namespace

kg::Result<std::unique_ptr<ServerApp>> ServerApp::Start(ServerOptions options) {
  std::unique_ptr<ServerApp> app(new ServerApp());
  app->options_ = options;
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) return kg::MakeError(kg::ErrorKind::kProcess, "cannot create " + options.data_dir.string());
  auto db = storage::ServerStore::Open(options.data_dir / "server.db");
  if (!db.ok()) return db.error();
  app->db_ = std::move(db.value());
  auto rollouts = fleet::RolloutEngine::Open(options.data_dir / "rollouts.sqlite", options.update_dispatcher);
  if (!rollouts.ok()) return kg::MakeError(kg::ErrorKind::kProcess, rollouts.error().message);
  app->rollouts_ = std::move(rollouts.value());
  if (options.external_query_url.empty()) {
    kg::VirtuosoOptions virtuoso;
    virtuoso.data_dir = options.data_dir / "virtuoso";
    virtuoso.remove_data_dir_on_stop = options.remove_store_data_on_exit;
    if (options.store_buffers > 0) virtuoso.number_of_buffers = options.store_buffers;
    auto store = kg::StoreSupervisor::StartPrivate(virtuoso, options.store_probe_interval_ms);
    if (!store.ok()) return store.error();
    app->store_ = std::move(store.value());
  } else {
    kg::SparqlEndpoints endpoints{options.external_query_url, options.external_update_url,
                                  options.external_graph_store_url, options.external_user,
                                  options.external_password, 30000};
    app->store_ = kg::StoreSupervisor::External(endpoints, options.store_probe_interval_ms);
  }
  if (options.fleet) {
    // The MQTT side: broker (private unless --mqtt-url), ingest, OTA distributor, signing key.
    fleet::FleetServiceOptions fleet_options;
    fleet_options.data_dir = options.data_dir;
    fleet_options.mqtt_url = options.mqtt_url;
    if (!options.mqtt_user.empty()) fleet_options.mqtt_user = options.mqtt_user;
    fleet_options.mqtt_password = options.mqtt_password;
    fleet_options.remove_broker_data_on_stop = options.remove_store_data_on_exit;
    auto service = fleet::FleetService::Start(fleet_options);
    if (!service.ok()) return kg::MakeError(kg::ErrorKind::kProcess, "fleet service: " + service.error().message);
    app->fleet_ = std::move(service).value();
    app->fleet_->distributor().SetCompatibilityCheck(api::KnowledgeGraphCompatibility(*app->store_));
    if (options.update_dispatcher == nullptr) app->rollouts_->SetDispatcher(&app->fleet_->distributor());
  }
  app->http_ = std::make_unique<httplib::Server>();
  app->http_->set_payload_max_length(options.max_body_bytes);
  app->http_->set_tcp_nodelay(true);  // small JSON answers go out at once (no Nagle/delayed-ACK wait)
  app->RegisterRoutes();
  if (options.port == 0) {
    app->port_ = app->http_->bind_to_any_port(options.host.c_str());
  } else {
    app->port_ = app->http_->bind_to_port(options.host.c_str(), options.port) ? options.port : -1;
  }
  if (app->port_ <= 0) {
    return kg::MakeError(kg::ErrorKind::kProcess, "cannot bind " + options.host + ":" + std::to_string(options.port));
  }
  app->thread_ = std::thread([raw = app->http_.get()] { raw->listen_after_bind(); });
  return app;
}

ServerApp::~ServerApp() { Stop(); }

void ServerApp::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
  // The distributor calls the rollout engine from its worker thread (reading the listener under
  // its lock, calling it outside): stop that worker before the engine goes, then the rest.
  if (fleet_) fleet_->distributor().Stop();
  rollouts_.reset();
  fleet_.reset();     // distributor, bridge (commits what it accepted), broker
  store_.reset();
}

void ServerApp::RegisterRoutes() {
  httplib::Server& server = *http_;
  auto route = [this](Permission permission, Handler handler, bool open = false) {
    return [this, permission, handler, open](const httplib::Request& in, httplib::Response& out) {
      ApiRequest request;
      if (!open) {
        std::string header = in.get_header_value("Authorization");
        const std::string bearer = "Bearer ";
        if (header.rfind(bearer, 0) != 0) {
          Write(out, api::ErrorResponse({401, "unauthorized", "missing API token: send Authorization: Bearer <token>"}));
          out.set_header("WWW-Authenticate", "Bearer");
          return;
        }
        auto token = db_->Authenticate(header.substr(bearer.size()));
        if (!token) {
          Write(out, api::ErrorResponse({401, "unauthorized", "unknown or revoked API token"}));
          out.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
          return;
        }
        if (!domain::Allows(token->role, permission)) {
          Write(out, api::ErrorResponse({403, "forbidden", std::string("this route needs a role above ") +
                                                                domain::RoleName(token->role)}));
          return;
        }
        request.role = token->role;
      }
      for (size_t i = 1; i < in.matches.size(); ++i) request.params.push_back(in.matches[i].str());
      for (const auto& [key, value] : in.params) request.query.emplace(key, value);
      request.body = in.body;
      request.content_type = MediaType(in.get_header_value("Content-Type"));
      request.accept = in.get_header_value("Accept");
      ApiContext context{*store_, *db_, rollouts_.get(), fleet_.get()};
      Write(out, handler(context, request));
    };
  };
  const std::string id = "([^/]+)";
  server.Get("/api/v1/health", route(Permission::kRead, api::Health, true));
  server.Post("/api/v1/models", route(Permission::kWrite, api::RegisterModel));
  server.Get("/api/v1/models", route(Permission::kRead, api::ListModels));
  server.Get("/api/v1/models/" + id, route(Permission::kRead, api::GetModel));
  server.Get("/api/v1/models/" + id + "/versions/" + id, route(Permission::kRead, api::GetModelVersion));
  server.Delete("/api/v1/models/" + id + "/versions/" + id, route(Permission::kWrite, api::DeleteModelVersion));
  server.Put("/api/v1/models/" + id + "/versions/" + id, route(Permission::kWrite, api::ReplaceModelVersion));
  server.Get("/api/v1/models/" + id + "/compatible-devices", route(Permission::kRead, api::CompatibleDevices));
  server.Post("/api/v1/devices", route(Permission::kWrite, api::RegisterDevice));
  server.Post("/api/v1/devices:batch", route(Permission::kWrite, api::RegisterDevicesBatch));
  server.Put("/api/v1/devices/" + id, route(Permission::kWrite, api::ReplaceDevice));
  server.Get("/api/v1/devices", route(Permission::kRead, api::ListDevices));
  server.Get("/api/v1/devices/" + id, route(Permission::kRead, api::GetDevice));
  server.Delete("/api/v1/devices/" + id, route(Permission::kWrite, api::DeleteDevice));
  server.Get("/api/v1/devices/" + id + "/compatible-models", route(Permission::kRead, api::CompatibleModels));
  server.Put("/api/v1/devices/" + id + "/deployment", route(Permission::kWrite, api::SetDeployment));
  server.Delete("/api/v1/devices/" + id + "/deployment", route(Permission::kWrite, api::ClearDeployment));
  server.Post("/api/v1/runtimes", route(Permission::kWrite, api::RegisterRuntime));
  server.Get("/things", route(Permission::kRead, api::ListThings));
  server.Get("/things/" + id, route(Permission::kRead, api::GetThing));
  server.Get("/api/v1/graph", route(Permission::kRead, api::ExportGraph));
  server.Post("/api/v1/graph", route(Permission::kAdminister, api::ImportGraph));
  server.Get("/sparql", route(Permission::kRead, api::Sparql));
  server.Post("/sparql", route(Permission::kRead, api::Sparql));
  server.Post("/api/v1/tokens", route(Permission::kAdminister, api::IssueToken));
  server.Get("/api/v1/tokens", route(Permission::kAdminister, api::ListTokens));
  server.Delete("/api/v1/tokens/" + id, route(Permission::kAdminister, api::RevokeToken));
  server.Post("/api/v1/rollouts", route(Permission::kWrite, api::CreateRollout));
  server.Get("/api/v1/rollouts", route(Permission::kRead, api::ListRollouts));
  server.Get("/api/v1/rollouts/" + id, route(Permission::kRead, api::GetRollout));
  server.Get("/api/v1/rollouts/" + id + "/devices", route(Permission::kRead, api::ListRolloutDevices));
  server.Post("/api/v1/rollouts/" + id + "/pause", route(Permission::kWrite, api::PauseRollout));
  server.Post("/api/v1/rollouts/" + id + "/resume", route(Permission::kWrite, api::ResumeRollout));
  server.Post("/api/v1/rollouts/" + id + "/cancel", route(Permission::kWrite, api::CancelRollout));
  server.Post("/api/v1/rollouts/" + id + "/rollback", route(Permission::kWrite, api::RollbackRollout));
  server.Post("/api/v1/artifacts", route(Permission::kWrite, api::UploadArtifact));
  server.Get("/api/v1/artifacts", route(Permission::kRead, api::ListArtifacts));
  server.Get("/api/v1/fleet/stats", route(Permission::kRead, api::FleetStats));
  server.Get("/api/v1/fleet/devices/" + id, route(Permission::kRead, api::GetFleetDevice));
  server.Get("/api/v1/fleet/devices/" + id + "/alerts", route(Permission::kRead, api::ListFleetDeviceAlerts));
  server.Post("/api/v1/fleet/devices/" + id + "/update", route(Permission::kWrite, api::UpdateFleetDevice));
  server.set_error_handler([](const httplib::Request&, httplib::Response& out) {
    if (!out.body.empty()) return;
    std::string message = out.status == 413 ? "request body too large" : out.status == 404 ? "no such route" : "request failed";
    Write(out, api::ErrorResponse({out.status, out.status == 413 ? "payload_too_large" : "error", message}));
  });
}

}  // namespace tinyforge::server::http
