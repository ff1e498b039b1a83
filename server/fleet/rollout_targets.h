// Turns a rollout's knowledge-graph filter into the explicit device list the engine works on:
// the devices compatible with a model version (the two-step compatibility query of
// server/kg/compatibility.h), optionally only those that also carry a sensor of a given type.
// Resolved once, at creation: a rollout's groups must not change under it while it runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/kg/kg_result.h"
#include "server/kg/knowledge_graph.h"

namespace tinyforge::server::fleet {

struct GraphTarget {
  std::string model_id;
  std::string model_version;  // empty = the newest registered version
  std::string sensor_type;    // empty = any; else a known sensor class name ("Accelerometer")
};

struct ResolvedTarget {
  std::string model_version;            // the version actually used
  std::vector<std::string> device_ids;  // ordered by device IRI
};

// Errors: kNotFound (no such model/version), kInvalidArgument (unknown sensor type, more than
// `max_devices` devices), kStore / kTruncated from the store.
kg::Result<ResolvedTarget> ResolveGraphTarget(const kg::KnowledgeGraph& graph, const GraphTarget& target,
                                              int64_t max_devices);

}  // namespace tinyforge::server::fleet
