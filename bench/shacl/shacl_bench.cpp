// Per-item cost of the registry's SHACL gate, side by side with what registration costs without
// it: for N generated devices and model cards (variations of ontology/examples), the time of
// (a) JSON -> struct -> triples (the baseline, as before SHACL), (b) validation of those triples
// against the embedded shapes, (c) both. Every generated item must conform and a broken one must
// not, or the run fails. Best of 3 repetitions; writes bench/results/shacl.json.
//   shacl_bench [--devices N] [--models N] [--out FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/common/bench_flags.h"
#include "server/kg/rdf_mapping.h"
#include "server/kg/registry_validator.h"

namespace kg = tinyforge::server::kg;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

json ReadJson(const std::string& relative) {
  std::ifstream in(std::string(TINYFORGE_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::vector<json> Devices(size_t count) {
  const json base = ReadJson("ontology/examples/nano_device.td.json");
  const char* sensors[] = {"Microphone", "Accelerometer", "Gyroscope", "Thermometer", "VibrationSensor"};
  std::vector<json> out;
  for (size_t i = 0; i < count; ++i) {
    json td = base;
    td["id"] = "plant-dev-" + std::to_string(i);
    td["title"] = "Board #" + std::to_string(i);
    td["capabilities"]["ram_bytes"] = 16384 << (i % 6);
    td["capabilities"]["flash_bytes"] = 262144 << (i % 3);
    td["capabilities"]["mcu"]["clock_hz"] = 48000000 + static_cast<int64_t>(i % 7) * 16000000;
    td["capabilities"]["firmware"]["version"] = "2." + std::to_string(i % 5) + ".0";
    td["capabilities"]["runtime_version"] = "0." + std::to_string(1 + i % 4) + ".0";
    json list = json::array();
    for (size_t s = 0; s < 1 + i % 4; ++s) list.push_back({{"type", sensors[(i + s) % 5]}, {"sampling_rate_hz", 100.0 * static_cast<double>(1 + s)}});
    td["capabilities"]["sensors"] = list;
    out.push_back(std::move(td));
  }
  return out;
}

std::vector<json> Cards(size_t count) {
  const json base = ReadJson("ontology/examples/kws_model_card.json");
  std::vector<json> out;
  for (size_t i = 0; i < count; ++i) {
    json card = base;
    card["id"] = "model-" + std::to_string(i / 3);
    card["version"] = "1." + std::to_string(i % 3) + ".0";
    card["arena_bytes"] = 8000 + static_cast<int64_t>(i % 50) * 512;
    if (i % 2) card["ops"].push_back("ADD");
    out.push_back(std::move(card));
  }
  return out;
}

// Best of `reps` runs of body(), in seconds.
double Best(int reps, const std::function<void()>& body) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    auto start = Clock::now();
    body();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "shacl_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename Parse, typename Map>
json Measure(const char* kind, const std::vector<json>& documents, Parse parse, Map map,
             const kg::RegistryValidator& validator) {
  std::vector<std::vector<kg::Triple>> triples(documents.size());
  size_t triple_count = 0, conforming = 0;
  double map_s = Best(3, [&] {
    for (size_t i = 0; i < documents.size(); ++i) {
      auto parsed = parse(documents[i]);
      if (!parsed.ok()) Die(std::string(kind) + " does not parse: " + parsed.error().message);
      triples[i] = map(*parsed);
    }
  });
  for (const auto& list : triples) triple_count += list.size();
  double validate_s = Best(3, [&] {
    conforming = 0;
    for (const auto& list : triples) conforming += validator.Validate(list).conforms();
  });
  if (conforming != documents.size()) Die(std::string(kind) + ": a generated item does not conform");
  double both_s = Best(3, [&] {
    for (const json& document : documents) {
      auto parsed = parse(document);
      if (validator.Validate(map(*parsed)).violation_count() != 0) Die("unexpected violation");
    }
  });
  double n = static_cast<double>(documents.size());
  json out = {{"items", documents.size()},
              {"triples_per_item", static_cast<double>(triple_count) / n},
              {"parse_map_us_per_item", map_s / n * 1e6},
              {"validate_us_per_item", validate_s / n * 1e6},
              {"parse_map_validate_us_per_item", both_s / n * 1e6},
              {"items_per_s_without_validation", n / map_s},
              {"items_per_s_with_validation", n / both_s}};
  std::printf("%-8s %zu items, %.1f triples each: parse+map %.1f us, validate %.1f us, both %.1f us/item "
              "(%.0f/s with validation, %.0f/s without)\n",
              kind, documents.size(), static_cast<double>(triple_count) / n, map_s / n * 1e6,
              validate_s / n * 1e6, both_s / n * 1e6, n / both_s, n / map_s);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t devices = 20000, models = 5000;
  std::string out_path = std::string(TINYFORGE_SOURCE_DIR) + "/bench/results/shacl.json";
  tinyforge::bench::FlagReader flags(argc, argv, "[--devices N] [--models M] [--out FILE]");
  while (flags.Next()) {
    if (flags.Is("--devices")) devices = flags.Number<size_t>(1, 10000000);
    else if (flags.Is("--models")) models = flags.Number<size_t>(1, 10000000);
    else if (flags.Is("--out")) out_path = flags.Text();
    else flags.Unknown();
  }
  auto load_start = Clock::now();
  auto validator = kg::RegistryValidator::FromTurtle(kg::EmbeddedShapesTurtle(), kg::EmbeddedOntologyTurtle());
  double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();
  if (!validator.ok()) Die(validator.error().message);
  // The gate must refuse a broken item, or the timings below mean nothing.
  json broken = Devices(1)[0];
  broken["capabilities"]["ram_bytes"] = 0;
  if ((*validator)->Validate(kg::DeviceTriples(*kg::ParseDeviceDescription(broken))).violation_count() == 0) {
    Die("a device with 0 bytes of RAM passed validation");
  }
  std::printf("shapes + ontology loaded and compiled in %.2f ms (%zu shapes)\n", load_ms,
              (*validator)->shapes().shapes().size());
  json result = {
      {"what", "per-item cost of SHACL validation (RegistryValidator) next to JSON parse + RDF mapping"},
      {"command", "scripts/run-shacl-bench.sh"},
#ifdef NDEBUG
      {"build", "release"},
#else
      {"build", "debug"},
#endif
      {"shapes_load_ms", load_ms},
      {"devices", Measure("devices", Devices(devices), kg::ParseDeviceDescription, kg::DeviceTriples, **validator)},
      {"models", Measure("models", Cards(models), kg::ParseModelCard, kg::ModelCardTriples, **validator)}};
  std::ofstream(out_path) << result.dump(2) << "\n";
  std::printf("wrote %s\n", out_path.c_str());
  return 0;
}
