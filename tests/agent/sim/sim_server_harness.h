// The real fleet server side for simulator tests and benchmarks: a private Mosquitto with one
// account per simulated device, the server's ingest (FleetBridge -> FleetStore, SQLite) and the
// OTA distributor, wired as `tinyforge serve` wires them. Header-only, so bench/fleet can use it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/sim/sim_options.h"
#include "server/fleet/artifacts.h"
#include "server/fleet/fleet_bridge.h"
#include "server/fleet/fleet_store.h"
#include "server/fleet/mosquitto_process.h"
#include "server/fleet/ota_distributor.h"
#include "server/fleet/update_dispatcher.h"

namespace tinyforge::agent::sim::testing {

namespace fleet = tinyforge::server::fleet;

struct ResultRecorder : fleet::UpdateListener {
  std::mutex mutex;
  std::vector<fleet::UpdateResult> results;
  void OnUpdateResult(const fleet::UpdateResult& result) override {
    std::lock_guard<std::mutex> lock(mutex);
    results.push_back(result);
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return results.size();
  }
  std::vector<fleet::UpdateResult> copy() {
    std::lock_guard<std::mutex> lock(mutex);
    return results;
  }
};

class SimServerHarness {
 public:
  // Starts the broker (accounts for device_ids), the store in data_dir/store, the bridge and the
  // distributor. Empty string on success, else what failed.
  std::string Start(const std::filesystem::path& data_dir, const std::vector<std::string>& device_ids,
                    fleet::DistributorOptions distributor_options = {}) {
    data_dir_ = data_dir;
    std::filesystem::remove_all(data_dir_);
    fleet::MosquittoOptions options;
    options.data_dir = data_dir_ / "broker";
    options.device_ids = device_ids;
    auto broker = fleet::MosquittoProcess::Start(options);
    if (!broker.ok()) return "broker: " + broker.error().message;
    broker_ = std::move(broker).value();
    auto store = fleet::FleetStore::Open(data_dir_ / "store");
    if (!store.ok()) return "store: " + store.error().message;
    store_ = std::move(store).value();
    fleet::BridgeOptions bridge_options;
    bridge_options.broker.host = broker_->host();
    bridge_options.broker.port = broker_->port();
    bridge_options.broker.user = broker_->server_credentials().user;
    bridge_options.broker.password = broker_->server_credentials().password;
    auto bridge = fleet::FleetBridge::Start(bridge_options, store_.get());
    if (!bridge.ok()) return "bridge: " + bridge.error().message;
    bridge_ = std::move(bridge).value();
    auto distributor = fleet::OtaDistributor::Start(
        distributor_options, store_.get(),
        [bridge = bridge_.get()](const std::string& topic, const std::vector<uint8_t>& payload) {
          return bridge->Publish(topic, payload);
        });
    if (!distributor.ok()) return "distributor: " + distributor.error().message;
    distributor_ = std::move(distributor).value();
    distributor_->SetListener(&recorder_);
    bridge_->SetEventSink(distributor_.get());
    auto key = fleet::GenerateSigningKey();
    if (!key.ok()) return "key: " + key.error().message;
    key_ = key.value();
    return "";
  }

  ~SimServerHarness() { Stop(); }
  void Stop() {
    if (bridge_) bridge_->SetEventSink(nullptr);
    distributor_.reset();
    if (bridge_) bridge_->Stop();
    bridge_.reset();
    store_.reset();
    broker_.reset();
    if (!data_dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(data_dir_, ignored);
    }
  }

  // Signs a model artifact for `device_type` and stores it; returns its id ("" on failure).
  std::string AddModelArtifact(const std::vector<uint8_t>& payload, uint32_t version,
                               const std::string& device_type) {
    fleet::ArtifactSpec spec;
    spec.kind = fleet::ArtifactKind::kModel;
    spec.version = version;
    spec.min_runtime_version = 0x000100;
    spec.device_type = device_type;
    auto signed_artifact = fleet::SignArtifact(key_, spec, payload);
    if (!signed_artifact.ok()) return "";
    fleet::ArtifactRecord record;
    record.id = fleet::ArtifactIdOf(signed_artifact->manifest, signed_artifact->signature);
    record.spec = spec;
    record.size = static_cast<uint32_t>(payload.size());
    record.sha256 = signed_artifact->sha256;
    record.manifest = signed_artifact->manifest;
    record.signature = signed_artifact->signature;
    record.created_ms = fleet::NowMs();
    return store_->PutArtifact(record, payload).ok() ? record.id : "";
  }

  // Fills the broker address, one account per device and the server's public key.
  void FillFleetOptions(const std::vector<std::string>& device_ids, FleetOptions* options) const {
    options->host = broker_->host();
    options->port = broker_->port();
    options->public_key = key_.public_key;
    options->accounts.clear();
    for (const std::string& id : device_ids)
      options->accounts.push_back({id, broker_->device_credentials(id).value().password});
  }

  // Telemetry messages the server stored (deduplicated), over the given devices.
  uint64_t StoredTelemetry(const std::vector<std::string>& device_ids) {
    uint64_t total = 0;
    for (const std::string& id : device_ids) {
      auto device = store_->GetDevice(id);
      if (device.ok() && device.value().has_value()) total += device.value()->telemetry_count;
    }
    return total;
  }

  fleet::MosquittoProcess& broker() { return *broker_; }
  fleet::FleetStore& store() { return *store_; }
  fleet::FleetBridge& bridge() { return *bridge_; }
  fleet::OtaDistributor& distributor() { return *distributor_; }
  ResultRecorder& results() { return recorder_; }
  const fleet::SigningKey& key() const { return key_; }

 private:
  std::filesystem::path data_dir_;
  std::unique_ptr<fleet::MosquittoProcess> broker_;
  std::unique_ptr<fleet::FleetStore> store_;
  std::unique_ptr<fleet::FleetBridge> bridge_;
  std::unique_ptr<fleet::OtaDistributor> distributor_;
  ResultRecorder recorder_;
  fleet::SigningKey key_;
};

inline std::vector<std::string> DeviceIds(const std::string& prefix, size_t count) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < count; ++i) {
    char suffix[32];
    std::snprintf(suffix, sizeof(suffix), "%05zu", i);
    ids.push_back(prefix + suffix);
  }
  return ids;
}

// Polls until done() or the timeout; generous timeouts (correctness, not speed).
template <typename Done>
bool WaitFor(Done done, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace tinyforge::agent::sim::testing
