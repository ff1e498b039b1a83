// Fleet SQLite schema, batched ingest writes and device/alert reads (see fleet_store.h).
#include "server/fleet/fleet_store.h"

#include <sqlite3.h>

#include <chrono>
#include <map>
#include <tuple>

#include "server/fleet/sqlite_statement.h"

namespace tinyforge::server::fleet {
namespace {

using detail::Statement;

constexpr const char* kSchema =
    "PRAGMA journal_mode=WAL;"
    // NORMAL in WAL: a committed batch survives a process crash; only an OS crash/power cut can
    // lose the last batches (the broker already acknowledged them anyway, see README).
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS devices(device_id TEXT PRIMARY KEY, device_type TEXT,"
    " confirmed_version INTEGER, running_version INTEGER, runtime_version INTEGER,"
    " active_slot INTEGER, trial INTEGER, ota_state INTEGER, artifact_kind INTEGER,"
    " telemetry_dropped INTEGER, has_state INTEGER NOT NULL DEFAULT 0, state_epoch INTEGER,"
    " state_seq INTEGER, state_ms INTEGER, last_seen_ms INTEGER NOT NULL DEFAULT 0,"
    " telemetry_count INTEGER NOT NULL DEFAULT 0, alert_count INTEGER NOT NULL DEFAULT 0,"
    " learn_count INTEGER NOT NULL DEFAULT 0, state_count INTEGER NOT NULL DEFAULT 0,"
    " ack_count INTEGER NOT NULL DEFAULT 0, last_epoch INTEGER NOT NULL DEFAULT 0,"
    " last_seq INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS telemetry_epochs(device_id TEXT NOT NULL, epoch INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, received_ms INTEGER NOT NULL, uptime_s INTEGER, inference_count INTEGER,"
    " latency_us_mean INTEGER, latency_us_max INTEGER, anomaly_count INTEGER, drift_alarms INTEGER,"
    " accuracy_per10k INTEGER, messages INTEGER NOT NULL, PRIMARY KEY(device_id, epoch))"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS alerts(device_id TEXT NOT NULL, epoch INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, model_version INTEGER, uptime_ms INTEGER, class_index INTEGER,"
    " score REAL, received_ms INTEGER NOT NULL, PRIMARY KEY(device_id, epoch, seq));"
    "CREATE TABLE IF NOT EXISTS learn(device_id TEXT NOT NULL, epoch INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, received_ms INTEGER NOT NULL, samples_seen INTEGER,"
    " labels_seen INTEGER, accuracy_per10k INTEGER, drift_events INTEGER, class_count INTEGER,"
    " PRIMARY KEY(device_id, epoch, seq));"
    "CREATE TABLE IF NOT EXISTS message_windows(device_id TEXT NOT NULL, epoch INTEGER NOT NULL,"
    " floor INTEGER NOT NULL, sparse BLOB, PRIMARY KEY(device_id, epoch)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS artifacts(id TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
    " version INTEGER NOT NULL, device_type TEXT NOT NULL, min_runtime_version INTEGER NOT NULL,"
    " pinned INTEGER NOT NULL, size INTEGER NOT NULL, sha256 BLOB NOT NULL, manifest BLOB NOT NULL,"
    " signature BLOB NOT NULL, model_id TEXT, model_version TEXT, created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS transfers(device_id TEXT PRIMARY KEY, artifact_id TEXT NOT NULL,"
    " offer_id INTEGER NOT NULL, phase INTEGER NOT NULL, started_ms INTEGER NOT NULL,"
    " deadline_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS transfer_results(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " device_id TEXT NOT NULL, artifact_id TEXT NOT NULL, offer_id INTEGER NOT NULL,"
    " outcome TEXT NOT NULL, running_version INTEGER, detail TEXT, finished_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS transfer_results_device ON transfer_results(device_id);";

// Per-device totals of one batch, so each device costs one upsert per batch, not one per message.
struct DeviceDelta {
  int64_t last_seen_ms = 0;
  int64_t telemetry = 0, alerts = 0, learn = 0, states = 0, acks = 0;
  uint32_t last_epoch = 0, last_seq = 0;
  bool has_id = false;
  const StateMessage* state = nullptr;
  int64_t state_ms = 0;
};

struct TelemetryDelta {
  const TelemetryMessage* last = nullptr;
  int64_t received_ms = 0;
  int64_t messages = 0;
};

bool Later(uint32_t epoch, uint32_t seq, uint32_t than_epoch, uint32_t than_seq) {
  return epoch > than_epoch || (epoch == than_epoch && seq > than_seq);
}

MessageId IdOf(const IngestRecord& record) {
  return std::visit([](const auto& message) { return message.id; }, record.message);
}

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string HexOf(const uint8_t* bytes, size_t count) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(count * 2);
  for (size_t i = 0; i < count; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0F]);
  }
  return out;
}

std::string ArtifactIdOf(const std::array<uint8_t, kManifestBytes>& manifest,
                         const std::array<uint8_t, kSignatureBytes>& signature) {
  std::vector<uint8_t> signed_bytes(manifest.begin(), manifest.end());
  signed_bytes.insert(signed_bytes.end(), signature.begin(), signature.end());
  const auto digest = Sha256(signed_bytes);
  return "art-" + HexOf(digest.data(), 8);
}

Error FleetStore::SqlError(const std::string& what) const {
  return MakeError("fleet store " + (data_dir_ / "fleet.sqlite").string() + ": " + what + ": " +
                   sqlite3_errmsg(db_));
}

Result<Ok> FleetStore::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return MakeError("fleet store " + (data_dir_ / "fleet.sqlite").string() + ": " + text);
  }
  return Ok{};
}

