// Structs -> RDF triples for model cards, devices and runtimes, and the registry's IRIs (see
// rdf_mapping.h; JSON parsing is in rdf_parsing.cpp).
#include "server/kg/rdf_mapping.h"

#include <algorithm>
#include <cmath>

#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {
namespace {

Term Iri(const std::string& iri) { return Term::Iri(iri).value(); }  // constants only

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text;
  for (int64_t dim : shape) text += (text.empty() ? "" : "x") + std::to_string(dim);
  return text;
}

}  // namespace

std::optional<int64_t> VersionNumber(std::string_view version) {
  int64_t parts[3] = {0, 0, 0};
  int index = 0;
  size_t digits = 0;
  for (char c : version) {
    if (c == '.') {
      if (digits == 0 || index == 2) return std::nullopt;
      ++index;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 3) return std::nullopt;
      parts[index] = parts[index] * 10 + (c - '0');
    } else {
      return std::nullopt;
    }
  }
  if (index != 2 || digits == 0) return std::nullopt;
  return parts[0] * 1000000 + parts[1] * 1000 + parts[2];
}

const std::vector<std::string>& KnownSensorTypes() {
  static const std::vector<std::string> kTypes = {
      "Accelerometer", "Gyroscope", "Magnetometer", "Microphone", "Camera", "Thermometer",
      "Hygrometer", "Barometer", "LightSensor", "ProximitySensor", "GasSensor", "PPGSensor",
      "ECGSensor", "CurrentSensor", "VibrationSensor"};
  return kTypes;
}

Term SensorTypeIri(std::string_view type) {
  return Term::IriFromSegments(vocab::kSosaExtend, {type});
}

std::string SensorTypeName(std::string_view iri) {
  if (iri.substr(0, vocab::kSosaExtend.size()) != vocab::kSosaExtend) return "";
  return std::string(iri.substr(vocab::kSosaExtend.size()));
}

Term ModelVersionIri(std::string_view id, std::string_view version) {
  return Term::IriFromSegments(vocab::kDataBase, {"model", id, version});
}
Term ModelIri(std::string_view id) { return Term::IriFromSegments(vocab::kDataBase, {"model", id}); }
Term DeviceIri(std::string_view id) { return Term::IriFromSegments(vocab::kDataBase, {"device", id}); }
Term RuntimeIri(std::string_view version) {
  return Term::IriFromSegments(vocab::kDataBase, {"runtime", version});
}
Term FirmwareIri(std::string_view id, std::string_view version) {
  return Term::IriFromSegments(vocab::kDataBase, {"firmware", id, version});
}
Term OperatorIri(std::string_view op) { return Term::IriFromSegments(vocab::kDataBase, {"op", op}); }

Term McuIri(const DeviceDescription& device) {
  // One segment per value (each percent-encoded, so no core name can collide with another key);
  // an absent value is "-" (the shapes refuse such a device, so no stored node has one).
  auto given = [&device](const char* field) { return device.absent.count(std::string("capabilities.") + field) == 0; };
  auto number = [&](const char* field, const char* prefix, int64_t value) {
    return given(field) ? std::string(prefix) + std::to_string(value) : std::string("-");
  };
  return Term::IriFromSegments(vocab::kDataBase,
                               {"mcu", given("mcu.core") ? device.mcu_core : std::string("-"),
                                number("mcu.clock_hz", "", device.clock_hz), device.has_fpu ? "fpu" : "nofpu",
                                device.has_dsp ? "dsp" : "nodsp", number("ram_bytes", "ram", device.ram_bytes),
                                number("flash_bytes", "flash", device.flash_bytes)});
}

std::string OperatorName(std::string_view iri) {
  std::string prefix = std::string(vocab::kDataBase) + "op/";
  if (iri.substr(0, prefix.size()) != prefix) return "";
  // Percent-decode the segment.
  std::string out;
  std::string_view rest = iri.substr(prefix.size());
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
      };
      int high = hex(rest[i + 1]);
      int low = hex(rest[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(rest[i]);
  }
  return out;
}

