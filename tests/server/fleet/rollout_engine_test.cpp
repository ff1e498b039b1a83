// The rollout engine's decisions, driven step by step (no worker thread, a fake clock): groups
// advance on the success threshold, halt on the error threshold, soak and timeouts, pause /
// resume / cancel, rollback, start failures, conflicts; and once with the worker thread.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "server/fleet/rollout_engine.h"
#include "tests/server/fleet/rollout_test_dispatcher.h"

namespace tinyforge::server::fleet {
namespace {

namespace fs = std::filesystem;
using testing::RecordingDispatcher;

std::vector<std::string> Devices(int count, const std::string& prefix = "dev-") {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::vector<GroupSpec> Groups(const std::vector<std::string>& texts) {
  std::vector<GroupSpec> out;
  for (const auto& text : texts) out.push_back(ParseGroupSpec(text).value());
  return out;
}

class RolloutEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tf-rollout-engine-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Reopen();
  }
  void TearDown() override {
    engine_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    engine_.reset();
    RolloutEngineOptions options;
    options.run_worker = false;
    options.busy_timeout_ms = 200;
    options.now_ms = [this] { return now_ms_.load(); };
    auto engine = RolloutEngine::Open(dir_ / "rollouts.sqlite", &dispatcher_, options);
    ASSERT_TRUE(engine.ok()) << engine.error().message;
    engine_ = std::move(engine.value());
  }
  int64_t Create(RolloutSpec spec) {
    auto id = engine_->Create(std::move(spec));
    EXPECT_TRUE(id.ok()) << id.error().message;
    engine_->Step();
    return id.ok() ? id.value() : -1;
  }
  RolloutSpec Spec(int devices, const std::vector<std::string>& groups = {"1%", "10%", "100%"}) {
    RolloutSpec spec;
    spec.name = "test";
    spec.artifact_id = "model-v2";
    spec.rollback_artifact_id = "model-v1-pinned";
    spec.device_ids = Devices(devices);
    spec.groups = Groups(groups);
    return spec;
  }
  RolloutStatus Status(int64_t id) {
    auto status = engine_->Get(id);
    EXPECT_TRUE(status.ok()) << status.error().message;
    return status.ok() ? status.value() : RolloutStatus{};
  }
  // Delivers `outcome` for every device started with artifact and not yet answered.
  void AnswerAll(const std::string& artifact, UpdateOutcome outcome, size_t from = 0) {
    auto started = dispatcher_.Started(artifact);
    for (size_t i = from; i < started.size(); ++i) dispatcher_.Deliver(started[i], artifact, outcome);
    engine_->Step();
  }

