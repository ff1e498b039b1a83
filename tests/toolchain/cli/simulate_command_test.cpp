// `tinyforge simulate` through the real binary: bad input is refused with the reason and where it
// is, and a small fleet runs against a real private Mosquitto (scripts/mosquitto/start.sh).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "toolchain/format/model_builder.h"
#include "tests/toolchain/cli/tinyforge_tool.h"
#include "toolchain/verify/firmware_runner.h"

namespace tinyforge::toolchain {
namespace {
namespace fs = std::filesystem;

class SimulateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tf-simulate-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    model_ = Write("model.tfm", std::string(60 * 1024, 'x'));  // size checks only: never loaded
    creds_ = Write("creds.txt", "dev-1:secret1\ndev-2:secret2\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  int Run(const std::string& arguments, std::string* output) {
    return RunCommand(ShellQuote(cli_test::TinyforgeTool()) + " simulate " + arguments + " 2>&1", output);
  }
  fs::path dir_;
  std::string model_, creds_;
};

TEST_F(SimulateCommandTest, RefusesABrokerUrlThatIsNotMqtt) {
  std::string output;
  EXPECT_EQ(Run("--devices 1 --broker http://x:1 --credentials " + creds_ + " --model " + model_, &output), 1);
  EXPECT_NE(output.find("must start with mqtt://"), std::string::npos) << output;
}

TEST_F(SimulateCommandTest, NamesTheCredentialsLineThatIsWrong) {
  const std::string bad = Write("bad.txt", "dev-1:ok\nnot a/valid id:pw\n");
  std::string output;
  EXPECT_EQ(Run("--devices 1 --broker mqtt://127.0.0.1:1 --credentials " + bad + " --model " + model_, &output), 1);
  EXPECT_NE(output.find(bad + ":2:"), std::string::npos) << output;
}

TEST_F(SimulateCommandTest, RefusesMoreDevicesThanAccounts) {
  std::string output;
  EXPECT_EQ(Run("--devices 3 --broker mqtt://127.0.0.1:1 --credentials " + creds_ + " --model " + model_, &output), 1);
  EXPECT_NE(output.find("has 2 accounts, --devices asks for 3"), std::string::npos) << output;
}

TEST_F(SimulateCommandTest, RefusesAModelLargerThanTheBoardsSlot) {
  std::string output;
  EXPECT_EQ(Run("--devices 1 --broker mqtt://127.0.0.1:1 --credentials " + creds_ + " --model " + model_ +
                    " --device-type sensor-m0",
                &output),
            1);
  EXPECT_NE(output.find("does not fit a sensor-m0 slot"), std::string::npos) << output;
  EXPECT_EQ(Run("--devices 1 --broker mqtt://127.0.0.1:1 --credentials " + creds_ + " --model " + model_ +
                    " --device-type toaster",
                &output),
            1);
  EXPECT_NE(output.find("unknown (known: sensor-m4"), std::string::npos) << output;
}

TEST_F(SimulateCommandTest, RunsAFleetAgainstARealBrokerAndReportsJson) {
  const std::string script = std::string(TINYFORGE_SOURCE_DIR) + "/scripts/mosquitto/";
  const fs::path broker = dir_ / "broker";
  std::string output;
  ASSERT_EQ(RunCommand(ShellQuote(script + "start.sh") + " " + ShellQuote(broker.string()) +
                           " sim-a sim-b sim-c 2>&1",
                       &output),
            0)
      << output;
  std::string url;
  {
    std::ifstream env(broker / "endpoint.env");
    for (std::string line; std::getline(env, line);)
      if (line.rfind("TF_MQTT_URL=", 0) == 0) url = line.substr(12);
  }
  ASSERT_FALSE(url.empty());
  // A real model every device runs: input [1,8] -> Relu -> output.
  ModelBuilder builder;
  const uint32_t input = builder.AddTensor(format::DType::kFloat32, {1, 8}, "input");
  const uint32_t relu = builder.AddTensor(format::DType::kFloat32, {1, 8}, "output");
  builder.AddOp(format::OpCode::kRelu, {input}, relu);
  builder.SetInputs({input});
  builder.SetOutputs({relu});
  auto blob = builder.Build();
  ASSERT_TRUE(blob.ok()) << blob.error().message;
  const std::string model = Write("relu.tfm", std::string(blob->begin(), blob->end()));
  const int rc = Run("--devices 3 --broker " + url + " --password-dir " + ShellQuote((broker / "devices").string()) +
                         " --model " + model + " --duration 3 --telemetry-period-ms 200 --inference-period-ms 100 --json",
                     &output);
  RunCommand(ShellQuote(script + "stop.sh") + " " + ShellQuote(broker.string()) + " 2>&1", nullptr);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("\"devices\": 3, \"connected\": 3"), std::string::npos) << output;
  EXPECT_NE(output.find("\"bootable\": 3"), std::string::npos) << output;
  EXPECT_EQ(output.find("\"messages_delivered\": 0,"), std::string::npos) << output;
  EXPECT_EQ(output.find("\"inferences\": 0,"), std::string::npos) << output;
  EXPECT_NE(output.find("\"inference_errors\": 0,"), std::string::npos) << output;
}

}  // namespace
}  // namespace tinyforge::toolchain