Result<std::unique_ptr<FleetStore>> FleetStore::Open(const std::filesystem::path& data_dir) {
  std::error_code error;
  std::filesystem::create_directories(data_dir / "artifacts", error);
  if (error) return MakeError((data_dir / "artifacts").string() + ": " + error.message());
  std::unique_ptr<FleetStore> store(new FleetStore());
  store->data_dir_ = data_dir;
  const auto path = data_dir / "fleet.sqlite";
  if (sqlite3_open(path.c_str(), &store->db_) != SQLITE_OK)
    return store->SqlError("cannot open");
  sqlite3_busy_timeout(store->db_, 5000);
  auto created = store->Exec(kSchema);
  if (!created.ok()) return created.error();
  return store;
}

FleetStore::~FleetStore() { sqlite3_close(db_); }

Result<Ok> FleetStore::WriteBatch(const std::vector<IngestRecord>& records,
                                  const std::vector<WindowRow>& windows) {
  std::map<std::string, DeviceDelta> devices;
  std::map<std::pair<std::string, uint32_t>, TelemetryDelta> telemetry;
  for (const IngestRecord& record : records) {
    DeviceDelta& delta = devices[record.device_id];
    delta.last_seen_ms = std::max(delta.last_seen_ms, record.received_ms);
    const MessageId id = IdOf(record);
    if (!delta.has_id || Later(id.epoch, id.seq, delta.last_epoch, delta.last_seq)) {
      delta.last_epoch = id.epoch;
      delta.last_seq = id.seq;
      delta.has_id = true;
    }
    if (const auto* t = std::get_if<TelemetryMessage>(&record.message)) {
      ++delta.telemetry;
      TelemetryDelta& boot = telemetry[{record.device_id, t->id.epoch}];
      ++boot.messages;
      if (boot.last == nullptr || t->id.seq > boot.last->id.seq) {
        boot.last = t;
        boot.received_ms = record.received_ms;
      }
    } else if (const auto* s = std::get_if<StateMessage>(&record.message)) {
      ++delta.states;
      // Arrival order within a boot, the newest boot across boots (a re-flashed device restarts
      // its epoch, so a lower epoch arriving later is newer, not older).
      if (delta.state == nullptr || s->id.epoch != delta.state->id.epoch ||
          s->id.seq > delta.state->id.seq) {
        delta.state = s;
        delta.state_ms = record.received_ms;
      }
    } else if (std::holds_alternative<AlertMessage>(record.message)) {
      ++delta.alerts;
    } else if (std::holds_alternative<LearnMessage>(record.message)) {
      ++delta.learn;
    } else {
      ++delta.acks;
    }
  }

  std::lock_guard<std::mutex> lock(mutex_);
  auto begun = Exec("BEGIN IMMEDIATE");
  if (!begun.ok()) return begun.error();
  auto fail = [&](const std::string& what) {
    Error error = SqlError(what);
    (void)Exec("ROLLBACK");
    return error;
  };

  Statement device(db_,
                   "INSERT INTO devices(device_id, last_seen_ms, telemetry_count, alert_count,"
                   " learn_count, state_count, ack_count, last_epoch, last_seq)"
                   " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT(device_id) DO UPDATE SET"
                   " last_seen_ms=max(last_seen_ms, excluded.last_seen_ms),"
                   " telemetry_count=telemetry_count+excluded.telemetry_count,"
                   " alert_count=alert_count+excluded.alert_count,"
                   " learn_count=learn_count+excluded.learn_count,"
                   " state_count=state_count+excluded.state_count,"
                   " ack_count=ack_count+excluded.ack_count,"
                   " last_epoch=CASE WHEN excluded.last_epoch>last_epoch OR (excluded.last_epoch="
                   "last_epoch AND excluded.last_seq>last_seq) THEN excluded.last_epoch ELSE"
                   " last_epoch END,"
                   " last_seq=CASE WHEN excluded.last_epoch>last_epoch OR (excluded.last_epoch="
                   "last_epoch AND excluded.last_seq>last_seq) THEN excluded.last_seq ELSE"
                   " last_seq END");
  Statement state(db_,
                  "UPDATE devices SET device_type=?2, confirmed_version=?3, running_version=?4,"
                  " runtime_version=?5, active_slot=?6, trial=?7, ota_state=?8, artifact_kind=?9,"
                  " telemetry_dropped=?10, has_state=1, state_epoch=?11, state_seq=?12,"
                  " state_ms=?13 WHERE device_id=?1 AND (has_state=0 OR state_epoch<>?11 OR"
                  " state_seq<?12)");
  Statement boot(db_,
                 "INSERT INTO telemetry_epochs(device_id, epoch, seq, received_ms, uptime_s,"
                 " inference_count, latency_us_mean, latency_us_max, anomaly_count, drift_alarms,"
                 " accuracy_per10k, messages) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
                 " ON CONFLICT(device_id, epoch) DO UPDATE SET messages=messages+excluded.messages,"
                 " seq=max(seq, excluded.seq),"
                 " received_ms=CASE WHEN excluded.seq>seq THEN excluded.received_ms ELSE received_ms END,"
                 " uptime_s=CASE WHEN excluded.seq>seq THEN excluded.uptime_s ELSE uptime_s END,"
                 " inference_count=CASE WHEN excluded.seq>seq THEN excluded.inference_count ELSE"
                 " inference_count END,"
                 " latency_us_mean=CASE WHEN excluded.seq>seq THEN excluded.latency_us_mean ELSE"
                 " latency_us_mean END,"
                 " latency_us_max=CASE WHEN excluded.seq>seq THEN excluded.latency_us_max ELSE"
                 " latency_us_max END,"
                 " anomaly_count=CASE WHEN excluded.seq>seq THEN excluded.anomaly_count ELSE"
                 " anomaly_count END,"
                 " drift_alarms=CASE WHEN excluded.seq>seq THEN excluded.drift_alarms ELSE"
                 " drift_alarms END,"
                 " accuracy_per10k=CASE WHEN excluded.seq>seq THEN excluded.accuracy_per10k ELSE"
                 " accuracy_per10k END");
  Statement alert(db_,
                  "INSERT OR IGNORE INTO alerts(device_id, epoch, seq, model_version, uptime_ms,"
                  " class_index, score, received_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
  Statement learn(db_,
                  "INSERT OR IGNORE INTO learn(device_id, epoch, seq, received_ms, samples_seen,"
                  " labels_seen, accuracy_per10k, drift_events, class_count)"
                  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");
  Statement window(db_,
                   "INSERT INTO message_windows(device_id, epoch, floor, sparse) VALUES(?1,?2,?3,?4)"
                   " ON CONFLICT(device_id, epoch) DO UPDATE SET floor=excluded.floor,"
                   " sparse=excluded.sparse");
  if (!device.ok() || !state.ok() || !boot.ok() || !alert.ok() || !learn.ok() || !window.ok())
    return fail("prepare");

  for (const auto& [id, delta] : devices) {
    device.Bind(1, id);
    device.Bind(2, delta.last_seen_ms);
    device.Bind(3, delta.telemetry);
    device.Bind(4, delta.alerts);
    device.Bind(5, delta.learn);
    device.Bind(6, delta.states);
    device.Bind(7, delta.acks);
    device.Bind(8, int64_t{delta.last_epoch});
    device.Bind(9, int64_t{delta.last_seq});
    if (device.Step() != SQLITE_DONE) return fail("devices upsert");
    device.Reset();
    if (delta.state != nullptr) {
      const StateMessage& s = *delta.state;
      state.Bind(1, id);
      state.Bind(2, s.device_type);
      state.Bind(3, int64_t{s.confirmed_version});
      state.Bind(4, int64_t{s.running_version});
      state.Bind(5, int64_t{s.runtime_version});
      state.Bind(6, int64_t{s.active_slot});
      state.Bind(7, int64_t{s.trial});
      state.Bind(8, int64_t{s.ota_state});
      state.Bind(9, int64_t{s.artifact_kind});
      state.Bind(10, int64_t{s.telemetry_dropped});
      state.Bind(11, int64_t{s.id.epoch});
      state.Bind(12, int64_t{s.id.seq});
      state.Bind(13, delta.state_ms);
      if (state.Step() != SQLITE_DONE) return fail("devices state update");
      state.Reset();
    }
  }
  for (const auto& [key, delta] : telemetry) {
    const TelemetryMessage& t = *delta.last;
    boot.Bind(1, key.first);
    boot.Bind(2, int64_t{key.second});
    boot.Bind(3, int64_t{t.id.seq});
    boot.Bind(4, delta.received_ms);
    boot.Bind(5, int64_t{t.uptime_s});
    boot.Bind(6, int64_t{t.inference_count});
    boot.Bind(7, int64_t{t.latency_us_mean});
    boot.Bind(8, int64_t{t.latency_us_max});
    boot.Bind(9, int64_t{t.anomaly_count});
    boot.Bind(10, int64_t{t.drift_alarms});
    boot.Bind(11, int64_t{t.accuracy_per10k});
    boot.Bind(12, delta.messages);
    if (boot.Step() != SQLITE_DONE) return fail("telemetry_epochs upsert");
    boot.Reset();
  }
  for (const IngestRecord& record : records) {
    if (const auto* a = std::get_if<AlertMessage>(&record.message)) {
      alert.Bind(1, record.device_id);
      alert.Bind(2, int64_t{a->id.epoch});
      alert.Bind(3, int64_t{a->id.seq});
      alert.Bind(4, int64_t{a->model_version});
      alert.Bind(5, int64_t{a->uptime_ms});
      alert.Bind(6, int64_t{a->class_index});
      alert.Bind(7, static_cast<double>(a->score));
      alert.Bind(8, record.received_ms);
      if (alert.Step() != SQLITE_DONE) return fail("alerts insert");
      alert.Reset();
    } else if (const auto* l = std::get_if<LearnMessage>(&record.message)) {
      learn.Bind(1, record.device_id);
      learn.Bind(2, int64_t{l->id.epoch});
      learn.Bind(3, int64_t{l->id.seq});
      learn.Bind(4, record.received_ms);
      learn.Bind(5, int64_t{l->samples_seen});
      learn.Bind(6, int64_t{l->labels_seen});
      learn.Bind(7, int64_t{l->accuracy_per10k});
      learn.Bind(8, int64_t{l->drift_events});
      learn.Bind(9, int64_t{l->class_count});
      if (learn.Step() != SQLITE_DONE) return fail("learn insert");
      learn.Reset();
    }
  }
  for (const WindowRow& row : windows) {
    const std::vector<uint8_t> sparse = row.window.EncodeSparse();
    window.Bind(1, row.device_id);
    window.Bind(2, int64_t{row.epoch});
    window.Bind(3, int64_t{row.window.floor()});
    window.BindBlob(4, sparse.data(), sparse.size());
    if (window.Step() != SQLITE_DONE) return fail("message_windows upsert");
    window.Reset();
  }
  auto committed = Exec("COMMIT");
  if (!committed.ok()) {
    (void)Exec("ROLLBACK");
    return committed.error();
  }
  return Ok{};
}

Result<std::vector<WindowRow>> FleetStore::LoadWindows() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT device_id, epoch, floor, sparse FROM message_windows");
  if (!select.ok()) return SqlError("message_windows select");
  std::vector<WindowRow> rows;
  while (select.Step() == SQLITE_ROW) {
    rows.push_back({select.Text(0), static_cast<uint32_t>(select.Int(1)),
                    SeqWindow::Restore(static_cast<uint32_t>(select.Int(2)), select.Blob(3))});
  }
  return rows;
}

Result<std::optional<DeviceView>> FleetStore::GetDevice(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_,
                   "SELECT device_type, confirmed_version, running_version, runtime_version,"
                   " active_slot, trial, ota_state, artifact_kind, telemetry_dropped, has_state,"
                   " state_epoch, state_seq, state_ms, last_seen_ms, telemetry_count, alert_count,"
                   " learn_count, state_count, ack_count, last_epoch, last_seq FROM devices"
                   " WHERE device_id=?1");
  if (!select.ok()) return SqlError("devices select");
  select.Bind(1, device_id);
  if (select.Step() != SQLITE_ROW) return std::optional<DeviceView>();
  DeviceView view;
  view.device_id = device_id;
  view.has_state = select.Int(9) != 0;
  if (view.has_state) {
    StateMessage& s = view.state;
    s.device_type = select.Text(0);
    s.confirmed_version = static_cast<uint32_t>(select.Int(1));
    s.running_version = static_cast<uint32_t>(select.Int(2));
    s.runtime_version = static_cast<uint32_t>(select.Int(3));
    s.active_slot = static_cast<uint8_t>(select.Int(4));
    s.trial = static_cast<uint8_t>(select.Int(5));
    s.ota_state = static_cast<uint8_t>(select.Int(6));
    s.artifact_kind = static_cast<uint8_t>(select.Int(7));
    s.telemetry_dropped = static_cast<uint32_t>(select.Int(8));
    s.id = {static_cast<uint32_t>(select.Int(10)), static_cast<uint32_t>(select.Int(11))};
    view.state_ms = select.Int(12);
  }
  view.last_seen_ms = select.Int(13);
  view.telemetry_count = static_cast<uint64_t>(select.Int(14));
  view.alert_count = static_cast<uint64_t>(select.Int(15));
  view.learn_count = static_cast<uint64_t>(select.Int(16));
  view.state_count = static_cast<uint64_t>(select.Int(17));
  view.ack_count = static_cast<uint64_t>(select.Int(18));
  view.last_epoch = static_cast<uint32_t>(select.Int(19));
  view.last_seq = static_cast<uint32_t>(select.Int(20));

  Statement last(db_,
                 "SELECT epoch, seq, uptime_s, inference_count, latency_us_mean, latency_us_max,"
                 " anomaly_count, drift_alarms, accuracy_per10k FROM telemetry_epochs WHERE"
                 " device_id=?1 ORDER BY received_ms DESC, epoch DESC LIMIT 1");
  if (!last.ok()) return SqlError("telemetry_epochs select");
  last.Bind(1, device_id);
  if (last.Step() == SQLITE_ROW) {
    TelemetryMessage& t = view.last_telemetry;
    view.has_telemetry = true;
    t.id = {static_cast<uint32_t>(last.Int(0)), static_cast<uint32_t>(last.Int(1))};
    t.uptime_s = static_cast<uint32_t>(last.Int(2));
    t.inference_count = static_cast<uint32_t>(last.Int(3));
    t.latency_us_mean = static_cast<uint32_t>(last.Int(4));
    t.latency_us_max = static_cast<uint32_t>(last.Int(5));
    t.anomaly_count = static_cast<uint32_t>(last.Int(6));
    t.drift_alarms = static_cast<uint16_t>(last.Int(7));
    t.accuracy_per10k = static_cast<uint16_t>(last.Int(8));
  }
  return std::optional<DeviceView>(std::move(view));
}

