// JSON -> validated structs -> RDF triples for model cards, devices and runtimes (see rdf_mapping.h).
#include "server/kg/rdf_mapping.h"

#include <algorithm>
#include <cmath>

#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {
namespace {

using nlohmann::json;

// Collects every violation so the caller can report them all at once.
class Violations {
 public:
  void Add(const std::string& field, const std::string& problem) {
    lines_.push_back(field + ": " + problem);
  }
  bool empty() const { return lines_.empty(); }
  Error ToError(const std::string& what) const {
    std::string message = what + " is invalid (" + std::to_string(lines_.size()) + " violation" +
                          (lines_.size() == 1 ? "" : "s") + "):";
    for (const std::string& line : lines_) message += "\n  " + line;
    return MakeError(ErrorKind::kInvalidArgument, message);
  }

 private:
  std::vector<std::string> lines_;
};

std::string RequireString(const json& object, const std::string& key, const std::string& path,
                          Violations& violations, bool required = true) {
  if (!object.is_object() || !object.contains(key)) {
    if (required) violations.Add(path + key, "missing");
    return "";
  }
  const json& value = object.at(key);
  if (!value.is_string()) {
    violations.Add(path + key, "must be a string");
    return "";
  }
  std::string text = value.get<std::string>();
  if (required && text.empty()) violations.Add(path + key, "must not be empty");
  if (text.find('\0') != std::string::npos) violations.Add(path + key, "must not contain NUL");
  return text;
}

int64_t RequireInteger(const json& object, const std::string& key, const std::string& path,
                       Violations& violations, int64_t minimum, bool required = true) {
  if (!object.is_object() || !object.contains(key)) {
    if (required) violations.Add(path + key, "missing");
    return 0;
  }
  const json& value = object.at(key);
  if (!value.is_number_integer()) {
    violations.Add(path + key, "must be an integer");
    return 0;
  }
  int64_t number = value.get<int64_t>();
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    violations.Add(path + key, "too large");
    return 0;
  }
  if (number < minimum) violations.Add(path + key, "must be >= " + std::to_string(minimum));
  return number;
}

double RequireNumber(const json& object, const std::string& key, const std::string& path,
                     Violations& violations, double minimum_exclusive) {
  if (!object.is_object() || !object.contains(key)) {
    violations.Add(path + key, "missing");
    return 0;
  }
  const json& value = object.at(key);
  if (!value.is_number()) {
    violations.Add(path + key, "must be a number");
    return 0;
  }
  double number = value.get<double>();
  if (!std::isfinite(number) || number <= minimum_exclusive) {
    violations.Add(path + key, "must be a finite number > " + std::to_string(minimum_exclusive));
  }
  return number;
}

bool OptionalBool(const json& object, const std::string& key, const std::string& path,
                  Violations& violations) {
  if (!object.is_object() || !object.contains(key)) return false;
  if (!object.at(key).is_boolean()) {
    violations.Add(path + key, "must be true or false");
    return false;
  }
  return object.at(key).get<bool>();
}

std::string RequireVersion(const json& object, const std::string& key, const std::string& path,
                           Violations& violations) {
  std::string version = RequireString(object, key, path, violations);
  if (!version.empty() && !VersionNumber(version)) {
    violations.Add(path + key, "must be MAJOR.MINOR.PATCH with each part 0..999");
  }
  return version;
}

