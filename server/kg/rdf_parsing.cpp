// JSON -> ModelCard / DeviceDescription / RuntimeRelease (see rdf_mapping.h).
//
// Only what the mapping needs to build triples is checked here: the document is an object, every
// field that is present has the JSON type its literal needs (string, integer, number, boolean,
// array, object), no NUL bytes. Required fields that are missing are recorded in `absent` and the
// mapping writes no triple for them. Every value rule (counts, ranges, patterns, the closed list
// of sensor types...) is in ontology/shapes.ttl and checked by RegistryValidator on the triples.
#include <algorithm>
#include <cstdint>
#include <set>

#include "server/kg/rdf_mapping.h"

namespace tinyforge::server::kg {
namespace {

using nlohmann::json;

// Collects every type violation so the caller can report them all at once.
class Violations {
 public:
  void Add(const std::string& field, const std::string& problem) { lines_.push_back(field + ": " + problem); }
  bool empty() const { return lines_.empty(); }
  Error ToError(const std::string& what) const {
    std::string message = what + " is malformed (" + std::to_string(lines_.size()) + " problem" +
                          (lines_.size() == 1 ? "" : "s") + "):";
    for (const std::string& line : lines_) message += "\n  " + line;
    return MakeError(ErrorKind::kInvalidArgument, message);
  }

 private:
  std::vector<std::string> lines_;
};

// Reads one field of `object` (named path + key in messages).
class FieldReader {
 public:
  FieldReader(Violations& violations, std::set<std::string>& absent) : violations_(violations), absent_(absent) {}

  const json* Find(const json& object, const std::string& key, const std::string& path, bool required) {
    if (object.is_object()) {
      auto it = object.find(key);
      if (it != object.end()) return &*it;
    }
    if (required) absent_.insert(path + key);
    return nullptr;
  }

  std::string String(const json& object, const std::string& key, const std::string& path, bool required = true) {
    const json* value = Find(object, key, path, required);
    if (!value) return "";
    if (!value->is_string()) {
      violations_.Add(path + key, "must be a string");
      return "";
    }
    std::string text = value->get<std::string>();
    if (text.find('\0') != std::string::npos) violations_.Add(path + key, "must not contain NUL");
    return text;
  }

  std::optional<int64_t> Integer(const json& object, const std::string& key, const std::string& path,
                                 bool required = true) {
    const json* value = Find(object, key, path, required);
    if (!value) return std::nullopt;
    if (!value->is_number_integer()) {
      violations_.Add(path + key, "must be an integer");
      return std::nullopt;
    }
    if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      violations_.Add(path + key, "too large (at most 2^63-1)");
      return std::nullopt;
    }
    return value->get<int64_t>();
  }

  double Number(const json& object, const std::string& key, const std::string& path) {
    const json* value = Find(object, key, path, true);
    if (!value) return 0;
    if (!value->is_number()) {
      violations_.Add(path + key, "must be a number");
      return 0;
    }
    return value->get<double>();
  }

  bool Boolean(const json& object, const std::string& key, const std::string& path) {
    const json* value = Find(object, key, path, false);
    if (!value) return false;
    if (!value->is_boolean()) {
      violations_.Add(path + key, "must be true or false");
      return false;
    }
    return value->get<bool>();
  }

  // An object or array field: nullptr when absent or of the wrong type (reported).
  const json* Container(const json& object, const std::string& key, const std::string& path, bool array,
                        bool required) {
    const json* value = Find(object, key, path, required);
    if (!value) return nullptr;
    if (array ? !value->is_array() : !value->is_object()) {
      violations_.Add(path + key, array ? "must be an array" : "must be an object");
      return nullptr;
    }
    return value;
  }

