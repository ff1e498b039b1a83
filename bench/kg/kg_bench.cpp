// Knowledge-graph benchmark (scripts/run-kg-bench.sh): a generated plant of N devices and M models
// registered through the real REST server (its own private Virtuoso), then every question asked
// twice — through the server (in-store compatibility index) and straight to the store (the raw
// two-step queries, the raw SPARQL) — timed side by side, and every answer checked against the
// generator's own expected answers. Writes/merges bench/results/kg.json (one entry per size).
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bench/common/bench_flags.h"
#include "bench/kg/plant_generator.h"
#include "server/http/server_app.h"
#include "server/kg/compatibility.h"
#include "server/kg/compatibility_index.h"
#include "server/kg/vocabulary.h"

namespace {

using nlohmann::json;
using tinyforge::bench::kg::Plant;
namespace kg = tinyforge::server::kg;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

json Stats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    if (values.empty()) return 0.0;
    size_t index = static_cast<size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
  };
  double sum = 0;
  for (double v : values) sum += v;
  return {{"n", values.size()}, {"p50_ms", at(0.5)}, {"p95_ms", at(0.95)}, {"max_ms", values.empty() ? 0 : values.back()},
          {"mean_ms", values.empty() ? 0 : sum / static_cast<double>(values.size())}};
}

struct Options {
  std::vector<int> sizes = {1000, 10000, 100000};
  int models = 1000;
  int samples = 30;
  int batch = 5000;
  long store_buffers = 300000;
  std::string out = "bench/results/kg.json";
  fs::path data_dir = "build/kg-bench-release/kg-bench-data";
  uint64_t seed = 42;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kg_bench: %s\n", message.c_str());
  std::exit(1);
}

// Free question for /sparql: devices with at least 256 KiB of RAM for the model, per MCU core.
const char* kFreeQuery =
    "PREFIX tf: <https://w3id.org/tinyforge/ontology#>\n"
    "PREFIX ssn: <http://www.w3.org/ns/ssn/>\n"
    "SELECT ?core (COUNT(?d) AS ?n) FROM <https://w3id.org/tinyforge/graph/registry>\n"
    "WHERE { ?d a tf:Device ; tf:ramBytes ?ram ; ssn:hasSubSystem ?mcu . ?mcu tf:cpuCore ?core .\n"
    "        FILTER(?ram >= 262144) } GROUP BY ?core ORDER BY ?core";

std::map<std::string, int64_t> ExpectedFreeAnswer(const Plant& plant) {
  std::map<std::string, int64_t> counts;
  for (const auto& d : plant.devices) {
    if (d.ram_bytes >= 262144) ++counts[d.core];
  }
  return counts;
}

std::map<std::string, int64_t> FreeAnswer(const json& results) {
  std::map<std::string, int64_t> counts;
  for (const auto& row : results["results"]["bindings"]) {
    counts[row["core"]["value"].get<std::string>()] = std::stoll(row["n"]["value"].get<std::string>());
  }
  return counts;
}

class Bench {
 public:
  Bench(const Options& options, int devices) : options_(options), devices_(devices) {}

  json Run() {
    std::printf("== %d devices, %d models\n", devices_, options_.models);
    plant_ = Plant::Generate({devices_, options_.models, options_.seed});
    fs::path dir = options_.data_dir / std::to_string(devices_);
    fs::remove_all(dir);
    tinyforge::server::http::ServerOptions server_options;
    server_options.data_dir = dir;
    server_options.max_body_bytes = 64u << 20;
    server_options.store_buffers = options_.store_buffers;
    server_options.remove_store_data_on_exit = true;
    auto app = tinyforge::server::http::ServerApp::Start(server_options);
    if (!app.ok()) Die("server did not start: " + app.error().message);
    app_ = std::move(app.value());
    token_ = app_->db().IssueToken(tinyforge::server::domain::Role::kAdmin, "bench")->secret;
    store_ = app_->store().Current();
    if (!store_) Die("store not available");
    client_ = std::make_unique<httplib::Client>("127.0.0.1", app_->port());
    client_->set_keep_alive(true);
    client_->set_tcp_nodelay(true);
    client_->set_read_timeout(600, 0);
    client_->set_write_timeout(600, 0);
    client_->set_bearer_token_auth(token_);

    json result = {{"devices", devices_}, {"models", options_.models}, {"seed", options_.seed},
                   {"capability_profiles", plant_.DistinctCapabilityProfiles()}};
    result["registration"] = Register();
    result["compatible_devices_first_page"] = CompatibleDevicesPage();
    result["compatible_devices_full_answer"] = CompatibleDevicesFull();
    result["compatible_models"] = CompatibleModels();
    result["free_sparql"] = FreeSparql();
    result["answers_checked"] = checked_;
    result["answers_wrong"] = wrong_;
    result["all_answers_correct"] = wrong_ == 0;
    client_.reset();
    store_.reset();
    app_.reset();
    fs::remove_all(dir);
    return result;
  }