std::vector<std::string> RequireStringList(const json& object, const std::string& key,
                                           const std::string& path, Violations& violations,
                                           bool required) {
  std::vector<std::string> out;
  if (!object.contains(key)) {
    if (required) violations.Add(path + key, "missing");
    return out;
  }
  const json& list = object.at(key);
  if (!list.is_array()) {
    violations.Add(path + key, "must be an array of strings");
    return out;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string() || list[i].get<std::string>().empty()) {
      violations.Add(path + key + "[" + std::to_string(i) + "]", "must be a non-empty string");
    } else {
      out.push_back(list[i].get<std::string>());
    }
  }
  if (required && list.empty()) violations.Add(path + key, "must not be empty");
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<TensorSpec> RequireTensors(const json& object, const std::string& key, Violations& violations) {
  std::vector<TensorSpec> out;
  if (!object.contains(key) || !object.at(key).is_array() || object.at(key).empty()) {
    violations.Add(key, "must be a non-empty array of {name, dtype, shape}");
    return out;
  }
  const json& list = object.at(key);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string path = key + "[" + std::to_string(i) + "].";
    TensorSpec tensor;
    tensor.name = RequireString(list[i], "name", path, violations);
    tensor.dtype = RequireString(list[i], "dtype", path, violations);
    if (!list[i].is_object() || !list[i].contains("shape") || !list[i]["shape"].is_array() ||
        list[i]["shape"].empty()) {
      violations.Add(path + "shape", "must be a non-empty array of positive integers");
    } else {
      for (const json& dim : list[i]["shape"]) {
        if (!dim.is_number_integer() || dim.get<int64_t>() <= 0) {
          violations.Add(path + "shape", "must be a non-empty array of positive integers");
          break;
        }
        tensor.shape.push_back(dim.get<int64_t>());
      }
    }
    out.push_back(std::move(tensor));
  }
  return out;
}

void CheckSensorType(const std::string& type, const std::string& field, Violations& violations) {
  const auto& known = KnownSensorTypes();
  if (!type.empty() && std::find(known.begin(), known.end(), type) == known.end()) {
    std::string list;
    for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
    violations.Add(field, "unknown sensor type (known: " + list + ")");
  }
}

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

Result<ModelCard> ParseModelCard(const json& document) {
  Violations violations;
  ModelCard card;
  if (!document.is_object()) {
    violations.Add("(model card)", "must be a JSON object");
    return violations.ToError("model card");
  }
  card.id = RequireString(document, "id", "", violations);
  card.version = RequireVersion(document, "version", "", violations);
  card.name = RequireString(document, "name", "", violations, false);
  card.description = RequireString(document, "description", "", violations, false);
  if (document.contains("derived_from")) {
    const json& parent = document["derived_from"];
    std::string id = RequireString(parent, "id", "derived_from.", violations);
    std::string version = RequireVersion(parent, "version", "derived_from.", violations);
    card.derived_from = std::make_pair(id, version);
  }
  card.ops = RequireStringList(document, "ops", "", violations, true);
  card.inputs = RequireTensors(document, "inputs", violations);
  card.outputs = RequireTensors(document, "outputs", violations);
  if (document.contains("quantization")) {
    const json& quantization = document["quantization"];
    card.quantization_scheme = RequireString(quantization, "scheme", "quantization.", violations);
    card.weight_bits = RequireInteger(quantization, "weight_bits", "quantization.", violations, 1, false);
    card.activation_bits =
        RequireInteger(quantization, "activation_bits", "quantization.", violations, 1, false);
  }
  card.arena_bytes = RequireInteger(document, "arena_bytes", "", violations, 0);
  card.flash_bytes = RequireInteger(document, "flash_bytes", "", violations, 0);
  card.runtime_version = RequireVersion(document, "runtime_version", "", violations);
  if (document.contains("required_sensors")) {
    const json& list = document["required_sensors"];
    if (!list.is_array()) {
      violations.Add("required_sensors", "must be an array");
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        std::string path = "required_sensors[" + std::to_string(i) + "].";
        SensorRequirement requirement;
        requirement.type = RequireString(list[i], "type", path, violations);
        CheckSensorType(requirement.type, path + "type", violations);
        requirement.min_sampling_rate_hz =
            RequireNumber(list[i], "min_sampling_rate_hz", path, violations, 0.0);
        card.required_sensors.push_back(requirement);
      }
    }
  }
  if (document.contains("accuracy")) {
    if (!document["accuracy"].is_number() || document["accuracy"].get<double>() < 0 ||
        document["accuracy"].get<double>() > 1) {
      violations.Add("accuracy", "must be a number in [0, 1]");
    } else {
      card.accuracy = document["accuracy"].get<double>();
    }
  }
  card.dataset_hash = RequireString(document, "dataset_hash", "", violations);
  if (!card.dataset_hash.empty()) {
    bool ok = card.dataset_hash.size() == 71 && card.dataset_hash.rfind("sha256:", 0) == 0 &&
              std::all_of(card.dataset_hash.begin() + 7, card.dataset_hash.end(),
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
    if (!ok) violations.Add("dataset_hash", "must be sha256:<64 lowercase hex digits>");
  }
  if (!violations.empty()) return violations.ToError("model card");
  return card;
}