  fs::path dir_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
  RecordingDispatcher dispatcher_;
  std::unique_ptr<RolloutEngine> engine_;
};

TEST_F(RolloutEngineTest, GroupsAdvanceOnSuccessUntilCompletedAndNoDeviceIsStartedTwice) {
  int64_t id = Create(Spec(200));
  RolloutStatus status = Status(id);
  EXPECT_EQ(status.state, RolloutState::kRunning);
  ASSERT_EQ(status.groups.size(), 3u);
  EXPECT_EQ(status.groups[0].size, 2);
  EXPECT_EQ(status.groups[1].size, 18);
  EXPECT_EQ(status.groups[2].size, 180);
  EXPECT_EQ(dispatcher_.StartCount(), 2u);  // only the canary group
  EXPECT_EQ(status.groups[0].pending, 2);
  EXPECT_EQ(status.groups[1].waiting, 18);

  AnswerAll("model-v2", UpdateOutcome::kConfirmed);
  EXPECT_EQ(Status(id).current_group, 1);
  EXPECT_EQ(dispatcher_.StartCount(), 20u);
  AnswerAll("model-v2", UpdateOutcome::kConfirmed, 2);
  EXPECT_EQ(Status(id).current_group, 2);
  EXPECT_EQ(dispatcher_.StartCount(), 200u);
  AnswerAll("model-v2", UpdateOutcome::kConfirmed, 20);
  status = Status(id);
  EXPECT_EQ(status.state, RolloutState::kCompleted);
  EXPECT_EQ(status.groups[2].confirmed, 180);
  EXPECT_TRUE(status.failures.empty());
  for (const auto& [device, count] : dispatcher_.start_count) EXPECT_EQ(count, 1) << device;
  // Steps after completion change nothing.
  engine_->Step();
  EXPECT_EQ(dispatcher_.StartCount(), 200u);
}

TEST_F(RolloutEngineTest, AdvancesAtTheSuccessThresholdWhileStragglersFinish) {
  RolloutSpec spec = Spec(40, {"20", "100%"});
  spec.success_threshold = 0.9;
  spec.error_threshold = 0.2;
  int64_t id = Create(spec);
  auto started = dispatcher_.Started("model-v2");
  ASSERT_EQ(started.size(), 20u);
  for (int i = 0; i < 17; ++i) dispatcher_.Deliver(started[i], "model-v2", UpdateOutcome::kConfirmed);
  engine_->Step();
  EXPECT_EQ(Status(id).current_group, 0) << "17 of 20 is below 90%";
  dispatcher_.Deliver(started[17], "model-v2", UpdateOutcome::kConfirmed);
  engine_->Step();
  RolloutStatus status = Status(id);
  EXPECT_EQ(status.current_group, 1) << "18 of 20 meets 90%";
  EXPECT_EQ(status.groups[0].pending, 2);
  EXPECT_EQ(dispatcher_.StartCount(), 40u);
  // The last group is done, but stragglers of the first are still out: not completed yet.
  AnswerAll("model-v2", UpdateOutcome::kConfirmed, 20);
  EXPECT_EQ(Status(id).state, RolloutState::kRunning);
  dispatcher_.Deliver(started[18], "model-v2", UpdateOutcome::kConfirmed);
  dispatcher_.Deliver(started[19], "model-v2", UpdateOutcome::kReverted, "health check failed");
  engine_->Step();
  status = Status(id);
  EXPECT_EQ(status.state, RolloutState::kCompleted);
  ASSERT_EQ(status.failures.size(), 1u);
  EXPECT_EQ(status.failures[0].device_id, started[19]);
  EXPECT_EQ(status.failures[0].outcome, "reverted");
  EXPECT_EQ(status.failures[0].detail, "health check failed");
}

TEST_F(RolloutEngineTest, HaltsAboveTheErrorThresholdAndCancelsInFlightDevices) {
  int64_t id = Create(Spec(100, {"20", "100%"}));  // error threshold 5%: 2 of 20 is too many
  auto started = dispatcher_.Started("model-v2");
  ASSERT_EQ(started.size(), 20u);
  dispatcher_.Deliver(started[0], "model-v2", UpdateOutcome::kConfirmed);
  dispatcher_.Deliver(started[1], "model-v2", UpdateOutcome::kRefused, "Downgrade");
  engine_->Step();
  EXPECT_EQ(Status(id).state, RolloutState::kRunning) << "1 of 20 = 5% is not above 5%";
  dispatcher_.Deliver(started[2], "model-v2", UpdateOutcome::kTimedOut);
  engine_->Step();
  RolloutStatus status = Status(id);
  EXPECT_EQ(status.state, RolloutState::kHalted);
  EXPECT_NE(status.reason.find("group 1: 2 of 20 devices failed"), std::string::npos) << status.reason;
  EXPECT_EQ(status.groups[0].cancelled, 17);
  EXPECT_EQ(dispatcher_.cancels.size(), 17u);
  EXPECT_EQ(status.failures.size(), 2u);
  // Nothing more is dispatched, whatever arrives.
  dispatcher_.Deliver(started[3], "model-v2", UpdateOutcome::kCancelled);
  engine_->Step();
  EXPECT_EQ(dispatcher_.StartCount(), 20u);
  EXPECT_EQ(Status(id).state, RolloutState::kHalted);
  // A device that finished despite the cancel is recorded as what really happened.
  dispatcher_.Deliver(started[4], "model-v2", UpdateOutcome::kConfirmed);
  engine_->Step();
  EXPECT_EQ(Status(id).groups[0].confirmed, 2);
  EXPECT_FALSE(engine_->Resume(id).ok());
}

TEST_F(RolloutEngineTest, HaltsWhenAGroupFinishesBelowTheSuccessThreshold) {
  RolloutSpec spec = Spec(10, {"100%"});
  spec.success_threshold = 1.0;
  spec.error_threshold = 0.5;
  int64_t id = Create(spec);
  auto started = dispatcher_.Started("model-v2");
  for (size_t i = 0; i < started.size(); ++i) {
    dispatcher_.Deliver(started[i], "model-v2", i == 0 ? UpdateOutcome::kIncompatible : UpdateOutcome::kConfirmed);
  }
  engine_->Step();
  RolloutStatus status = Status(id);
  EXPECT_EQ(status.state, RolloutState::kHalted);
  EXPECT_EQ(status.groups[0].incompatible, 1);
  EXPECT_NE(status.reason.find("9 of 10 devices confirmed"), std::string::npos) << status.reason;
}

TEST_F(RolloutEngineTest, RollbackDeliversThePinnedArtifactToTheConfirmedDevicesOfTheHaltedGroup) {
  int64_t id = Create(Spec(100, {"10", "100%"}));
  auto started = dispatcher_.Started("model-v2");
  for (int i = 0; i < 5; ++i) dispatcher_.Deliver(started[i], "model-v2", UpdateOutcome::kConfirmed);
  dispatcher_.Deliver(started[5], "model-v2", UpdateOutcome::kReverted);
  engine_->Step();
  ASSERT_EQ(Status(id).state, RolloutState::kHalted);
  auto rolled = engine_->Rollback(id, "", false);
  ASSERT_TRUE(rolled.ok()) << rolled.error().message;
  EXPECT_EQ(rolled->state, RolloutState::kRollingBack);
  auto back = dispatcher_.Started("model-v1-pinned");
  EXPECT_EQ(back, std::vector<std::string>(started.begin(), started.begin() + 5));
  EXPECT_EQ(rolled->rollback.pending, 5);
  EXPECT_FALSE(engine_->Rollback(id, "", false).ok()) << "already rolling back";
  for (int i = 0; i < 4; ++i) dispatcher_.Deliver(back[i], "model-v1-pinned", UpdateOutcome::kConfirmed);
  engine_->Step();
  EXPECT_EQ(Status(id).state, RolloutState::kRollingBack);
  dispatcher_.Deliver(back[4], "model-v1-pinned", UpdateOutcome::kRefused, "HashMismatch");
  engine_->Step();
  RolloutStatus status = Status(id);
  EXPECT_EQ(status.state, RolloutState::kRolledBack);
  EXPECT_EQ(status.rollback.confirmed, 4);
  EXPECT_EQ(status.rollback.failed, 1);
  EXPECT_NE(status.reason.find("rolled back 4 of 5 devices to model-v1-pinned (1 failed)"), std::string::npos)
      << status.reason;
  // Rollback results do not disturb the forward counts.
  EXPECT_EQ(status.groups[0].confirmed, 5);
}

TEST_F(RolloutEngineTest, RollbackNeedsAnArtifactAndAFinishedOrHaltedRollout) {
  RolloutSpec spec = Spec(10, {"100%"});
  spec.rollback_artifact_id = "";
  int64_t id = Create(spec);
  auto running = engine_->Rollback(id, "x", false);
  ASSERT_FALSE(running.ok());
  EXPECT_EQ(running.error().kind, RolloutErrorKind::kConflict);
  ASSERT_TRUE(engine_->Cancel(id, "").ok());
  auto missing = engine_->Rollback(id, "", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, RolloutErrorKind::kInvalid);
  EXPECT_NE(missing.error().message.find("artifact_id"), std::string::npos);
  auto same = engine_->Rollback(id, "model-v2", false);
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().kind, RolloutErrorKind::kInvalid);
  // Nothing was confirmed: the rollback has nobody to restore and ends at once.
  auto given = engine_->Rollback(id, "model-v1-pinned", true);
  ASSERT_TRUE(given.ok()) << given.error().message;
  engine_->Step();
  EXPECT_EQ(Status(id).state, RolloutState::kRolledBack);
  EXPECT_EQ(Status(id).spec.rollback_artifact_id, "model-v1-pinned");
}