 private:
  void Expect(bool ok, const std::string& what) {
    ++checked_;
    if (!ok) {
      ++wrong_;
      if (wrong_ <= 20) std::fprintf(stderr, "WRONG ANSWER: %s\n", what.c_str());
    }
  }

  httplib::Result Post(const std::string& path, const std::string& body) {
    return client_->Post(path.c_str(), body, "application/json");
  }
  json GetJson(const std::string& path) {
    auto response = client_->Get(path.c_str());
    if (!response || response->status != 200) {
      Die("GET " + path + " failed: " + (response ? std::to_string(response->status) + " " + response->body : "no answer"));
    }
    return json::parse(response->body);
  }

  json Register() {
    for (size_t r = 0; r < plant_.runtimes.size(); ++r) {
      auto response = Post("/api/v1/runtimes", plant_.RuntimeJson(r).dump());
      if (!response || response->status != 201) Die("runtime registration failed");
    }
    auto start = Clock::now();
    for (size_t m = 0; m < plant_.models.size(); ++m) {
      auto response = Post("/api/v1/models", plant_.ModelJson(m).dump());
      if (!response || response->status != 201) Die("model registration failed: " + (response ? response->body : ""));
    }
    double models_ms = Ms(start);
    // Raw baseline: the same devices' triples straight to the store with Graph Store Protocol
    // POSTs of ~10k triples (no validation, no index), into a scratch graph cleared afterwards.
    size_t raw_devices = std::min<size_t>(plant_.devices.size(), 20000);
    std::vector<std::string> bodies;
    {
      std::vector<kg::Triple> triples;
      for (size_t d = 0; d < raw_devices; ++d) {
        auto parsed = kg::ParseDeviceDescription(plant_.DeviceJson(d));
        if (!parsed.ok()) Die("generated device invalid: " + parsed.error().message);
        auto more = kg::DeviceTriples(*parsed);
        triples.insert(triples.end(), more.begin(), more.end());
        if (triples.size() >= 10000 || d + 1 == raw_devices) {
          bodies.push_back(kg::ToNTriples(triples));
          triples.clear();
        }
      }
    }
    const std::string scratch = "urn:tinyforge:bench:raw-load";
    start = Clock::now();
    for (const auto& body : bodies) {
      auto posted = store_->client->GraphStorePost(scratch, "application/n-triples", body);
      if (!posted.ok()) Die("raw GSP load failed: " + posted.error().message);
    }
    double raw_ms = Ms(start);
    if (!store_->client->Update("CLEAR SILENT GRAPH <" + scratch + ">").ok()) Die("clear failed");
    // Ours: POST /api/v1/devices:batch (validation, profiles, index, SQLite documents).
    std::vector<std::string> batches;
    for (size_t begin = 0; begin < plant_.devices.size(); begin += static_cast<size_t>(options_.batch)) {
      json batch = json::array();
      for (size_t d = begin; d < std::min(plant_.devices.size(), begin + static_cast<size_t>(options_.batch)); ++d) {
        batch.push_back(plant_.DeviceJson(d));
      }
      batches.push_back(batch.dump());
    }
    std::vector<double> batch_ms;
    start = Clock::now();
    for (const auto& body : batches) {
      auto batch_start = Clock::now();
      auto response = Post("/api/v1/devices:batch", body);
      if (!response || response->status != 201) Die("batch registration failed: " + (response ? response->body.substr(0, 500) : ""));
      batch_ms.push_back(Ms(batch_start));
    }
    double ours_ms = Ms(start);
    double ours_rate = static_cast<double>(plant_.devices.size()) / (ours_ms / 1000.0);
    double raw_rate = static_cast<double>(raw_devices) / (raw_ms / 1000.0);
    std::printf("registration: ours %.0f devices/s (batches of %d), raw GSP %.0f devices/s; models %.1f/s\n", ours_rate,
                options_.batch, raw_rate, static_cast<double>(plant_.models.size()) / (models_ms / 1000.0));
    return {{"ours_devices_per_s", ours_rate}, {"ours_batch_size", options_.batch}, {"ours_batch", Stats(batch_ms)},
            {"raw_gsp_devices_per_s", raw_rate}, {"raw_gsp_devices", raw_devices}, {"raw_gsp_triples_per_post", 10000},
            {"models_per_s", static_cast<double>(plant_.models.size()) / (models_ms / 1000.0)}};
  }