Result<DeviceDescription> ParseDeviceDescription(const json& document) {
  Violations violations;
  DeviceDescription device;
  if (!document.is_object()) {
    violations.Add("(device)", "must be a JSON object (a WoT Thing Description)");
    return violations.ToError("device description");
  }
  device.id = RequireString(document, "id", "", violations);
  device.title = RequireString(document, "title", "", violations);
  device.description = RequireString(document, "description", "", violations, false);
  if (document.contains("properties")) {
    if (!document["properties"].is_object()) {
      violations.Add("properties", "must be an object of property affordances");
    } else {
      for (const auto& [name, unused] : document["properties"].items()) {
        device.property_names.push_back(name);
      }
    }
  }
  if (!document.contains("capabilities") || !document["capabilities"].is_object()) {
    violations.Add("capabilities", "missing (an object with mcu, ram_bytes, flash_bytes, sensors, firmware, runtime_version)");
    return violations.ToError("device description");
  }
  const json& capabilities = document["capabilities"];
  const std::string cap = "capabilities.";
  if (!capabilities.contains("mcu") || !capabilities["mcu"].is_object()) {
    violations.Add(cap + "mcu", "missing (an object with core, clock_hz, fpu, dsp)");
  } else {
    const json& mcu = capabilities["mcu"];
    device.mcu_core = RequireString(mcu, "core", cap + "mcu.", violations);
    device.clock_hz = RequireInteger(mcu, "clock_hz", cap + "mcu.", violations, 1);
    device.has_fpu = OptionalBool(mcu, "fpu", cap + "mcu.", violations);
    device.has_dsp = OptionalBool(mcu, "dsp", cap + "mcu.", violations);
  }
  device.ram_bytes = RequireInteger(capabilities, "ram_bytes", cap, violations, 1);
  device.flash_bytes = RequireInteger(capabilities, "flash_bytes", cap, violations, 1);
  if (capabilities.contains("sensors")) {
    const json& list = capabilities["sensors"];
    if (!list.is_array()) {
      violations.Add(cap + "sensors", "must be an array");
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        std::string path = cap + "sensors[" + std::to_string(i) + "].";
        SensorSpec sensor;
        sensor.type = RequireString(list[i], "type", path, violations);
        CheckSensorType(sensor.type, path + "type", violations);
        sensor.sampling_rate_hz = RequireNumber(list[i], "sampling_rate_hz", path, violations, 0.0);
        device.sensors.push_back(sensor);
      }
    }
  }
  if (!capabilities.contains("firmware") || !capabilities["firmware"].is_object()) {
    violations.Add(cap + "firmware", "missing (an object with id, version)");
  } else {
    device.firmware_id = RequireString(capabilities["firmware"], "id", cap + "firmware.", violations);
    device.firmware_version =
        RequireVersion(capabilities["firmware"], "version", cap + "firmware.", violations);
  }
  device.runtime_version = RequireVersion(capabilities, "runtime_version", cap, violations);
  if (!violations.empty()) return violations.ToError("device description");
  return device;
}

Result<RuntimeRelease> ParseRuntimeRelease(const json& document) {
  Violations violations;
  RuntimeRelease runtime;
  if (!document.is_object()) {
    violations.Add("(runtime)", "must be a JSON object");
    return violations.ToError("runtime release");
  }
  runtime.version = RequireVersion(document, "version", "", violations);
  runtime.ops = RequireStringList(document, "ops", "", violations, true);
  if (!violations.empty()) return violations.ToError("runtime release");
  return runtime;
}

