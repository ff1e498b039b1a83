// The per-binary Virtuoso environment (see virtuoso_fixture.h).
#include "virtuoso_fixture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

namespace tinyforge::server::kg::testing {
namespace {

std::unique_ptr<VirtuosoProcess> g_store;
std::unique_ptr<SparqlClient> g_client;

class VirtuosoEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    namespace fs = std::filesystem;
    fs::path root = fs::path(TINYFORGE_BINARY_DIR) / "kg-test-stores";
    // Stores left by binaries that were killed (no destructor ran): their pid is gone.
    std::error_code ignored;
    if (fs::exists(root)) {
      for (const auto& entry : fs::directory_iterator(root, ignored)) {
        std::string name = entry.path().filename().string();
        pid_t owner = static_cast<pid_t>(std::atoi(name.c_str()));
        if (owner > 0 && ::kill(owner, 0) != 0) fs::remove_all(entry.path(), ignored);
      }
    }
    VirtuosoOptions options;
    options.data_dir = root / std::to_string(::getpid());
    options.remove_data_dir_on_stop = true;
    auto started = VirtuosoProcess::Start(options);
    if (!started.ok()) {
      std::cerr << "Virtuoso did not start: " << started.error().message << "\n";
      return;
    }
    g_store = std::move(started.value());
    g_client = std::make_unique<SparqlClient>(g_store->endpoints());
  }
  void TearDown() override {
    g_client.reset();
    g_store.reset();  // stops virtuoso-t and removes the data folder
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new VirtuosoEnvironment);

}  // namespace

VirtuosoProcess* Store() { return g_store.get(); }
const SparqlClient& Client() { return *g_client; }

}  // namespace tinyforge::server::kg::testing