TEST_F(RolloutEngineTest, PauseStopsNewGroupsResumeContinuesCancelStopsEverything) {
  int64_t id = Create(Spec(100));
  auto paused = engine_->Pause(id, "investigating");
  ASSERT_TRUE(paused.ok()) << paused.error().message;
  EXPECT_EQ(paused->state, RolloutState::kPaused);
  EXPECT_EQ(paused->reason, "investigating");
  // In-flight devices finish and are recorded, but the next group does not start.
  AnswerAll("model-v2", UpdateOutcome::kConfirmed);
  EXPECT_EQ(Status(id).groups[0].confirmed, 1);
  EXPECT_EQ(dispatcher_.StartCount(), 1u);
  EXPECT_FALSE(engine_->Pause(id, "").ok());
  auto resumed = engine_->Resume(id);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  engine_->Step();
  EXPECT_EQ(Status(id).current_group, 1);
  EXPECT_EQ(dispatcher_.StartCount(), 10u);
  auto cancelled = engine_->Cancel(id, "");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state, RolloutState::kCancelled);
  EXPECT_EQ(cancelled->groups[1].cancelled, 9);
  EXPECT_EQ(dispatcher_.cancels.size(), 9u);
  AnswerAll("model-v2", UpdateOutcome::kConfirmed, 1);
  EXPECT_EQ(dispatcher_.StartCount(), 10u);
  EXPECT_EQ(engine_->Resume(id).error().kind, RolloutErrorKind::kConflict);
  EXPECT_EQ(engine_->Cancel(id, "").error().kind, RolloutErrorKind::kConflict);
  EXPECT_EQ(engine_->Get(999).error().kind, RolloutErrorKind::kNotFound);
}

