// SQLite persistence of rollouts (see rollout_store.h).
#include "server/fleet/rollout_store.h"

#include <sqlite3.h>

#include <sstream>

#include "server/fleet/sqlite_statement.h"

namespace tinyforge::server::fleet {
namespace {

using detail::Statement;

Error SqlError(sqlite3* db, const std::string& what) {
  return MakeError("rollout store: SQLite " + what + ": " + sqlite3_errmsg(db));
}

std::string JoinGroups(const std::vector<GroupSpec>& groups) {
  std::string out;
  for (const GroupSpec& group : groups) out += (out.empty() ? "" : ",") + group.ToString();
  return out;
}

std::vector<GroupSpec> SplitGroups(const std::string& text) {
  std::vector<GroupSpec> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto spec = ParseGroupSpec(item);
    if (spec.ok()) out.push_back(spec.value());
  }
  return out;
}

constexpr const char* kLiveStates = "('created','running','paused','halted','rolling_back')";

}  // namespace

Result<std::unique_ptr<RolloutStore>> RolloutStore::Open(const std::filesystem::path& path, int busy_timeout_ms) {
  std::unique_ptr<RolloutStore> store(new RolloutStore());
  if (sqlite3_open(path.c_str(), &store->db_) != SQLITE_OK) return SqlError(store->db_, "cannot open " + path.string());
  sqlite3_busy_timeout(store->db_, busy_timeout_ms);
  auto created = store->Exec(
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS rollouts(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
      " artifact_id TEXT NOT NULL, rollback_artifact_id TEXT NOT NULL, target TEXT NOT NULL,"
      " groups TEXT NOT NULL, success_threshold REAL NOT NULL, error_threshold REAL NOT NULL,"
      " soak_seconds INTEGER NOT NULL, group_timeout_seconds INTEGER NOT NULL, state TEXT NOT NULL,"
      " current_group INTEGER NOT NULL, reason TEXT NOT NULL, device_count INTEGER NOT NULL,"
      " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS rollout_groups(rollout_id INTEGER NOT NULL, idx INTEGER NOT NULL,"
      " size INTEGER NOT NULL, started_at INTEGER NOT NULL DEFAULT 0, threshold_at INTEGER NOT NULL DEFAULT 0,"
      " PRIMARY KEY(rollout_id, idx));"
      "CREATE TABLE IF NOT EXISTS rollout_devices(rollout_id INTEGER NOT NULL, device_id TEXT NOT NULL,"
      " grp INTEGER NOT NULL, position INTEGER NOT NULL, phase TEXT NOT NULL, outcome TEXT NOT NULL DEFAULT '',"
      " detail TEXT NOT NULL DEFAULT '', dispatched_at INTEGER NOT NULL DEFAULT 0,"
      " finished_at INTEGER NOT NULL DEFAULT 0, rb_phase TEXT NOT NULL DEFAULT '',"
      " rb_outcome TEXT NOT NULL DEFAULT '', rb_detail TEXT NOT NULL DEFAULT '',"
      " PRIMARY KEY(rollout_id, device_id));"
      "CREATE INDEX IF NOT EXISTS rollout_devices_by_device ON rollout_devices(device_id);"
      "CREATE INDEX IF NOT EXISTS rollout_devices_by_group ON rollout_devices(rollout_id, grp, phase);");
  if (!created.ok()) return created.error();
  return store;
}

RolloutStore::~RolloutStore() { sqlite3_close(db_); }

Result<Ok> RolloutStore::Exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return MakeError("rollout store: SQLite: " + text);
  }
  return Ok{};
}

