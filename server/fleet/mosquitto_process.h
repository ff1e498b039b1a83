// Runs a private Mosquitto broker (Debian's mosquitto) as a child process: its own mosquitto.conf
// in a data folder, a free loopback port, no anonymous access, a server account (tf/#) and one
// account per device whose ACL allows publishing only under tf/<id>/ and reading only
// tf/<id>/ota/offer and tf/<id>/ota/chunk. The same set-up as scripts/mosquitto/start.sh, in C++
// for tests and `tinyforge serve`. RAII: the destructor stops the broker.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/fleet/fleet_result.h"

namespace tinyforge::server::fleet {

struct MqttCredentials {
  std::string user;
  std::string password;
};

struct MosquittoOptions {
  std::filesystem::path data_dir;          // created if missing (0700); conf, passwd, acl, log
  std::vector<std::string> device_ids;     // 1-32 of [A-Za-z0-9_-] each
  std::string broker_binary;               // empty: mosquitto on PATH, else /usr/sbin/mosquitto
  int start_timeout_ms = 10000;
  bool remove_data_dir_on_stop = false;    // tests: leave nothing behind
  // Keep the device accounts already in data_dir/passwd (hashed) across restarts, so devices
  // registered by an earlier server run still connect. Their passwords are not known any more
  // (only hashes are stored): device_credentials() fails for them; AddDevice gives a new one.
  bool keep_accounts = false;
  // Broker queue limits, per client. The server's persistent session must absorb bursts while
  // its writer catches up: past these, mosquitto drops QoS 1 messages silently.
  // Listen here if it is free (a server restart keeps the port its devices know); 0 or taken:
  // a free port the kernel picks.
  int preferred_port = 0;
  int max_inflight_messages = 1000;
  int max_queued_messages = 1000000;
};

class MosquittoProcess {
 public:
  // Writes the config and the hashed passwords (mosquitto_password.h), starts the broker and waits
  // until its port accepts connections. Errors name the step and the log file.
  static Result<std::unique_ptr<MosquittoProcess>> Start(MosquittoOptions options);
  ~MosquittoProcess();
  MosquittoProcess(const MosquittoProcess&) = delete;
  MosquittoProcess& operator=(const MosquittoProcess&) = delete;

  // SIGTERM, SIGKILL after 5 s. Idempotent.
  void Stop();
  // Stops the broker (SIGTERM) and starts it again on the same port with the same accounts, as a
  // service restart looks to its clients (reliability tests: clients reconnect to one address).
  Result<Ok> Restart();
  // Adds a device account and reloads the broker's password/ACL files (SIGHUP).
  Result<MqttCredentials> AddDevice(const std::string& device_id);
  // Many accounts with one rewrite and one reload (a batch registration): each AddDevice rewrites
  // the whole password file and reloads the broker. Same order as `device_ids`; all or none
  // are added (a bad id fails before any change).
  Result<std::vector<MqttCredentials>> AddDevices(const std::vector<std::string>& device_ids);

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  std::string url() const { return "mqtt://" + host_ + ":" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  const MqttCredentials& server_credentials() const { return server_; }
  // kNotFound-like error when the device has no account (or only a kept, hashed one).
  Result<MqttCredentials> device_credentials(const std::string& device_id) const;
  bool has_account(const std::string& device_id) const;
  const std::filesystem::path& data_dir() const { return options_.data_dir; }

 private:
  explicit MosquittoProcess(MosquittoOptions options) : options_(std::move(options)) {}
  Result<Ok> WriteAccounts();
  // A device account with a fresh password, hashed once here; {existing, false} if it exists.
  std::pair<std::map<std::string, MqttCredentials>::iterator, bool> NewAccount(const std::string& device_id);
  void ForgetAccount(const std::string& device_id);
  Result<Ok> Launch(int fixed_port = 0);  // 0: pick a free port
  void Terminate();  // SIGTERM, SIGKILL after 5 s

  MosquittoOptions options_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  pid_t pid_ = -1;
  MqttCredentials server_;
  std::string server_hash_;
  std::map<std::string, MqttCredentials> devices_;
  std::map<std::string, std::string> hashed_;  // device id -> password hash field (devices_)
  std::map<std::string, std::string> kept_hashed_;  // device id -> "id:hash" line
};

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice); 0 on failure.
int PickFreePort();
// True for ids usable as MQTT user name and topic level: 1-32 of [A-Za-z0-9_-].
bool ValidDeviceId(const std::string& device_id);

}  // namespace tinyforge::server::fleet
