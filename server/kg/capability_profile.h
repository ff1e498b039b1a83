// Capability profiles: the few distinct combinations of what compatibility depends on (RAM, flash,
// runtime, best sampling rate per sensor type). 100k devices fall into hundreds of profiles, so
// compatibility is decided per profile and a device list is a join through tf:hasProfile.
//
// A profile is a node in the registry graph, written in the same request as the device that has
// it (the profile triples are identical for every device of the profile, so writing them again is
// a no-op):
//   <device> tf:hasProfile <id/profile/{key}> .
//   <profile> a tf:CapabilityProfile ; tf:ramBytes R ; tf:flashBytes F ; tf:runtime <runtime/V> ;
//             tf:sensorCapability <profile/sensor/{Type}> .
//   <profile/sensor/{Type}> tf:sensorType <sosa_extend:Type> ; tf:samplingRateHz Hz .  (the best rate)
// The key spells the values, so equal capabilities always give the same IRI, also across restarts.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "server/kg/rdf_mapping.h"
#include "server/kg/sparql_term.h"

namespace tinyforge::server::kg {

struct CapabilityProfile {
  int64_t ram_bytes = 0;
  int64_t flash_bytes = 0;
  std::string runtime_version;
  std::vector<std::pair<std::string, double>> best_rate_by_sensor;  // sensor type name -> Hz, sorted

  // "r{ram}-f{flash}-rt{version}[-{Type}@{Hz}]..." (sensor types in order).
  std::string Key() const;
  Term Iri() const;
  bool operator==(const CapabilityProfile&) const = default;
};

// The device's profile: sensors of the same type collapse to the best rate (a model needs one
// sensor of the type at or above its rate).
CapabilityProfile ProfileOf(const DeviceDescription& device);

// The profile node's own triples (type, values, sensor capability nodes).
std::vector<Triple> ProfileTriples(const CapabilityProfile& profile);
// <device> tf:hasProfile <profile>.
Triple HasProfileTriple(const DeviceDescription& device, const CapabilityProfile& profile);

// Shortest text that reads back as exactly `value` (used in keys and literals).
std::string ShortestDouble(double value);

}  // namespace tinyforge::server::kg
