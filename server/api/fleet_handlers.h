// REST routes of the fleet service (server/fleet/fleet_service.h): signed artifacts, per-device
// fleet state and alerts, single-device updates through the OTA distributor, ingest counters.
// Routes and permissions: http/server_app.cpp and api/openapi.yaml.
#pragma once

#include "server/api/api_types.h"
#include "server/fleet/ota_distributor.h"

namespace tinyforge::server::api {

ApiResponse UploadArtifact(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse ListArtifacts(ApiContext& context, const ApiRequest& request) noexcept;
ApiResponse GetFleetDevice(ApiContext& context, const ApiRequest& request) noexcept;       // id
ApiResponse ListFleetDeviceAlerts(ApiContext& context, const ApiRequest& request) noexcept;  // id
ApiResponse UpdateFleetDevice(ApiContext& context, const ApiRequest& request) noexcept;    // id
ApiResponse FleetStats(ApiContext& context, const ApiRequest& request) noexcept;

// The distributor's compatibility hook on the knowledge graph: an artifact that names a registry
// model (model_id + model_version) may go only to devices the graph finds compatible with it;
// the verdict carries the graph's reasons. Artifacts without a model (firmware) pass: the device
// itself checks type, kind and runtime version from the signed manifest.
fleet::CompatibilityCheck KnowledgeGraphCompatibility(kg::StoreSupervisor& store);

}  // namespace tinyforge::server::api
