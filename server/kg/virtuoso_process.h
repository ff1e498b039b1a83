// Runs a private Virtuoso (Debian's virtuoso-t) as a child process: its own virtuoso.ini in a data
// folder, free loopback ports, SPARQL update granted only to a dedicated digest-auth account.
// The same set-up as scripts/virtuoso/start.sh (the two share credentials.env), in C++ for tests
// and `tinyforge serve`. RAII: the destructor stops the server.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "server/kg/kg_result.h"
#include "server/kg/sparql_client.h"

namespace tinyforge::server::kg {

struct VirtuosoOptions {
  std::filesystem::path data_dir;            // created if missing; holds db, log, ini, credentials
  std::string virtuoso_binary = "virtuoso-t";
  std::string isql_binary = "isql-vt";
  int start_timeout_ms = 60000;
  bool remove_data_dir_on_stop = false;      // tests: leave nothing behind
  // Rows a single SELECT may return. Far above any page we ask for; clients still verify counts.
  long result_set_max_rows = 1000000;
  // 8 KiB pages Virtuoso keeps in memory (20000 = 160 MB). A 100k-device registry (~4.5M triples)
  // needs ~300000 (2.4 GB) to stay out of disk reads; see docs/ontology.md.
  long number_of_buffers = 20000;
};

class VirtuosoProcess {
 public:
  // Starts virtuoso-t and waits until its SPARQL endpoint answers; on first start creates the
  // update account and replaces dba's default password (both random, in credentials.env, 0600).
  // Errors: kProcess naming the step (ports, fork/exec, timeout, account set-up) and the log file.
  static Result<std::unique_ptr<VirtuosoProcess>> Start(VirtuosoOptions options);
  ~VirtuosoProcess();
  VirtuosoProcess(const VirtuosoProcess&) = delete;
  VirtuosoProcess& operator=(const VirtuosoProcess&) = delete;

  // Quick shutdown (SIGTERM; Virtuoso replays its transaction log on the next start), SIGKILL
  // after 30 s. Idempotent.
  void Stop();

  const SparqlEndpoints& endpoints() const { return endpoints_; }
  int sql_port() const { return sql_port_; }
  int http_port() const { return http_port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& data_dir() const { return options_.data_dir; }

 private:
  explicit VirtuosoProcess(VirtuosoOptions options) : options_(std::move(options)) {}
  Result<Ok> Launch();
  Result<Ok> SetUpAccounts(const std::string& dba_password_now);

  VirtuosoOptions options_;
  pid_t pid_ = -1;
  int sql_port_ = 0;
  int http_port_ = 0;
  std::string dba_password_;
  SparqlEndpoints endpoints_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice). Returns 0 on failure.
int PickFreeLoopbackPort();

}  // namespace tinyforge::server::kg
