// Where a registered device's time goes (issue 5, registration ≥ 5,000 devices/s): each stage of
// `POST /api/v1/devices:batch` timed on its own, CPU seconds next to wall seconds, on a generated
// plant (bench/kg/plant_generator.h):
//   in process, one thread: JSON parse of the batch body, JSON -> struct, struct -> triples, SHACL
//     validation, capability profile keys, the bodies the server POSTs (N-Triples and Turtle, and
//     the N-Triples of the layout before the shared MCU node, for the side-by-side);
//   the store alone (a real Virtuoso, started by the server): Graph Store POSTs of those bodies,
//     one at a time and two at once, with the store's CPU seconds (/proc/<pid>/stat);
//   the whole REST path: the same devices through POST /api/v1/devices:batch, our CPU and the
//     store's CPU.
// Prints a table and writes JSON (--out, default bench/results/kg_register_profile.json).
//   kg_register_profile [--devices 20000] [--batch 5000] [--models 100] [--out FILE] [--data-dir DIR]
#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "bench/common/bench_flags.h"
#include "bench/kg/plant_generator.h"
#include "server/http/server_app.h"
#include "server/kg/capability_profile.h"
#include "server/kg/knowledge_graph.h"
#include "server/kg/rdf_mapping.h"
#include "server/kg/registry_validator.h"