Result<Ok> RolloutStore::Begin() { return Exec("BEGIN IMMEDIATE"); }
Result<Ok> RolloutStore::Commit() { return Exec("COMMIT"); }
void RolloutStore::RollbackTransaction() {
  if (!sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
}

Result<int64_t> RolloutStore::InsertRollout(const RolloutSpec& spec, const std::vector<int64_t>& group_sizes,
                                            RolloutState state, int64_t now_ms) {
  Statement insert(db_,
                   "INSERT INTO rollouts(name, artifact_id, rollback_artifact_id, target, groups, success_threshold,"
                   " error_threshold, soak_seconds, group_timeout_seconds, state, current_group, reason, device_count,"
                   " created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,0,'',?,?,?)");
  if (!insert.ok()) return SqlError(db_, "prepare insert rollout");
  insert.Bind(1, spec.name);
  insert.Bind(2, spec.artifact_id);
  insert.Bind(3, spec.rollback_artifact_id);
  insert.Bind(4, spec.target_description);
  insert.Bind(5, JoinGroups(spec.groups));
  insert.Bind(6, spec.success_threshold);
  insert.Bind(7, spec.error_threshold);
  insert.Bind(8, spec.soak_seconds);
  insert.Bind(9, spec.group_timeout_seconds);
  insert.Bind(10, std::string(RolloutStateName(state)));
  insert.Bind(11, static_cast<int64_t>(spec.device_ids.size()));
  insert.Bind(12, now_ms);
  insert.Bind(13, now_ms);
  if (insert.Step() != SQLITE_DONE) return SqlError(db_, "insert rollout");
  int64_t id = sqlite3_last_insert_rowid(db_);
  Statement group(db_, "INSERT INTO rollout_groups(rollout_id, idx, size) VALUES(?,?,?)");
  Statement device(db_, "INSERT INTO rollout_devices(rollout_id, device_id, grp, position, phase) VALUES(?,?,?,?,'waiting')");
  if (!group.ok() || !device.ok()) return SqlError(db_, "prepare insert groups");
  size_t position = 0;
  for (size_t g = 0; g < group_sizes.size(); ++g) {
    group.Reset();
    group.Bind(1, id);
    group.Bind(2, static_cast<int64_t>(g));
    group.Bind(3, group_sizes[g]);
    if (group.Step() != SQLITE_DONE) return SqlError(db_, "insert group");
    for (int64_t i = 0; i < group_sizes[g] && position < spec.device_ids.size(); ++i, ++position) {
      device.Reset();
      device.Bind(1, id);
      device.Bind(2, spec.device_ids[position]);
      device.Bind(3, static_cast<int64_t>(g));
      device.Bind(4, static_cast<int64_t>(position));
      if (device.Step() != SQLITE_DONE) return SqlError(db_, "insert device \"" + spec.device_ids[position] + "\"");
    }
  }
  return id;
}

Result<std::optional<RolloutStatus>> RolloutStore::LoadRollout(int64_t id) {
  Statement select(db_,
                   "SELECT name, artifact_id, rollback_artifact_id, target, groups, success_threshold, error_threshold,"
                   " soak_seconds, group_timeout_seconds, state, current_group, reason, device_count, created_at,"
                   " updated_at FROM rollouts WHERE id = ?");
  if (!select.ok()) return SqlError(db_, "prepare load rollout");
  select.Bind(1, id);
  int step = select.Step();
  if (step == SQLITE_DONE) return std::optional<RolloutStatus>();
  if (step != SQLITE_ROW) return SqlError(db_, "load rollout");
  RolloutStatus status;
  status.id = id;
  status.spec.name = select.Text(0);
  status.spec.artifact_id = select.Text(1);
  status.spec.rollback_artifact_id = select.Text(2);
  status.spec.target_description = select.Text(3);
  status.spec.groups = SplitGroups(select.Text(4));
  status.spec.success_threshold = select.Real(5);
  status.spec.error_threshold = select.Real(6);
  status.spec.soak_seconds = select.Int(7);
  status.spec.group_timeout_seconds = select.Int(8);
  status.state = ParseRolloutState(select.Text(9)).value_or(RolloutState::kHalted);
  status.current_group = static_cast<int>(select.Int(10));
  status.reason = select.Text(11);
  status.device_count = select.Int(12);
  status.created_at_ms = select.Int(13);
  status.updated_at_ms = select.Int(14);
  return std::optional<RolloutStatus>(std::move(status));
}

Result<std::vector<int64_t>> RolloutStore::ListRolloutIds(int64_t offset, int64_t limit) {
  Statement select(db_, "SELECT id FROM rollouts ORDER BY id DESC LIMIT ? OFFSET ?");
  if (!select.ok()) return SqlError(db_, "prepare list rollouts");
  select.Bind(1, limit);
  select.Bind(2, offset);
  std::vector<int64_t> ids;
  while (select.Step() == SQLITE_ROW) ids.push_back(select.Int(0));
  return ids;
}

Result<int64_t> RolloutStore::CountRollouts() {
  Statement select(db_, "SELECT COUNT(*) FROM rollouts");
  if (!select.ok() || select.Step() != SQLITE_ROW) return SqlError(db_, "count rollouts");
  return select.Int(0);
}

Result<std::vector<int64_t>> RolloutStore::RolloutIdsInStates(const std::vector<RolloutState>& states) {
  std::vector<int64_t> ids;
  Statement select(db_, "SELECT id FROM rollouts WHERE state = ? ORDER BY id");
  if (!select.ok()) return SqlError(db_, "prepare rollouts by state");
  for (RolloutState state : states) {
    select.Reset();
    select.Bind(1, std::string(RolloutStateName(state)));
    while (select.Step() == SQLITE_ROW) ids.push_back(select.Int(0));
  }
  return ids;
}

Result<Ok> RolloutStore::SetState(int64_t id, RolloutState state, int current_group, const std::string& reason,
                                  int64_t now_ms) {
  Statement update(db_, "UPDATE rollouts SET state = ?, current_group = ?, reason = ?, updated_at = ? WHERE id = ?");
  if (!update.ok()) return SqlError(db_, "prepare set state");
  update.Bind(1, std::string(RolloutStateName(state)));
  update.Bind(2, current_group);
  update.Bind(3, reason);
  update.Bind(4, now_ms);
  update.Bind(5, id);
  if (update.Step() != SQLITE_DONE) return SqlError(db_, "set state");
  return Ok{};
}

Result<Ok> RolloutStore::SetGroupStarted(int64_t id, int group, int64_t now_ms) {
  Statement update(db_, "UPDATE rollout_groups SET started_at = ? WHERE rollout_id = ? AND idx = ? AND started_at = 0");
  if (!update.ok()) return SqlError(db_, "prepare group start");
  update.Bind(1, now_ms);
  update.Bind(2, id);
  update.Bind(3, group);
  if (update.Step() != SQLITE_DONE) return SqlError(db_, "group start");
  return Ok{};
}

Result<Ok> RolloutStore::SetGroupThresholdReached(int64_t id, int group, int64_t now_ms) {
  Statement update(db_, "UPDATE rollout_groups SET threshold_at = ? WHERE rollout_id = ? AND idx = ? AND threshold_at = 0");
  if (!update.ok()) return SqlError(db_, "prepare group threshold");
  update.Bind(1, now_ms);
  update.Bind(2, id);
  update.Bind(3, group);
  if (update.Step() != SQLITE_DONE) return SqlError(db_, "group threshold");
  return Ok{};
}

Result<std::vector<GroupStatus>> RolloutStore::GroupCounts(int64_t id) {
  std::vector<GroupStatus> groups;
  Statement select(db_, "SELECT idx, size, started_at, threshold_at FROM rollout_groups WHERE rollout_id = ? ORDER BY idx");
  if (!select.ok()) return SqlError(db_, "prepare groups");
  select.Bind(1, id);
  while (select.Step() == SQLITE_ROW) {
    GroupStatus group;
    group.index = static_cast<int>(select.Int(0));
    group.size = select.Int(1);
    group.started_at_ms = select.Int(2);
    group.threshold_reached_at_ms = select.Int(3);
    groups.push_back(group);
  }
  Statement counts(db_,
                   "SELECT grp, phase, outcome, COUNT(*) FROM rollout_devices WHERE rollout_id = ? GROUP BY grp, phase, outcome");
  if (!counts.ok()) return SqlError(db_, "prepare group counts");
  counts.Bind(1, id);
  while (counts.Step() == SQLITE_ROW) {
    size_t g = static_cast<size_t>(counts.Int(0));
    if (g >= groups.size()) continue;
    std::string phase = counts.Text(1), outcome = counts.Text(2);
    int64_t n = counts.Int(3);
    GroupStatus& group = groups[g];
    if (phase == "waiting") group.waiting += n;
    else if (outcome.empty()) group.pending += n;
    else if (outcome == "confirmed") group.confirmed += n;
    else if (outcome == "incompatible") group.incompatible += n;
    else if (outcome == "cancelled") group.cancelled += n;
    else group.failed += n;
  }
  return groups;
}

Result<std::vector<std::string>> RolloutStore::TakeWaiting(int64_t id, int group, int64_t now_ms) {
  std::vector<std::string> devices;
  {
    Statement select(db_, "SELECT device_id FROM rollout_devices WHERE rollout_id = ? AND grp = ? AND phase = 'waiting'"
                          " ORDER BY position");
    if (!select.ok()) return SqlError(db_, "prepare waiting");
    select.Bind(1, id);
    select.Bind(2, group);
    while (select.Step() == SQLITE_ROW) devices.push_back(select.Text(0));
  }
  Statement update(db_, "UPDATE rollout_devices SET phase = 'dispatched', dispatched_at = ? WHERE rollout_id = ? AND grp = ?"
                        " AND phase = 'waiting'");
  if (!update.ok()) return SqlError(db_, "prepare dispatch");
  update.Bind(1, now_ms);
  update.Bind(2, id);
  update.Bind(3, group);
  if (update.Step() != SQLITE_DONE) return SqlError(db_, "dispatch");
  return devices;
}

Result<std::vector<std::string>> RolloutStore::InFlight(int64_t id, std::optional<int> group) {
  Statement select(db_, "SELECT device_id FROM rollout_devices WHERE rollout_id = ? AND phase = 'dispatched'"
                        " AND (? < 0 OR grp = ?) ORDER BY position");
  if (!select.ok()) return SqlError(db_, "prepare in flight");
  select.Bind(1, id);
  select.Bind(2, group.value_or(-1));
  select.Bind(3, group.value_or(-1));
  std::vector<std::string> devices;
  while (select.Step() == SQLITE_ROW) devices.push_back(select.Text(0));
  return devices;
}

Result<int64_t> RolloutStore::FinishInFlight(int64_t id, std::optional<int> group, const std::string& outcome,
                                             const std::string& detail, int64_t now_ms) {
  Statement update(db_, "UPDATE rollout_devices SET phase = 'done', outcome = ?, detail = ?, finished_at = ?"
                        " WHERE rollout_id = ? AND phase = 'dispatched' AND (? < 0 OR grp = ?)");
  if (!update.ok()) return SqlError(db_, "prepare finish in flight");
  update.Bind(1, outcome);
  update.Bind(2, detail);
  update.Bind(3, now_ms);
  update.Bind(4, id);
  update.Bind(5, group.value_or(-1));
  update.Bind(6, group.value_or(-1));
  if (update.Step() != SQLITE_DONE) return SqlError(db_, "finish in flight");
  return static_cast<int64_t>(sqlite3_changes(db_));
}

Result<std::optional<int64_t>> RolloutStore::RecordResult(const UpdateResult& result, int64_t now_ms) {
  const std::string outcome = UpdateOutcomeName(result.outcome);
  // Forward update first: the newest rollout of this artifact that is waiting for this device, or
  // that marked it cancelled / timed out itself (what the device really did wins over our mark).
  {
    Statement select(db_,
                     "SELECT d.rollout_id, d.outcome FROM rollout_devices d JOIN rollouts r ON r.id = d.rollout_id"
                     " WHERE d.device_id = ? AND r.artifact_id = ? AND (d.phase = 'dispatched' OR"
                     " (d.phase = 'done' AND d.outcome IN ('cancelled', 'timed_out'))) ORDER BY d.rollout_id DESC LIMIT 1");
    if (!select.ok()) return SqlError(db_, "prepare route result");
    select.Bind(1, result.device_id);
    select.Bind(2, result.artifact_id);
    if (select.Step() == SQLITE_ROW) {
      int64_t rollout = select.Int(0);
      // A cancel or timeout we marked ourselves is replaced by a real, later answer (the device did
      // install it: a rollback must know); the distributor's kCancelled echo changes nothing.
      bool marked = !select.Text(1).empty();
      if (marked && (result.outcome == UpdateOutcome::kCancelled || result.outcome == UpdateOutcome::kTimedOut)) {
        return std::optional<int64_t>();
      }
      Statement update(db_, "UPDATE rollout_devices SET phase = 'done', outcome = ?, detail = ?, finished_at = ?"
                            " WHERE rollout_id = ? AND device_id = ?");
      if (!update.ok()) return SqlError(db_, "prepare record result");
      update.Bind(1, outcome);
      update.Bind(2, result.detail);
      update.Bind(3, now_ms);
      update.Bind(4, rollout);
      update.Bind(5, result.device_id);
      if (update.Step() != SQLITE_DONE) return SqlError(db_, "record result");
      return std::optional<int64_t>(rollout);
    }
  }
  // Otherwise a rollback delivery.
  Statement select(db_,
                   "SELECT d.rollout_id FROM rollout_devices d JOIN rollouts r ON r.id = d.rollout_id"
                   " WHERE d.device_id = ? AND r.rollback_artifact_id = ? AND d.rb_phase = 'dispatched'"
                   " ORDER BY d.rollout_id DESC LIMIT 1");
  if (!select.ok()) return SqlError(db_, "prepare route rollback result");
  select.Bind(1, result.device_id);
  select.Bind(2, result.artifact_id);
  if (select.Step() != SQLITE_ROW) return std::optional<int64_t>();
  int64_t rollout = select.Int(0);
  Statement update(db_, "UPDATE rollout_devices SET rb_phase = 'done', rb_outcome = ?, rb_detail = ?"
                        " WHERE rollout_id = ? AND device_id = ?");
  if (!update.ok()) return SqlError(db_, "prepare record rollback result");
  update.Bind(1, outcome);
  update.Bind(2, result.detail);
  update.Bind(3, rollout);
  update.Bind(4, result.device_id);
  if (update.Step() != SQLITE_DONE) return SqlError(db_, "record rollback result");
  return std::optional<int64_t>(rollout);
}

Result<Ok> RolloutStore::RecordStartFailure(int64_t id, const std::string& device_id, const std::string& detail,
                                            bool rollback, int64_t now_ms) {
  const char* sql = rollback ? "UPDATE rollout_devices SET rb_phase = 'done', rb_outcome = 'failed_to_start', rb_detail = ?,"
                               " finished_at = finished_at + 0 * ? WHERE rollout_id = ? AND device_id = ? AND rb_phase = 'dispatched'"
                             : "UPDATE rollout_devices SET phase = 'done', outcome = 'failed_to_start', detail = ?,"
                               " finished_at = ? WHERE rollout_id = ? AND device_id = ? AND phase = 'dispatched'";
  Statement update(db_, sql);
  if (!update.ok()) return SqlError(db_, "prepare start failure");
  update.Bind(1, detail);
  update.Bind(2, now_ms);
  update.Bind(3, id);
  update.Bind(4, device_id);
  if (update.Step() != SQLITE_DONE) return SqlError(db_, "start failure");
  return Ok{};
}

namespace {
DeviceRecord ReadDevice(Statement& select) {
  DeviceRecord record;
  record.device_id = select.Text(0);
  record.group = static_cast<int>(select.Int(1));
  record.phase = select.Text(2);
  record.outcome = select.Text(3);
  record.detail = select.Text(4);
  record.rollback_phase = select.Text(5);
  record.rollback_outcome = select.Text(6);
  record.rollback_detail = select.Text(7);
  return record;
}
}  // namespace

Result<std::vector<DeviceRecord>> RolloutStore::Failures(int64_t id, int64_t limit) {
  Statement select(db_, "SELECT device_id, grp, phase, outcome, detail, rb_phase, rb_outcome, rb_detail FROM rollout_devices"
                        " WHERE rollout_id = ? AND outcome NOT IN ('', 'confirmed', 'cancelled') ORDER BY finished_at, position"
                        " LIMIT ?");
  if (!select.ok()) return SqlError(db_, "prepare failures");
  select.Bind(1, id);
  select.Bind(2, limit);
  std::vector<DeviceRecord> out;
  while (select.Step() == SQLITE_ROW) out.push_back(ReadDevice(select));
  return out;
}

Result<std::optional<DeviceRecord>> RolloutStore::Device(int64_t id, const std::string& device_id) {
  Statement select(db_, "SELECT device_id, grp, phase, outcome, detail, rb_phase, rb_outcome, rb_detail FROM rollout_devices"
                        " WHERE rollout_id = ? AND device_id = ?");
  if (!select.ok()) return SqlError(db_, "prepare device");
  select.Bind(1, id);
  select.Bind(2, device_id);
  if (select.Step() != SQLITE_ROW) return std::optional<DeviceRecord>();
  return std::optional<DeviceRecord>(ReadDevice(select));
}

Result<std::vector<DeviceRecord>> RolloutStore::ListDevices(int64_t id, const std::string& filter, std::optional<int> group,
                                                           int64_t offset, int64_t limit, int64_t* total) {
  // Only constant SQL fragments are chosen here; every value is bound.
  std::string where = " WHERE rollout_id = ?1 AND (?2 < 0 OR grp = ?2)";
  if (filter == "waiting") where += " AND phase = 'waiting'";
  else if (filter == "pending") where += " AND phase = 'dispatched'";
  else if (filter == "failed") where += " AND outcome IN ('refused', 'reverted', 'timed_out', 'failed_to_start')";
  else if (!filter.empty()) where += " AND outcome = ?3";
  std::string count_sql = "SELECT COUNT(*) FROM rollout_devices" + where;
  Statement count(db_, count_sql.c_str());
  if (!count.ok()) return SqlError(db_, "prepare count devices");
  count.Bind(1, id);
  count.Bind(2, group.value_or(-1));
  if (where.find("?3") != std::string::npos) count.Bind(3, filter);
  if (count.Step() != SQLITE_ROW) return SqlError(db_, "count devices");
  if (total) *total = count.Int(0);
  std::string sql = "SELECT device_id, grp, phase, outcome, detail, rb_phase, rb_outcome, rb_detail FROM rollout_devices" +
                    where + " ORDER BY position LIMIT ?4 OFFSET ?5";
  Statement select(db_, sql.c_str());
  if (!select.ok()) return SqlError(db_, "prepare list devices");
  select.Bind(1, id);
  select.Bind(2, group.value_or(-1));
  if (where.find("?3") != std::string::npos) select.Bind(3, filter);
  select.Bind(4, limit);
  select.Bind(5, offset);
  std::vector<DeviceRecord> out;
  while (select.Step() == SQLITE_ROW) out.push_back(ReadDevice(select));
  return out;
}

Result<std::vector<std::string>> RolloutStore::DevicesInLiveRollouts(const std::vector<std::string>& ids, int64_t limit) {
  std::string sql = std::string("SELECT 1 FROM rollout_devices d JOIN rollouts r ON r.id = d.rollout_id"
                                " WHERE d.device_id = ? AND r.state IN ") + kLiveStates + " LIMIT 1";
  Statement select(db_, sql.c_str());
  if (!select.ok()) return SqlError(db_, "prepare live devices");
  std::vector<std::string> busy;
  for (const std::string& id : ids) {
    select.Reset();
    select.Bind(1, id);
    if (select.Step() == SQLITE_ROW) {
      busy.push_back(id);
      if (static_cast<int64_t>(busy.size()) >= limit) break;
    }
  }
  return busy;
}

Result<std::vector<std::string>> RolloutStore::MarkRollbackTargets(int64_t id, const std::vector<int>& groups,
                                                                   const std::string& rollback_artifact_id) {
  Statement artifact(db_, "UPDATE rollouts SET rollback_artifact_id = ? WHERE id = ?");
  if (!artifact.ok()) return SqlError(db_, "prepare rollback artifact");
  artifact.Bind(1, rollback_artifact_id);
  artifact.Bind(2, id);
  if (artifact.Step() != SQLITE_DONE) return SqlError(db_, "rollback artifact");
  Statement update(db_, "UPDATE rollout_devices SET rb_phase = 'dispatched' WHERE rollout_id = ? AND grp = ?"
                        " AND outcome = 'confirmed' AND rb_phase = ''");
  if (!update.ok()) return SqlError(db_, "prepare rollback targets");
  for (int group : groups) {
    update.Reset();
    update.Bind(1, id);
    update.Bind(2, group);
    if (update.Step() != SQLITE_DONE) return SqlError(db_, "rollback targets");
  }
  return RollbackInFlight(id);
}

Result<std::vector<std::string>> RolloutStore::RollbackInFlight(int64_t id) {
  Statement select(db_, "SELECT device_id FROM rollout_devices WHERE rollout_id = ? AND rb_phase = 'dispatched' ORDER BY position");
  if (!select.ok()) return SqlError(db_, "prepare rollback in flight");
  select.Bind(1, id);
  std::vector<std::string> devices;
  while (select.Step() == SQLITE_ROW) devices.push_back(select.Text(0));
  return devices;
}

Result<RollbackStatus> RolloutStore::RollbackCounts(int64_t id) {
  RollbackStatus status;
  Statement select(db_, "SELECT rb_phase, rb_outcome, COUNT(*) FROM rollout_devices WHERE rollout_id = ? AND rb_phase != ''"
                        " GROUP BY rb_phase, rb_outcome");
  if (!select.ok()) return SqlError(db_, "prepare rollback counts");
  select.Bind(1, id);
  while (select.Step() == SQLITE_ROW) {
    int64_t n = select.Int(2);
    status.devices += n;
    if (select.Text(0) == "dispatched") status.pending += n;
    else if (select.Text(1) == "confirmed") status.confirmed += n;
    else status.failed += n;
  }
  return status;
}

}  // namespace tinyforge::server::fleet