TEST_F(RolloutEngineTest, CreatedRolloutWaitsForResume) {
  RolloutSpec spec = Spec(5, {"100%"});
  spec.start = false;
  int64_t id = Create(spec);
  EXPECT_EQ(Status(id).state, RolloutState::kCreated);
  EXPECT_EQ(dispatcher_.StartCount(), 0u);
  ASSERT_TRUE(engine_->Resume(id).ok());
  engine_->Step();
  EXPECT_EQ(dispatcher_.StartCount(), 5u);
}

TEST_F(RolloutEngineTest, SoakTimeDelaysTheNextGroup) {
  RolloutSpec spec = Spec(20, {"5", "100%"});
  spec.soak_seconds = 60;
  int64_t id = Create(spec);
  AnswerAll("model-v2", UpdateOutcome::kConfirmed);
  EXPECT_EQ(Status(id).current_group, 0);
  EXPECT_NE(Status(id).groups[0].threshold_reached_at_ms, 0);
  now_ms_ += 59'000;
  engine_->Step();
  EXPECT_EQ(Status(id).current_group, 0);
  now_ms_ += 1'000;
  engine_->Step();
  EXPECT_EQ(Status(id).current_group, 1);
  EXPECT_EQ(dispatcher_.StartCount(), 20u);
}

