// Keeps the server's SPARQL store reachable: owns a private Virtuoso (or points at an external
// SPARQL 1.1 endpoint), probes it, and restarts the private one on the same data folder when it
// dies. Requests take a snapshot (a shared_ptr) and never block on a restart: while the store is
// down, Current() is empty and the API answers 503.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "server/kg/knowledge_graph.h"
#include "server/kg/sparql_client.h"
#include "server/kg/virtuoso_process.h"

namespace tinyforge::server::kg {

// One usable connection to the store; immutable once published.
struct StoreHandle {
  std::unique_ptr<SparqlClient> client;
  std::unique_ptr<KnowledgeGraph> graph;
};

class StoreSupervisor {
 public:
  // Private Virtuoso in `options.data_dir` (started now; error if it does not come up).
  static Result<std::unique_ptr<StoreSupervisor>> StartPrivate(VirtuosoOptions options, int probe_interval_ms = 300);
  // External endpoint: probed, never restarted by us.
  static std::unique_ptr<StoreSupervisor> External(SparqlEndpoints endpoints, int probe_interval_ms = 300);
  ~StoreSupervisor();
  StoreSupervisor(const StoreSupervisor&) = delete;
  StoreSupervisor& operator=(const StoreSupervisor&) = delete;

  // The live store, or nullptr while it is down / restarting.
  std::shared_ptr<const StoreHandle> Current() const;
  // Called by a request that saw a store error: re-probe soon instead of waiting.
  void ReportFailure();
  // Human-readable state for /health and 503 bodies.
  std::string Status() const;
  // Pid of the private virtuoso-t (tests kill it); -1 when external or down.
  pid_t pid() const;

 private:
  StoreSupervisor() = default;
  void Publish(const SparqlEndpoints& endpoints);
  void Monitor();
  bool Probe(const std::shared_ptr<const StoreHandle>& handle) const;

  VirtuosoOptions options_;
  bool owns_process_ = false;
  bool remove_data_dir_at_exit_ = false;
  int probe_interval_ms_ = 300;
  std::unique_ptr<VirtuosoProcess> process_;  // guarded by mutex_
  std::shared_ptr<const StoreHandle> current_;
  std::shared_ptr<const StoreHandle> suspect_;  // withdrawn by ReportFailure, not yet re-probed
  std::string status_ = "starting";
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool failure_reported_ = false;
  std::thread monitor_;
};

}  // namespace tinyforge::server::kg