std::vector<Triple> ModelCardTriples(const ModelCard& card) {
  std::vector<Triple> out;
  Term model = ModelVersionIri(card.id, card.version);
  Term family = ModelIri(card.id);
  Term type = Iri(vocab::Rdf("type"));
  auto add = [&out](const Term& s, const std::string& p, const Term& o) {
    out.push_back({s, Iri(p), o});
  };
  out.push_back({model, type, Iri(vocab::Tf("ModelVersion"))});
  out.push_back({model, type, Iri(vocab::Nnet("NeuralNetwork"))});
  out.push_back({model, type, Iri(vocab::S3n("Algorithm"))});
  add(model, vocab::Schema("identifier"), Term::String(card.id));
  add(model, vocab::Schema("version"), Term::String(card.version));
  add(model, vocab::Tf("versionNumber"), Term::Integer(*VersionNumber(card.version)));
  if (!card.name.empty()) add(model, vocab::Schema("name"), Term::String(card.name));
  if (!card.description.empty()) add(model, vocab::Schema("description"), Term::String(card.description));
  out.push_back({family, type, Iri(vocab::Tf("Model"))});
  add(family, vocab::Schema("identifier"), Term::String(card.id));
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
  auto tensors = [&](const std::vector<TensorSpec>& list, const char* kind, const std::string& property) {
    for (size_t i = 0; i < list.size(); ++i) {
      Term node = Term::IriFromSegments(model.value(), {kind, std::to_string(i)});
      add(model, property, node);
      out.push_back({node, type, Iri(vocab::Tf("TensorSpec"))});
      add(node, vocab::Tf("index"), Term::Integer(static_cast<int64_t>(i)));
      add(node, vocab::Schema("name"), Term::String(list[i].name));
      add(node, vocab::Tf("dtype"), Term::String(list[i].dtype));
      add(node, vocab::Tf("shape"), Term::String(ShapeText(list[i].shape)));
    }
  };
  tensors(card.inputs, "input", vocab::Ssn("hasInput"));
  tensors(card.outputs, "output", vocab::Ssn("hasOutput"));
  if (!card.quantization_scheme.empty()) {
    Term node = Term::IriFromSegments(model.value(), {"quantization"});
    add(model, vocab::Tf("quantization"), node);
    out.push_back({node, type, Iri(vocab::Tf("QuantizationSpec"))});
    add(node, vocab::Tf("scheme"), Term::String(card.quantization_scheme));
    if (card.weight_bits > 0) add(node, vocab::Tf("weightBits"), Term::Integer(card.weight_bits));
    if (card.activation_bits > 0) add(node, vocab::Tf("activationBits"), Term::Integer(card.activation_bits));
  }
  add(model, vocab::Tf("arenaBytes"), Term::Integer(card.arena_bytes));
  add(model, vocab::Tf("flashBytes"), Term::Integer(card.flash_bytes));
  add(model, vocab::Tf("minRuntimeVersion"), Term::String(card.runtime_version));
  add(model, vocab::Tf("minRuntimeVersionNumber"), Term::Integer(*VersionNumber(card.runtime_version)));
  for (size_t i = 0; i < card.required_sensors.size(); ++i) {
    Term node = Term::IriFromSegments(model.value(), {"requirement", std::to_string(i)});
    add(model, vocab::Tf("requiresSensor"), node);
    out.push_back({node, type, Iri(vocab::Tf("SensorRequirement"))});
    add(node, vocab::Tf("sensorType"), SensorTypeIri(card.required_sensors[i].type));
    add(node, vocab::Tf("minSamplingRateHz"), Term::Double(card.required_sensors[i].min_sampling_rate_hz));
  }
  if (card.accuracy) add(model, vocab::Tf("accuracy"), Term::Double(*card.accuracy));
  add(model, vocab::Tf("datasetHash"), Term::String(card.dataset_hash));
  return out;
}

