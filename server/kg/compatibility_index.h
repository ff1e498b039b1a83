// The compatibility index: which capability profile can run which model version, materialized IN
// THE STORE as `<profile> tf:canRun <model>` next to `<device> tf:hasProfile <profile>` (see
// capability_profile.h). The graph stays the single source of truth and plain SPARQL sees the
// index (`?device tf:hasProfile/tf:canRun ?model`).
//
// Why: the two-step device question costs ~750 ms at 100k devices on Virtuoso 7.2.5 because every
// device's RAM, flash, runtime ops and sensors are joined per request. Devices fall into a few
// hundred profiles, so compatibility is decided per profile when something changes (hundreds of
// candidates, not 100k) and a request joins through two indexed links: device counts per profile
// give the exact total, and a page is read from the few profiles it falls into.
//
// Kept in step by the writers here, each the only path the server uses for its change:
//   AddDevices     device triples + tf:hasProfile + the profile node in one Graph Store POST;
//                  a profile not yet in the store gets its tf:canRun rows first (idempotent)
//   ReplaceDevice  delete the device's triples, then AddDevices (its old profile stays: shared)
//   AddModel       model triples and `INSERT { ?profile tf:canRun <m> } WHERE {...}` in ONE update
//   RemoveModel    the model's triples and every `tf:canRun <m>` in ONE update
//   AddRuntime     runtime triples, then every profile on that runtime is recomputed
//   Rebuild        profiles for devices that have none (e.g. Turtle loaded straight into the store),
//                  then every profile recomputed (after an import)
// Writers are serialized by one process-wide mutex, so a model and a new profile registered at the
// same moment cannot miss each other. Deleting a device needs nothing: its tf:hasProfile goes with
// its triples; a profile with no device left is harmless (every answer joins through devices).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/kg/capability_profile.h"
#include "server/kg/compatibility.h"
#include "server/kg/knowledge_graph.h"

namespace tinyforge::server::kg {

class CompatibilityIndex {
 public:
  explicit CompatibilityIndex(const KnowledgeGraph& graph) : graph_(graph) {}

  // --- writes -------------------------------------------------------------------------------
  // The caller has validated the devices and checked that none is registered yet.
  Result<Ok> AddDevices(const std::vector<DeviceDescription>& devices) const;
  Result<Ok> ReplaceDevice(const DeviceDescription& device) const;
  Result<Ok> AddModel(const ModelCard& card) const;
  Result<Ok> RemoveModel(const Term& model) const;
  Result<Ok> AddRuntime(const RuntimeRelease& runtime) const;
  // Returns the number of profiles recomputed.
  Result<int64_t> Rebuild() const;

  // --- reads (one or two store requests each) ----------------------------------------------------
  // Devices that can run `model`, with the exact total. kNotFound if no such model. Order: by
  // capability profile IRI, then device IRI (stable; what lets a page be read from the first
  // profiles alone instead of sorting every compatible device's IRI). Two requests: the counts
  // per compatible profile, then the page from the profiles it falls into (checked against them).
  Result<CandidatePage> CompatibleDevices(const Term& model, int64_t offset, int64_t limit) const;
  // Every device that can run `model` (ids, in the same order as the pages), checked per profile
  // against the counts. Two requests: the counts, then every row as CSV.
  Result<std::vector<std::string>> AllCompatibleDevices(const Term& model) const;
  // Model versions `device` can run, ordered by IRI, with the exact total. kNotFound if no device.
  Result<CandidatePage> CompatibleModels(const Term& device, int64_t offset, int64_t limit) const;
  // Reasons (why a device cannot run a model) stay with CompatibilityQueries::DevicesWithReasons /
  // ModelsWithReasons: paged, two-step, per device (REST: ?include=all).

  struct ProfileCount {
    std::string profile_iri;
    int64_t devices = 0;
  };
  // The profiles that can run `model` with their device counts, ordered by IRI (profiles without
  // devices left out). kNotFound if no such model.
  Result<std::vector<ProfileCount>> CompatibleProfiles(const Term& model) const;

  // Store texts, exposed for tests and for the benchmark's side-by-side runs.
  // The profiles that can run `card`, given the runtimes that can (RuntimesFor).
  std::string ProfilesForModelPattern(const ModelCard& card, const std::vector<std::string>& runtime_iris) const;
  // Runtime IRIs at or above the card's minimum version that support every op it uses.
  Result<std::vector<std::string>> RuntimesFor(const ModelCard& card) const;

 private:
  Result<Ok> AddDevicesLocked(const std::vector<DeviceDescription>& devices) const;
  // Deletes and re-inserts the tf:canRun rows of each profile.
  Result<Ok> RecomputeProfiles(const std::vector<CapabilityProfile>& profiles) const;
  Result<std::vector<CapabilityProfile>> ReadProfiles(const std::string& runtime_iri) const;
  Result<Ok> AssignMissingProfiles() const;

  const KnowledgeGraph& graph_;
};

// The id a data IRI was built from (inverse of the percent-encoding of DeviceIri and friends):
// the last path segment, decoded.
std::string IdFromIri(std::string_view iri);

}  // namespace tinyforge::server::kg
