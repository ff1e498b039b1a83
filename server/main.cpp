// tinyforge-server: the SeLoC-ML REST server (`tinyforge serve` execs this). Separate executable
// because the toolchain must not depend on server/ (docs: ARCHITECTURE.md dependency rules).
#include <sys/stat.h>

#include <charconv>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "server/http/server_app.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

int Usage() {
  std::cerr << "usage: tinyforge-server --data-dir DIR [--host 127.0.0.1] [--port 8080]\n"
               "         [--sparql-endpoint URL --sparql-update-endpoint URL --sparql-user U --sparql-password-file F]\n"
               "         [--mqtt-url mqtt://HOST:PORT [--mqtt-user U] [--mqtt-password-file F] | --no-mqtt]\n"
               "Without --sparql-endpoint a private Virtuoso runs in DIR/virtuoso. Without --mqtt-url a private\n"
               "Mosquitto runs in DIR/mosquitto (fleet: telemetry ingest, OTA updates; signing key in\n"
               "DIR/fleet-signing.key, 0600). On first start an admin\n"
               "token is written to DIR/admin-token (mode 0600).\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using tinyforge::server::http::ServerOptions;
  ServerOptions options;
  options.port = 8080;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return Usage(), 0;
    if (flag == "--no-mqtt") {
      options.fleet = false;
      continue;
    }
    if (i + 1 >= argc) return Usage();
    std::string value = argv[++i];
    if (flag == "--data-dir") options.data_dir = value;
    else if (flag == "--host") options.host = value;
    else if (flag == "--port") {
      // 0 asks the kernel for a free port (tests use it); anything but digits is refused.
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), options.port);
      if (error != std::errc() || end != value.data() + value.size() || options.port < 0 || options.port > 65535) {
        std::cerr << "tinyforge-server: error: --port '" << value << "': expected a number in [0, 65535]\n";
        return 2;
      }
    }
    else if (flag == "--sparql-endpoint") options.external_query_url = value;
    else if (flag == "--sparql-update-endpoint") options.external_update_url = value;
    else if (flag == "--sparql-user") options.external_user = value;
    else if (flag == "--mqtt-url") options.mqtt_url = value;
    else if (flag == "--mqtt-user") options.mqtt_user = value;
    else if (flag == "--mqtt-password-file") {
      std::ifstream in(value);
      if (!in) {
        std::cerr << "tinyforge-server: error: cannot read --mqtt-password-file " << value << "\n";
        return 2;
      }
      std::getline(in, options.mqtt_password);
    } else if (flag == "--sparql-password-file") {
      std::ifstream in(value);
      if (!in) {
        std::cerr << "tinyforge-server: error: cannot read --sparql-password-file " << value << "\n";
        return 2;
      }
      std::getline(in, options.external_password);
    } else return Usage();
  }
  if (options.data_dir.empty() || options.port < 0 || options.port > 65535) return Usage();
  auto app = tinyforge::server::http::ServerApp::Start(options);
  if (!app.ok()) {
    std::cerr << "tinyforge-server: error: " << app.error().message << "\n";
    return 1;
  }
  auto tokens = app.value()->db().TokenCount();
  if (tokens.ok() && tokens.value() == 0) {
    auto issued = app.value()->db().IssueToken(tinyforge::server::domain::Role::kAdmin, "bootstrap admin");
    if (issued.ok()) {
      auto path = options.data_dir / "admin-token";
      ::umask(077);
      std::ofstream(path) << issued->secret << "\n";
      std::cerr << "tinyforge-server: first start: admin token written to " << path << "\n";
    }
  }
  std::cerr << "tinyforge-server: listening on http://" << options.host << ":" << app.value()->port() << "\n";
  if (auto* fleet = app.value()->fleet()) std::cerr << "tinyforge-server: fleet MQTT broker " << fleet->broker_url() << "\n";
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop) ::pause();
  app.value()->Stop();
  return 0;
}
