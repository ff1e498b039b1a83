// Telemetry ingest benchmark (bench/README.md "Fleet"): the same paced QoS 1 load from many
// device accounts (protocol telemetry, 36 bytes) into
//   1. a bare libmosquitto subscriber (the broker's own rate: the baseline), then
//   2. the server's ingest, FleetBridge -> SQLite (fleet-service's server/fleet/fleet_bridge.h),
// on one private Mosquitto, in one run. Each offered rate runs for --step-seconds; a step passes
// when nothing is lost and the consumer keeps up (achieved >= 90% of offered). Latency: bare =
// publish -> message callback; bridge = publish -> committed in SQLite (the k-th message in
// publish order counts as committed when the writer's committed count reaches k: an order-based
// estimate, as the bridge exposes no per-message commit time).
#include <mosquitto.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "agent/core/wire.h"
#include "bench/common/bench_flags.h"
#include "bench/fleet/load_publishers.h"
#include "server/fleet/fleet_bridge.h"
#include "server/fleet/fleet_store.h"
#include "server/fleet/mosquitto_process.h"

namespace fleet = tinyforge::server::fleet;
namespace wire = tinyforge::agent::wire;
using tinyforge::bench::LoadPublishers;
using tinyforge::bench::MonotonicNs;

namespace {

struct StepResult {
  double offered = 0;
  uint64_t published = 0, received = 0, lost = 0, duplicates = 0;
  double achieved = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
  bool passed = false;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))];
}

// The baseline consumer: one bare libmosquitto client, its own network thread.
class BareSubscriber {
 public:
  BareSubscriber(const LoadPublishers& publishers, const std::string& host, int port,
                 const fleet::MqttCredentials& credentials)
      : publishers_(publishers) {
    for (size_t i = 0; i < publishers.size(); ++i) index_[publishers.id(i)] = i;
    mosq_ = mosquitto_new("bench-bare-subscriber", true, this);
    mosquitto_username_pw_set(mosq_, credentials.user.c_str(), credentials.password.c_str());
    mosquitto_message_callback_set(mosq_, &OnMessage);
    mosquitto_connect(mosq_, host.c_str(), port, 60);
    mosquitto_subscribe(mosq_, nullptr, "tf/+/telemetry", 1);
    mosquitto_loop_start(mosq_);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACK
  }
  ~BareSubscriber() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  void BeginStep(uint32_t epoch) {
    std::lock_guard<std::mutex> lock(mutex_);
    epoch_ = epoch;
    seen_.assign(publishers_.size(), {});
    latencies_ms_.clear();
    received_ = duplicates_ = 0;
    last_ns_ = 0;
  }
  uint64_t received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  void Finish(StepResult* r, int64_t start_ns) {
    std::lock_guard<std::mutex> lock(mutex_);
    r->received = received_;
    r->duplicates = duplicates_;
    r->achieved = last_ns_ > start_ns ? static_cast<double>(received_) / (static_cast<double>(last_ns_ - start_ns) * 1e-9) : 0;
    r->p50_ms = Percentile(latencies_ms_, 0.50);
    r->p99_ms = Percentile(latencies_ms_, 0.99);
    r->max_ms = Percentile(latencies_ms_, 1.0);
  }

 private:
  static void OnMessage(struct mosquitto*, void* context, const struct mosquitto_message* m) {
    const int64_t now = MonotonicNs();
    auto* self = static_cast<BareSubscriber*>(context);
    const std::string topic = m->topic;
    const size_t a = topic.find('/'), b = topic.find('/', a + 1);
    if (a == std::string::npos || b == std::string::npos || m->payloadlen < 12) return;
    const auto it = self->index_.find(topic.substr(a + 1, b - a - 1));
    if (it == self->index_.end()) return;
    const auto* p = static_cast<const uint8_t*>(m->payload);
    const uint32_t epoch = wire::GetU32(p + 4), seq = wire::GetU32(p + 8);
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (epoch != self->epoch_) return;
    std::vector<uint8_t>& seen = self->seen_[it->second];
    if (seq >= seen.size()) seen.resize(seq + 1, 0);
    if (seen[seq]) {
      ++self->duplicates_;
      return;
    }
    seen[seq] = 1;
    ++self->received_;
    self->last_ns_ = now;
    const int64_t sent = self->publishers_.SendTimeNs(it->second, seq);
    if (sent > 0) self->latencies_ms_.push_back(static_cast<double>(now - sent) * 1e-6);
  }