  std::vector<std::string> Strings(const json& object, const std::string& key, const std::string& path,
                                   bool required) {
    std::vector<std::string> out;
    const json* list = Container(object, key, path, true, required);
    if (!list) return out;
    for (size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_string()) {
        violations_.Add(path + key + "[" + std::to_string(i) + "]", "must be a string");
      } else {
        out.push_back((*list)[i].get<std::string>());
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  Violations& violations_;
  std::set<std::string>& absent_;
};

std::vector<TensorSpec> Tensors(const json& document, const std::string& key, FieldReader& read,
                                Violations& violations, std::set<std::string>& absent) {
  std::vector<TensorSpec> out;
  const json* list = read.Container(document, key, "", true, true);
  if (!list) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string path = key + "[" + std::to_string(i) + "].";
    const json& entry = (*list)[i];
    if (!entry.is_object()) {
      violations.Add(key + "[" + std::to_string(i) + "]", "must be an object {name, dtype, shape}");
      continue;
    }
    TensorSpec tensor;
    tensor.name = read.String(entry, "name", path);
    tensor.dtype = read.String(entry, "dtype", path);
    if (const json* shape = read.Container(entry, "shape", path, true, true)) {
      for (const json& dim : *shape) {
        if (!dim.is_number_integer()) {
          violations.Add(path + "shape", "must be an array of integers");
          break;
        }
        tensor.shape.push_back(dim.get<int64_t>());
      }
    } else {
      absent.insert(path + "shape");
    }
    out.push_back(std::move(tensor));
  }
  return out;
}

}  // namespace

Result<ModelCard> ParseModelCard(const json& document) {
  Violations violations;
  ModelCard card;
  if (!document.is_object()) {
    violations.Add("(model card)", "must be a JSON object");
    return violations.ToError("model card");
  }
  FieldReader read(violations, card.absent);
  card.id = read.String(document, "id", "");
  card.version = read.String(document, "version", "");
  card.name = read.String(document, "name", "", false);
  card.description = read.String(document, "description", "", false);
  if (const json* parent = read.Container(document, "derived_from", "", false, false)) {
    std::string id = read.String(*parent, "id", "derived_from.");
    std::string version = read.String(*parent, "version", "derived_from.");
    card.derived_from = std::make_pair(id, version);
  }
  card.ops = read.Strings(document, "ops", "", true);
  card.inputs = Tensors(document, "inputs", read, violations, card.absent);
  card.outputs = Tensors(document, "outputs", read, violations, card.absent);
  if (const json* quantization = read.Container(document, "quantization", "", false, false)) {
    card.has_quantization = true;
    card.quantization_scheme = read.String(*quantization, "scheme", "quantization.");
    card.weight_bits = read.Integer(*quantization, "weight_bits", "quantization.", false);
    card.activation_bits = read.Integer(*quantization, "activation_bits", "quantization.", false);
  }
  card.arena_bytes = read.Integer(document, "arena_bytes", "").value_or(0);
  card.flash_bytes = read.Integer(document, "flash_bytes", "").value_or(0);
  card.runtime_version = read.String(document, "runtime_version", "");
  if (const json* list = read.Container(document, "required_sensors", "", true, false)) {
    for (size_t i = 0; i < list->size(); ++i) {
      std::string path = "required_sensors[" + std::to_string(i) + "].";
      SensorRequirement requirement;
      requirement.type = read.String((*list)[i], "type", path);
      requirement.min_sampling_rate_hz = read.Number((*list)[i], "min_sampling_rate_hz", path);
      card.required_sensors.push_back(requirement);
    }
  }
  if (read.Find(document, "accuracy", "", false)) {
    if (!document["accuracy"].is_number()) violations.Add("accuracy", "must be a number");
    else card.accuracy = document["accuracy"].get<double>();
  }
  card.dataset_hash = read.String(document, "dataset_hash", "");
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
  FieldReader read(violations, device.absent);
  device.id = read.String(document, "id", "");
  device.title = read.String(document, "title", "");
  device.description = read.String(document, "description", "", false);
  if (const json* properties = read.Container(document, "properties", "", false, false)) {
    for (const auto& [name, unused] : properties->items()) device.property_names.push_back(name);
  }
  static const json kEmpty = json::object();
  const json* found = read.Container(document, "capabilities", "", false, true);
  const json& capabilities = found ? *found : kEmpty;
  const std::string cap = "capabilities.";
  if (const json* mcu = read.Container(capabilities, "mcu", cap, false, true)) {
    device.mcu_core = read.String(*mcu, "core", cap + "mcu.");
    device.clock_hz = read.Integer(*mcu, "clock_hz", cap + "mcu.").value_or(0);
    device.has_fpu = read.Boolean(*mcu, "fpu", cap + "mcu.");
    device.has_dsp = read.Boolean(*mcu, "dsp", cap + "mcu.");
  }
  device.ram_bytes = read.Integer(capabilities, "ram_bytes", cap).value_or(0);
  device.flash_bytes = read.Integer(capabilities, "flash_bytes", cap).value_or(0);
  if (const json* list = read.Container(capabilities, "sensors", cap, true, false)) {
    for (size_t i = 0; i < list->size(); ++i) {
      std::string path = cap + "sensors[" + std::to_string(i) + "].";
      SensorSpec sensor;
      sensor.type = read.String((*list)[i], "type", path);
      sensor.sampling_rate_hz = read.Number((*list)[i], "sampling_rate_hz", path);
      device.sensors.push_back(sensor);
    }
  }
  if (const json* firmware = read.Container(capabilities, "firmware", cap, false, true)) {
    device.firmware_id = read.String(*firmware, "id", cap + "firmware.");
    device.firmware_version = read.String(*firmware, "version", cap + "firmware.");
  }
  device.runtime_version = read.String(capabilities, "runtime_version", cap);
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
  std::set<std::string> absent;
  FieldReader read(violations, absent);
  runtime.version = read.String(document, "version", "");
  runtime.ops = read.Strings(document, "ops", "", true);
  // The one rule the shapes cannot state: a device's description also types its runtime as
  // tf:RuntimeVersion (without ops), so "a release lists at least one op" is checked here.
  if (runtime.ops.empty()) violations.Add("ops", "must list at least one op");
  if (!violations.empty()) return violations.ToError("runtime release");
  return runtime;
}

}  // namespace tinyforge::server::kg
