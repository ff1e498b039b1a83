// Capability profile keys and triples (see capability_profile.h).
#include "server/kg/capability_profile.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {

std::string ShortestDouble(double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error != std::errc()) return "0";
  return std::string(buffer, end);
}

std::string CapabilityProfile::Key() const {
  // Appends only: GCC 12 -O3 reports a false -Wrestrict on `"literal" + std::string&&`.
  std::string key = "r";
  key += std::to_string(ram_bytes);
  key += "-f";
  key += std::to_string(flash_bytes);
  key += "-rt";
  key += runtime_version;
  for (const auto& [type, rate] : best_rate_by_sensor) {
    key += '-';
    key += type;
    key += '@';
    key += ShortestDouble(rate);
  }
  return key;
}

Term CapabilityProfile::Iri() const {
  return Term::IriFromSegments(vocab::kDataBase, {"profile", Key()});
}

CapabilityProfile ProfileOf(const DeviceDescription& device) {
  CapabilityProfile profile;
  profile.ram_bytes = device.ram_bytes;
  profile.flash_bytes = device.flash_bytes;
  profile.runtime_version = device.runtime_version;
  std::map<std::string, double> best;
  for (const SensorSpec& sensor : device.sensors) {
    auto [it, inserted] = best.emplace(sensor.type, sensor.sampling_rate_hz);
    if (!inserted) it->second = std::max(it->second, sensor.sampling_rate_hz);
  }
  profile.best_rate_by_sensor.assign(best.begin(), best.end());
  return profile;
}

std::vector<Triple> ProfileTriples(const CapabilityProfile& profile) {
  auto iri = [](const std::string& text) { return Term::Iri(text).value(); };
  Term node = profile.Iri();
  std::vector<Triple> out;
  out.push_back({node, iri(vocab::Rdf("type")), iri(vocab::Tf("CapabilityProfile"))});
  out.push_back({node, iri(vocab::Tf("ramBytes")), Term::Integer(profile.ram_bytes)});
  out.push_back({node, iri(vocab::Tf("flashBytes")), Term::Integer(profile.flash_bytes)});
  out.push_back({node, iri(vocab::Tf("runtime")), RuntimeIri(profile.runtime_version)});
  for (const auto& [type, rate] : profile.best_rate_by_sensor) {
    Term sensor = Term::IriFromSegments(node.value(), {"sensor", type});
    out.push_back({node, iri(vocab::Tf("sensorCapability")), sensor});
    out.push_back({sensor, iri(vocab::Tf("sensorType")), SensorTypeIri(type)});
    out.push_back({sensor, iri(vocab::Tf("samplingRateHz")), Term::Double(rate)});
  }
  return out;
}

Triple HasProfileTriple(const DeviceDescription& device, const CapabilityProfile& profile) {
  return {DeviceIri(device.id), Term::Iri(vocab::Tf("hasProfile")).value(), profile.Iri()};
}

}  // namespace tinyforge::server::kg
