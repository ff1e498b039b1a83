// The whole server in one object: SQLite store, SPARQL store supervisor (private Virtuoso or an
// external endpoint) and the cpp-httplib server with every route, auth on each but /health.
// Used by main.cpp (`tinyforge-server`) and by the API tests (real HTTP on a free port).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "server/fleet/fleet_service.h"
#include "server/fleet/rollout_engine.h"
#include "server/fleet/update_dispatcher.h"
#include "server/kg/kg_result.h"
#include "server/kg/store_supervisor.h"
#include "server/storage/server_store.h"

namespace httplib {
class Server;
}

namespace tinyforge::server::http {

struct ServerOptions {
  std::filesystem::path data_dir;        // server.db and (private store) virtuoso/
  std::string host = "127.0.0.1";
  int port = 0;                          // 0 = a free port
  std::string external_query_url;        // non-empty = use this SPARQL endpoint, no private Virtuoso
  std::string external_update_url;
  std::string external_graph_store_url;
  std::string external_user;
  std::string external_password;
  size_t max_body_bytes = 8u << 20;      // larger bodies get 413
  bool remove_store_data_on_exit = false;  // tests
  int store_probe_interval_ms = 300;
  long store_buffers = 0;                // private Virtuoso's NumberOfBuffers (8 KiB each); 0 = default
  // The OTA distributor the rollout engine delivers through (must outlive the app). Null: the
  // rollout routes that deliver answer 503 "fleet service not running" until AttachDispatcher.
  fleet::UpdateDispatcher* update_dispatcher = nullptr;
  // The fleet service (server/fleet/fleet_service.h): MQTT ingest + OTA distributor, which then
  // also serves the rollout engine unless update_dispatcher is set. Private Mosquitto in
  // DATA_DIR/mosquitto unless mqtt_url (mqtt://host:port) names an external broker.
  bool fleet = true;
  std::string mqtt_url;
  std::string mqtt_user;      // external broker account (default tf-server)
  std::string mqtt_password;
};

class ServerApp {
 public:
  // Opens the database, starts/points at the store, binds and serves on a background thread.
  // Errors: kProcess naming the step.
  static kg::Result<std::unique_ptr<ServerApp>> Start(ServerOptions options);
  ~ServerApp();
  ServerApp(const ServerApp&) = delete;
  ServerApp& operator=(const ServerApp&) = delete;

  int port() const { return port_; }
  storage::ServerStore& db() { return *db_; }
  kg::StoreSupervisor& store() { return *store_; }
  fleet::RolloutEngine& rollouts() { return *rollouts_; }  // state in DATA_DIR/rollouts.sqlite
  fleet::FleetService* fleet() { return fleet_.get(); }  // null when options.fleet is false
  void AttachDispatcher(fleet::UpdateDispatcher* dispatcher) { rollouts_->SetDispatcher(dispatcher); }
  void Stop();  // stops serving, then the store; idempotent

 private:
  ServerApp() = default;
  void RegisterRoutes();

  ServerOptions options_;
  std::unique_ptr<storage::ServerStore> db_;
  std::unique_ptr<kg::StoreSupervisor> store_;
  std::unique_ptr<fleet::RolloutEngine> rollouts_;
  std::unique_ptr<fleet::FleetService> fleet_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tinyforge::server::http