  std::vector<size_t> SampleModels() const {
    std::vector<size_t> picks;
    size_t n = std::min<size_t>(static_cast<size_t>(options_.samples), plant_.models.size());
    for (size_t i = 0; i < n; ++i) picks.push_back(i * plant_.models.size() / n + (i * 7) % std::max<size_t>(1, plant_.models.size() / n));
    return picks;
  }

  kg::Term ModelTerm(size_t m) const { return kg::ModelVersionIri(plant_.models[m].id, plant_.models[m].version); }
  std::string ModelPath(size_t m) const {
    return "/api/v1/models/" + plant_.models[m].id + "/compatible-devices?version=" + plant_.models[m].version;
  }

  json CompatibleDevicesPage() {
    std::vector<double> ours, raw;
    kg::CompatibilityQueries two_step(*store_->graph);
    for (size_t m : SampleModels()) {
      // Ours pages in profile order, the two-step query in id order: each checked in its own.
      std::vector<std::string> expected = plant_.CompatibleDeviceIds(m);
      std::vector<std::string> first(expected.begin(), expected.begin() + std::min<size_t>(100, expected.size()));
      std::vector<std::string> by_id = plant_.CompatibleDeviceIdsById(m);
      std::vector<std::string> first_by_id(by_id.begin(), by_id.begin() + std::min<size_t>(100, by_id.size()));
      auto start = Clock::now();
      json page = GetJson(ModelPath(m) + "&limit=100");
      ours.push_back(Ms(start));
      std::vector<std::string> ids;
      for (const auto& item : page["items"]) ids.push_back(item["id"]);
      Expect(page["total"].get<size_t>() == expected.size() && ids == first, "ours first page " + plant_.models[m].id);
      start = Clock::now();
      auto raw_page = two_step.CompatibleDevices(ModelTerm(m), 0, 100);
      raw.push_back(Ms(start));
      if (!raw_page.ok()) Die("raw two-step failed: " + raw_page.error().message);
      ids.clear();
      for (const auto& item : raw_page->items) ids.push_back(item.id);
      Expect(raw_page->total == static_cast<int64_t>(expected.size()) && ids == first_by_id,
             "raw first page " + plant_.models[m].id);
    }
    return Compare("compatible devices, first page of 100 + exact total", ours, raw);
  }

