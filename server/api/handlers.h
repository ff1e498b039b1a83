// REST handlers: thin, noexcept; each parses its request, calls the kg/storage layers and returns
// JSON. Routes and their permissions are listed in http/http_server.cpp and api/openapi.yaml.
#pragma once

#include "server/api/api_types.h"

namespace tinyforge::server::api {

// Models (params: id [, version]).
ApiResponse RegisterModel(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ListModels(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse GetModel(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse GetModelVersion(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse DeleteModelVersion(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ReplaceModelVersion(ApiContext& context, const ApiRequest& request) noexcept;  // PUT
ApiResponse CompatibleDevices(ApiContext& context, const ApiRequest& request) noexcept;
// Devices (params: id).
ApiResponse RegisterDevice(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse RegisterDevicesBatch(ApiContext& context, const ApiRequest& request) noexcept;  // JSON array / NDJSON
ApiResponse ReplaceDevice(ApiContext& context, const ApiRequest& request) noexcept;        // PUT
ApiResponse ListDevices(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse GetDevice(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse DeleteDevice(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse CompatibleModels(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse SetDeployment(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ClearDeployment(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ListThings(ApiContext& context, const ApiRequest& request) noexcept;  // WoT directory
ApiResponse GetThing(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse RegisterRuntime(ApiContext& context, const ApiRequest& request) noexcept;
// Graph, SPARQL, tokens, health.
ApiResponse ExportGraph(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ImportGraph(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse Sparql(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse IssueToken(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ListTokens(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse RevokeToken(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse Health(ApiContext& context, const ApiRequest& request) noexcept;
// Rollouts (params: id); see server/fleet/rollout_engine.h.
ApiResponse CreateRollout(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ListRollouts(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse GetRollout(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ListRolloutDevices(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse PauseRollout(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ResumeRollout(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse CancelRollout(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse RollbackRollout(ApiContext& context, const ApiRequest& request) noexcept;

}  // namespace tinyforge::server::api
