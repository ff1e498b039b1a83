// `tinyforge serve`: runs the REST server. The toolchain must not link server/ (dependency rule
// toolchain -> server forbidden), so this execs the separate `tinyforge-server` executable, found
// next to this binary, in the build tree's server/ folder, or on PATH.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "toolchain/cli/commands.h"

namespace tinyforge::cli {

void AddServeCommand(CLI::App& app, int* exit_code);

namespace {

std::string FindServerBinary() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    for (const auto& candidate : {self.parent_path() / "tinyforge-server",
                                  self.parent_path().parent_path() / "server" / "tinyforge-server"}) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return "tinyforge-server";  // execvp searches PATH
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto* command = app.add_subcommand("serve", "Run the SeLoC-ML REST server (execs tinyforge-server)");
  static std::string data_dir, host = "127.0.0.1", sparql_endpoint;
  static std::string sparql_update_endpoint, sparql_user, sparql_password_file;
  static std::string mqtt_url, mqtt_user, mqtt_password_file;
  static bool no_mqtt = false;
  static int port = 8080;
  command->add_option("--data-dir", data_dir, "Folder for server.db and the private Virtuoso")->required();
  command->add_option("--host", host, "Address to listen on");
  command->add_option("--port", port, "TCP port");
  command->add_option("--sparql-endpoint", sparql_endpoint, "Use this SPARQL 1.1 endpoint instead of a private Virtuoso");
  command->add_option("--sparql-update-endpoint", sparql_update_endpoint,
                      "Its SPARQL 1.1 update endpoint (default: the query endpoint)");
  command->add_option("--sparql-user", sparql_user, "Account for updates and Graph Store requests on that store");
  command->add_option("--sparql-password-file", sparql_password_file, "File whose first line is that account's password");
  command->add_option("--mqtt-url", mqtt_url, "Use this MQTT broker (mqtt://host:port) instead of a private Mosquitto");
  command->add_option("--mqtt-user", mqtt_user, "Server account on the external broker (default tf-server)");
  command->add_option("--mqtt-password-file", mqtt_password_file, "File whose first line is that account's password");
  command->add_flag("--no-mqtt", no_mqtt, "Run without the fleet service (no broker, no ingest, no OTA)");
  command->callback([exit_code] {
    std::string binary = FindServerBinary();
    std::vector<std::string> args = {binary, "--data-dir", data_dir, "--host", host, "--port", std::to_string(port)};
    // Every store and broker option is forwarded (the update endpoint and its account were not:
    // updates then went to the read-only query endpoint).
    for (const auto& [flag, value] : {std::pair<const char*, std::string>{"--sparql-endpoint", sparql_endpoint},
                                      {"--sparql-update-endpoint", sparql_update_endpoint},
                                      {"--sparql-user", sparql_user},
                                      {"--sparql-password-file", sparql_password_file},
                                      {"--mqtt-url", mqtt_url},
                                      {"--mqtt-user", mqtt_user},
                                      {"--mqtt-password-file", mqtt_password_file}}) {
      if (value.empty()) continue;
      args.push_back(flag);
      args.push_back(value);
    }
    if (no_mqtt) args.push_back("--no-mqtt");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execvp(binary.c_str(), argv.data());
    *exit_code = Fail("cannot run " + binary + " (build the tinyforge-server target or put it on PATH)");
  });
}

}  // namespace tinyforge::cli
