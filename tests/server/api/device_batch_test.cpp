// Bulk registration (POST /api/v1/devices:batch) and the compatibility index behind the REST
// routes, end to end: a real server with its own private Virtuoso, a generated plant whose
// expected answers come from the generator, and every change the index must follow (batch,
// replace, delete device, delete model, server restart). Batches are all or nothing.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bench/kg/plant_generator.h"
#include "server/fleet/mqtt_client.h"
#include "server/http/server_app.h"

namespace tinyforge::server::http {
namespace {

using bench::kg::Plant;
using nlohmann::json;
namespace fs = std::filesystem;

class DeviceBatchTest : public ::testing::Test {
 protected:
  static fs::path DataDir() { return fs::path(TINYFORGE_BINARY_DIR) / "api-test-data" / (std::to_string(::getpid()) + "-batch"); }
  static ServerOptions Options() {
    ServerOptions options;
    options.data_dir = DataDir();
    options.store_probe_interval_ms = 200;
    return options;
  }
  static void SetUpTestSuite() {
    fs::remove_all(DataDir());
    auto app = ServerApp::Start(Options());
    ASSERT_TRUE(app.ok()) << app.error().message;
    app_ = std::move(app.value());
    token_ = app_->db().IssueToken(domain::Role::kEngineer, "batch")->secret;
  }
  static void TearDownTestSuite() {
    app_.reset();
    std::error_code ignored;
    fs::remove_all(DataDir(), ignored);
  }
  static void Restart() {
    app_.reset();
    auto app = ServerApp::Start(Options());
    ASSERT_TRUE(app.ok()) << app.error().message;
    app_ = std::move(app.value());
  }
  static httplib::Client Client() {
    httplib::Client client("127.0.0.1", app_->port());
    client.set_read_timeout(120, 0);
    client.set_bearer_token_auth(token_);
    return client;
  }
  static int Post(const std::string& path, const std::string& body, std::string* out = nullptr,
                  const char* type = "application/json") {
    auto response = Client().Post(path.c_str(), body, type);
    if (!response) return -1;
    if (out != nullptr) *out = response->body;
    return response->status;
  }
  static json GetJson(const std::string& path) {
    auto response = Client().Get(path.c_str());
    EXPECT_TRUE(response);
    if (!response) return json();
    EXPECT_EQ(response->status, 200) << path << ": " << response->body;
    return json::parse(response->body, nullptr, false);
  }
  static int64_t DeviceCount() {
    auto response = Client().Post("/sparql", httplib::Params{{"query",
        "SELECT (COUNT(DISTINCT ?d) AS ?count) FROM <https://w3id.org/tinyforge/graph/registry> "
        "WHERE { ?d a <https://w3id.org/tinyforge/ontology#Device> }"}});
    if (!response || response->status != 200) return -1;
    return std::stoll(json::parse(response->body)["results"]["bindings"][0]["count"]["value"].get<std::string>());
  }
  // Every model (first page + exact total, and limit=all) and every 4th device, against the plant.
  static void ExpectAnswersMatch(const Plant& plant) {
    for (size_t m = 0; m < plant.models.size(); ++m) {
      const auto& model = plant.models[m];
      std::vector<std::string> expected = plant.CompatibleDeviceIds(m);
      std::string base = "/api/v1/models/" + model.id + "/compatible-devices?version=" + model.version;
      json page = GetJson(base + "&limit=10");
      EXPECT_EQ(page["total"].get<int64_t>(), static_cast<int64_t>(expected.size())) << model.id << " " << model.version;
      for (size_t i = 0; i < page["items"].size() && i < expected.size(); ++i) EXPECT_EQ(page["items"][i]["id"], expected[i]);
      json all = GetJson(base + "&limit=all");
      std::vector<std::string> ids;
      for (const auto& item : all["items"]) ids.push_back(item["id"]);
      EXPECT_EQ(ids, expected) << model.id << " " << model.version;
    }
    for (size_t d = 0; d < plant.devices.size(); d += 4) {
      auto expected = plant.CompatibleModelKeys(d);
      json page = GetJson("/api/v1/devices/" + plant.devices[d].id + "/compatible-models?limit=1000");
      std::vector<std::pair<std::string, std::string>> got;
      for (const auto& item : page["items"]) got.emplace_back(item["id"], item["version"]);
      EXPECT_EQ(got, expected) << plant.devices[d].id;
      EXPECT_EQ(page["total"].get<int64_t>(), static_cast<int64_t>(expected.size()));
    }
  }