std::vector<Triple> ModelCardTriples(const ModelCard& card) {
  std::vector<Triple> out;
  Term model = ModelVersionIri(card.id, card.version);
  Term family = ModelIri(card.id);
  Term type = Iri(vocab::Rdf("type"));
  auto add = [&out](const Term& s, const std::string& p, const Term& o) {
    out.push_back({s, Iri(p), o});
  };
  // A field the document did not give gets no triple: the shapes' sh:minCount reports it.
  auto given = [&card](const std::string& field) { return card.absent.count(field) == 0; };
  out.push_back({model, type, Iri(vocab::Tf("ModelVersion"))});
  out.push_back({model, type, Iri(vocab::Nnet("NeuralNetwork"))});
  out.push_back({model, type, Iri(vocab::S3n("Algorithm"))});
  if (given("id")) add(model, vocab::Schema("identifier"), Term::String(card.id));
  if (given("version")) add(model, vocab::Schema("version"), Term::String(card.version));
  if (auto number = VersionNumber(card.version)) add(model, vocab::Tf("versionNumber"), Term::Integer(*number));
  if (!card.name.empty()) add(model, vocab::Schema("name"), Term::String(card.name));
  if (!card.description.empty()) add(model, vocab::Schema("description"), Term::String(card.description));
  out.push_back({family, type, Iri(vocab::Tf("Model"))});
  if (given("id")) add(family, vocab::Schema("identifier"), Term::String(card.id));
  add(model, vocab::Tf("versionOf"), family);
  if (card.derived_from) {
    add(model, vocab::Tf("derivedFrom"),
        ModelVersionIri(card.derived_from->first, card.derived_from->second));
  }
  for (const std::string& op : card.ops) {
    Term op_iri = OperatorIri(op);
    add(model, vocab::Tf("usesOp"), op_iri);
    out.push_back({op_iri, type, Iri(vocab::Tf("Operator"))});
    add(op_iri, vocab::Schema("name"), Term::String(op));
  }
  auto tensors = [&](const std::vector<TensorSpec>& list, const char* kind, const std::string& property,
                     const std::string& field) {
    for (size_t i = 0; i < list.size(); ++i) {
      std::string path = field + "[" + std::to_string(i) + "].";
      Term node = Term::IriFromSegments(model.value(), {kind, std::to_string(i)});
      add(model, property, node);
      out.push_back({node, type, Iri(vocab::Tf("TensorSpec"))});
      add(node, vocab::Tf("index"), Term::Integer(static_cast<int64_t>(i)));
      if (given(path + "name")) add(node, vocab::Schema("name"), Term::String(list[i].name));
      if (given(path + "dtype")) add(node, vocab::Tf("dtype"), Term::String(list[i].dtype));
      if (given(path + "shape")) add(node, vocab::Tf("shape"), Term::String(ShapeText(list[i].shape)));
    }
  };
  tensors(card.inputs, "input", vocab::Ssn("hasInput"), "inputs");
  tensors(card.outputs, "output", vocab::Ssn("hasOutput"), "outputs");
  if (card.has_quantization || !card.quantization_scheme.empty()) {
    Term node = Term::IriFromSegments(model.value(), {"quantization"});
    add(model, vocab::Tf("quantization"), node);
    out.push_back({node, type, Iri(vocab::Tf("QuantizationSpec"))});
    if (given("quantization.scheme")) add(node, vocab::Tf("scheme"), Term::String(card.quantization_scheme));
    if (card.weight_bits) add(node, vocab::Tf("weightBits"), Term::Integer(*card.weight_bits));
    if (card.activation_bits) add(node, vocab::Tf("activationBits"), Term::Integer(*card.activation_bits));
  }
  if (given("arena_bytes")) add(model, vocab::Tf("arenaBytes"), Term::Integer(card.arena_bytes));
  if (given("flash_bytes")) add(model, vocab::Tf("flashBytes"), Term::Integer(card.flash_bytes));
  if (given("runtime_version")) add(model, vocab::Tf("minRuntimeVersion"), Term::String(card.runtime_version));
  if (auto number = VersionNumber(card.runtime_version)) {
    add(model, vocab::Tf("minRuntimeVersionNumber"), Term::Integer(*number));
  }
  for (size_t i = 0; i < card.required_sensors.size(); ++i) {
    std::string path = "required_sensors[" + std::to_string(i) + "].";
    Term node = Term::IriFromSegments(model.value(), {"requirement", std::to_string(i)});
    add(model, vocab::Tf("requiresSensor"), node);
    out.push_back({node, type, Iri(vocab::Tf("SensorRequirement"))});
    if (given(path + "type")) add(node, vocab::Tf("sensorType"), SensorTypeIri(card.required_sensors[i].type));
    if (given(path + "min_sampling_rate_hz")) {
      add(node, vocab::Tf("minSamplingRateHz"), Term::Double(card.required_sensors[i].min_sampling_rate_hz));
    }
  }
  if (card.accuracy) add(model, vocab::Tf("accuracy"), Term::Double(*card.accuracy));
  if (given("dataset_hash")) add(model, vocab::Tf("datasetHash"), Term::String(card.dataset_hash));
  return out;
}

