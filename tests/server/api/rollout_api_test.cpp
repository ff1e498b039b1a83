// The rollout routes end to end: the real server (private Virtuoso, real HTTP) with the engine's
// test dispatcher attached (tests/server/fleet/rollout_test_dispatcher.h) so the test decides what
// each device answers. Validation, roles, the whole lifecycle, knowledge-graph targets, 503 without
// a fleet service, and the `tinyforge rollout` CLI against this server.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "server/http/server_app.h"
#include "tests/server/fleet/rollout_test_dispatcher.h"

namespace tinyforge::server::http {
namespace {

using fleet::UpdateOutcome;
using nlohmann::json;
namespace fs = std::filesystem;

class RolloutApiTest : public ::testing::Test {
 protected:
  static fs::path DataDir() { return fs::path(TINYFORGE_BINARY_DIR) / "rollout-api-test-data" / std::to_string(::getpid()); }

  static void SetUpTestSuite() {
    fs::remove_all(DataDir());
    dispatcher_ = new fleet::testing::RecordingDispatcher();
    ServerOptions options;
    options.data_dir = DataDir();
    options.store_probe_interval_ms = 200;
    options.update_dispatcher = dispatcher_;
    options.fleet = false;  // the engine's test dispatcher stands in for the MQTT side
    auto app = ServerApp::Start(options);
    ASSERT_TRUE(app.ok()) << app.error().message;
    app_ = app.value().release();
    engineer_ = app_->db().IssueToken(domain::Role::kEngineer, "engineer")->secret;
    viewer_ = app_->db().IssueToken(domain::Role::kViewer, "viewer")->secret;
  }
  static void TearDownTestSuite() {
    delete app_;
    app_ = nullptr;
    delete dispatcher_;
    dispatcher_ = nullptr;
    std::error_code ignored;
    fs::remove_all(DataDir(), ignored);
  }