Result<std::vector<AlertRow>> FleetStore::ListAlerts(const std::string& device_id, int64_t offset,
                                                     int64_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_,
                   "SELECT epoch, seq, model_version, uptime_ms, class_index, score, received_ms"
                   " FROM alerts WHERE device_id=?1 ORDER BY epoch, seq LIMIT ?2 OFFSET ?3");
  if (!select.ok()) return SqlError("alerts select");
  select.Bind(1, device_id);
  select.Bind(2, limit);
  select.Bind(3, offset);
  std::vector<AlertRow> rows;
  while (select.Step() == SQLITE_ROW) {
    AlertRow row;
    row.device_id = device_id;
    row.epoch = static_cast<uint32_t>(select.Int(0));
    row.seq = static_cast<uint32_t>(select.Int(1));
    row.model_version = static_cast<uint32_t>(select.Int(2));
    row.uptime_ms = static_cast<uint32_t>(select.Int(3));
    row.class_index = static_cast<uint16_t>(select.Int(4));
    row.score = static_cast<float>(select.Real(5));
    row.received_ms = select.Int(6);
    rows.push_back(row);
  }
  return rows;
}

Result<int64_t> FleetStore::CountAlerts(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT count(*) FROM alerts WHERE device_id=?1");
  if (!select.ok()) return SqlError("alerts count");
  select.Bind(1, device_id);
  if (select.Step() != SQLITE_ROW) return SqlError("alerts count");
  return select.Int(0);
}

Result<int64_t> FleetStore::CountDevices() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT count(*) FROM devices");
  if (!select.ok() || select.Step() != SQLITE_ROW) return SqlError("devices count");
  return select.Int(0);
}

}  // namespace tinyforge::server::fleet