namespace {

using nlohmann::json;
using tinyforge::bench::kg::Plant;
namespace kg = tinyforge::server::kg;
namespace fs = std::filesystem;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kg_register_profile: %s\n", message.c_str());
  std::exit(1);
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double ProcessCpuSeconds() {  // every thread of this process (the in-process server included)
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}
double PidCpuSeconds(pid_t pid) {  // utime + stime of another process
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int index = 3; fields >> field; ++index) {  // field 3 is the state
    if (index == 14 || index == 15) ticks += std::stod(field);
    if (index == 15) break;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string Shell(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[256];
    while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
    pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

struct Options {
  int devices = 20000;
  int batch = 5000;
  int models = 100;
  std::string out = "bench/results/kg_register_profile.json";
  fs::path data_dir = "build/kg-bench-release/kg-register-profile-data";
};

// One stage: per-device microseconds of wall and CPU time.
struct Stage {
  std::string name;
  double wall_s = 0;
  double cpu_s = 0;        // this thread (in-process stages) or our process (store/REST stages)
  double store_cpu_s = 0;  // the Virtuoso process
};

class Profile {
 public:
  explicit Profile(const Options& options) : options_(options) {}

  json Run() {
    plant_ = Plant::Generate({options_.devices, options_.models, 42});
    for (size_t begin = 0; begin < plant_.devices.size(); begin += static_cast<size_t>(options_.batch)) {
      json batch = json::array();
      for (size_t d = begin; d < std::min(plant_.devices.size(), begin + static_cast<size_t>(options_.batch)); ++d) {
        batch.push_back(plant_.DeviceJson(d));
      }
      batch_bodies_.push_back(batch.dump());
    }
    InProcessStages();
    StartServer();
    RegisterModels();
    StoreStages();
    RestStage();
    return Report();
  }

 private:
  template <typename F>
  void TimeInProcess(const std::string& name, F&& work) {
    double wall = WallSeconds();
    double cpu = ThreadCpuSeconds();
    work();
    stages_.push_back({name, WallSeconds() - wall, ThreadCpuSeconds() - cpu, 0});
  }
  template <typename F>
  void TimeWithStore(const std::string& name, F&& work) {
    double wall = WallSeconds();
    double cpu = ProcessCpuSeconds();
    double store = PidCpuSeconds(store_pid_);
    work();
    stages_.push_back({name, WallSeconds() - wall, ProcessCpuSeconds() - cpu, PidCpuSeconds(store_pid_) - store});
  }

  void InProcessStages() {
    auto validator = kg::RegistryValidator::Embedded();
    if (!validator.ok()) Die(validator.error().message);
    std::vector<json> items;
    TimeInProcess("parse JSON body", [&] {
      for (const auto& body : batch_bodies_) {
        json batch = json::parse(body);
        for (auto& item : batch) items.push_back(std::move(item));
      }
    });
    TimeInProcess("JSON -> DeviceDescription", [&] {
      for (const auto& item : items) {
        auto parsed = kg::ParseDeviceDescription(item);
        if (!parsed.ok()) Die(parsed.error().message);
        devices_.push_back(std::move(parsed.value()));
      }
    });
    std::vector<std::vector<kg::Triple>> triples;
    TimeInProcess("DeviceTriples (mapping)", [&] {
      for (const auto& device : devices_) triples.push_back(kg::DeviceTriples(device));
    });
    for (const auto& list : triples) mapped_triples_ += list.size();
    TimeInProcess("SHACL validation", [&] {
      for (const auto& list : triples) {
        if ((*validator)->Validate(list).violation_count() != 0) Die("a generated device does not conform");
      }
    });
    std::vector<kg::CapabilityProfile> profiles;
    TimeInProcess("capability profile + key", [&] {
      for (const auto& device : devices_) {
        profiles.push_back(kg::ProfileOf(device));
        (void)profiles.back().Iri();
      }
    });
    // The bodies as CompatibilityIndex::AddDevices builds them: the device's own triples and
    // tf:hasProfile, then the shared nodes (MCU, firmware, runtime, profile) once per batch. Side
    // by side, the layout before the shared MCU node (rdf_mapping.h, McuIri): the same MCU
    // triples under the device's own IRI (`device/{id}/mcu...`), so written for every device.
    auto bodies = [&](Layout layout, bool turtle) {
      Bodies out;
      size_t per_batch = static_cast<size_t>(options_.batch);
      for (size_t begin = 0; begin < devices_.size(); begin += per_batch) {
        size_t end = std::min(devices_.size(), begin + per_batch);
        std::unordered_set<std::string> shared_lines;
        std::vector<kg::Triple> body;
        for (size_t i = begin; i < end; ++i) {
          const std::string own_prefix = kg::DeviceIri(devices_[i].id).value();
          std::vector<kg::Triple> list = layout == Layout::kMcuPerDevice ? McuPerDevice(devices_[i], triples[i]) : triples[i];
          list.push_back(kg::HasProfileTriple(devices_[i], profiles[i]));
          auto profile_triples = kg::ProfileTriples(profiles[i]);
          list.insert(list.end(), profile_triples.begin(), profile_triples.end());
          for (kg::Triple& triple : list) {
            const std::string& subject = triple.subject.value();
            bool own = subject == own_prefix || subject.compare(0, own_prefix.size() + 1, own_prefix + "/") == 0;
            if (!own && !shared_lines.insert(kg::ToNTriples({triple})).second) continue;
            body.push_back(std::move(triple));
          }
        }
        out.triples += body.size();
        out.texts.push_back(turtle ? kg::ToTurtle(body) : kg::ToNTriples(body));
        out.bytes += out.texts.back().size();
      }
      return out;
    };
    TimeInProcess("bodies: N-Triples, MCU per device (before)", [&] { legacy_ = bodies(Layout::kMcuPerDevice, false); });
    TimeInProcess("bodies: N-Triples, shared MCU", [&] { ntriples_ = bodies(Layout::kSharedMcu, false); });
    TimeInProcess("bodies: Turtle, shared MCU", [&] { turtle_ = bodies(Layout::kSharedMcu, true); });
  }

  enum class Layout { kSharedMcu, kMcuPerDevice };
  struct Bodies {
    std::vector<std::string> texts;
    size_t triples = 0, bytes = 0;
  };
  // The device's triples with its MCU node under its own IRI, as the mapping wrote them before.
  static std::vector<kg::Triple> McuPerDevice(const kg::DeviceDescription& device, std::vector<kg::Triple> triples) {
    const std::string shared = kg::McuIri(device).value();
    const std::string own = kg::DeviceIri(device.id).value() + "/mcu";
    auto move = [&](kg::Term& term) {
      if (term.kind() == kg::Term::Kind::kIri && term.value().compare(0, shared.size(), shared) == 0) {
        term = kg::Term::Iri(own + term.value().substr(shared.size())).value();
      }
    };
    for (kg::Triple& triple : triples) {
      move(triple.subject);
      move(triple.object);
    }
    return triples;
  }

  void StartServer() {
    fs::remove_all(options_.data_dir);
    tinyforge::server::http::ServerOptions server_options;
    server_options.data_dir = options_.data_dir;
    server_options.max_body_bytes = 64u << 20;
    server_options.store_buffers = 300000;
    server_options.remove_store_data_on_exit = true;
    auto app = tinyforge::server::http::ServerApp::Start(server_options);
    if (!app.ok()) Die("server did not start: " + app.error().message);
    app_ = std::move(app.value());
    store_ = app_->store().Current();
    if (!store_) Die("store not available");
    store_pid_ = app_->store().pid();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", app_->port());
    client_->set_keep_alive(true);
    client_->set_read_timeout(600, 0);
    client_->set_write_timeout(600, 0);
    client_->set_bearer_token_auth(app_->db().IssueToken(tinyforge::server::domain::Role::kAdmin, "profile")->secret);
  }

  void RegisterModels() {
    for (size_t r = 0; r < plant_.runtimes.size(); ++r) {
      auto response = client_->Post("/api/v1/runtimes", plant_.RuntimeJson(r).dump(), "application/json");
      if (!response || response->status != 201) Die("runtime registration failed");
    }
    for (size_t m = 0; m < plant_.models.size(); ++m) {
      auto response = client_->Post("/api/v1/models", plant_.ModelJson(m).dump(), "application/json");
      if (!response || response->status != 201) Die("model registration failed");
    }
  }

  void StoreStages() {
    const std::string scratch = "urn:tinyforge:bench:profile-load";
    auto clear = [&] {
      if (!store_->client->Update("CLEAR SILENT GRAPH <" + scratch + ">").ok()) Die("clear failed");
    };
    auto post = [&](const std::string& type, const std::string& body) {
      auto posted = store_->client->GraphStorePost(scratch, type, body);
      if (!posted.ok()) Die("GSP load failed: " + posted.error().message);
    };
    auto one_at_a_time = [&](const std::string& name, const Bodies& bodies, const std::string& type) {
      TimeWithStore(name, [&] {
        for (const auto& body : bodies.texts) post(type, body);
      });
      clear();
    };
    one_at_a_time("store: N-Triples, MCU per device (before)", legacy_, "application/n-triples");
    one_at_a_time("store: N-Triples, shared MCU", ntriples_, "application/n-triples");
    one_at_a_time("store: Turtle, shared MCU", turtle_, "text/turtle");
    // Two loads in flight: each batch's triples in halves (does the store use the 2nd core?).
    TimeWithStore("store: N-Triples, shared MCU, two at once", [&] {
      for (const auto& body : ntriples_.texts) {
        size_t middle = body.find('\n', body.size() / 2) + 1;
        std::string first = body.substr(0, middle), second = body.substr(middle);
        auto other = std::async(std::launch::async, [&] { post("application/n-triples", second); });
        post("application/n-triples", first);
        other.get();
      }
    });
    clear();
  }

  void RestStage() {
    TimeWithStore("REST: POST /api/v1/devices:batch", [&] {
      for (const auto& body : batch_bodies_) {
        auto response = client_->Post("/api/v1/devices:batch", body, "application/json");
        if (!response || response->status != 201) Die("batch failed: " + (response ? response->body.substr(0, 400) : ""));
      }
    });
  }

  json Report() {
    double n = static_cast<double>(devices_.size());
    json stages = json::array();
    std::printf("%d devices, batches of %d, %d models; %.1f mapped triples/device\n", options_.devices, options_.batch,
                options_.models, static_cast<double>(mapped_triples_) / n);
    json layouts = json::object();
    for (const auto& [name, bodies] : {std::pair<const char*, const Bodies*>{"n-triples, MCU per device (before)", &legacy_},
                                       {"n-triples, shared MCU", &ntriples_}, {"turtle, shared MCU", &turtle_}}) {
      std::printf("  %-36s %6.1f stored triples/device, %6.0f body bytes/device\n", name,
                  static_cast<double>(bodies->triples) / n, static_cast<double>(bodies->bytes) / n);
      layouts[name] = {{"stored_triples_per_device", static_cast<double>(bodies->triples) / n},
                       {"body_bytes_per_device", static_cast<double>(bodies->bytes) / n}};
    }
    std::printf("%-40s %10s %10s %12s %12s\n", "stage", "wall us/d", "cpu us/d", "store cpu us/d", "devices/s");
    for (const Stage& stage : stages_) {
      double per_second = stage.wall_s > 0 ? n / stage.wall_s : 0;
      std::printf("%-40s %10.1f %10.1f %12.1f %12.0f\n", stage.name.c_str(), stage.wall_s / n * 1e6,
                  stage.cpu_s / n * 1e6, stage.store_cpu_s / n * 1e6, per_second);
      stages.push_back({{"stage", stage.name}, {"wall_us_per_device", stage.wall_s / n * 1e6},
                        {"cpu_us_per_device", stage.cpu_s / n * 1e6},
                        {"store_cpu_us_per_device", stage.store_cpu_s / n * 1e6}, {"devices_per_s", per_second}});
    }
    return {{"devices", options_.devices}, {"batch", options_.batch}, {"models", options_.models},
            {"mapped_triples_per_device", static_cast<double>(mapped_triples_) / n},
            {"bodies", layouts}, {"stages", stages},
            {"commit", Shell("git rev-parse --short HEAD 2>/dev/null")},
            {"load_average", Shell("cut -d' ' -f1-3 /proc/loadavg")},
            {"measured_at", Shell("date -u +%Y-%m-%dT%H:%M:%SZ")}};
  }

  Options options_;
  Plant plant_;
  std::vector<std::string> batch_bodies_;
  std::vector<kg::DeviceDescription> devices_;
  Bodies legacy_, ntriples_, turtle_;
  size_t mapped_triples_ = 0;
  std::vector<Stage> stages_;
  std::unique_ptr<tinyforge::server::http::ServerApp> app_;
  std::shared_ptr<const kg::StoreHandle> store_;
  pid_t store_pid_ = -1;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  tinyforge::bench::FlagReader flags(argc, argv, "[--devices N] [--batch B] [--models M] [--out FILE] [--data-dir DIR]");
  while (flags.Next()) {
    if (flags.Is("--devices")) options.devices = flags.Number<int>(1, 10000000);
    else if (flags.Is("--batch")) options.batch = flags.Number<int>(1, 1000000);
    else if (flags.Is("--models")) options.models = flags.Number<int>(0, 1000000);
    else if (flags.Is("--out")) options.out = flags.Text();
    else if (flags.Is("--data-dir")) options.data_dir = flags.Text();
    else flags.Unknown();
  }
  json result;
  {
    Profile profile(options);
    result = profile.Run();
  }
  json document = json::object();
  if (std::ifstream in(options.out); in) {
    document = json::parse(in, nullptr, false);
    if (document.is_discarded() || !document.is_object()) document = json::object();
  }
  if (!document.contains("runs") || !document["runs"].is_array()) document["runs"] = json::array();
  document["runs"].push_back(result);
  document["what"] = "per-stage cost of device registration (bench/kg/kg_register_profile.cpp): wall and CPU "
                     "microseconds per device, ours and the store's";
  document["command"] = "scripts/run-kg-bench.sh --profile-registration [--devices N]";
  std::ofstream out(options.out);
  out << document.dump(2) << "\n";
  if (!out) Die("cannot write " + options.out);
  std::printf("wrote %s\n", options.out.c_str());
  return 0;
}