  static std::unique_ptr<ServerApp> app_;
  static std::string token_;
};
std::unique_ptr<ServerApp> DeviceBatchTest::app_;
std::string DeviceBatchTest::token_;

TEST_F(DeviceBatchTest, BatchesAreAllOrNothingAndTheIndexFollowsEveryChange) {
  Plant plant = Plant::Generate({120, 14, 9});
  for (size_t r = 0; r < plant.runtimes.size(); ++r) {
    ASSERT_EQ(Post("/api/v1/runtimes", plant.RuntimeJson(r).dump()), 201);
  }
  for (size_t m = 0; m < plant.models.size() / 2; ++m) ASSERT_EQ(Post("/api/v1/models", plant.ModelJson(m).dump()), 201);

  // An invalid device in the middle: 400 naming its index, nothing stored.
  json batch = json::array();
  for (size_t d = 0; d < 60; ++d) batch.push_back(plant.DeviceJson(d));
  json broken = batch;
  broken[7].erase("securityDefinitions");
  std::string body;
  EXPECT_EQ(Post("/api/v1/devices:batch", broken.dump(), &body), 400);
  EXPECT_NE(body.find("devices[7]"), std::string::npos) << body;
  EXPECT_NE(body.find("securityDefinitions"), std::string::npos) << body;
  json duplicated = batch;
  duplicated[12]["id"] = duplicated[3]["id"];
  EXPECT_EQ(Post("/api/v1/devices:batch", duplicated.dump(), &body), 400);
  EXPECT_NE(body.find("devices[12]"), std::string::npos) << body;
  EXPECT_EQ(Post("/api/v1/devices:batch", "[]", &body), 400);
  EXPECT_EQ(Post("/api/v1/devices:batch", "{\"id\": 1}", &body), 400);
  EXPECT_EQ(DeviceCount(), 0);

  // A valid JSON-array batch, then NDJSON for the rest.
  ASSERT_EQ(Post("/api/v1/devices:batch", batch.dump(), &body), 201) << body;
  EXPECT_EQ(DeviceCount(), 60);
  std::string ndjson;
  for (size_t d = 60; d < plant.devices.size(); ++d) ndjson += plant.DeviceJson(d).dump() + "\n";
  ASSERT_EQ(Post("/api/v1/devices:batch", ndjson, &body, "application/x-ndjson"), 201) << body;
  EXPECT_EQ(DeviceCount(), static_cast<int64_t>(plant.devices.size()));

  // A batch holding one registered device: 409 naming it, none of the new ones stored.
  json again = json::array({plant.DeviceJson(0)});
  again.insert(again.begin(), json(plant.DeviceJson(5)));
  json fresh = plant.DeviceJson(1);
  fresh["id"] = "fresh-device";
  again.insert(again.begin(), fresh);
  EXPECT_EQ(Post("/api/v1/devices:batch", again.dump(), &body), 409);
  EXPECT_NE(body.find("devices[1]"), std::string::npos) << body;
  EXPECT_EQ(Client().Get("/api/v1/devices/fresh-device")->status, 404);
  EXPECT_EQ(DeviceCount(), static_cast<int64_t>(plant.devices.size()));

  // Models registered after the devices, then every answer against the generator.
  for (size_t m = plant.models.size() / 2; m < plant.models.size(); ++m) {
    ASSERT_EQ(Post("/api/v1/models", plant.ModelJson(m).dump()), 201);
  }
  ExpectAnswersMatch(plant);

  // Replace (PUT) devices with other capabilities; delete devices; delete a model.
  for (size_t d = 2; d < plant.devices.size(); d += 11) {
    plant.devices[d] = bench::kg::Reconfigured(plant, plant.devices[d], 77 + d);
    auto replaced = Client().Put(("/api/v1/devices/" + plant.devices[d].id).c_str(), plant.DeviceJson(d).dump(),
                                 "application/json");
    ASSERT_TRUE(replaced);
    ASSERT_EQ(replaced->status, 200) << replaced->body;
  }
  for (size_t d = plant.devices.size(); d-- > 0;) {
    if (d % 6 != 3) continue;
    ASSERT_EQ(Client().Delete(("/api/v1/devices/" + plant.devices[d].id).c_str())->status, 204);
    plant.devices.erase(plant.devices.begin() + static_cast<std::ptrdiff_t>(d));
  }
  const auto removed = plant.models[3];
  ASSERT_EQ(Client().Delete(("/api/v1/models/" + removed.id + "/versions/" + removed.version).c_str())->status, 204);
  plant.models.erase(plant.models.begin() + 3);
  EXPECT_EQ(Client().Get(("/api/v1/models/" + removed.id + "/compatible-devices?version=" + removed.version).c_str())->status,
            404);
  ExpectAnswersMatch(plant);

  // The index is in the store: a restarted server answers the same.
  ASSERT_NO_FATAL_FAILURE(Restart());
  ExpectAnswersMatch(plant);
}

// Bug: batch-registered devices got no MQTT account (only POST /api/v1/devices made one), so they
// could not connect to the server's broker. Now each gets one, returned once like the single route.
TEST_F(DeviceBatchTest, BatchRegisteredDevicesGetBrokerAccountsThatWork) {
  ASSERT_NE(app_->fleet(), nullptr);
  ASSERT_NE(app_->fleet()->broker(), nullptr);
  std::ifstream td_file(fs::path(TINYFORGE_SOURCE_DIR) / "ontology/examples/nano_device.td.json");
  std::stringstream text;
  text << td_file.rdbuf();
  const json td = json::parse(text.str());
  const std::vector<std::string> ids = {"pm-motor-a", "pm-motor-b", "pm-motor-c"};
  json batch = json::array();
  for (const auto& id : ids) {
    json device = td;
    device["id"] = id;
    batch.push_back(device);
  }
  std::string body;
  ASSERT_EQ(Post("/api/v1/devices:batch", batch.dump(), &body), 201) << body;
  const json answer = json::parse(body);
  EXPECT_EQ(answer["registered"], 3);
  ASSERT_TRUE(answer["devices"].is_array()) << body;
  ASSERT_EQ(answer["devices"].size(), 3u) << body;
  std::map<std::string, std::string> passwords;
  for (size_t i = 0; i < ids.size(); ++i) {
    const json& device = answer["devices"][i];
    EXPECT_EQ(device["id"], ids[i]);
    EXPECT_EQ(device["mqtt"]["user"], ids[i]);
    EXPECT_EQ(device["mqtt"]["url"], app_->fleet()->broker_url());
    ASSERT_TRUE(device["mqtt"]["password"].is_string()) << device.dump();
    passwords[ids[i]] = device["mqtt"]["password"].get<std::string>();
  }
  EXPECT_NE(passwords[ids[0]], passwords[ids[1]]);

  // The real broker takes each account (it reloads its files asynchronously on SIGHUP: retry),
  // as the device it was made for.
  const auto& broker = *app_->fleet()->broker();
  for (const auto& id : ids) {
    fleet::MqttClient client(id);
    bool connected = false;
    std::string last_error;
    for (int attempt = 0; attempt < 100 && !connected; ++attempt) {
      auto result = client.Connect(broker.host(), broker.port(), id, passwords[id]);
      connected = result.ok();
      if (!connected) {
        last_error = result.error().message;
        ::usleep(100000);
      }
    }
    ASSERT_TRUE(connected) << id << ": " << last_error;
    client.Disconnect();
  }
  // A wrong password, or another device's, is refused.
  fleet::MqttClient wrong("wrong");
  EXPECT_FALSE(wrong.Connect(broker.host(), broker.port(), ids[0], "not-the-password").ok());
  fleet::MqttClient swapped("swapped");
  EXPECT_FALSE(swapped.Connect(broker.host(), broker.port(), ids[0], passwords[ids[1]]).ok());
}

}  // namespace
}  // namespace tinyforge::server::http