TEST_F(RolloutEngineTest, GroupTimeoutCountsSilentDevicesAsTimedOut) {
  RolloutSpec spec = Spec(20, {"10", "100%"});
  spec.group_timeout_seconds = 30;
  int64_t id = Create(spec);
  auto started = dispatcher_.Started("model-v2");
  for (int i = 0; i < 9; ++i) dispatcher_.Deliver(started[i], "model-v2", UpdateOutcome::kConfirmed);
  engine_->Step();
  now_ms_ += 29'000;
  engine_->Step();
  EXPECT_EQ(Status(id).state, RolloutState::kRunning);
  now_ms_ += 1'000;
  engine_->Step();
  RolloutStatus status = Status(id);
  EXPECT_EQ(status.state, RolloutState::kHalted) << status.reason;
  ASSERT_EQ(status.failures.size(), 1u);
  EXPECT_EQ(status.failures[0].device_id, started[9]);
  EXPECT_EQ(status.failures[0].outcome, "timed_out");
  EXPECT_EQ(dispatcher_.cancels, std::vector<std::string>{started[9]});
  // The device did finish after all: its real answer replaces our timeout mark (a rollback must
  // include it); the distributor's echo of the cancel changes nothing.
  dispatcher_.Deliver(started[9], "model-v2", UpdateOutcome::kConfirmed);
  dispatcher_.Deliver(started[9], "model-v2", UpdateOutcome::kCancelled);
  engine_->Step();
  status = Status(id);
  EXPECT_EQ(status.groups[0].confirmed, 10);
  EXPECT_TRUE(status.failures.empty());
  EXPECT_EQ(status.state, RolloutState::kHalted);
  EXPECT_EQ(engine_->unmatched_results(), 1);
}

TEST_F(RolloutEngineTest, AFailedStartCountsAsAFailure) {
  dispatcher_.refuse_start.insert("dev-0");
  int64_t id = Create(Spec(10, {"2", "100%"}));
  engine_->Step();
  RolloutStatus status = Status(id);
  EXPECT_EQ(status.state, RolloutState::kHalted);
  ASSERT_FALSE(status.failures.empty());
  EXPECT_EQ(status.failures[0].outcome, "failed_to_start");
  EXPECT_NE(status.failures[0].detail.find("unknown device"), std::string::npos);
}

TEST_F(RolloutEngineTest, CreationIsValidatedAndADeviceIsInOneLiveRolloutAtATime) {
  auto bad = [&](RolloutSpec spec, const std::string& field) {
    auto id = engine_->Create(std::move(spec));
    ASSERT_FALSE(id.ok()) << field;
    EXPECT_EQ(id.error().kind, RolloutErrorKind::kInvalid) << field;
    EXPECT_NE(id.error().message.find(field), std::string::npos) << id.error().message;
  };
  RolloutSpec spec = Spec(10);
  spec.artifact_id = "";
  bad(spec, "artifact_id");
  spec = Spec(10);
  spec.success_threshold = 0;
  bad(spec, "success_threshold");
  spec = Spec(10);
  spec.error_threshold = 1.5;
  bad(spec, "error_threshold");
  spec = Spec(10);
  spec.device_ids.push_back("dev-3");
  bad(spec, "target.devices[10]");
  spec = Spec(0);
  bad(spec, "target");
  spec = Spec(10, {"50%"});
  bad(spec, "groups");
  spec = Spec(10);
  spec.soak_seconds = -1;
  bad(spec, "soak_seconds");

  int64_t first = Create(Spec(10));
  RolloutSpec overlapping = Spec(3);
  overlapping.artifact_id = "other";
  auto conflict = engine_->Create(overlapping);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().kind, RolloutErrorKind::kConflict);
  EXPECT_NE(conflict.error().message.find("dev-0"), std::string::npos) << conflict.error().message;
  ASSERT_TRUE(engine_->Cancel(first, "").ok());
  EXPECT_TRUE(engine_->Create(overlapping).ok());
  int64_t total = 0;
  auto list = engine_->List(0, 10, &total);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(total, 2);
  EXPECT_EQ(list->front().spec.artifact_id, "other");  // newest first
}

