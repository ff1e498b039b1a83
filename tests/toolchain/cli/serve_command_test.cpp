// `tinyforge serve` with an external SPARQL store: every store option reaches the server. Bug
// (issue 5): --sparql-update-endpoint, --sparql-user and --sparql-password-file were not
// forwarded, so the server sent updates to the read-only query endpoint. Here the "external" store
// is a real Virtuoso whose anonymous /sparql refuses updates: an admin update through the server
// only lands when the update endpoint and its account were passed on.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "server/kg/sparql_client.h"
#include "server/kg/virtuoso_process.h"
#include "toolchain/verify/firmware_runner.h"

namespace tinyforge::toolchain {
namespace {
namespace fs = std::filesystem;
namespace kg = server::kg;

const std::string kTool = std::string(TINYFORGE_BINARY_DIR) + "/toolchain/tinyforge";

fs::path TestDir() { return fs::path(TINYFORGE_BINARY_DIR) / "test-serve" / std::to_string(::getpid()); }

class ServeCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::remove_all(TestDir());
    kg::VirtuosoOptions options;
    options.data_dir = TestDir() / "store";
    options.remove_data_dir_on_stop = true;
    auto store = kg::VirtuosoProcess::Start(options);
    if (!store.ok()) GTEST_SKIP() << "Virtuoso is not available: " << store.error().message;
    store_ = std::move(store.value());
  }
  void TearDown() override {
    if (server_pid_ > 0) {
      ::kill(server_pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 300 && ::waitpid(server_pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (::waitpid(server_pid_, &status, WNOHANG) == 0) {
        ::kill(server_pid_, SIGKILL);
        ::waitpid(server_pid_, &status, 0);
      }
    }
    store_.reset();
    std::error_code ignored;
    fs::remove_all(TestDir(), ignored);
  }

  // Runs `tinyforge serve ARGS` in the background; returns its log path.
  void StartServe(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> all = {kTool, "serve"};
    all.insert(all.end(), args.begin(), args.end());
    server_pid_ = ::fork();
    ASSERT_GE(server_pid_, 0);
    if (server_pid_ == 0) {
      FILE* out = std::freopen(log.c_str(), "w", stdout);
      if (out != nullptr) ::dup2(::fileno(out), 2);
      std::vector<char*> argv;
      for (auto& arg : all) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(kTool.c_str(), argv.data());
      ::_exit(127);
    }
  }

  std::unique_ptr<kg::VirtuosoProcess> store_;
  pid_t server_pid_ = -1;
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_F(ServeCommandTest, ForwardsTheUpdateEndpointAndItsAccount) {
  const kg::SparqlEndpoints& endpoints = store_->endpoints();
  ASSERT_NE(endpoints.update_url, endpoints.query_url);
  const fs::path data = TestDir() / "server", password = TestDir() / "password", log = TestDir() / "serve.log";
  fs::create_directories(data);
  std::ofstream(password) << endpoints.password << "\n";
  int port = kg::PickFreeLoopbackPort();
  ASSERT_GT(port, 0);
  ASSERT_NO_FATAL_FAILURE(StartServe({"--data-dir", data.string(), "--port", std::to_string(port), "--no-mqtt",
                                      "--sparql-endpoint", endpoints.query_url, "--sparql-update-endpoint",
                                      endpoints.update_url, "--sparql-user", endpoints.user, "--sparql-password-file",
                                      password.string()},
                                     log));
  // The server writes its bootstrap admin token once it serves.
  const fs::path token_file = data / "admin-token";
  std::string token;
  for (int i = 0; i < 600 && token.empty(); ++i) {
    int status = 0;
    ASSERT_EQ(::waitpid(server_pid_, &status, WNOHANG), 0) << "serve exited: " << ReadAll(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(token_file);
    std::getline(in, token);
  }
  ASSERT_FALSE(token.empty()) << "no admin token after 60 s: " << ReadAll(log);

  const std::string update =
      "INSERT DATA { GRAPH <urn:tinyforge:test:serve> { <urn:tinyforge:test:s> <urn:tinyforge:test:p> \"forwarded\" } }";
  std::string output;
  int code = -1;
  for (int attempt = 0; attempt < 100; ++attempt) {  // the HTTP listener may start a moment after the token
    output.clear();
    code = RunCommand("curl -s -o /dev/null -w '%{http_code}' -H " + ShellQuote("Authorization: Bearer " + token) +
                          " --data-urlencode " + ShellQuote("update=" + update) + " http://127.0.0.1:" +
                          std::to_string(port) + "/sparql",
                      &output);
    if (code == 0 && output != "000") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(code, 0) << output;
  EXPECT_EQ(output, "204") << ReadAll(log);

  kg::SparqlClient direct(endpoints);
  auto stored = direct.Ask("ASK FROM <urn:tinyforge:test:serve> { <urn:tinyforge:test:s> <urn:tinyforge:test:p> \"forwarded\" }");
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_TRUE(*stored) << "the update did not reach the store's update endpoint";
}

TEST(ServeCommandHelpTest, ListsTheStoreOptions) {
  std::string output;
  EXPECT_EQ(RunCommand(ShellQuote(kTool) + " serve --help", &output), 0);
  for (const char* option : {"--sparql-endpoint", "--sparql-update-endpoint", "--sparql-user", "--sparql-password-file"}) {
    EXPECT_NE(output.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace tinyforge::toolchain
