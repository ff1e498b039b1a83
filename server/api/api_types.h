// The API layer's request/response/error types and the one function that maps errors to HTTP
// status codes. Handlers see no httplib types, so they can be called directly in tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/domain/roles.h"
#include "server/kg/kg_result.h"
#include "server/kg/store_supervisor.h"
#include "server/storage/server_store.h"

namespace tinyforge::server::fleet {
class RolloutEngine;
class FleetService;
}

namespace tinyforge::server::api {

struct ApiRequest {
  std::vector<std::string> params;            // path captures, URL-decoded
  std::map<std::string, std::string> query;   // query string (first value of each key)
  std::string body;
  std::string content_type;                   // without parameters, lower-case
  std::string accept;
  domain::Role role = domain::Role::kViewer;
  std::string Query(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? "" : it->second;
  }
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// An error with its HTTP status; `code` is a stable machine-readable word.
struct ApiError {
  int status;
  std::string code;
  std::string message;
  // Structured SHACL results of a refused insert (api/shape_gate.h); null = none. Sent as
  // error.violations next to the message, which lists the same results one per line.
  nlohmann::json violations = nullptr;
};

// Everything a handler may use; owned by the server.
struct ApiContext {
  kg::StoreSupervisor& store;
  storage::ServerStore& db;
  fleet::RolloutEngine* rollouts = nullptr;  // null: rollout routes answer 503
  fleet::FleetService* fleet = nullptr;      // null: fleet routes answer 503 (MQTT side not running)
};

// The single mapping from layer errors to HTTP: invalid input 400, not found 404, a store that does
// not answer 503, a store that answered with an error 502, truncated answers 502, own faults 500.
ApiError FromKgError(const kg::Error& error);
ApiResponse ErrorResponse(const ApiError& error);
ApiResponse JsonResponse(int status, const nlohmann::json& body);

}  // namespace tinyforge::server::api
