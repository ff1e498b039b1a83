// The server's MQTT side in one object, as tinyforge-server runs it: the broker (a private
// Mosquitto in DATA_DIR/mosquitto, or an external one from --mqtt-url), the fleet store
// (DATA_DIR/fleet.sqlite), the ingest bridge, the OTA distributor and the artifact signing key
// (DATA_DIR/fleet-signing.key, 0600, generated on first start; the public half in
// fleet-signing.pub is what devices are provisioned with).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/fleet/artifacts.h"
#include "server/fleet/fleet_bridge.h"
#include "server/fleet/fleet_store.h"
#include "server/fleet/mosquitto_process.h"
#include "server/fleet/ota_distributor.h"

namespace tinyforge::server::fleet {

struct FleetServiceOptions {
  std::filesystem::path data_dir;  // DATA_DIR
  std::string mqtt_url;            // empty: private Mosquitto; else mqtt://host:port
  std::string mqtt_user = "tf-server";  // external broker only
  std::string mqtt_password;            // external broker only
  DistributorOptions distributor;
  std::string bridge_client_id = "tf-server-bridge";
  bool remove_broker_data_on_stop = false;  // tests
};

class FleetService {
 public:
  // Starts the broker (unless external), opens the store, loads or creates the signing key,
  // connects the bridge and starts the distributor. Errors name the step.
  static Result<std::unique_ptr<FleetService>> Start(const FleetServiceOptions& options);
  ~FleetService();
  FleetService(const FleetService&) = delete;
  FleetService& operator=(const FleetService&) = delete;
  void Stop();  // distributor, bridge (commits what it accepted), broker; idempotent

  // Signs `payload` under the server key and stores it; the id is derived from the signature, so
  // uploading the same artifact twice returns the same record.
  Result<ArtifactRecord> AddArtifact(const ArtifactSpec& spec, std::vector<uint8_t> payload,
                                     const std::string& model_id = "",
                                     const std::string& model_version = "");
  // A broker account for a new device (private broker only): its MQTT password, shown once.
  Result<MqttCredentials> CreateDeviceAccount(const std::string& device_id);
  // The same for a batch registration: one broker reload for all of them.
  Result<std::vector<MqttCredentials>> CreateDeviceAccounts(const std::vector<std::string>& device_ids);
  bool private_broker() const { return broker_ != nullptr; }
  std::string broker_url() const { return broker_url_; }

  FleetStore& store() { return *store_; }
  FleetBridge& bridge() { return *bridge_; }
  OtaDistributor& distributor() { return *distributor_; }
  MosquittoProcess* broker() { return broker_.get(); }  // null with --mqtt-url
  const SigningKey& signing_key() const { return key_; }

 private:
  FleetService() = default;

  std::unique_ptr<MosquittoProcess> broker_;
  std::string broker_url_;
  std::unique_ptr<FleetStore> store_;
  std::unique_ptr<FleetBridge> bridge_;
  std::unique_ptr<OtaDistributor> distributor_;
  SigningKey key_;
  std::mutex accounts_mutex_;
};

// Loads DATA_DIR/fleet-signing.key, or generates it (0600) with fleet-signing.pub beside it.
Result<SigningKey> LoadOrCreateSigningKey(const std::filesystem::path& data_dir);

}  // namespace tinyforge::server::fleet
