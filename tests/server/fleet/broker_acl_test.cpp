// MosquittoProcess + ACLs against the real broker: a device's credentials cannot publish under
// another device's topics, cannot read another device's OTA topics, cannot forge OTA offers, and
// anonymous or wrong-password clients are refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <filesystem>

#include "server/fleet/mosquitto_process.h"
#include "server/fleet/mqtt_client.h"

namespace tinyforge::server::fleet {
namespace {

class BrokerAclTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    MosquittoOptions options;
    options.data_dir = std::filesystem::temp_directory_path() /
                       ("tf-fleet-acl-" + std::to_string(::getpid()));
    options.device_ids = {"dev-a", "dev-b"};
    options.remove_data_dir_on_stop = true;
    auto broker = MosquittoProcess::Start(options);
    ASSERT_TRUE(broker.ok()) << broker.error().message;
    broker_ = std::move(broker).value().release();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  std::unique_ptr<MqttClient> Connected(const std::string& client_id, const MqttCredentials& cred) {
    auto client = std::make_unique<MqttClient>(client_id);
    auto connected = client->Connect(broker_->host(), broker_->port(), cred.user, cred.password);
    EXPECT_TRUE(connected.ok()) << connected.error().message;
    return client;
  }
  static void PollAll(std::initializer_list<MqttClient*> clients, int rounds = 30) {
    for (int i = 0; i < rounds; ++i)
      for (MqttClient* client : clients) client->Poll(3);
  }
  static std::vector<std::string> Topics(MqttClient& client) {
    std::vector<std::string> topics;
    for (const auto& message : client.inbox()) topics.push_back(message.topic);
    return topics;
  }
  static MosquittoProcess* broker_;
};
MosquittoProcess* BrokerAclTest::broker_ = nullptr;

TEST_F(BrokerAclTest, DeviceCanPublishOnlyUnderItsOwnTopics) {
  ASSERT_NE(broker_, nullptr);
  auto server = Connected("server", broker_->server_credentials());
  ASSERT_EQ(server->Subscribe("tf/#").value(), 1);
  auto device_a = Connected("dev-a", broker_->device_credentials("dev-a").value());
  const std::vector<uint8_t> payload = {1, 2, 3};
  // QoS 1 publishes are acknowledged either way (MQTT 3.1.1 cannot say 'denied'); the broker drops
  // the denied ones, so what the server receives is the test.
  for (const char* topic : {"tf/dev-a/telemetry", "tf/dev-b/telemetry", "tf/dev-b/state",
                            "tf/dev-a/ota/offer", "tf/dev-b/ota/ack", "tf/dev-a/alert",
                            "tf/other", "elsewhere/topic"})
    ASSERT_TRUE(device_a->Publish(topic, payload).ok()) << topic;
  PollAll({server.get(), device_a.get()});
  EXPECT_EQ(Topics(*server), (std::vector<std::string>{"tf/dev-a/telemetry", "tf/dev-a/alert"}));
}

TEST_F(BrokerAclTest, DeviceReadsOnlyItsOwnOtaTopics) {
  ASSERT_NE(broker_, nullptr);
  auto server = Connected("server2", broker_->server_credentials());
  auto device_a = Connected("dev-a-reader", broker_->device_credentials("dev-a").value());
  for (const char* topic : {"tf/dev-a/ota/offer", "tf/dev-a/ota/chunk", "tf/dev-b/ota/offer",
                            "tf/dev-b/ota/chunk", "tf/+/ota/#", "tf/#", "tf/dev-b/telemetry"})
    (void)device_a->Subscribe(topic);
  const std::vector<uint8_t> payload = {9};
  for (const char* topic : {"tf/dev-a/ota/offer", "tf/dev-a/ota/chunk", "tf/dev-b/ota/offer",
                            "tf/dev-b/ota/chunk", "tf/dev-b/telemetry"})
    ASSERT_TRUE(server->Publish(topic, payload).ok());
  PollAll({server.get(), device_a.get()});
  std::vector<std::string> topics = Topics(*device_a);
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());  // overlapping filters
  EXPECT_EQ(topics, (std::vector<std::string>{"tf/dev-a/ota/chunk", "tf/dev-a/ota/offer"}));
}

TEST_F(BrokerAclTest, RefusesAnonymousAndWrongPasswords) {
  ASSERT_NE(broker_, nullptr);
  MqttClient anonymous("anon");
  EXPECT_FALSE(anonymous.Connect(broker_->host(), broker_->port(), "", "").ok());
  MqttClient wrong("wrong");
  EXPECT_FALSE(wrong.Connect(broker_->host(), broker_->port(), "dev-a", "not-the-password").ok());
  // dev-b's password does not open dev-a's account.
  MqttClient swapped("swapped");
  EXPECT_FALSE(swapped.Connect(broker_->host(), broker_->port(), "dev-a",
                               broker_->device_credentials("dev-b")->password).ok());
}

TEST_F(BrokerAclTest, AddDeviceReloadsAccountsWithoutRestart) {
  ASSERT_NE(broker_, nullptr);
  const pid_t pid = broker_->pid();
  auto added = broker_->AddDevice("dev-c");
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(broker_->pid(), pid);
  bool connected = false;
  for (int attempt = 0; attempt < 50 && !connected; ++attempt) {  // SIGHUP reload is asynchronous
    MqttClient device_c("dev-c");
    connected = device_c.Connect(broker_->host(), broker_->port(), added->user, added->password).ok();
    if (!connected) usleep(50000);
  }
  EXPECT_TRUE(connected);
  EXPECT_FALSE(broker_->AddDevice("bad/id").ok());
  EXPECT_FALSE(broker_->device_credentials("dev-z").ok());
}

TEST(MosquittoProcessTest, StopsTheBrokerAndFreesThePort) {
  MosquittoOptions options;
  options.data_dir = std::filesystem::temp_directory_path() /
                     ("tf-fleet-stop-" + std::to_string(::getpid()));
  options.remove_data_dir_on_stop = true;
  auto broker = MosquittoProcess::Start(options);
  ASSERT_TRUE(broker.ok()) << broker.error().message;
  const pid_t pid = broker.value()->pid();
  const int port = broker.value()->port();
  EXPECT_EQ(::kill(pid, 0), 0);
  broker.value()->Stop();
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_FALSE(std::filesystem::exists(options.data_dir));
  MqttClient client("late");
  EXPECT_FALSE(client.Connect("127.0.0.1", port, "tf-server", "x", 500).ok());
}

}  // namespace
}  // namespace tinyforge::server::fleet