  const LoadPublishers& publishers_;
  std::unordered_map<std::string, size_t> index_;
  struct mosquitto* mosq_;
  std::mutex mutex_;
  uint32_t epoch_ = 0;
  std::vector<std::vector<uint8_t>> seen_;
  std::vector<double> latencies_ms_;
  uint64_t received_ = 0, duplicates_ = 0;
  int64_t last_ns_ = 0;
};

// Samples the bridge's committed count every millisecond: (time, written).
class CommitSampler {
 public:
  explicit CommitSampler(fleet::FleetBridge* bridge) : bridge_(bridge) {
    thread_ = std::thread([this] {
      while (!stop_) {
        const uint64_t written = bridge_->counters().written;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (samples_.empty() || samples_.back().second != written)
            samples_.emplace_back(MonotonicNs(), written);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  ~CommitSampler() {
    stop_ = true;
    thread_.join();
  }
  std::vector<std::pair<int64_t, uint64_t>> samples() {
    std::lock_guard<std::mutex> lock(mutex_);
    return samples_;
  }

 private:
  fleet::FleetBridge* bridge_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::pair<int64_t, uint64_t>> samples_;
};

bool WaitFor(const std::function<bool()>& done, int timeout_ms) {
  const int64_t until = MonotonicNs() + int64_t{timeout_ms} * 1000000;
  while (MonotonicNs() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

std::string StepsJson(const std::vector<StepResult>& steps) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepResult& s = steps[i];
    out << (i ? ", " : "") << "{\"offered_per_s\": " << s.offered << ", \"published\": " << s.published
        << ", \"received\": " << s.received << ", \"lost\": " << s.lost
        << ", \"duplicates\": " << s.duplicates << ", \"achieved_per_s\": " << static_cast<int64_t>(s.achieved)
        << ", \"p50_ms\": " << s.p50_ms << ", \"p99_ms\": " << s.p99_ms << ", \"max_ms\": " << s.max_ms
        << ", \"passed\": " << (s.passed ? "true" : "false") << "}";
  }
  out << "]";
  return out.str();
}

// The consumer's capacity: the highest rate it achieved in any step that lost nothing (a step
// offered above capacity still measures it: the broker queues, the consumer drains at its pace).
double PeakLossless(const std::vector<StepResult>& steps) {
  double rate = 0;
  for (const StepResult& s : steps)
    if (s.lost == 0 && s.achieved > rate) rate = s.achieved;
  return rate;
}

double Sustained(const std::vector<StepResult>& steps, const StepResult** best) {
  double rate = 0;
  for (const StepResult& s : steps)
    if (s.passed && s.achieved > rate) {
      rate = s.achieved;
      *best = &s;
    }
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  size_t publisher_count = 100;
  double step_seconds = 3;
  std::vector<double> rates = {2000, 3000, 4000, 5000, 6500, 8000, 10000, 12500, 15000, 20000, 25000, 30000};
  std::string out_path;
  tinyforge::bench::FlagReader flags(argc, argv, "[--publishers N] [--rates r1,r2,...] [--step-seconds S] [--out FILE]");
  while (flags.Next()) {
    if (flags.Is("--publishers")) publisher_count = flags.Number<size_t>(1, 100000);
    else if (flags.Is("--step-seconds")) step_seconds = flags.Number<double>(0.1, 3600);
    else if (flags.Is("--out")) out_path = flags.Text();
    else if (flags.Is("--rates")) rates = flags.NumberList<double>(1, 1e7);
    else flags.Unknown();
  }
  fleet::MosquittoOptions broker_options;
  broker_options.data_dir = std::filesystem::temp_directory_path() / ("tf-ingest-bench-" + std::to_string(::getpid()));
  broker_options.remove_data_dir_on_stop = true;
  for (size_t i = 0; i < publisher_count; ++i) {
    char id[32];
    std::snprintf(id, sizeof(id), "pub-%04zu", i);
    broker_options.device_ids.push_back(id);
  }
  auto started = fleet::MosquittoProcess::Start(broker_options);
  if (!started.ok()) {
    std::fprintf(stderr, "broker: %s\n", started.error().message.c_str());
    return 1;
  }
  std::unique_ptr<fleet::MosquittoProcess> broker = std::move(started).value();
  std::vector<tinyforge::bench::PublisherAccount> accounts;
  for (const std::string& id : broker_options.device_ids)
    accounts.push_back(tinyforge::bench::PublisherAccount{id, broker->device_credentials(id).value().password});
  std::string error;
  auto publishers = LoadPublishers::Connect(broker->host(), broker->port(), accounts, &error);
  if (publishers == nullptr) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  uint32_t epoch = 1;

  // 1. Baseline: bare subscriber.
  std::vector<StepResult> bare_steps;
  {
    BareSubscriber subscriber(*publishers, broker->host(), broker->port(), broker->server_credentials());
    int failures = 0;
    for (double rate : rates) {
      StepResult r;
      r.offered = rate;
      subscriber.BeginStep(epoch);
      const int64_t start = MonotonicNs();
      r.published = publishers->RunStep(epoch++, rate, step_seconds, 20000);
      WaitFor([&] { return subscriber.received() >= r.published; }, 20000);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // late duplicates
      subscriber.Finish(&r, start);
      r.lost = r.published > r.received ? r.published - r.received : 0;
      r.passed = r.lost == 0 && r.achieved >= 0.9 * rate;
      std::fprintf(stderr, "[bare]   offered %6.0f/s: %llu sent, %llu received, achieved %6.0f/s, p99 %.1f ms%s\n", rate,
                   (unsigned long long)r.published, (unsigned long long)r.received, r.achieved, r.p99_ms,
                   r.passed ? "" : "  (FAILED)");
      bare_steps.push_back(r);
      failures = r.passed ? 0 : failures + 1;
      if (failures >= 2) break;
    }
  }

  // 2. The server's ingest: FleetBridge into SQLite.
  std::vector<StepResult> bridge_steps;
  const auto store_dir = broker_options.data_dir.string() + "-store";
  {
    auto opened = fleet::FleetStore::Open(store_dir);
    if (!opened.ok()) {
      std::fprintf(stderr, "store: %s\n", opened.error().message.c_str());
      return 1;
    }
    std::unique_ptr<fleet::FleetStore> store = std::move(opened).value();
    fleet::BridgeOptions options;
    options.broker.host = broker->host();
    options.broker.port = broker->port();
    options.broker.user = broker->server_credentials().user;
    options.broker.password = broker->server_credentials().password;
    auto connected = fleet::FleetBridge::Start(options, store.get());
    if (!connected.ok()) {
      std::fprintf(stderr, "bridge: %s\n", connected.error().message.c_str());
      return 1;
    }
    std::unique_ptr<fleet::FleetBridge> bridge = std::move(connected).value();
    CommitSampler sampler(bridge.get());
    auto stored_total = [&] {
      uint64_t total = 0;
      for (size_t i = 0; i < publishers->size(); ++i) {
        auto device = store->GetDevice(publishers->id(i));
        if (device.ok() && device.value().has_value()) total += device.value()->telemetry_count;
      }
      return total;
    };
    int failures = 0;
    for (double rate : rates) {
      StepResult r;
      r.offered = rate;
      const auto before = bridge->counters();
      const uint64_t stored_before = stored_total();
      const int64_t start = MonotonicNs();
      r.published = publishers->RunStep(epoch++, rate, step_seconds, 20000);
      WaitFor([&] { return bridge->counters().written - before.written >= r.published; }, 30000);
      bridge->WaitUntilWritten(10000);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const auto after = bridge->counters();
      r.received = stored_total() - stored_before;
      r.duplicates = after.duplicates - before.duplicates;
      r.lost = r.published > r.received ? r.published - r.received : 0;
      // Order-based commit latency.
      std::vector<int64_t> sends;
      for (size_t i = 0; i < publishers->size(); ++i)
        for (uint32_t seq = 0; seq < publishers->SentBy(i); ++seq) sends.push_back(publishers->SendTimeNs(i, seq));
      std::sort(sends.begin(), sends.end());
      const auto samples = sampler.samples();
      std::vector<double> latencies;
      size_t s = 0;
      int64_t last_commit = start;
      for (size_t k = 0; k < sends.size(); ++k) {
        while (s < samples.size() && (samples[s].second < before.written || samples[s].second - before.written < k + 1)) ++s;
        if (s == samples.size()) break;
        latencies.push_back(static_cast<double>(samples[s].first - sends[k]) * 1e-6);
        last_commit = samples[s].first;
      }
      r.achieved = last_commit > start ? static_cast<double>(latencies.size()) / (static_cast<double>(last_commit - start) * 1e-9) : 0;
      r.p50_ms = Percentile(latencies, 0.50);
      r.p99_ms = Percentile(latencies, 0.99);
      r.max_ms = Percentile(latencies, 1.0);
      r.passed = r.lost == 0 && r.achieved >= 0.9 * rate;
      std::fprintf(stderr, "[bridge] offered %6.0f/s: %llu sent, %llu stored, achieved %6.0f/s, p99 %.1f ms%s\n", rate,
                   (unsigned long long)r.published, (unsigned long long)r.received, r.achieved, r.p99_ms,
                   r.passed ? "" : "  (FAILED)");
      bridge_steps.push_back(r);
      failures = r.passed ? 0 : failures + 1;
      if (failures >= 2) break;
    }
    bridge->Stop();
  }
  std::error_code ignored;
  std::filesystem::remove_all(store_dir, ignored);

  const StepResult* bare_best = nullptr;
  const StepResult* bridge_best = nullptr;
  const double bare_rate = Sustained(bare_steps, &bare_best);
  const double bridge_rate = Sustained(bridge_steps, &bridge_best);
  std::ostringstream json;
  json << "{\"qos\": 1, \"payload_bytes\": " << wire::kHeaderBytes + wire::kTelemetryBytes
       << ", \"publishers\": " << publisher_count << ", \"step_seconds\": " << step_seconds
       << ", \"bare_sustained_per_s\": " << static_cast<int64_t>(bare_rate)
       << ", \"bare_p99_ms_at_sustained\": " << (bare_best ? bare_best->p99_ms : 0)
       << ", \"server_sustained_per_s\": " << static_cast<int64_t>(bridge_rate)
       << ", \"server_p99_ms_at_sustained\": " << (bridge_best ? bridge_best->p99_ms : 0)
       << ", \"ratio\": " << (bare_rate > 0 ? bridge_rate / bare_rate : 0)
       << ", \"bare_peak_lossless_per_s\": " << static_cast<int64_t>(PeakLossless(bare_steps))
       << ", \"server_peak_lossless_per_s\": " << static_cast<int64_t>(PeakLossless(bridge_steps))
       << ", \"peak_ratio\": " << (PeakLossless(bare_steps) > 0 ? PeakLossless(bridge_steps) / PeakLossless(bare_steps) : 0)
       << ", \"goal_ratio\": 0.5, \"goal_met\": " << (bare_rate > 0 && bridge_rate >= 0.5 * bare_rate ? "true" : "false")
       << ", \"bare_steps\": " << StepsJson(bare_steps) << ", \"server_steps\": " << StepsJson(bridge_steps) << "}";
  std::printf("%s\n", json.str().c_str());
  if (!out_path.empty()) std::ofstream(out_path) << json.str() << "\n";
  return 0;
}
