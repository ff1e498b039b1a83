// The fleet routes end to end: the real server (private Virtuoso, private Mosquitto, real HTTP)
// and a real agent that connects with the MQTT password its registration returned and the
// signing key the server publishes. Registration -> telemetry/alerts visible over REST -> signed
// artifact upload -> single-device update -> confirmed; roles and bad input on the new routes.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "server/http/server_app.h"
#include "tests/server/fleet/fleet_service_support.h"

namespace tinyforge::server::http {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using fleet::testing::HostDevice;
using fleet::testing::RandomBytes;
using fleet::testing::WaitUntil;

class FleetApiTest : public ::testing::Test {
 protected:
  static fs::path DataDir() {
    return fs::path(TINYFORGE_BINARY_DIR) / "fleet-api-test-data" / std::to_string(::getpid());
  }
  static void SetUpTestSuite() {
    fs::remove_all(DataDir());
    ServerOptions options;
    options.data_dir = DataDir();
    options.store_probe_interval_ms = 200;
    auto app = ServerApp::Start(options);
    ASSERT_TRUE(app.ok()) << app.error().message;
    app_ = app.value().release();
    engineer_ = app_->db().IssueToken(domain::Role::kEngineer, "engineer")->secret;
    viewer_ = app_->db().IssueToken(domain::Role::kViewer, "viewer")->secret;
  }
  static void TearDownTestSuite() {
    delete app_;
    app_ = nullptr;
    std::error_code ignored;
    fs::remove_all(DataDir(), ignored);
  }
  static httplib::Result Request(const std::string& method, const std::string& path,
                                 const std::string& body, const std::string& token,
                                 const char* type = "application/json") {
    httplib::Client client("127.0.0.1", app_->port());
    client.set_read_timeout(60, 0);
    httplib::Headers headers = {{"Authorization", "Bearer " + token}};
    if (method == "GET") return client.Get(path.c_str(), headers);
    return client.Post(path.c_str(), headers, body, type);
  }
  static json Body(const httplib::Result& result) {
    return result ? json::parse(result->body, nullptr, false) : json();
  }

  static ServerApp* app_;
  static std::string engineer_, viewer_;
};
ServerApp* FleetApiTest::app_ = nullptr;
std::string FleetApiTest::engineer_, FleetApiTest::viewer_;

TEST_F(FleetApiTest, RegisteredDeviceReportsOverMqttAndIsUpdatedThroughRest) {
  ASSERT_NE(app_->fleet(), nullptr);
  std::ifstream td_file(fs::path(TINYFORGE_SOURCE_DIR) / "ontology/examples/nano_device.td.json");
  std::stringstream td;
  td << td_file.rdbuf();
  auto registered = Request("POST", "/api/v1/devices", td.str(), engineer_);
  ASSERT_TRUE(registered);
  ASSERT_EQ(registered->status, 201) << registered->body;
  const json account = Body(registered)["mqtt"];
  ASSERT_TRUE(account.is_object()) << registered->body;
  const std::string id = "nano-33-0001";
  EXPECT_EQ(account["user"], id);
  ASSERT_TRUE(account["password"].is_string()) << account.dump();
  EXPECT_EQ(account["url"], app_->fleet()->broker_url());

  // The device is provisioned with the server's public key, as published by the server.
  const json stats = Body(Request("GET", "/api/v1/fleet/stats", "", viewer_));
  const std::string key_hex = stats["signing_public_key"].get<std::string>();
  ASSERT_EQ(key_hex.size(), 64u);
  fleet::SigningKey device_key;
  for (size_t i = 0; i < 32; ++i)
    device_key.public_key[i] = static_cast<uint8_t>(std::stoi(key_hex.substr(2 * i, 2), nullptr, 16));

  HostDevice device(id, *app_->fleet()->broker(), device_key);
  device.SetCredentials(id, account["password"].get<std::string>());
  ASSERT_EQ(device.Provision(RandomBytes(2000, 21), 1), agent::AgentStatus::kOk);
  ASSERT_EQ(device.BootAndConnect(), agent::AgentStatus::kOk) << device.transport().error();
  ASSERT_EQ(device.agent().QueueTelemetry(7, 0, 0xFFFF), agent::AgentStatus::kOk);
  ASSERT_EQ(device.agent().RecordInference(80, true, 0.75f, 3, 7000), agent::AgentStatus::kOk);
  json view;
  ASSERT_TRUE(WaitUntil([&] {
    view = Body(Request("GET", "/api/v1/fleet/devices/" + id, "", viewer_));
    return view.contains("counters") && view["counters"]["telemetry"] == 1 &&
           view["counters"]["alerts"] == 1 && view["state"].is_object();
  }, 30000, [&] { device.Poll(5); })) << view.dump();
  EXPECT_EQ(view["state"]["running_version"], 1);
  EXPECT_EQ(view["state"]["device_type"], "sensor-m4");
  EXPECT_EQ(view["last_telemetry"]["uptime_s"], 7);
  const json alerts = Body(Request("GET", "/api/v1/fleet/devices/" + id + "/alerts", "", viewer_));
  ASSERT_EQ(alerts["total"], 1) << alerts.dump();
  EXPECT_EQ(alerts["items"][0]["class_index"], 3);
  EXPECT_FLOAT_EQ(alerts["items"][0]["score"].get<float>(), 0.75f);

  // Upload: engineers only, raw bytes, metadata in the query.
  const std::vector<uint8_t> v2 = RandomBytes(4000, 22);
  const std::string bytes(v2.begin(), v2.end());
  const std::string upload =
      "/api/v1/artifacts?kind=firmware&version=2&device_type=sensor-m4&min_runtime=0.1.0";
  auto forbidden = Request("POST", upload, bytes, viewer_, "application/octet-stream");
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403);
  auto bad = Request("POST", "/api/v1/artifacts?kind=firmware&version=x&device_type=sensor-m4", bytes,
                     engineer_, "application/octet-stream");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_NE(bad->body.find("version"), std::string::npos);
  auto uploaded = Request("POST", upload, bytes, engineer_, "application/octet-stream");
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 201) << uploaded->body;
  const json artifact = Body(uploaded);
  EXPECT_EQ(artifact["size"], 4000);
  EXPECT_EQ(artifact["manifest"].get<std::string>().size(), 144u);
  const json listed = Body(Request("GET", "/api/v1/artifacts", "", viewer_));
  ASSERT_EQ(listed["total"], 1);
  EXPECT_EQ(listed["items"][0]["id"], artifact["id"]);

  // Single-device update through the distributor.
  const json target = {{"artifact_id", artifact["id"]}};
  auto not_allowed = Request("POST", "/api/v1/fleet/devices/" + id + "/update", target.dump(), viewer_);
  ASSERT_TRUE(not_allowed);
  EXPECT_EQ(not_allowed->status, 403);
  auto unknown = Request("POST", "/api/v1/fleet/devices/" + id + "/update",
                         json{{"artifact_id", "art-0000000000000000"}}.dump(), engineer_);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto started = Request("POST", "/api/v1/fleet/devices/" + id + "/update", target.dump(), engineer_);
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202) << started->body;
  ASSERT_TRUE(WaitUntil([&] {
    view = Body(Request("GET", "/api/v1/fleet/devices/" + id, "", viewer_));
    return !view["update_history"].empty();
  }, 60000, [&] {
    device.Poll(5);
    if (device.agent().reboot_requested()) {
      device.Poll(10);
      ASSERT_EQ(device.BootAndConnect(), agent::AgentStatus::kOk);
      (void)device.agent().QueueTelemetry(1, 0, 0xFFFF);
    }
  })) << view.dump();
  EXPECT_EQ(view["update_history"][0]["outcome"], "confirmed") << view.dump();
  EXPECT_EQ(device.RunningImage(), v2);
  EXPECT_EQ(device.agent().slots().confirmed_version(), 2u);
  const json after = Body(Request("GET", "/api/v1/fleet/stats", "", viewer_));
  EXPECT_GE(after["ingest"]["accepted"].get<int>(), 4) << after.dump();
  EXPECT_EQ(after["ingest"]["malformed"], 0);
  EXPECT_GE(after["ota"]["chunks_sent"].get<int>(), 4);
}

