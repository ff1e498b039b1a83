// Store liveness and restart (see store_supervisor.h).
#include "server/kg/store_supervisor.h"

#include <filesystem>

#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {

Result<std::unique_ptr<StoreSupervisor>> StoreSupervisor::StartPrivate(VirtuosoOptions options,
                                                                        int probe_interval_ms) {
  std::unique_ptr<StoreSupervisor> supervisor(new StoreSupervisor());
  // Restarts must keep the data: the supervisor removes the folder itself, only at the end.
  supervisor->remove_data_dir_at_exit_ = options.remove_data_dir_on_stop;
  options.remove_data_dir_on_stop = false;
  supervisor->options_ = options;
  supervisor->owns_process_ = true;
  supervisor->probe_interval_ms_ = probe_interval_ms;
  auto started = VirtuosoProcess::Start(options);
  if (!started.ok()) return started.error();
  supervisor->process_ = std::move(started.value());
  supervisor->Publish(supervisor->process_->endpoints());
  supervisor->monitor_ = std::thread([raw = supervisor.get()] { raw->Monitor(); });
  return supervisor;
}

std::unique_ptr<StoreSupervisor> StoreSupervisor::External(SparqlEndpoints endpoints, int probe_interval_ms) {
  std::unique_ptr<StoreSupervisor> supervisor(new StoreSupervisor());
  supervisor->probe_interval_ms_ = probe_interval_ms;
  supervisor->Publish(endpoints);
  supervisor->monitor_ = std::thread([raw = supervisor.get()] { raw->Monitor(); });
  return supervisor;
}

StoreSupervisor::~StoreSupervisor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  std::lock_guard lock(mutex_);
  current_.reset();
  if (process_) process_->Stop();
  if (remove_data_dir_at_exit_) {
    std::error_code ignored;
    std::filesystem::remove_all(options_.data_dir, ignored);
  }
}

void StoreSupervisor::Publish(const SparqlEndpoints& endpoints) {
  auto handle = std::make_shared<StoreHandle>();
  SparqlEndpoints bounded = endpoints;
  bounded.timeout_ms = 30000;  // a request must not hang on a wedged store
  handle->client = std::make_unique<SparqlClient>(bounded);
  handle->graph = std::make_unique<KnowledgeGraph>(*handle->client, std::string(vocab::kRegistryGraph));
  std::lock_guard lock(mutex_);
  current_ = std::move(handle);
  status_ = "up";
}

std::shared_ptr<const StoreHandle> StoreSupervisor::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void StoreSupervisor::ReportFailure() {
  {
    // Down at once for every request (and /health) until a probe says otherwise: a request that
    // could not reach the store is better evidence than the last periodic probe.
    std::lock_guard lock(mutex_);
    failure_reported_ = true;
    if (current_) {
      suspect_ = current_;
      current_.reset();
      status_ = "down: a request could not reach the knowledge graph store; checking";
    }
  }
  wake_.notify_all();
}

std::string StoreSupervisor::Status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

pid_t StoreSupervisor::pid() const {
  std::lock_guard lock(mutex_);
  return process_ && current_ ? process_->pid() : -1;
}

bool StoreSupervisor::Probe(const std::shared_ptr<const StoreHandle>& handle) const {
  SparqlEndpoints endpoints = handle->client->endpoints();
  endpoints.timeout_ms = 2000;
  SparqlClient probe(endpoints);
  return probe.Ask("ASK {}").ok();
}

void StoreSupervisor::Monitor() {
  int consecutive_failures = 0;
  std::shared_ptr<const StoreHandle> last_good;
  while (true) {
    std::shared_ptr<const StoreHandle> handle;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(probe_interval_ms_),
                     [this] { return stopping_ || failure_reported_; });
      if (stopping_) return;
      failure_reported_ = false;
      handle = current_ ? current_ : last_good ? last_good : suspect_;
    }
    if (!handle) continue;
    if (Probe(handle)) {
      consecutive_failures = 0;
      std::lock_guard lock(mutex_);
      if (!current_) {
        current_ = handle;  // the store answers again (external, or a false alarm)
        suspect_.reset();
        status_ = "up";
      }
      continue;
    }
    ++consecutive_failures;
    if (consecutive_failures < 2) continue;  // one slow probe is not an outage
    last_good = handle;
    {
      std::lock_guard lock(mutex_);
      current_.reset();
      status_ = owns_process_ ? "down: the knowledge graph store stopped; restarting it"
                              : "down: the SPARQL endpoint does not answer";
    }
    if (!owns_process_) continue;
    // The private store died (or hangs): stop what is left, then start it again on the same data
    // folder. Virtuoso replays its transaction log, so every committed update is back.
    std::unique_ptr<VirtuosoProcess> old;
    {
      std::lock_guard lock(mutex_);
      old = std::move(process_);
    }
    if (old) old->Stop();
    old.reset();
    std::error_code ignored;
    std::filesystem::remove(options_.data_dir / "virtuoso.lck", ignored);
    auto started = VirtuosoProcess::Start(options_);
    if (!started.ok()) {
      std::lock_guard lock(mutex_);
      status_ = "down: restart failed: " + started.error().message;
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      process_ = std::move(started.value());
    }
    Publish(process_->endpoints());
    last_good.reset();
    {
      std::lock_guard lock(mutex_);
      suspect_.reset();
    }
    consecutive_failures = 0;
  }
}

}  // namespace tinyforge::server::kg
