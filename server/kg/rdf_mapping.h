// RDF mapping of model cards (JSON-LD written by the toolchain), device descriptions (WoT TD 1.1 +
// TinyForge capabilities) and runtime releases (version + supported ops). Parsing (rdf_parsing.cpp)
// checks only the JSON types the mapping needs; the value rules are the SHACL shapes
// (ontology/shapes.ttl), checked on the mapped triples by RegistryValidator before any insert.
//
// Model card fields (JSON):
//   id, version ("MAJOR.MINOR.PATCH"), name?, description?, derived_from? {id, version},
//   ops [string, >=1], inputs/outputs [{name, dtype, shape [int>0]}] (>=1 each),
//   quantization? {scheme, weight_bits, activation_bits}, arena_bytes, flash_bytes (int >= 0),
//   runtime_version (minimum runtime, semver), required_sensors? [{type, min_sampling_rate_hz}],
//   accuracy? (0..1), dataset_hash ("sha256:<64 hex>").
// Device description fields (JSON, a TD 1.1 document):
//   id, title, description?, properties? {name: {...}} (names kept as property affordances),
//   capabilities {mcu {core, clock_hz, fpu, dsp}, ram_bytes, flash_bytes,
//                 sensors [{type, sampling_rate_hz}], firmware {id, version}, runtime_version}.
// Runtime release: {version, ops [string]}.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/kg/kg_result.h"
#include "server/kg/sparql_term.h"

namespace tinyforge::server::kg {

struct TensorSpec {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
};

struct SensorRequirement {
  std::string type;  // a known sensor class name, e.g. "Accelerometer"
  double min_sampling_rate_hz = 0;
};

struct ModelCard {
  std::string id;
  std::string version;
  std::string name;
  std::string description;
  std::optional<std::pair<std::string, std::string>> derived_from;  // (id, version)
  std::vector<std::string> ops;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  bool has_quantization = false;    // a quantization object was given (also when scheme is set)
  std::string quantization_scheme;
  std::optional<int64_t> weight_bits;
  std::optional<int64_t> activation_bits;
  int64_t arena_bytes = 0;
  int64_t flash_bytes = 0;
  std::string runtime_version;
  std::vector<SensorRequirement> required_sensors;
  std::optional<double> accuracy;
  std::string dataset_hash;
  // Required fields the document did not give ("id", "inputs[0].dtype"...): the mapping writes no
  // triple for them, so the shapes' sh:minCount reports each one.
  std::set<std::string> absent;
};

struct SensorSpec {
  std::string type;
  double sampling_rate_hz = 0;
};

struct DeviceDescription {
  std::string id;
  std::string title;
  std::string description;
  std::vector<std::string> property_names;
  std::string mcu_core;
  int64_t clock_hz = 0;
  bool has_fpu = false;
  bool has_dsp = false;
  int64_t ram_bytes = 0;
  int64_t flash_bytes = 0;
  std::vector<SensorSpec> sensors;
  std::string firmware_id;
  std::string firmware_version;
  std::string runtime_version;
  std::set<std::string> absent;  // as in ModelCard
};

struct RuntimeRelease {
  std::string version;
  std::vector<std::string> ops;
};

// "MAJOR.MINOR.PATCH" (each 0..999) -> MAJOR*1e6 + MINOR*1e3 + PATCH, an integer the store can
// compare. nullopt when malformed.
std::optional<int64_t> VersionNumber(std::string_view version);
// Known sensor class names (tinyml-schema's SOSA extension) and their IRIs.
const std::vector<std::string>& KnownSensorTypes();
Term SensorTypeIri(std::string_view type);  // type must be one of KnownSensorTypes()
std::string SensorTypeName(std::string_view iri);  // inverse; "" if unknown

// Entity IRIs: percent-encoded ids under vocab::kDataBase.
Term ModelVersionIri(std::string_view id, std::string_view version);
Term ModelIri(std::string_view id);
Term DeviceIri(std::string_view id);
Term RuntimeIri(std::string_view version);
Term FirmwareIri(std::string_view id, std::string_view version);
Term OperatorIri(std::string_view op);
// The microcontroller node a device links to with ssn:hasSubSystem: shared by every device whose
// MCU values (core, clock, FPU, DSP, RAM, flash) are equal, and spelled from them, e.g.
// id/mcu/cortex-m4/64000000/fpu/dsp/ram262144/flash1048576 (+ /capability, /ram, /flash).
Term McuIri(const DeviceDescription& device);
std::string OperatorName(std::string_view iri);  // inverse of OperatorIri; "" if not one

// Errors: kInvalidArgument listing every field of the wrong JSON type, one per line. A parsed
// document is not yet valid: validate its triples (RegistryValidator) before inserting them.
Result<ModelCard> ParseModelCard(const nlohmann::json& json);
Result<DeviceDescription> ParseDeviceDescription(const nlohmann::json& json);
Result<RuntimeRelease> ParseRuntimeRelease(const nlohmann::json& json);

std::vector<Triple> ModelCardTriples(const ModelCard& card);
std::vector<Triple> DeviceTriples(const DeviceDescription& device);
std::vector<Triple> RuntimeTriples(const RuntimeRelease& runtime);

}  // namespace tinyforge::server::kg