  static httplib::Result Request(const std::string& method, const std::string& path, const std::string& body,
                                 const std::string& token) {
    httplib::Client client("127.0.0.1", app_->port());
    client.set_read_timeout(60, 0);
    httplib::Headers headers = {{"Authorization", "Bearer " + token}};
    if (method == "GET") return client.Get(path.c_str(), headers);
    return client.Post(path.c_str(), headers, body, "application/json");
  }
  static json Body(const httplib::Result& result) {
    return result ? json::parse(result->body, nullptr, false) : json();
  }
  static json Create(const json& body, int expected = 201) {
    auto response = Request("POST", "/api/v1/rollouts", body.dump(), engineer_);
    EXPECT_TRUE(response);
    if (!response) return json();
    EXPECT_EQ(response->status, expected) << response->body;
    return Body(response);
  }
  static json Get(int64_t id) { return Body(Request("GET", "/api/v1/rollouts/" + std::to_string(id), "", viewer_)); }
  // Polls GET until `ready` holds (generous: a loaded CI machine).
  static json WaitFor(int64_t id, const std::function<bool(const json&)>& ready) {
    json rollout;
    for (int i = 0; i < 600; ++i) {
      rollout = Get(id);
      if (ready(rollout)) return rollout;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "timed out; last state " << rollout.dump();
    return rollout;
  }
  static std::vector<std::string> WaitStarted(const std::string& artifact, size_t count) {
    for (int i = 0; i < 600; ++i) {
      auto started = dispatcher_->Started(artifact);
      if (started.size() >= count) return started;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "never started " << count << " devices with " << artifact;
    return dispatcher_->Started(artifact);
  }
  static void Register(const std::string& path, const json& body) {
    auto response = Request("POST", path, body.dump(), engineer_);
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 201) << path << ": " << response->body;
  }

  static ServerApp* app_;
  static fleet::testing::RecordingDispatcher* dispatcher_;
  static std::string engineer_, viewer_;
};

ServerApp* RolloutApiTest::app_ = nullptr;
fleet::testing::RecordingDispatcher* RolloutApiTest::dispatcher_ = nullptr;
std::string RolloutApiTest::engineer_, RolloutApiTest::viewer_;

json Devices(const std::string& prefix, int count) {
  json out = json::array();
  for (int i = 0; i < count; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST_F(RolloutApiTest, EveryBadBodyIsRefusedNamingTheFieldAndNothingIsCreated) {
  int64_t before = Body(Request("GET", "/api/v1/rollouts", "", viewer_))["total"];
  const json target = {{"devices", {"v-1", "v-2"}}};
  struct Case {
    std::string body;
    std::string field;
  };
  std::vector<Case> cases = {
      {"{not json", "not valid JSON"},
      {"[1,2]", "JSON object"},
      {json{{"target", target}}.dump(), "artifact_id: required"},
      {json{{"artifact_id", 7}, {"target", target}}.dump(), "artifact_id: must be a string"},
      {json{{"artifact_id", ""}, {"target", target}}.dump(), "artifact_id: must not be empty"},
      {json{{"artifact_id", "a"}}.dump(), "target: required"},
      {json{{"artifact_id", "a"}, {"target", "all"}}.dump(), "target: must be an object"},
      {json{{"artifact_id", "a"}, {"target", json::object()}}.dump(), "exactly one of"},
      {json{{"artifact_id", "a"}, {"target", {{"devices", {"x"}}, {"model", "m"}}}}.dump(), "exactly one of"},
      {json{{"artifact_id", "a"}, {"target", {{"devices", json::array()}}}}.dump(), "target.devices"},
      {json{{"artifact_id", "a"}, {"target", {{"devices", {"x", 5}}}}}.dump(), "target.devices[1]"},
      {json{{"artifact_id", "a"}, {"target", {{"devices", {"x", "x"}}}}}.dump(), "target.devices[1]"},
      {json{{"artifact_id", "a"}, {"target", {{"devices", {"x"}}, {"sensor_type", "Camera"}}}}.dump(), "sensor_type"},
      {json{{"artifact_id", "a"}, {"target", {{"devices", {"x"}}, {"colour", "red"}}}}.dump(), "target.colour"},
      {json{{"artifact_id", "a"}, {"target", target}, {"colour", "red"}}.dump(), "colour: unknown field"},
      {json{{"artifact_id", "a"}, {"target", target}, {"groups", {"50%"}}}.dump(), "must reach every device"},
      {json{{"artifact_id", "a"}, {"target", target}, {"groups", {"abc", "100%"}}}.dump(), "groups[0]"},
      {json{{"artifact_id", "a"}, {"target", target}, {"groups", {"10%", 1.5}}}.dump(), "groups[1]"},
      {json{{"artifact_id", "a"}, {"target", target}, {"groups", json::array()}}.dump(), "groups"},
      {json{{"artifact_id", "a"}, {"target", target}, {"success_threshold", 2}}.dump(), "success_threshold"},
      {json{{"artifact_id", "a"}, {"target", target}, {"error_threshold", "x"}}.dump(), "error_threshold"},
      {json{{"artifact_id", "a"}, {"target", target}, {"soak_seconds", 1.5}}.dump(), "soak_seconds"},
      {json{{"artifact_id", "a"}, {"target", target}, {"group_timeout_seconds", -1}}.dump(), "group_timeout_seconds"},
      {json{{"artifact_id", "a"}, {"target", target}, {"start", "yes"}}.dump(), "start"},
      {json{{"artifact_id", "a"}, {"target", target}, {"rollback_artifact_id", "a"}}.dump(), "rollback_artifact_id"},
      {json{{"artifact_id", "a"}, {"target", {{"model", "no-such-model"}, {"sensor_type", "Telepathy"}}}}.dump(),
       "target."},
  };
  for (const Case& item : cases) {
    auto response = Request("POST", "/api/v1/rollouts", item.body, engineer_);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, item.field == "target." ? 404 : 400) << item.body << " -> " << response->body;
    EXPECT_NE(response->body.find(item.field), std::string::npos) << item.body << " -> " << response->body;
  }
  EXPECT_EQ(Body(Request("GET", "/api/v1/rollouts", "", viewer_))["total"].get<int64_t>(), before);
  EXPECT_EQ(Request("GET", "/api/v1/rollouts/abc", "", viewer_)->status, 400);
  EXPECT_EQ(Request("GET", "/api/v1/rollouts/0", "", viewer_)->status, 400);
  EXPECT_EQ(Request("GET", "/api/v1/rollouts/99999", "", viewer_)->status, 404);
  EXPECT_EQ(Request("POST", "/api/v1/rollouts/99999/pause", "", engineer_)->status, 404);
  EXPECT_EQ(Request("POST", "/api/v1/rollouts/99999/pause", "{\"why\": 1}", engineer_)->status, 400);
  EXPECT_EQ(Request("GET", "/api/v1/rollouts?limit=0", "", viewer_)->status, 400);
}

TEST_F(RolloutApiTest, ViewersReadButCannotStartOrStop) {
  json body = {{"artifact_id", "a"}, {"target", {{"devices", {"r-1"}}}}};
  EXPECT_EQ(Request("POST", "/api/v1/rollouts", body.dump(), viewer_)->status, 403);
  EXPECT_EQ(Request("POST", "/api/v1/rollouts/1/cancel", "", viewer_)->status, 403);
  EXPECT_EQ(Request("GET", "/api/v1/rollouts", "", "tf_wrong")->status, 401);
  EXPECT_EQ(Request("GET", "/api/v1/rollouts", "", viewer_)->status, 200);
}

TEST_F(RolloutApiTest, LifecycleAdvanceHaltRollback) {
  json created = Create({{"name", "fw 2 to the line"}, {"artifact_id", "life-v2"}, {"rollback_artifact_id", "life-v1-pinned"},
                         {"target", {{"devices", Devices("life-", 30)}}}, {"groups", {1, "100%"}},
                         {"error_threshold", 0.1}});
  const int64_t id = created["id"];
  EXPECT_EQ(created["state"], "running");
  EXPECT_EQ(created["device_count"], 30);
  EXPECT_EQ(created["groups"].size(), 2u);
  EXPECT_EQ(created["groups"][1]["size"], 29);
  auto canary = WaitStarted("life-v2", 1);
  dispatcher_->Deliver(canary[0], "life-v2", UpdateOutcome::kConfirmed);
  json rollout = WaitFor(id, [](const json& r) { return r["current_group"] == 2; });
  auto started = WaitStarted("life-v2", 30);
  // Pause / resume while the second group is out.
  auto paused = Request("POST", "/api/v1/rollouts/" + std::to_string(id) + "/pause", R"({"reason": "coffee"})", engineer_);
  ASSERT_EQ(paused->status, 200) << paused->body;
  EXPECT_EQ(Body(paused)["state"], "paused");
  EXPECT_EQ(Body(paused)["reason"], "coffee");
  EXPECT_EQ(Request("POST", "/api/v1/rollouts/" + std::to_string(id) + "/pause", "", engineer_)->status, 409);
  EXPECT_EQ(Request("POST", "/api/v1/rollouts/" + std::to_string(id) + "/resume", "", engineer_)->status, 200);
  // 3 of 29 refuse: above 10% -> halted, with the reasons listed.
  for (int i = 1; i <= 10; ++i) dispatcher_->Deliver(started[static_cast<size_t>(i)], "life-v2", UpdateOutcome::kConfirmed);
  for (int i = 11; i <= 13; ++i) {
    dispatcher_->Deliver(started[static_cast<size_t>(i)], "life-v2", UpdateOutcome::kRefused, "SignatureInvalid");
  }
  rollout = WaitFor(id, [](const json& r) { return r["state"] == "halted"; });
  EXPECT_NE(rollout["reason"].get<std::string>().find("group 2: 3 of 29 devices failed"), std::string::npos) << rollout.dump();
  ASSERT_EQ(rollout["failures"].size(), 3u);
  EXPECT_EQ(rollout["failures"][0]["outcome"], "refused");
  EXPECT_EQ(rollout["failures"][0]["detail"], "SignatureInvalid");
  EXPECT_EQ(rollout["groups"][1]["cancelled"], 16);
  EXPECT_EQ(rollout["failures_total"], 3);
  // Every device can be looked up by status and group, a page at a time.
  const std::string devices = "/api/v1/rollouts/" + std::to_string(id) + "/devices";
  json failed = Body(Request("GET", devices + "?status=failed", "", viewer_));
  ASSERT_EQ(failed["total"], 3) << failed.dump();
  EXPECT_EQ(failed["items"][0]["status"], "refused");
  EXPECT_EQ(failed["items"][0]["detail"], "SignatureInvalid");
  EXPECT_EQ(failed["items"][0]["group"], 2);
  json confirmed = Body(Request("GET", devices + "?status=confirmed&group=2&limit=4&offset=8", "", viewer_));
  EXPECT_EQ(confirmed["total"], 10);
  EXPECT_EQ(confirmed["items"].size(), 2u);
  EXPECT_EQ(Body(Request("GET", devices, "", viewer_))["total"], 30);
  EXPECT_EQ(Request("GET", devices + "?status=bogus", "", viewer_)->status, 400);
  EXPECT_EQ(Request("GET", devices + "?group=3", "", viewer_)->status, 400);
  EXPECT_EQ(Request("GET", devices + "?group=x", "", viewer_)->status, 400);
  EXPECT_EQ(Request("GET", "/api/v1/rollouts/4242/devices", "", viewer_)->status, 404);
  // Roll back the halted group: the 10 that confirmed get the pinned artifact.
  auto rolled = Request("POST", "/api/v1/rollouts/" + std::to_string(id) + "/rollback", "", engineer_);
  ASSERT_EQ(rolled->status, 200) << rolled->body;
  EXPECT_EQ(Body(rolled)["state"], "rolling_back");
  EXPECT_EQ(Body(rolled)["rollback"]["devices"], 10);
  auto back = WaitStarted("life-v1-pinned", 10);
  for (const auto& device : back) dispatcher_->Deliver(device, "life-v1-pinned", UpdateOutcome::kConfirmed);
  rollout = WaitFor(id, [](const json& r) { return r["state"] == "rolled_back"; });
  EXPECT_EQ(rollout["rollback"]["confirmed"], 10);
  EXPECT_EQ(Request("POST", "/api/v1/rollouts/" + std::to_string(id) + "/cancel", "", engineer_)->status, 409);
  // The list shows it, without the failure details.
  json list = Body(Request("GET", "/api/v1/rollouts?limit=5", "", viewer_));
  bool listed = false;
  for (const auto& item : list["items"]) listed = listed || (item["id"] == id && !item.contains("failures"));
  EXPECT_TRUE(listed) << list.dump();
}

TEST_F(RolloutApiTest, KnowledgeGraphTargetPicksCompatibleDevicesOptionallyWithASensor) {
  Register("/api/v1/runtimes", {{"version", "0.3.0"}, {"ops", {"CONV_2D", "SOFTMAX", "FULLY_CONNECTED"}}});
  Register("/api/v1/models", {{"@context", "https://w3id.org/tinyforge/context/model-card.jsonld"},
                              {"id", "rollout-kws"}, {"version", "1.0.0"}, {"name", "kws"}, {"ops", {"CONV_2D", "SOFTMAX"}},
                              {"inputs", json::array({{{"name", "in"}, {"dtype", "int8"}, {"shape", {1, 49, 10, 1}}}})},
                              {"outputs", json::array({{{"name", "out"}, {"dtype", "int8"}, {"shape", {1, 4}}}})},
                              {"arena_bytes", 40000}, {"flash_bytes", 90000}, {"runtime_version", "0.3.0"},
                              {"required_sensors", json::array({{{"type", "Microphone"}, {"min_sampling_rate_hz", 16000}}})},
                              {"dataset_hash", "sha256:" + std::string(64, 'b')}});
  auto thing = [](const std::string& id, int64_t ram, bool accelerometer) {
    json sensors = json::array({{{"type", "Microphone"}, {"sampling_rate_hz", 16000}}});
    if (accelerometer) sensors.push_back({{"type", "Accelerometer"}, {"sampling_rate_hz", 400}});
    return json{{"@context", json::array({"https://www.w3.org/2022/wot/td/v1.1"})}, {"id", id}, {"title", id},
                {"securityDefinitions", {{"nosec_sc", {{"scheme", "nosec"}}}}}, {"security", "nosec_sc"},
                {"properties", {{"level", {{"type", "number"}, {"forms", json::array({{{"href", "coap://d/l"}}})}}}}},
                {"capabilities", {{"mcu", {{"core", "cortex-m4"}, {"clock_hz", 64000000}, {"fpu", true}, {"dsp", true}}},
                                  {"ram_bytes", ram}, {"flash_bytes", 1 << 20}, {"sensors", sensors},
                                  {"firmware", {{"id", "fw"}, {"version", "1.0.0"}}}, {"runtime_version", "0.3.0"}}}};
  };
  Register("/api/v1/devices", thing("kg-a", 65536, false));
  Register("/api/v1/devices", thing("kg-b", 65536, true));
  Register("/api/v1/devices", thing("kg-c", 131072, true));
  Register("/api/v1/devices", thing("kg-small", 16384, true));  // RAM short: never targeted

  json all = Create({{"artifact_id", "kws-art"}, {"target", {{"model", "rollout-kws"}}}, {"start", false}});
  EXPECT_EQ(all["state"], "created");
  EXPECT_EQ(all["device_count"], 3) << all.dump();
  EXPECT_EQ(all["target"]["version"], "1.0.0");
  // The same devices cannot be in two unfinished rollouts.
  json conflict = Create({{"artifact_id", "kws-art-2"}, {"target", {{"devices", {"kg-b"}}}}}, 409);
  EXPECT_NE(conflict.dump().find("kg-b"), std::string::npos);
  ASSERT_EQ(Request("POST", "/api/v1/rollouts/" + std::to_string(all["id"].get<int64_t>()) + "/cancel", "", engineer_)->status, 200);

  json with_sensor = Create({{"artifact_id", "kws-art"}, {"start", false},
                             {"target", {{"model", "rollout-kws"}, {"version", "1.0.0"}, {"sensor_type", "Accelerometer"}}}});
  EXPECT_EQ(with_sensor["device_count"], 2) << with_sensor.dump();
  EXPECT_EQ(with_sensor["target"]["sensor_type"], "Accelerometer");
  json none = Create({{"artifact_id", "kws-art"}, {"target", {{"model", "rollout-kws"}, {"sensor_type", "Camera"}}}}, 409);
  EXPECT_NE(none.dump().find("no registered device"), std::string::npos) << none.dump();
  json unknown_version = Create({{"artifact_id", "x"}, {"target", {{"model", "rollout-kws"}, {"version", "9.9.9"}}}}, 404);
  EXPECT_NE(unknown_version.dump().find("9.9.9"), std::string::npos);
  ASSERT_EQ(Request("POST", "/api/v1/rollouts/" + std::to_string(with_sensor["id"].get<int64_t>()) + "/cancel", "", engineer_)->status, 200);
}

TEST_F(RolloutApiTest, WithoutAFleetServiceCreatingAnswers503) {
  app_->AttachDispatcher(nullptr);
  auto response = Request("POST", "/api/v1/rollouts", json{{"artifact_id", "a"}, {"target", {{"devices", {"n-1"}}}}}.dump(), engineer_);
  app_->AttachDispatcher(dispatcher_);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_NE(response->body.find("fleet service not running"), std::string::npos) << response->body;
  EXPECT_EQ(Request("GET", "/api/v1/rollouts", "", viewer_)->status, 200);
}


// `tinyforge rollout` against this server: the real CLI binary, a token file, human and --json output.
int RunCli(const std::string& arguments, std::string* output) {
  const std::string tool = std::string(TINYFORGE_BINARY_DIR) + "/toolchain/tinyforge";
  std::string command = "env -u TINYFORGE_TOKEN -u TINYFORGE_SERVER " + tool + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  output->clear();
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(RolloutApiTest, CliCreatesShowsPausesResumesCancelsAndRollsBack) {
  const fs::path token_file = DataDir() / "cli-token";
  std::ofstream(token_file) << engineer_ << "\n";
  const std::string connection = "--server http://127.0.0.1:" + std::to_string(app_->port()) + " --token-file " + token_file.string();
  std::string out;
  ASSERT_EQ(RunCli("rollout create " + connection + " --artifact cli-v2 --rollback-artifact cli-v1 --devices cli-0,cli-1,cli-2,cli-3"
                   " --groups 1,100% --error-threshold 0.3 --name night --json", &out), 0) << out;
  json created = json::parse(out, nullptr, false);
  ASSERT_TRUE(created.is_object()) << out;
  const std::string id = std::to_string(created["id"].get<int64_t>());
  EXPECT_EQ(created["device_count"], 4);
  EXPECT_EQ(created["group_plan"], json({"1", "100%"}));

  ASSERT_EQ(RunCli("rollout status " + id + " " + connection, &out), 0) << out;
  EXPECT_NE(out.find("rollout " + id + " \"night\": running, group 1 of 2, artifact cli-v2, 4 devices"), std::string::npos) << out;
  EXPECT_NE(out.find("group 1 (1): 1 devices"), std::string::npos) << out;
  ASSERT_EQ(RunCli("rollout pause " + id + " --reason 'look first' " + connection, &out), 0) << out;
  EXPECT_NE(out.find("paused"), std::string::npos) << out;
  EXPECT_NE(out.find("reason: look first"), std::string::npos) << out;
  EXPECT_EQ(RunCli("rollout pause " + id + " " + connection, &out), 1) << out;
  EXPECT_NE(out.find("409"), std::string::npos) << out;
  ASSERT_EQ(RunCli("rollout resume " + id + " " + connection, &out), 0) << out;
  EXPECT_NE(out.find("running"), std::string::npos) << out;

  // Two of the last three refuse: halted (2/3 > 30%), the CLI shows why, then rolls back.
  auto canary = WaitStarted("cli-v2", 1);
  dispatcher_->Deliver(canary[0], "cli-v2", UpdateOutcome::kConfirmed);
  auto started = WaitStarted("cli-v2", 4);
  dispatcher_->Deliver(started[1], "cli-v2", UpdateOutcome::kConfirmed);
  dispatcher_->Deliver(started[2], "cli-v2", UpdateOutcome::kRefused, "WrongDeviceType");
  dispatcher_->Deliver(started[3], "cli-v2", UpdateOutcome::kReverted, "health check failed");
  WaitFor(created["id"], [](const json& r) { return r["state"] == "halted"; });
  ASSERT_EQ(RunCli("rollout status " + id + " " + connection, &out), 0) << out;
  EXPECT_NE(out.find("halted"), std::string::npos) << out;
  EXPECT_NE(out.find(started[2] + " (group 2): refused: WrongDeviceType"), std::string::npos) << out;
  ASSERT_EQ(RunCli("rollout status " + id + " --devices failed " + connection, &out), 0) << out;
  EXPECT_NE(out.find("2 of 2 devices"), std::string::npos) << out;
  EXPECT_NE(out.find(started[3] + " (group 2): reverted: health check failed"), std::string::npos) << out;
  EXPECT_EQ(RunCli("rollout status " + id + " --devices 'x&y' " + connection, &out), 2) << out;
  EXPECT_EQ(RunCli("rollout status " + id + " --devices nonsense " + connection, &out), 1) << out;
  EXPECT_NE(out.find("unknown filter"), std::string::npos) << out;
  ASSERT_EQ(RunCli("rollout rollback " + id + " " + connection, &out), 0) << out;
  EXPECT_NE(out.find("rolling_back"), std::string::npos) << out;
  EXPECT_NE(out.find("rollback to cli-v1: 1 devices"), std::string::npos) << out;
  EXPECT_EQ(dispatcher_->Started("cli-v1"), std::vector<std::string>{started[1]});

  ASSERT_EQ(RunCli("rollout status " + connection, &out), 0) << out;
  EXPECT_NE(out.find("rollout " + id + " "), std::string::npos) << out;

  // --wait returns when the rollout ends: 0 for completed, 1 (with the reason) for halted.
  ASSERT_EQ(RunCli("rollout create " + connection + " --artifact cli-v4 --devices cli-5,cli-6 --groups 1,100% --json", &out), 0)
      << out;
  const std::string waited = std::to_string(json::parse(out)["id"].get<int64_t>());
  std::thread devices([] {
    dispatcher_->Deliver(WaitStarted("cli-v4", 1)[0], "cli-v4", UpdateOutcome::kConfirmed);
    dispatcher_->Deliver(WaitStarted("cli-v4", 2)[1], "cli-v4", UpdateOutcome::kConfirmed);
  });
  EXPECT_EQ(RunCli("rollout status " + waited + " --wait --timeout 120 " + connection, &out), 0) << out;
  devices.join();
  EXPECT_NE(out.find("completed"), std::string::npos) << out;
  dispatcher_->Deliver(started[1], "cli-v1", UpdateOutcome::kConfirmed);
  EXPECT_EQ(RunCli("rollout status " + id + " --wait --timeout 120 " + connection, &out), 0) << out;
  EXPECT_NE(out.find("rolled_back"), std::string::npos) << out;

  // A second rollout, cancelled from the CLI.
  ASSERT_EQ(RunCli("rollout create " + connection + " --artifact cli-v3 --devices cli-9 --json", &out), 0) << out;
  const std::string second = std::to_string(json::parse(out)["id"].get<int64_t>());
  ASSERT_EQ(RunCli("rollout cancel " + second + " " + connection, &out), 0) << out;
  EXPECT_NE(out.find("cancelled"), std::string::npos) << out;
  EXPECT_EQ(RunCli("rollout status " + second + " --wait " + connection, &out), 1) << out;
  EXPECT_NE(out.find("ended cancelled: cancelled by operator"), std::string::npos) << out;
}

TEST_F(RolloutApiTest, CliReportsBadInputAndServerErrorsClearly) {
  const fs::path token_file = DataDir() / "cli-token-2";
  std::ofstream(token_file) << engineer_ << "\n";
  const std::string server = "--server http://127.0.0.1:" + std::to_string(app_->port());
  const std::string connection = server + " --token-file " + token_file.string();
  std::string out;
  EXPECT_EQ(RunCli("rollout status 1 " + server, &out), 1);
  EXPECT_NE(out.find("no API token"), std::string::npos) << out;
  const fs::path wrong = DataDir() / "wrong-token";
  std::ofstream(wrong) << "tf_not_a_token\n";
  EXPECT_EQ(RunCli("rollout status " + server + " --token-file " + wrong.string(), &out), 1);
  EXPECT_NE(out.find("401"), std::string::npos) << out;
  EXPECT_EQ(RunCli("rollout status 1 --server http://127.0.0.1:1 --token-file " + token_file.string(), &out), 1);
  EXPECT_NE(out.find("cannot reach"), std::string::npos) << out;
  EXPECT_EQ(RunCli("rollout status 1/../2 " + connection, &out), 2);
  EXPECT_NE(out.find("id: must be a positive integer"), std::string::npos) << out;
  EXPECT_EQ(RunCli("rollout create " + connection + " --artifact a --devices x,y --groups 50%", &out), 1);
  EXPECT_NE(out.find("400"), std::string::npos) << out;
  EXPECT_NE(out.find("must reach every device"), std::string::npos) << out;
  EXPECT_EQ(RunCli("rollout create " + connection + " --artifact a", &out), 1);
  EXPECT_NE(out.find("--devices"), std::string::npos) << out;
  EXPECT_EQ(RunCli("rollout create " + connection + " --artifact a --devices x --model m", &out), 2) << out;
  EXPECT_EQ(RunCli("rollout status 424242 " + connection, &out), 1);
  EXPECT_NE(out.find("404"), std::string::npos) << out;
}

}  // namespace
}  // namespace tinyforge::server::http