std::vector<Triple> RuntimeTriples(const RuntimeRelease& runtime) {
  std::vector<Triple> out;
  Term node = RuntimeIri(runtime.version);
  Term type = Iri(vocab::Rdf("type"));
  out.push_back({node, type, Iri(vocab::Tf("RuntimeVersion"))});
  out.push_back({node, Iri(vocab::Schema("version")), Term::String(runtime.version)});
  if (auto number = VersionNumber(runtime.version)) {
    out.push_back({node, Iri(vocab::Tf("versionNumber")), Term::Integer(*number)});
  }
  for (const std::string& op : runtime.ops) {
    Term op_iri = OperatorIri(op);
    out.push_back({node, Iri(vocab::Tf("supportsOp")), op_iri});
    out.push_back({op_iri, type, Iri(vocab::Tf("Operator"))});
    out.push_back({op_iri, Iri(vocab::Schema("name")), Term::String(op)});
  }
  return out;
}

std::vector<Triple> DeviceTriples(const DeviceDescription& device) {
  std::vector<Triple> out;
  Term node = DeviceIri(device.id);
  Term type = Iri(vocab::Rdf("type"));
  auto add = [&out](const Term& s, const std::string& p, const Term& o) {
    out.push_back({s, Iri(p), o});
  };
  // A field the document did not give gets no triple: the shapes' sh:minCount reports it.
  auto given = [&device](const std::string& field) { return device.absent.count(field) == 0; };
  const std::string cap = "capabilities.";
  out.push_back({node, type, Iri(vocab::Tf("Device"))});
  out.push_back({node, type, Iri(vocab::Td("Thing"))});
  out.push_back({node, type, Iri(vocab::S3n("SmartSensor"))});
  if (given("id")) add(node, vocab::Schema("identifier"), Term::String(device.id));
  if (given("title")) add(node, vocab::Td("title"), Term::String(device.title));
  if (!device.description.empty()) add(node, vocab::Td("description"), Term::String(device.description));
  for (size_t i = 0; i < device.property_names.size(); ++i) {
    Term affordance = Term::IriFromSegments(node.value(), {"property", std::to_string(i)});
    add(node, vocab::Td("hasPropertyAffordance"), affordance);
    out.push_back({affordance, type, Iri(vocab::Td("PropertyAffordance"))});
    add(affordance, vocab::Td("name"), Term::String(device.property_names[i]));
  }
  // S3N structure: device -> MCU subsystem -> capability -> memory properties. The MCU node is
  // shared by every device with the same MCU values (its IRI spells them, McuIri): one link per
  // device instead of 17 triples, and the same SPARQL paths as a node of the device's own.
  if (given(cap + "mcu")) {
    Term mcu = McuIri(device);
    add(node, vocab::Ssn("hasSubSystem"), mcu);
    out.push_back({mcu, type, Iri(vocab::S3n("MicroController"))});
    if (given(cap + "mcu.core")) add(mcu, vocab::Tf("cpuCore"), Term::String(device.mcu_core));
    if (given(cap + "mcu.clock_hz")) add(mcu, vocab::Tf("clockHz"), Term::Integer(device.clock_hz));
    add(mcu, vocab::Tf("hasFpu"), Term::Boolean(device.has_fpu));
    add(mcu, vocab::Tf("hasDsp"), Term::Boolean(device.has_dsp));
    Term capability = Term::IriFromSegments(mcu.value(), {"capability"});
    add(mcu, vocab::S3n("hasSystemCapability"), capability);
    out.push_back({capability, type, Iri(vocab::SsnSystem("SystemCapability"))});
    auto memory = [&](const char* name, const char* klass, int64_t bytes) {
      Term property = Term::IriFromSegments(mcu.value(), {name});
      add(capability, vocab::SsnSystem("hasSystemProperty"), property);
      out.push_back({property, type, Iri(vocab::S3n("Memory"))});
      out.push_back({property, type, Iri(vocab::Tf(klass))});
      add(property, vocab::Schema("value"), Term::Integer(bytes));
      add(property, vocab::Schema("unitCode"), Iri(vocab::Om("byte")));
    };
    if (given(cap + "ram_bytes")) memory("ram", "Ram", device.ram_bytes);
    if (given(cap + "flash_bytes")) memory("flash", "Flash", device.flash_bytes);
  }
  // Query shortcuts: the compatibility queries read these directly (see docs/ontology.md).
  if (given(cap + "ram_bytes")) add(node, vocab::Tf("ramBytes"), Term::Integer(device.ram_bytes));
  if (given(cap + "flash_bytes")) add(node, vocab::Tf("flashBytes"), Term::Integer(device.flash_bytes));
  for (size_t i = 0; i < device.sensors.size(); ++i) {
    std::string path = cap + "sensors[" + std::to_string(i) + "].";
    Term sensor = Term::IriFromSegments(node.value(), {"sensor", std::to_string(i)});
    add(node, vocab::Ssn("hasSubSystem"), sensor);
    out.push_back({sensor, type, Iri(vocab::Sosa("Sensor"))});
    if (given(path + "type")) out.push_back({sensor, type, SensorTypeIri(device.sensors[i].type)});
    if (given(path + "sampling_rate_hz")) {
      add(sensor, vocab::Tf("samplingRateHz"), Term::Double(device.sensors[i].sampling_rate_hz));
    }
  }
  Term runtime = RuntimeIri(device.runtime_version);
  bool has_runtime = given(cap + "runtime_version");
  if (given(cap + "firmware")) {
    Term firmware = FirmwareIri(device.firmware_id, device.firmware_version);
    add(node, vocab::Tf("runsFirmware"), firmware);
    out.push_back({firmware, type, Iri(vocab::Tf("FirmwareImage"))});
    if (given(cap + "firmware.id")) add(firmware, vocab::Schema("identifier"), Term::String(device.firmware_id));
    if (given(cap + "firmware.version")) add(firmware, vocab::Schema("version"), Term::String(device.firmware_version));
    if (auto number = VersionNumber(device.firmware_version)) add(firmware, vocab::Tf("versionNumber"), Term::Integer(*number));
    if (has_runtime) add(firmware, vocab::Tf("bundlesRuntime"), runtime);
  }
  if (has_runtime) {
    add(node, vocab::Tf("runtime"), runtime);
    out.push_back({runtime, type, Iri(vocab::Tf("RuntimeVersion"))});
    add(runtime, vocab::Schema("version"), Term::String(device.runtime_version));
    if (auto number = VersionNumber(device.runtime_version)) add(runtime, vocab::Tf("versionNumber"), Term::Integer(*number));
  }
  return out;
}

}  // namespace tinyforge::server::kg
