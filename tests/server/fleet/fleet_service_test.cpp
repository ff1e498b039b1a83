// FleetService, as tinyforge-server runs it: the private broker keeps its port and the device
// accounts across a restart, the signing key is created once (0600) and reused, artifacts are
// signed under it (idempotent upload); with --mqtt-url it uses the given broker and leaves device
// accounts to its operator.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "server/fleet/fleet_service.h"
#include "server/fleet/mqtt_client.h"
#include "tests/server/fleet/fleet_service_support.h"

namespace tinyforge::server::fleet::testing {
namespace {

namespace fs = std::filesystem;

fs::path TestDir(const std::string& name) {
  return fs::temp_directory_path() / ("tf-fleet-service-" + std::to_string(::getpid()) + "-" + name);
}

TEST(FleetServiceTest, PrivateBrokerKeepsPortAccountsAndKeyAcrossARestart) {
  const fs::path dir = TestDir("private");
  fs::remove_all(dir);
  FleetServiceOptions options;
  options.data_dir = dir;
  auto first = FleetService::Start(options);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first.value()->private_broker());
  struct stat info {};
  ASSERT_EQ(::stat((dir / "fleet-signing.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto public_key = first.value()->signing_key().public_key;
  const int port = first.value()->broker()->port();
  auto account = first.value()->CreateDeviceAccount("svc-dev");
  ASSERT_TRUE(account.ok()) << account.error().message;
  ArtifactSpec spec;
  spec.kind = ArtifactKind::kFirmware;
  spec.version = 3;
  spec.device_type = "sensor-m4";
  auto artifact = first.value()->AddArtifact(spec, RandomBytes(500, 1));
  ASSERT_TRUE(artifact.ok()) << artifact.error().message;
  auto again = first.value()->AddArtifact(spec, RandomBytes(500, 1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, artifact->id);
  EXPECT_TRUE(VerifyManifest(artifact->manifest, artifact->signature, public_key));
  first.value().reset();

  auto second = FleetService::Start(options);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second.value()->broker()->port(), port);
  EXPECT_EQ(second.value()->signing_key().public_key, public_key);
  // The device registered in the first run still gets in with the password it was given.
  MqttClient device("svc-dev");
  auto connected = device.Connect("127.0.0.1", port, "svc-dev", account->password);
  EXPECT_TRUE(connected.ok()) << connected.error().message;
  MqttClient stranger("svc-stranger");
  EXPECT_FALSE(stranger.Connect("127.0.0.1", port, "svc-dev", "wrong").ok());
  auto listed = second.value()->store().ListArtifacts();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(second.value()->store().LoadSignedArtifact(artifact->id).ok());
  second.value().reset();
  fs::remove_all(dir);
}

TEST(FleetServiceTest, ExternalBrokerFromAUrl) {
  MosquittoOptions broker_options;
  broker_options.data_dir = TestDir("external-broker");
  broker_options.remove_data_dir_on_stop = true;
  auto broker = MosquittoProcess::Start(broker_options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  const fs::path dir = TestDir("external");
  fs::remove_all(dir);
  FleetServiceOptions options;
  options.data_dir = dir;
  options.mqtt_url = broker.value()->url();
  options.mqtt_user = broker.value()->server_credentials().user;
  options.mqtt_password = "wrong";
  auto refused = FleetService::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("refused"), std::string::npos) << refused.error().message;

  options.mqtt_password = broker.value()->server_credentials().password;
  auto service = FleetService::Start(options);
  ASSERT_TRUE(service.ok()) << service.error().message;
  EXPECT_FALSE(service.value()->private_broker());
  EXPECT_EQ(service.value()->broker_url(), broker.value()->url());
  EXPECT_TRUE(service.value()->bridge().counters().connected);
  auto account = service.value()->CreateDeviceAccount("ext-dev");
  ASSERT_FALSE(account.ok());
  EXPECT_NE(account.error().message.find("external broker"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "mosquitto"));
  service.value().reset();
  fs::remove_all(dir);

  options.mqtt_url = "mqtt://127.0.0.1:notaport";
  EXPECT_FALSE(FleetService::Start(options).ok());
}

}  // namespace
}  // namespace tinyforge::server::fleet::testing