  json CompatibleDevicesFull() {
    std::vector<double> ours, raw;
    std::vector<double> rows;
    kg::CompatibilityQueries two_step(*store_->graph);
    auto picks = SampleModels();
    picks.resize(std::min<size_t>(picks.size(), 15));
    for (size_t m : picks) {
      std::vector<std::string> expected = plant_.CompatibleDeviceIds(m);
      rows.push_back(static_cast<double>(expected.size()));
      auto start = Clock::now();
      json all = GetJson(ModelPath(m) + "&limit=all");
      ours.push_back(Ms(start));
      std::vector<std::string> ids;
      for (const auto& item : all["items"]) ids.push_back(item["id"]);
      Expect(ids == expected, "ours full answer " + plant_.models[m].id);
      // Raw two-step: the requirements, then the device question with them as constants.
      start = Clock::now();
      auto requirements = two_step.ReadModelRequirements(ModelTerm(m));
      if (!requirements.ok()) Die(requirements.error().message);
      auto answer = store_->client->Select(std::string(kg::vocab::kPrefixes) + "SELECT DISTINCT ?device ?id\n" +
                                           store_->graph->FromClause() + "WHERE {\n" +
                                           two_step.CompatibleDevicesPattern(*requirements) +
                                           "  ?device schema:identifier ?id .\n}");
      if (!answer.ok()) Die(answer.error().message);
      std::vector<std::string> raw_ids;
      for (size_t i = 0; i < answer->rows.size(); ++i) raw_ids.push_back(answer->Get(i, "id")->value);
      std::sort(raw_ids.begin(), raw_ids.end());
      raw.push_back(Ms(start));
      Expect(raw_ids == plant_.CompatibleDeviceIdsById(m), "raw full answer " + plant_.models[m].id);
    }
    json out = Compare("compatible devices, full answer", ours, raw);
    out["rows"] = Stats(rows);
    out["rows"].erase("mean_ms");
    return out;
  }

  json CompatibleModels() {
    std::vector<double> ours, raw;
    kg::CompatibilityQueries two_step(*store_->graph);
    size_t n = std::min<size_t>(static_cast<size_t>(options_.samples), plant_.devices.size());
    for (size_t i = 0; i < n; ++i) {
      size_t d = i * plant_.devices.size() / n;
      auto expected = plant_.CompatibleModelKeys(d);
      std::vector<std::pair<std::string, std::string>> first(expected.begin(),
                                                             expected.begin() + std::min<size_t>(100, expected.size()));
      auto start = Clock::now();
      json page = GetJson("/api/v1/devices/" + plant_.devices[d].id + "/compatible-models?limit=100");
      ours.push_back(Ms(start));
      std::vector<std::pair<std::string, std::string>> got;
      for (const auto& item : page["items"]) got.emplace_back(item["id"], item["version"]);
      Expect(page["total"].get<size_t>() == expected.size() && got == first, "ours models " + plant_.devices[d].id);
      start = Clock::now();
      auto raw_page = two_step.CompatibleModels(kg::DeviceIri(plant_.devices[d].id), 0, 100);
      raw.push_back(Ms(start));
      if (!raw_page.ok()) Die(raw_page.error().message);
      got.clear();
      for (const auto& item : raw_page->items) got.emplace_back(item.id, item.version);
      Expect(raw_page->total == static_cast<int64_t>(expected.size()) && got == first, "raw models " + plant_.devices[d].id);
    }
    return Compare("compatible models, first page of 100 + exact total", ours, raw);
  }

  json FreeSparql() {
    std::vector<double> ours, raw;
    auto expected = ExpectedFreeAnswer(plant_);
    for (int i = 0; i < std::max(5, options_.samples / 2); ++i) {
      auto start = Clock::now();
      auto response = client_->Post("/sparql", httplib::Params{{"query", kFreeQuery}});
      ours.push_back(Ms(start));
      if (!response || response->status != 200) Die("/sparql failed");
      Expect(FreeAnswer(json::parse(response->body)) == expected, "ours free SPARQL");
      start = Clock::now();
      auto direct = store_->client->Select(kFreeQuery);
      raw.push_back(Ms(start));
      if (!direct.ok()) Die(direct.error().message);
      std::map<std::string, int64_t> counts;
      for (size_t r = 0; r < direct->rows.size(); ++r) {
        counts[direct->Get(r, "core")->value] = std::stoll(direct->Get(r, "n")->value);
      }
      Expect(counts == expected, "raw free SPARQL");
    }
    return Compare("free SPARQL (devices with >= 256 KiB RAM per MCU core)", ours, raw);
  }

  json Compare(const std::string& what, const std::vector<double>& ours, const std::vector<double>& raw) {
    json a = Stats(ours), b = Stats(raw);
    double speedup_p50 = a["p50_ms"].get<double>() > 0 ? b["p50_ms"].get<double>() / a["p50_ms"].get<double>() : 0;
    std::printf("%-60s ours p50 %8.1f p95 %8.1f ms | store p50 %8.1f p95 %8.1f ms | x%.1f\n", what.c_str(),
                a["p50_ms"].get<double>(), a["p95_ms"].get<double>(), b["p50_ms"].get<double>(),
                b["p95_ms"].get<double>(), speedup_p50);
    return {{"question", what}, {"ours", a}, {"store_direct", b}, {"speedup_p50", speedup_p50}};
  }