std::vector<Triple> RuntimeTriples(const RuntimeRelease& runtime) {
  std::vector<Triple> out;
  Term node = RuntimeIri(runtime.version);
  Term type = Iri(vocab::Rdf("type"));
  out.push_back({node, type, Iri(vocab::Tf("RuntimeVersion"))});
  out.push_back({node, Iri(vocab::Schema("version")), Term::String(runtime.version)});
  out.push_back({node, Iri(vocab::Tf("versionNumber")), Term::Integer(*VersionNumber(runtime.version))});
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
  out.push_back({node, type, Iri(vocab::Tf("Device"))});
  out.push_back({node, type, Iri(vocab::Td("Thing"))});
  out.push_back({node, type, Iri(vocab::S3n("SmartSensor"))});
  add(node, vocab::Schema("identifier"), Term::String(device.id));
  add(node, vocab::Td("title"), Term::String(device.title));
  if (!device.description.empty()) add(node, vocab::Td("description"), Term::String(device.description));
  for (size_t i = 0; i < device.property_names.size(); ++i) {
    Term affordance = Term::IriFromSegments(node.value(), {"property", std::to_string(i)});
    add(node, vocab::Td("hasPropertyAffordance"), affordance);
    out.push_back({affordance, type, Iri(vocab::Td("PropertyAffordance"))});
    add(affordance, vocab::Td("name"), Term::String(device.property_names[i]));
  }
  // S3N structure: device -> MCU subsystem -> capability -> memory properties.
  Term mcu = Term::IriFromSegments(node.value(), {"mcu"});
  add(node, vocab::Ssn("hasSubSystem"), mcu);
  out.push_back({mcu, type, Iri(vocab::S3n("MicroController"))});
  add(mcu, vocab::Tf("cpuCore"), Term::String(device.mcu_core));
  add(mcu, vocab::Tf("clockHz"), Term::Integer(device.clock_hz));
  add(mcu, vocab::Tf("hasFpu"), Term::Boolean(device.has_fpu));
  add(mcu, vocab::Tf("hasDsp"), Term::Boolean(device.has_dsp));
  Term capability = Term::IriFromSegments(node.value(), {"mcu", "capability"});
  add(mcu, vocab::S3n("hasSystemCapability"), capability);
  out.push_back({capability, type, Iri(vocab::SsnSystem("SystemCapability"))});
  auto memory = [&](const char* name, const char* klass, int64_t bytes) {
    Term property = Term::IriFromSegments(node.value(), {"mcu", name});
    add(capability, vocab::SsnSystem("hasSystemProperty"), property);
    out.push_back({property, type, Iri(vocab::S3n("Memory"))});
    out.push_back({property, type, Iri(vocab::Tf(klass))});
    add(property, vocab::Schema("value"), Term::Integer(bytes));
    add(property, vocab::Schema("unitCode"), Iri(vocab::Om("byte")));
  };
  memory("ram", "Ram", device.ram_bytes);
  memory("flash", "Flash", device.flash_bytes);
  // Query shortcuts: the compatibility queries read these directly (see docs/ontology.md).
  add(node, vocab::Tf("ramBytes"), Term::Integer(device.ram_bytes));
  add(node, vocab::Tf("flashBytes"), Term::Integer(device.flash_bytes));
  for (size_t i = 0; i < device.sensors.size(); ++i) {
    Term sensor = Term::IriFromSegments(node.value(), {"sensor", std::to_string(i)});
    add(node, vocab::Ssn("hasSubSystem"), sensor);
    out.push_back({sensor, type, Iri(vocab::Sosa("Sensor"))});
    out.push_back({sensor, type, SensorTypeIri(device.sensors[i].type)});
    add(sensor, vocab::Tf("samplingRateHz"), Term::Double(device.sensors[i].sampling_rate_hz));
  }
  Term firmware = FirmwareIri(device.firmware_id, device.firmware_version);
  Term runtime = RuntimeIri(device.runtime_version);
  add(node, vocab::Tf("runsFirmware"), firmware);
  out.push_back({firmware, type, Iri(vocab::Tf("FirmwareImage"))});
  add(firmware, vocab::Schema("identifier"), Term::String(device.firmware_id));
  add(firmware, vocab::Schema("version"), Term::String(device.firmware_version));
  add(firmware, vocab::Tf("versionNumber"), Term::Integer(*VersionNumber(device.firmware_version)));
  add(firmware, vocab::Tf("bundlesRuntime"), runtime);
  add(node, vocab::Tf("runtime"), runtime);
  out.push_back({runtime, type, Iri(vocab::Tf("RuntimeVersion"))});
  add(runtime, vocab::Schema("version"), Term::String(device.runtime_version));
  add(runtime, vocab::Tf("versionNumber"), Term::Integer(*VersionNumber(device.runtime_version)));
  return out;
}

}  // namespace tinyforge::server::kg
