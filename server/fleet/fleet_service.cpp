// Start-up and ownership of the server's MQTT side (see fleet_service.h).
#include "server/fleet/fleet_service.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace tinyforge::server::fleet {

namespace fs = std::filesystem;

namespace {

// Whether 127.0.0.1:port can be bound now (something else listening there would otherwise look
// like our broker to the start-up probe).
bool LoopbackPortFree(int port) {
  if (port <= 0 || port > 65535) return false;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return free;
}

}  // namespace

Result<SigningKey> LoadOrCreateSigningKey(const fs::path& data_dir) {
  const fs::path secret = data_dir / "fleet-signing.key";
  const fs::path public_key = data_dir / "fleet-signing.pub";
  std::error_code error;
  if (fs::exists(secret, error)) {
    struct stat info {};
    if (::stat(secret.c_str(), &info) == 0 && (info.st_mode & 077) != 0)
      return MakeError(secret.string() + ": readable by others (mode " +
                       std::to_string(info.st_mode & 0777) + "); chmod 600 it");
    return LoadSigningKey(secret);
  }
  auto key = GenerateSigningKey();
  if (!key.ok()) return key.error();
  auto saved = SaveSigningKey(key.value(), secret, public_key);
  if (!saved.ok()) return saved.error();
  return key;
}

Result<std::unique_ptr<FleetService>> FleetService::Start(const FleetServiceOptions& options) {
  std::unique_ptr<FleetService> service(new FleetService());
  std::error_code error;
  fs::create_directories(options.data_dir, error);
  if (error) return MakeError(options.data_dir.string() + ": " + error.message());
  auto key = LoadOrCreateSigningKey(options.data_dir);
  if (!key.ok()) return MakeError("fleet signing key: " + key.error().message);
  service->key_ = key.value();

  BridgeOptions bridge;
  bridge.client_id = options.bridge_client_id;
  if (options.mqtt_url.empty()) {
    MosquittoOptions broker;
    broker.data_dir = options.data_dir / "mosquitto";
    broker.keep_accounts = true;  // devices registered by earlier runs keep connecting
    broker.remove_data_dir_on_stop = options.remove_broker_data_on_stop;
    // The port devices were given stays the same across restarts when it is still free.
    const fs::path port_file = options.data_dir / "mosquitto-port";
    std::ifstream(port_file) >> broker.preferred_port;
    if (!LoopbackPortFree(broker.preferred_port)) broker.preferred_port = 0;
    auto started = MosquittoProcess::Start(broker);
    if (!started.ok()) return MakeError("private broker: " + started.error().message);
    std::ofstream(port_file) << started.value()->port() << "\n";
    service->broker_ = std::move(started).value();
    bridge.broker = {service->broker_->host(), service->broker_->port(),
                     service->broker_->server_credentials().user,
                     service->broker_->server_credentials().password};
    service->broker_url_ = service->broker_->url();
  } else {
    auto endpoint = ParseMqttUrl(options.mqtt_url);
    if (!endpoint.ok()) return endpoint.error();
    bridge.broker = endpoint.value();
    bridge.broker.user = options.mqtt_user;
    bridge.broker.password = options.mqtt_password;
    service->broker_url_ = options.mqtt_url;
  }

  auto store = FleetStore::Open(options.data_dir);
  if (!store.ok()) return store.error();
  service->store_ = std::move(store).value();
  auto started_bridge = FleetBridge::Start(bridge, service->store_.get());
  if (!started_bridge.ok()) return started_bridge.error();
  service->bridge_ = std::move(started_bridge).value();
  auto distributor = OtaDistributor::Start(
      options.distributor, service->store_.get(),
      [bridge_ptr = service->bridge_.get()](const std::string& topic,
                                            const std::vector<uint8_t>& payload) {
        return bridge_ptr->Publish(topic, payload);
      });
  if (!distributor.ok()) return distributor.error();
  service->distributor_ = std::move(distributor).value();
  service->bridge_->SetEventSink(service->distributor_.get());
  return service;
}

FleetService::~FleetService() { Stop(); }

void FleetService::Stop() {
  if (bridge_) bridge_->SetEventSink(nullptr);
  if (distributor_) distributor_->Stop();
  if (bridge_) bridge_->Stop();
  if (broker_) broker_->Stop();
}

Result<ArtifactRecord> FleetService::AddArtifact(const ArtifactSpec& spec,
                                                 std::vector<uint8_t> payload,
                                                 const std::string& model_id,
                                                 const std::string& model_version) {
  auto signed_artifact = SignArtifact(key_, spec, std::move(payload));
  if (!signed_artifact.ok()) return signed_artifact.error();
  ArtifactRecord record;
  record.id = ArtifactIdOf(signed_artifact->manifest, signed_artifact->signature);
  auto existing = store_->GetArtifact(record.id);
  if (!existing.ok()) return existing.error();
  if (existing.value()) return *existing.value();
  record.spec = spec;
  record.size = static_cast<uint32_t>(signed_artifact->payload.size());
  record.sha256 = signed_artifact->sha256;
  record.manifest = signed_artifact->manifest;
  record.signature = signed_artifact->signature;
  record.model_id = model_id;
  record.model_version = model_version;
  record.created_ms = NowMs();
  auto stored = store_->PutArtifact(record, signed_artifact->payload);
  if (!stored.ok()) return stored.error();
  return record;
}

Result<MqttCredentials> FleetService::CreateDeviceAccount(const std::string& device_id) {
  if (!broker_)
    return MakeError("the server uses an external broker (" + broker_url_ +
                     "): create the device's account there");
  std::lock_guard<std::mutex> lock(accounts_mutex_);
  return broker_->AddDevice(device_id);
}

Result<std::vector<MqttCredentials>> FleetService::CreateDeviceAccounts(
    const std::vector<std::string>& device_ids) {
  if (!broker_)
    return MakeError("the server uses an external broker (" + broker_url_ +
                     "): create the devices' accounts there");
  std::lock_guard<std::mutex> lock(accounts_mutex_);
  return broker_->AddDevices(device_ids);
}

}  // namespace tinyforge::server::fleet