  const Options& options_;
  int devices_;
  Plant plant_;
  std::unique_ptr<tinyforge::server::http::ServerApp> app_;
  std::shared_ptr<const kg::StoreHandle> store_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
  int64_t checked_ = 0;
  int64_t wrong_ = 0;
};

std::string Shell(const char* command) {
  std::string out;
  if (FILE* pipe = ::popen(command, "r")) {
    char buffer[256];
    while (std::fgets(buffer, sizeof(buffer), pipe)) out += buffer;
    ::pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  tinyforge::bench::FlagReader flags(
      argc, argv, "[--sizes A,B] [--models M] [--samples S] [--batch B] [--store-buffers N] [--out F] [--data-dir D] [--seed S]");
  while (flags.Next()) {
    if (flags.Is("--sizes")) options.sizes = flags.NumberList<int>(1, 10000000);
    else if (flags.Is("--models")) options.models = flags.Number<int>(1, 1000000);
    else if (flags.Is("--samples")) options.samples = flags.Number<int>(1, 1000000);
    else if (flags.Is("--batch")) options.batch = flags.Number<int>(1, 1000000);
    else if (flags.Is("--store-buffers")) options.store_buffers = flags.Number<long>(1, 1L << 40);
    else if (flags.Is("--out")) options.out = flags.Text();
    else if (flags.Is("--data-dir")) options.data_dir = flags.Text();
    else if (flags.Is("--seed")) options.seed = flags.Number<uint64_t>();
    else flags.Unknown();
  }
  for (int size : options.sizes) {
    Bench bench(options, size);
    json run = bench.Run();
    // Read the file again for each size, right before writing: a run of several sizes takes many
    // minutes, and a document read at the start would put back entries another run wrote meanwhile.
    json document = json::object();
    if (std::ifstream in(options.out); in) {
      document = json::parse(in, nullptr, false);
      if (document.is_discarded() || !document.is_object()) document = json::object();
    }
    if (!document.contains("runs") || !document["runs"].is_array()) document["runs"] = json::array();
    run["measured_at"] = Shell("date -u +%Y-%m-%dT%H:%M:%SZ");
    run["commit"] = Shell("git rev-parse --short HEAD 2>/dev/null");
    run["load_average"] = Shell("cut -d' ' -f1-3 /proc/loadavg");
    run["store_buffers"] = options.store_buffers;
    json runs = json::array();
    for (const auto& old : document["runs"]) {
      if (!(old.value("devices", 0) == size && old.value("models", 0) == options.models)) runs.push_back(old);
    }
    runs.push_back(run);
    std::sort(runs.begin(), runs.end(), [](const json& a, const json& b) { return a.value("devices", 0) < b.value("devices", 0); });
    document["runs"] = runs;
    document["what"] = "TinyForge knowledge graph (issue 5): REST server with the in-store compatibility index vs the same "
                       "questions sent straight to Virtuoso (two-step queries, raw SPARQL); answers checked against the "
                       "plant generator (bench/kg/plant_generator.h)";
    document["command"] = "scripts/run-kg-bench.sh --sizes <N,...> (release build in build/kg-bench-release)";
    document["store"] = Shell("virtuoso-t +version 2>&1 | grep -m1 -o 'Version [0-9.]*'");
    document["machine"] = Shell("nproc") + " cores, " + Shell("awk '/MemTotal/ {printf \"%.0f GB\", $2/1048576}' /proc/meminfo");
    std::ofstream out(options.out);
    out << document.dump(2) << "\n";
    if (!out) Die("cannot write " + options.out);
    std::printf("wrote %s\n", options.out.c_str());
    if (!run["all_answers_correct"].get<bool>()) {
      std::fprintf(stderr, "kg_bench: %lld wrong answers at %d devices\n", static_cast<long long>(run["answers_wrong"].get<int64_t>()), size);
      return 2;
    }
  }
  return 0;
}
