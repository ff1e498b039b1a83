// Event loops of the simulated fleet (see sim_fleet.h).
#include "agent/sim/sim_fleet.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "agent/core/slot_manager.h"
#include "agent/ports/host/sodium_crypto.h"

namespace tinyforge::agent::sim {

struct SimFleet::Shard {
  std::vector<std::unique_ptr<SimDevice>> devices;
  std::thread thread;
  int epoll_fd = -1;
  mutable std::mutex gauges_mutex;
  FleetGauges gauges;
};

namespace {

void LibraryInit() {
  static const bool done = [] {
    mosquitto_lib_init();
    return true;
  }();
  (void)done;
}

// Keeps epoll's interest in line with the client's socket and whether it has bytes to send.
void UpdateInterest(int epoll_fd, SimDevice* device) {
  const int fd = device->socket_fd();
  if (fd < 0) {
    device->registered_fd = -1;
    return;
  }
  const uint32_t events = EPOLLIN | (device->wants_write() ? EPOLLOUT : 0u);
  if (device->registered_fd == fd && device->registered_events == events) return;
  epoll_event event{};
  event.events = events;
  event.data.ptr = device;
  if (device->registered_fd == fd) {
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event) != 0)
      (void)::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
  } else if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
    (void)::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);  // same number, still registered
  }
  device->registered_fd = fd;
  device->registered_events = events;
}

