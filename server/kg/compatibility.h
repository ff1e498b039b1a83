// Model <-> device compatibility, computed by SPARQL in the store, with the reasons each candidate
// fails.
//
// Design (measured on Virtuoso 7.2.5: one "textbook" query took 41 s at 100k devices, two steps
// p50 750 ms): step 1 reads the subject's requirements/capabilities; step 2 asks the candidate
// question with them as typed constants, as plain joins and single-level FILTER NOT EXISTS only
// (no nested NOT EXISTS, no OPTIONAL inside NOT EXISTS, no VALUES after WHERE, no BIND(EXISTS)).
// Every page is ORDER BY the candidate IRI with LIMIT/OFFSET; its exact total comes from a COUNT
// query, and a page with fewer rows than the total promises is an error (kTruncated), never a
// silently short answer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/kg/knowledge_graph.h"

namespace tinyforge::server::kg {

enum class ReasonKind {
  kRamShort,            // amount = bytes missing
  kFlashShort,          // amount = bytes missing
  kOpUnsupported,       // op, runtime_version
  kSensorMissing,       // sensor_type, rate_hz = required rate
  kSamplingRateTooLow,  // sensor_type, rate_hz = required rate
  kFirmwareTooOld,      // runtime_version = the device's, required_version = the model's minimum
};

const char* ReasonKindName(ReasonKind kind);

struct Reason {
  ReasonKind kind;
  int64_t amount = 0;
  std::string op;
  std::string runtime_version;
  std::string required_version;
  std::string sensor_type;
  double rate_hz = 0;
  std::string Describe() const;  // "RAM short by 1024 bytes", ...
};

struct Candidate {
  std::string iri;
  std::string id;       // schema:identifier
  std::string version;  // models only
  std::vector<Reason> reasons;  // empty = compatible
  bool compatible() const { return reasons.empty(); }
};

struct CandidatePage {
  int64_t total = 0;   // exact, from a COUNT query
  int64_t offset = 0;
  std::vector<Candidate> items;
};

struct ModelRequirements {
  std::string iri;
  int64_t arena_bytes = 0;
  int64_t flash_bytes = 0;
  int64_t min_runtime_version_number = 0;
  std::string min_runtime_version;
  std::vector<std::string> op_iris;  // sorted
  struct Sensor {
    std::string type_iri;
    double min_rate_hz = 0;
  };
  std::vector<Sensor> sensors;
};

struct DeviceCapabilities {
  std::string iri;
  int64_t ram_bytes = 0;
  int64_t flash_bytes = 0;
  int64_t runtime_version_number = 0;
  std::string runtime_version;
  std::vector<std::string> supported_op_iris;  // sorted
  std::vector<std::pair<std::string, double>> best_rate_by_sensor_type;  // type IRI -> max Hz
  // Of the ops / sensor types that some model in the graph needs, those this device lacks.
  std::vector<std::string> unsupported_op_iris;
  std::vector<std::string> missing_sensor_type_iris;
};

class CompatibilityQueries {
 public:
  static constexpr int64_t kMaxPageSize = 1000;

  explicit CompatibilityQueries(const KnowledgeGraph& graph) : graph_(graph) {}

  // Step 1. Errors: kNotFound if the IRI is not a tf:ModelVersion / tf:Device in the graph.
  Result<ModelRequirements> ReadModelRequirements(const Term& model) const;
  Result<DeviceCapabilities> ReadDeviceCapabilities(const Term& device) const;

  // Devices that satisfy every requirement of `model`, by IRI, with the exact total.
  Result<CandidatePage> CompatibleDevices(const Term& model, int64_t offset, int64_t limit) const;
  // A page of all devices (by IRI), each with the reasons it cannot run `model`.
  Result<CandidatePage> DevicesWithReasons(const Term& model, int64_t offset, int64_t limit) const;
  // Model versions that `device` can run, by IRI, with the exact total.
  Result<CandidatePage> CompatibleModels(const Term& device, int64_t offset, int64_t limit) const;
  // A page of all model versions, each with the reasons `device` cannot run it.
  Result<CandidatePage> ModelsWithReasons(const Term& device, int64_t offset, int64_t limit) const;

  // Query texts (exposed for tests and for the SPARQL explorer later).
  std::string CompatibleDevicesPattern(const ModelRequirements& requirements) const;
  std::string CompatibleModelsPattern(const DeviceCapabilities& capabilities) const;

 private:
  Result<CandidatePage> RunCandidatePage(const std::string& pattern, const std::string& variable,
                                         int64_t offset, int64_t limit, bool models) const;
  Result<CandidatePage> RunReasonPage(const std::string& page_class, const std::string& reasons_union,
                                      const std::string& variable, int64_t offset, int64_t limit,
                                      bool models, const std::string& runtime_version) const;

  const KnowledgeGraph& graph_;
};

}  // namespace tinyforge::server::kg
