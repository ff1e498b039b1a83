// `tinyforge rollout create|status|pause|resume|cancel|rollback`: staged rollouts on a running
// tinyforge-server, over plain HTTP (the toolchain must not link server/ code). The token comes
// from --token-file or TINYFORGE_TOKEN, the server from --server or TINYFORGE_SERVER.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "toolchain/cli/commands.h"

namespace tinyforge::cli {
namespace {

using nlohmann::json;

struct Connection {
  std::string server;
  std::string token_file;
  bool json_output = false;
};

std::string Trim(std::string text) {
  text.erase(0, text.find_first_not_of(" \t\r\n"));
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  return text;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Runs one request; prints the server's error message and returns 1 on failure.
int Call(const Connection& connection, const std::string& method, const std::string& path, const json* body,
         json* answer) {
  std::string server = connection.server;
  if (server.empty() && std::getenv("TINYFORGE_SERVER")) server = std::getenv("TINYFORGE_SERVER");
  if (server.empty()) server = "http://127.0.0.1:8080";
  while (!server.empty() && server.back() == '/') server.pop_back();
  if (server.rfind("http://", 0) != 0) return Fail("--server: expected http://HOST:PORT, got \"" + server + "\"");
  std::string token;
  if (!connection.token_file.empty()) {
    std::ifstream in(connection.token_file);
    if (!in) return Fail("--token-file: cannot read " + connection.token_file);
    std::getline(in, token);
    token = Trim(token);
    if (token.empty()) return Fail("--token-file: " + connection.token_file + " is empty");
  } else if (const char* env = std::getenv("TINYFORGE_TOKEN")) {
    token = Trim(env);
  }
  if (token.empty()) return Fail("no API token: pass --token-file FILE or set TINYFORGE_TOKEN");

  httplib::Client client(server);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(120, 0);
  httplib::Headers headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
  httplib::Result result = method == "GET" ? client.Get(path.c_str(), headers)
                                           : client.Post(path.c_str(), headers, body ? body->dump() : "", "application/json");
  if (!result) {
    return Fail("cannot reach " + server + ": " + httplib::to_string(result.error()) + " (is tinyforge-server running?)");
  }
  json parsed = json::parse(result->body, nullptr, false);
  if (result->status >= 400) {
    std::string message = parsed.is_object() && parsed.contains("error") && parsed["error"].contains("message")
                              ? parsed["error"]["message"].get<std::string>()
                              : result->body;
    return Fail("server answered " + std::to_string(result->status) + ": " + message);
  }
  if (parsed.is_discarded()) return Fail("server answered " + std::to_string(result->status) + " with a body that is not JSON");
  *answer = std::move(parsed);
  return 0;
}

std::string Number(const json& value) {
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number()) {
    std::ostringstream out;
    out << value.get<double>();
    return out.str();
  }
  return value.is_string() ? value.get<std::string>() : value.dump();
}

void PrintRollout(const json& rollout, bool details) {
  std::printf("rollout %s%s: %s, group %s of %zu, artifact %s, %s devices\n", Number(rollout["id"]).c_str(),
              rollout.value("name", "").empty() ? "" : (" \"" + rollout.value("name", "") + "\"").c_str(),
              rollout.value("state", "?").c_str(), Number(rollout["current_group"]).c_str(), rollout["groups"].size(),
              rollout.value("artifact_id", "?").c_str(), Number(rollout["device_count"]).c_str());
  if (!rollout.value("reason", "").empty()) std::printf("  reason: %s\n", rollout.value("reason", "").c_str());
  if (!details) return;
  for (const json& group : rollout["groups"]) {
    std::printf("  group %s (%s): %s devices, %s confirmed, %s failed, %s incompatible, %s cancelled, %s pending, %s waiting [%s]\n",
                Number(group["index"]).c_str(), group.value("spec", "").c_str(), Number(group["size"]).c_str(),
                Number(group["confirmed"]).c_str(), Number(group["failed"]).c_str(), Number(group["incompatible"]).c_str(),
                Number(group["cancelled"]).c_str(), Number(group["pending"]).c_str(), Number(group["waiting"]).c_str(),
                group.value("state", "").c_str());
  }
  const json& rollback = rollout["rollback"];
  if (rollback.is_object() && rollback.value("devices", 0) > 0) {
    std::printf("  rollback to %s: %s devices, %s confirmed, %s failed, %s pending\n",
                rollback.value("artifact_id", "").c_str(), Number(rollback["devices"]).c_str(),
                Number(rollback["confirmed"]).c_str(), Number(rollback["failed"]).c_str(), Number(rollback["pending"]).c_str());
  }
  if (rollout.contains("failures") && !rollout["failures"].empty()) {
    std::printf("  failures:\n");
    for (const json& failure : rollout["failures"]) {
      std::printf("    %s (group %s): %s%s%s\n", failure.value("device_id", "").c_str(), Number(failure["group"]).c_str(),
                  failure.value("outcome", "").c_str(), failure.value("detail", "").empty() ? "" : ": ",
                  failure.value("detail", "").c_str());
    }
  }
}

int Show(const Connection& connection, const json& answer, bool details) {
  if (connection.json_output) {
    std::printf("%s\n", answer.dump(2).c_str());
  } else {
    PrintRollout(answer, details);
  }
  return 0;
}

bool ValidId(const std::string& id) {
  return !id.empty() && id.size() <= 12 && id.find_first_not_of("0123456789") == std::string::npos;
}

int UsageError(const std::string& message) {
  Fail(message);
  return 2;
}

void AddConnectionOptions(CLI::App* command, Connection* connection) {
  command->add_option("--server", connection->server, "Server URL (default $TINYFORGE_SERVER or http://127.0.0.1:8080)");
  command->add_option("--token-file", connection->token_file, "File holding the API token (default $TINYFORGE_TOKEN)");
  command->add_flag("--json", connection->json_output, "Print the server's JSON answer");
}

}  // namespace

void AddRolloutCommands(CLI::App& app, int* exit_code) {
  auto* rollout = app.add_subcommand("rollout", "Staged OTA rollouts on a tinyforge-server");
  rollout->require_subcommand(1);
  static Connection connection;

  // create
  static std::string artifact, rollback_artifact, devices, devices_file, model, version, sensor_type, groups, name;
  static double success_threshold = 0.95, error_threshold = 0.05;
  static int64_t soak_seconds = 0, group_timeout_seconds = 0;
  static bool no_start = false;
  auto* create = rollout->add_subcommand("create", "Start a rollout of an artifact to devices");
  AddConnectionOptions(create, &connection);
  create->add_option("--artifact", artifact, "Artifact id to deliver")->required();
  create->add_option("--rollback-artifact", rollback_artifact, "Pinned earlier artifact for a rollback");
  auto* list_option = create->add_option("--devices", devices, "Comma-separated device ids");
  auto* file_option = create->add_option("--devices-file", devices_file, "File with one device id per line");
  auto* model_option = create->add_option("--model", model, "Target every device compatible with this model");
  create->add_option("--version", version, "Model version (default: newest)")->needs(model_option);
  create->add_option("--sensor-type", sensor_type, "Only devices with this sensor class (e.g. Accelerometer)")->needs(model_option);
  list_option->excludes(file_option)->excludes(model_option);
  file_option->excludes(model_option);
  create->add_option("--groups", groups, "Cumulative groups, e.g. 1%,10%,100% or 5,50,500 (default 1%,10%,100%)");
  create->add_option("--success-threshold", success_threshold, "Fraction of a group confirmed to advance (default 0.95)");
  create->add_option("--error-threshold", error_threshold, "Fraction of a group failed above which it halts (default 0.05)");
  create->add_option("--soak", soak_seconds, "Seconds to wait after a group succeeded");
  create->add_option("--group-timeout", group_timeout_seconds, "Seconds after which silent devices count as timed out");
  create->add_option("--name", name, "Name shown in listings");
  create->add_flag("--no-start", no_start, "Create without starting (start with `rollout resume`)");
  create->callback([exit_code] {
    json body = {{"artifact_id", artifact}, {"success_threshold", success_threshold},
                 {"error_threshold", error_threshold}, {"soak_seconds", soak_seconds},
                 {"group_timeout_seconds", group_timeout_seconds}, {"start", !no_start}};
    if (!name.empty()) body["name"] = name;
    if (!rollback_artifact.empty()) body["rollback_artifact_id"] = rollback_artifact;
    if (!groups.empty()) {
      json list = json::array();
      for (const std::string& group : SplitList(groups)) list.push_back(group);
      body["groups"] = list;
    }
    if (!model.empty()) {
      body["target"] = {{"model", model}};
      if (!version.empty()) body["target"]["version"] = version;
      if (!sensor_type.empty()) body["target"]["sensor_type"] = sensor_type;
    } else {
      std::vector<std::string> ids = SplitList(devices);
      if (!devices_file.empty()) {
        std::ifstream in(devices_file);
        if (!in) {
          *exit_code = Fail("--devices-file: cannot read " + devices_file);
          return;
        }
        for (std::string line; std::getline(in, line);) {
          line = Trim(line);
          if (!line.empty() && line[0] != '#') ids.push_back(line);
        }
      }
      if (ids.empty()) {
        *exit_code = Fail("give the target: --devices a,b,c, --devices-file FILE or --model ID");
        return;
      }
      body["target"] = {{"devices", ids}};
    }
    json answer;
    *exit_code = Call(connection, "POST", "/api/v1/rollouts", &body, &answer);
    if (*exit_code == 0) *exit_code = Show(connection, answer, true);
  });

  // status [ID]
  static std::string status_id;
  static bool wait = false;
  static int wait_timeout_s = 3600;
  auto* status = rollout->add_subcommand("status", "Show one rollout, or list them without an id");
  AddConnectionOptions(status, &connection);
  status->add_option("id", status_id, "Rollout id");
  static std::string device_filter;
  static int device_limit = 100;
  auto* devices_option = status->add_option(
      "--devices", device_filter, "List the devices with this status (all, waiting, pending, failed, confirmed, refused, ...)");
  status->add_option("--limit", device_limit, "At most this many devices with --devices (1..1000, default 100)")
      ->needs(devices_option)
      ->check(CLI::Range(1, 1000));
  auto* wait_flag = status->add_flag("--wait", wait,
                                     "Wait while it is running or rolling back; exit 0 only if it ends completed or rolled_back");
  status->add_option("--timeout", wait_timeout_s, "Seconds --wait waits at most (default 3600)")->needs(wait_flag);
  status->callback([exit_code] {
    json answer;
    if (status_id.empty() && (!device_filter.empty() || wait)) {
      *exit_code = UsageError("--devices and --wait need a rollout id");
      return;
    }
    if (status_id.empty()) {
      *exit_code = Call(connection, "GET", "/api/v1/rollouts?limit=1000", nullptr, &answer);
      if (*exit_code != 0) return;
      if (connection.json_output) {
        std::printf("%s\n", answer.dump(2).c_str());
      } else {
        if (answer["items"].empty()) std::printf("no rollouts\n");
        for (const json& item : answer["items"]) PrintRollout(item, false);
      }
      return;
    }
    if (!ValidId(status_id)) {
      *exit_code = UsageError("id: must be a positive integer, got \"" + status_id + "\"");
      return;
    }
    const std::string path = "/api/v1/rollouts/" + status_id;
    if (!device_filter.empty()) {
      if (device_filter.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
        *exit_code = UsageError("--devices: a status name like failed or pending, got \"" + device_filter + "\"");
        return;
      }
      std::string query = path + "/devices?limit=" + std::to_string(device_limit) +
                          (device_filter == "all" ? "" : "&status=" + device_filter);
      *exit_code = Call(connection, "GET", query, nullptr, &answer);
      if (*exit_code != 0) return;
      if (connection.json_output) {
        std::printf("%s\n", answer.dump(2).c_str());
        return;
      }
      std::printf("%s of %s devices\n", Number(json(answer["items"].size())).c_str(), Number(answer["total"]).c_str());
      for (const json& device : answer["items"]) {
        std::printf("  %s (group %s): %s%s%s\n", device.value("device_id", "").c_str(), Number(device["group"]).c_str(),
                    device.value("status", "").c_str(), device.value("detail", "").empty() ? "" : ": ",
                    device.value("detail", "").c_str());
      }
      return;
    }
    *exit_code = Call(connection, "GET", path, nullptr, &answer);
    if (*exit_code != 0 || !wait) {
      if (*exit_code == 0) *exit_code = Show(connection, answer, true);
      return;
    }
    // Polls once a second: the server has no push channel, and a rollout lasts minutes.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_timeout_s);
    auto moving = [](const json& shown) {
      const std::string state = shown.value("state", "");
      return state == "running" || state == "rolling_back";
    };
    while (moving(answer) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      *exit_code = Call(connection, "GET", path, nullptr, &answer);
      if (*exit_code != 0) return;
    }
    Show(connection, answer, true);
    const std::string state = answer.value("state", "");
    if (moving(answer)) {
      *exit_code = Fail("rollout " + status_id + " is still " + state + " after " + std::to_string(wait_timeout_s) + " s");
    } else if (state != "completed" && state != "rolled_back") {
      *exit_code = Fail("rollout " + status_id + " ended " + state +
                        (answer.value("reason", "").empty() ? "" : ": " + answer.value("reason", "")));
    }
  });

  // pause / resume / cancel / rollback ID
  struct Command {
    const char* name;
    const char* help;
  };
  static std::string command_id[4], reason[4], rollback_to;
  static bool all_groups = false;
  const Command commands[4] = {{"pause", "Stop starting new groups (in-flight devices finish)"},
                               {"resume", "Continue a paused (or created) rollout"},
                               {"cancel", "Cancel a rollout and its in-flight deliveries"},
                               {"rollback", "Deliver the pinned earlier artifact to the devices that confirmed"}};
  for (int i = 0; i < 4; ++i) {
    auto* command = rollout->add_subcommand(commands[i].name, commands[i].help);
    AddConnectionOptions(command, &connection);
    command->add_option("id", command_id[i], "Rollout id")->required();
    std::string verb = commands[i].name;
    if (verb == "pause" || verb == "cancel") command->add_option("--reason", reason[i], "Why (shown in status)");
    if (verb == "rollback") {
      command->add_option("--artifact", rollback_to, "Pinned artifact (default: the one given at creation)");
      command->add_flag("--all-groups", all_groups, "Roll back every group, not only the halted one");
    }
    command->callback([exit_code, i, verb] {
      if (!ValidId(command_id[i])) {
        *exit_code = UsageError("id: must be a positive integer, got \"" + command_id[i] + "\"");
        return;
      }
      json body = json::object();
      if (!reason[i].empty()) body["reason"] = reason[i];
      if (verb == "rollback") {
        if (!rollback_to.empty()) body["artifact_id"] = rollback_to;
        if (all_groups) body["all_groups"] = true;
      }
      json answer;
      *exit_code = Call(connection, "POST", "/api/v1/rollouts/" + command_id[i] + "/" + verb, &body, &answer);
      if (*exit_code == 0) *exit_code = Show(connection, answer, true);
    });
  }
}

}  // namespace tinyforge::cli