TEST_F(RolloutEngineTest, WithoutADispatcherCommandsThatDeliverAreUnavailable) {
  engine_->SetDispatcher(nullptr);
  EXPECT_FALSE(dispatcher_.HasListener());
  auto id = engine_->Create(Spec(5));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, RolloutErrorKind::kUnavailable);
  EXPECT_NE(id.error().message.find("fleet service not running"), std::string::npos);
  engine_->SetDispatcher(&dispatcher_);
  EXPECT_TRUE(dispatcher_.HasListener());
  EXPECT_TRUE(engine_->Create(Spec(5)).ok());
}

TEST_F(RolloutEngineTest, StateSurvivesReopenAndInFlightDevicesAreAskedAgain) {
  int64_t id = Create(Spec(100, {"10", "100%"}));
  auto started = dispatcher_.Started("model-v2");
  for (int i = 0; i < 4; ++i) dispatcher_.Deliver(started[i], "model-v2", UpdateOutcome::kConfirmed);
  engine_->Step();
  Reopen();  // a new engine on the same file
  // The 6 without a result are asked again; the 4 with one are not.
  auto again = dispatcher_.Started("model-v2");
  ASSERT_EQ(again.size(), 16u);
  EXPECT_EQ(std::vector<std::string>(again.begin() + 10, again.end()),
            std::vector<std::string>(started.begin() + 4, started.end()));
  AnswerAll("model-v2", UpdateOutcome::kConfirmed, 10);
  EXPECT_EQ(Status(id).current_group, 1);
}

TEST_F(RolloutEngineTest, ResultsThatCannotBeWrittenAreKeptAndAppliedLater) {
  int64_t id = Create(Spec(10, {"100%"}));
  // Another connection holds the write lock: recording fails, nothing is lost.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "rollouts.sqlite").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  for (const auto& device : dispatcher_.Started("model-v2")) dispatcher_.Deliver(device, "model-v2", UpdateOutcome::kConfirmed);
  engine_->Step();
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(Status(id).groups[0].pending, 10);
  engine_->Step();
  RolloutStatus status = Status(id);
  EXPECT_EQ(status.groups[0].confirmed, 10);
  EXPECT_EQ(status.state, RolloutState::kCompleted);
}

TEST_F(RolloutEngineTest, WorkerThreadDrivesARolloutToCompletion) {
  engine_.reset();
  // A dispatcher that answers from its own thread, as the real one does.
  struct AnsweringDispatcher : RecordingDispatcher {
    Result<Ok> StartUpdate(const std::string& device, const std::string& artifact) override {
      auto started = RecordingDispatcher::StartUpdate(device, artifact);
      std::lock_guard lock(threads_mutex);
      threads.emplace_back([this, device, artifact] { Deliver(device, artifact, UpdateOutcome::kConfirmed); });
      return started;
    }
    void JoinAll() {
      std::lock_guard lock(threads_mutex);
      for (std::thread& thread : threads) thread.join();
      threads.clear();
    }
    std::mutex threads_mutex;
    std::vector<std::thread> threads;
  };
  auto answering = std::make_unique<AnsweringDispatcher>();
  RolloutEngineOptions options;
  options.tick_ms = 50;
  auto engine = RolloutEngine::Open(dir_ / "threaded.sqlite", answering.get(), options);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto id = engine.value()->Create(Spec(300));
  ASSERT_TRUE(id.ok());
  RolloutState state = RolloutState::kRunning;
  for (int i = 0; i < 600 && state != RolloutState::kCompleted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    state = engine.value()->Get(id.value())->state;
  }
  EXPECT_EQ(state, RolloutState::kCompleted);
  answering->JoinAll();  // every answer has left the engine before it goes away
  engine.value().reset();
  EXPECT_EQ(answering->StartCount(), 300u);
}

}  // namespace
}  // namespace tinyforge::server::fleet
