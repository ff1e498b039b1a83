// The predictive-maintenance example, short: examples/predictive_maintenance/run.sh end to end
// (toolchain training of v1 and v2, the server with its own Virtuoso + Mosquitto, 4 motors on the
// real agent + runtime replaying CWRU vibration, a staged rollout of v2 while they run). Checks the
// facts of its JSON summary, not only its exit code: the failing motors alerted after their fault
// began, the healthy ones never, the rollout completed, every motor runs and confirmed v2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(PredictiveMaintenanceExampleTest, ShortRunDetectsFaultsOnlyOnFailingMotorsAndRollsOutV2) {
  const fs::path work = fs::path(TINYFORGE_BINARY_DIR) / "pm-example-test" / std::to_string(::getpid());
  fs::remove_all(work);
  fs::create_directories(work);
  const fs::path summary = work / "summary.json";
  const fs::path log = work / "run.log";
  const char* shared = std::getenv("TINYFORGE_SHARED_DIR");
  const std::string shared_dir = shared != nullptr ? shared : std::string(TINYFORGE_SOURCE_DIR) + "/../shared";
  // 2 healthy + 2 failing motors, faults at 2 s and 4 s growing over 1.5 s, v2 rolled out at 3 s
  // in groups of 1 then all: seconds of signal, not minutes (the waits inside are generous).
  const std::string command = "TINYFORGE_BUILD_DIR='" + std::string(TINYFORGE_BINARY_DIR) +
                              "' TINYFORGE_NO_BUILD=1 TINYFORGE_SHARED_DIR='" + shared_dir + "' PM_WORK_DIR='" +
                              (work / "run").string() + "' '" + TINYFORGE_SOURCE_DIR +
                              "/examples/predictive_maintenance/run.sh' --motors 4 --healthy 2 --duration 9 "
                              "--first-fault 2 --fault-spacing 2 --ramp 1.5 --rollout-at 3 --groups 1,4 --json '" +
                              summary.string() + "' > '" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log_file(log);
  const std::string output((std::istreambuf_iterator<char>(log_file)), {});
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  std::ifstream summary_file(summary);
  ASSERT_TRUE(summary_file) << "no summary written\n" << output;
  const json report = json::parse(summary_file, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << output;

  ASSERT_EQ(report["motors"].size(), 4u) << output;
  for (const auto& motor : report["motors"]) {
    const std::string id = motor["id"];
    if (motor["faulty"].get<bool>()) {
      EXPECT_GT(motor["alerts"].get<int>(), 0) << id << " failed and never alerted\n" << output;
      EXPECT_GE(motor["first_alert_s"].get<double>(), motor["fault_start_s"].get<double>())
          << id << " alerted before its fault began\n" << output;
    } else {
      EXPECT_EQ(motor["alerts"].get<int>(), 0) << "healthy " << id << " alerted\n" << output;
    }
    EXPECT_GT(motor["windows"].get<int>(), 0) << id;
    EXPECT_EQ(motor["running_version"], 2) << id << "\n" << output;
    EXPECT_EQ(motor["confirmed_version"], 2) << id << "\n" << output;
    EXPECT_EQ(motor["alerts"], motor["alerts_decided"]) << id << ": stored vs sent by the board";
  }
  EXPECT_EQ(report["rollout"]["state"], "completed") << report["rollout"].dump();
  EXPECT_EQ(report["rollout"]["groups"].size(), 2u);
  EXPECT_EQ(report["inference_errors"], 0);
  EXPECT_EQ(report["unbootable"], 0);
  EXPECT_TRUE(report["problems"].empty()) << report["problems"].dump();
  if (!HasFailure()) fs::remove_all(work);
}

}  // namespace
