// Crash safety: a child process runs the engine (worker thread, a dispatcher that answers from its
// own thread) and is killed with SIGKILL in the middle of a group. A new engine on the same
// database resumes and completes the rollout; no device is updated twice, and no device whose
// result was committed before the kill is asked again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "server/fleet/rollout_engine.h"

namespace tinyforge::server::fleet {
namespace {

namespace fs = std::filesystem;

// Models the device side of an idempotent distributor: the first StartUpdate of (device, artifact)
// "installs" (one line in the install log, which survives the kill), a repeated one finds the
// device already on the artifact and just reports the result. Every call is logged too.
class InstallingDispatcher : public UpdateDispatcher {
 public:
  InstallingDispatcher(fs::path log, int answer_delay_us) : log_(std::move(log)), delay_us_(answer_delay_us) {
    std::ifstream in(log_);
    std::string kind, device;
    while (in >> kind >> device) {
      if (kind == "install") installed_.insert(device);
    }
    thread_ = std::thread([this] { Answer(); });
  }
  ~InstallingDispatcher() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Result<Ok> StartUpdate(const std::string& device_id, const std::string&) override {
    std::lock_guard lock(mutex_);
    Append("start " + device_id);
    queue_.push_back(device_id);
    wake_.notify_one();
    return Ok{};
  }
  Result<Ok> CancelUpdate(const std::string&) override { return Ok{}; }
  // Takes the delivery lock: once it returns, no callback into the old listener is running.
  void SetListener(UpdateListener* listener) override {
    std::lock_guard delivering(deliver_mutex_);
    std::lock_guard lock(mutex_);
    listener_ = listener;
  }

 private:
  void Append(const std::string& line) {
    std::ofstream out(log_, std::ios::app);
    out << line << "\n";
  }
  void Answer() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      std::string device = queue_.front();
      queue_.pop_front();
      if (installed_.insert(device).second) Append("install " + device);
      lock.unlock();
      if (delay_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us_));
      {
        std::lock_guard delivering(deliver_mutex_);
        UpdateListener* listener = nullptr;
        {
          std::lock_guard listener_lock(mutex_);
          listener = listener_;
        }
        if (listener) listener->OnUpdateResult({device, "fw-2", UpdateOutcome::kConfirmed, 2, ""});
      }
      lock.lock();
    }
  }

  fs::path log_;
  int delay_us_;
  std::mutex mutex_;
  std::mutex deliver_mutex_;  // held while a result is handed to the listener
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::set<std::string> installed_;
  UpdateListener* listener_ = nullptr;
  bool stopping_ = false;
  std::thread thread_;
};

int64_t CountDone(const fs::path& database, int group) {
  sqlite3* db = nullptr;
  int64_t count = -1;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* stmt = nullptr;
    std::string sql = "SELECT COUNT(*) FROM rollout_devices WHERE phase = 'done' AND grp = " + std::to_string(group);
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      count = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return count;
}

std::set<std::string> DevicesWithResult(RolloutStore& store, int64_t id, int devices) {
  std::set<std::string> out;
  for (int i = 0; i < devices; ++i) {
    auto record = store.Device(id, "dev-" + std::to_string(i));
    if (record.ok() && record.value() && record.value()->phase == "done") out.insert(record.value()->device_id);
  }
  return out;
}

TEST(RolloutPersistenceTest, KilledMidGroupResumesAndCompletesWithoutUpdatingADeviceTwice) {
  const fs::path dir = fs::temp_directory_path() / ("tf-rollout-crash-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path database = dir / "rollouts.sqlite";
  const fs::path log = dir / "dispatch.log";
  constexpr int kDevices = 600;  // groups 6, 54, 540

  int64_t id = 0;
  {
    RolloutEngineOptions options;
    options.run_worker = false;
    InstallingDispatcher creator(dir / "unused.log", 0);
    auto engine = RolloutEngine::Open(database, &creator, options);
    ASSERT_TRUE(engine.ok()) << engine.error().message;
    RolloutSpec spec;
    spec.artifact_id = "fw-2";
    for (int i = 0; i < kDevices; ++i) spec.device_ids.push_back("dev-" + std::to_string(i));
    auto created = engine.value()->Create(spec);
    ASSERT_TRUE(created.ok()) << created.error().message;
    id = created.value();
  }

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child: a live engine with its worker; answers come 2 ms apart so the kill lands mid-group.
    InstallingDispatcher dispatcher(log, 2000);
    RolloutEngineOptions options;
    options.tick_ms = 20;
    auto engine = RolloutEngine::Open(database, &dispatcher, options);
    if (!engine.ok()) ::_exit(3);
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  // Kill once the last group (index 2) has some results but is far from finished.
  bool reached = false;
  for (int i = 0; i < 6000 && !reached; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    reached = CountDone(database, 2) >= 60;
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, WNOHANG), 0) << "the engine child died by itself, status " << status;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(reached) << "the child never got into the last group";
  ASSERT_TRUE(WIFSIGNALED(status));

  // What was committed before the kill: those devices must not be asked again.
  std::set<std::string> answered_before;
  {
    auto store = RolloutStore::Open(database);
    ASSERT_TRUE(store.ok());
    answered_before = DevicesWithResult(*store.value(), id, kDevices);
  }
  ASSERT_LT(answered_before.size(), static_cast<size_t>(kDevices));
  ASSERT_GE(answered_before.size(), 6u + 54u + 60u);
  std::ofstream(log, std::ios::app) << "restart -\n";

  {
    InstallingDispatcher dispatcher(log, 0);
    RolloutEngineOptions options;
    options.tick_ms = 20;
    auto engine = RolloutEngine::Open(database, &dispatcher, options);
    ASSERT_TRUE(engine.ok()) << engine.error().message;
    RolloutState state = RolloutState::kRunning;
    for (int i = 0; i < 3000 && state != RolloutState::kCompleted; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      state = engine.value()->Get(id)->state;
    }
    auto final_status = engine.value()->Get(id);
    ASSERT_EQ(final_status->state, RolloutState::kCompleted) << final_status->reason;
    int64_t confirmed = 0;
    for (const GroupStatus& group : final_status->groups) confirmed += group.confirmed;
    EXPECT_EQ(confirmed, kDevices);
  }

  std::map<std::string, int> installs;
  std::set<std::string> started_after_restart;
  bool after_restart = false;
  std::ifstream in(log);
  std::string kind, device;
  while (in >> kind >> device) {
    if (kind == "restart") after_restart = true;
    if (kind == "install") ++installs[device];
    if (kind == "start" && after_restart) started_after_restart.insert(device);
  }
  EXPECT_EQ(installs.size(), static_cast<size_t>(kDevices));
  for (const auto& [name, count] : installs) EXPECT_EQ(count, 1) << name << " was updated " << count << " times";
  for (const std::string& name : started_after_restart) {
    EXPECT_EQ(answered_before.count(name), 0u) << name << " had a committed result but was dispatched again";
  }
  EXPECT_FALSE(started_after_restart.empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tinyforge::server::fleet