TEST_F(FleetApiTest, FleetRoutesNeedAValidDeviceIdAndAToken) {
  auto no_token = httplib::Client("127.0.0.1", app_->port()).Get("/api/v1/fleet/stats");
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 401);
  auto bad_id = Request("GET", "/api/v1/fleet/devices/bad.id%21", "", viewer_);
  ASSERT_TRUE(bad_id);
  EXPECT_EQ(bad_id->status, 400) << bad_id->body;
  auto never_seen = Request("GET", "/api/v1/fleet/devices/never-seen", "", viewer_);
  ASSERT_TRUE(never_seen);
  EXPECT_EQ(never_seen->status, 404);
  auto empty = Request("POST", "/api/v1/artifacts?kind=model&version=1&device_type=x", "", engineer_,
                       "application/octet-stream");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
}

TEST_F(FleetApiTest, ModelArtifactForAModelTheGraphDoesNotKnowEndsIncompatible) {
  auto uploaded = Request("POST",
                          "/api/v1/artifacts?kind=model&version=9&device_type=sensor-m4&model_id=no-such-model"
                          "&model_version=1.0.0",
                          "model bytes", engineer_, "application/octet-stream");
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 201) << uploaded->body;
  const json target = {{"artifact_id", Body(uploaded)["id"]}};
  auto started = Request("POST", "/api/v1/fleet/devices/kg-ghost/update", target.dump(), engineer_);
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202) << started->body;
  json view;
  ASSERT_TRUE(WaitUntil([&] {
    view = Body(Request("GET", "/api/v1/fleet/devices/kg-ghost", "", viewer_));
    return view.contains("update_history") && !view["update_history"].empty();
  }, 30000)) << view.dump();
  EXPECT_EQ(view["update_history"][0]["outcome"], "incompatible") << view.dump();
  EXPECT_FALSE(view["update_history"][0]["detail"].get<std::string>().empty());
  EXPECT_EQ(Body(Request("GET", "/api/v1/fleet/stats", "", viewer_))["ota"]["active_transfers"], 0);
}

}  // namespace
}  // namespace tinyforge::server::http