// Each device holds one socket (sim_device.cpp saves libmosquitto's socketpair). Raises this
// process's soft descriptor limit toward the hard one when the fleet needs more; false with
// *error when even the hard limit is too low.
bool EnsureDescriptors(size_t devices, std::string* error) {
  constexpr rlim_t kSpare = 256;  // epoll sets, the broker/server side of tests, SQLite, logs
  const rlim_t needed = static_cast<rlim_t>(devices) + kSpare;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return true;  // unknown: let connects report it
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(limit.rlim_max, needed);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    *error = std::to_string(devices) + " devices need about " + std::to_string(needed) +
             " file descriptors (one socket each + " + std::to_string(kSpare) +
             "); the limit is " + std::to_string(limit.rlim_cur) + " (hard " +
             (limit.rlim_max == RLIM_INFINITY ? std::string("unlimited")
                                              : std::to_string(limit.rlim_max)) +
             ", see ulimit -Hn): run fewer devices per process";
    return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<SimFleet> SimFleet::Create(FleetOptions options, std::string* error) {
  LibraryInit();
  const DeviceTypeLimits& type = options.device_type;
  if (options.accounts.empty()) {
    *error = "no device accounts";
    return nullptr;
  }
  if (type.name.empty() || type.name.size() > 15 || type.slot_bytes == 0 || type.meta_bytes < 128) {
    *error = "bad device type '" + type.name + "'";
    return nullptr;
  }
  if (options.model.empty() || options.model.size() > type.slot_bytes) {
    *error = "the model (" + std::to_string(options.model.size()) + " bytes) does not fit a " +
             type.name + " slot (" + std::to_string(type.slot_bytes) + " bytes)";
    return nullptr;
  }
  if (!EnsureDescriptors(options.accounts.size(), error)) return nullptr;
  if (options.threads < 1) options.threads = 1;
  std::unique_ptr<SimFleet> fleet(new SimFleet(std::move(options)));
  const int threads = std::min<int>(fleet->options_.threads,
                                    static_cast<int>(fleet->options_.accounts.size()));
  for (int i = 0; i < threads; ++i) fleet->shards_.push_back(std::make_unique<Shard>());
  for (size_t i = 0; i < fleet->options_.accounts.size(); ++i) {
    auto device = std::make_unique<SimDevice>(fleet->options_, fleet->options_.accounts[i],
                                              static_cast<uint32_t>(i), &fleet->counters_,
                                              &fleet->quiet_);
    if (!device->Provision()) {
      *error = device->error();
      return nullptr;
    }
    fleet->shards_[i % threads]->devices.push_back(std::move(device));
  }
  return fleet;
}

SimFleet::SimFleet(FleetOptions options) : options_(std::move(options)) {}
SimFleet::~SimFleet() { Stop(); }

size_t SimFleet::size() const { return options_.accounts.size(); }

void SimFleet::Start() {
  if (running_) return;
  running_ = true;
  stop_ = false;
  started_ = Clock::now();
  for (auto& shard : shards_) {
    shard->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    Shard* raw = shard.get();
    shard->thread = std::thread([this, raw] { RunShard(raw); });
  }
}

void SimFleet::Stop() {
  if (!running_) return;
  stop_ = true;
  for (auto& shard : shards_) {
    if (shard->thread.joinable()) shard->thread.join();
    if (shard->epoll_fd >= 0) ::close(shard->epoll_fd);
    shard->epoll_fd = -1;
  }
  running_ = false;
}

void SimFleet::RunShard(Shard* shard) {
  const auto start = Clock::now();
  for (auto& device : shard->devices) device->PowerOn(start);
  // The connection ramp: this shard's share of connect_per_second, as a token bucket.
  const double rate = std::max(1.0, double(options_.connect_per_second) / double(shards_.size()));
  double tokens = 0;
  auto last_refill = start;
  auto next_tick = start;
  auto next_gauges = start;
  size_t connect_cursor = 0;
  std::vector<epoll_event> events(1024);
  while (!stop_.load(std::memory_order_relaxed)) {
    const int ready = ::epoll_wait(shard->epoll_fd, events.data(), static_cast<int>(events.size()), 5);
    auto now = Clock::now();
    for (int i = 0; i < ready; ++i) {
      auto* device = static_cast<SimDevice*>(events[i].data.ptr);
      const uint32_t e = events[i].events;
      device->OnSocketEvent((e & EPOLLIN) != 0, (e & EPOLLOUT) != 0,
                            (e & (EPOLLERR | EPOLLHUP)) != 0, now);
      UpdateInterest(shard->epoll_fd, device);
    }
    if (now < next_tick) continue;
    next_tick = now + std::chrono::milliseconds(10);
    tokens = std::min(rate, tokens + rate * std::chrono::duration<double>(now - last_refill).count());
    last_refill = now;
    // Grant connections round-robin so no device starves behind a long queue.
    for (size_t n = 0; n < shard->devices.size() && tokens >= 1; ++n) {
      SimDevice* device = shard->devices[connect_cursor].get();
      connect_cursor = (connect_cursor + 1) % shard->devices.size();
      if (!device->WantsToConnect()) continue;
      tokens -= 1;
      device->BeginConnect(now);
      UpdateInterest(shard->epoll_fd, device);
    }
    for (auto& device : shard->devices) {
      device->Tick(now);
      UpdateInterest(shard->epoll_fd, device.get());
    }
    if (now >= next_gauges) {
      next_gauges = now + std::chrono::milliseconds(250);
      FleetGauges gauges;
      for (const auto& device : shard->devices) device->AddGauges(&gauges);
      std::lock_guard<std::mutex> lock(shard->gauges_mutex);
      shard->gauges = std::move(gauges);
    }
  }
  FleetGauges gauges;
  for (const auto& device : shard->devices) device->AddGauges(&gauges);
  for (auto& device : shard->devices) device->Shutdown();
  std::lock_guard<std::mutex> lock(shard->gauges_mutex);
  shard->gauges = std::move(gauges);
}

FleetSnapshot SimFleet::Snapshot() const {
  FleetSnapshot snapshot;
  snapshot.elapsed_s = std::chrono::duration<double>(Clock::now() - started_).count();
  AddCounters(counters_, &snapshot);
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->gauges_mutex);
    AddGauges(shard->gauges, &snapshot.gauges);
  }
  return snapshot;
}

FinalCheck SimFleet::PowerCycleCheck() const {
  FinalCheck check;
  for (const auto& shard : shards_) {
    for (const auto& device : shard->devices) {
      // A copy of the flash, so the check's boot bookkeeping does not touch the device.
      host::MemoryFlash copy(options_.device_type.meta_bytes, options_.device_type.slot_bytes);
      for (uint8_t r = 0; r < 4; ++r) copy.region(r) = device->flash().region(r);
      SlotManager slots;
      BootInfo boot{};
      AgentStatus status = slots.Init(&copy.port(), &host::SodiumCrypto());
      if (status == AgentStatus::kOk) status = slots.Boot(&boot);
      if (status != AgentStatus::kOk) {
        ++check.unbootable;
        check.unbootable_reasons[device->id()] = AgentStatusName(status);
        continue;
      }
      ++check.bootable;
      if (!boot.trial) ++check.on_confirmed;
      ++check.booted_versions[boot.version];
    }
  }
  return check;
}

}  // namespace tinyforge::agent::sim
