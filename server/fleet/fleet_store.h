// SQLite storage of the fleet (DATA_DIR/fleet.sqlite, WAL), separate from server.db so the ingest
// writer never contends with REST traffic for one database lock:
//  - devices: last reported state, last seen, per-type message counters;
//  - telemetry_epochs: one row per (device, boot epoch) holding that boot's latest telemetry and
//    the number of telemetry messages. Telemetry counters are cumulative since boot, so the latest
//    message of each boot carries the boot's totals: storing every message would add ~86 M rows a
//    day for 10,000 devices reporting every 10 s and tell nothing more;
//  - alerts and learn: one row per accepted message (rare, and each one matters);
//  - message_windows: per (device, epoch) which seqs were accepted (seq_window.h), written in the
//    same transaction as the messages, so duplicates stay recognised after a restart;
//  - artifacts: signed manifests; payloads under DATA_DIR/artifacts/<id>.bin (temp + rename);
//  - transfers / transfer_results: the OTA distributor's live and finished transfers.
// One connection serialised by a mutex; the bridge writes in batches (one transaction each).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "server/fleet/artifacts.h"
#include "server/fleet/fleet_result.h"
#include "server/fleet/protocol.h"
#include "server/fleet/seq_window.h"
#include "server/fleet/update_dispatcher.h"

struct sqlite3;

namespace tinyforge::server::fleet {

// One accepted device message, decoded, as the bridge hands it to the writer.
struct IngestRecord {
  std::string device_id;
  int64_t received_ms = 0;
  std::variant<TelemetryMessage, StateMessage, AlertMessage, LearnMessage, AckMessage> message;
};

struct WindowRow {
  std::string device_id;
  uint32_t epoch = 0;
  SeqWindow window;
};

struct DeviceView {
  std::string device_id;
  bool has_state = false;
  StateMessage state;  // the last one (id = its message id)
  int64_t last_seen_ms = 0;
  int64_t state_ms = 0;
  uint64_t telemetry_count = 0, alert_count = 0, learn_count = 0, state_count = 0, ack_count = 0;
  bool has_telemetry = false;
  TelemetryMessage last_telemetry;
  uint32_t last_epoch = 0, last_seq = 0;  // highest accepted message id
};

struct AlertRow {
  std::string device_id;
  uint32_t epoch = 0, seq = 0;
  uint32_t model_version = 0, uptime_ms = 0;
  uint16_t class_index = 0;
  float score = 0.0f;
  int64_t received_ms = 0;
};

struct ArtifactRecord {
  std::string id;  // "art-" + 16 hex digits of SHA-256(manifest || signature)
  ArtifactSpec spec;
  uint32_t size = 0;
  std::array<uint8_t, 32> sha256{};
  std::array<uint8_t, kManifestBytes> manifest{};
  std::array<uint8_t, kSignatureBytes> signature{};
  std::string model_id, model_version;  // the registry model it is, if any (compatibility check)
  int64_t created_ms = 0;
};

enum class TransferPhase : uint8_t { kWaitingForDevice = 0, kOffered = 1, kVerified = 2 };

struct TransferRow {
  std::string device_id;
  std::string artifact_id;
  uint32_t offer_id = 0;
  TransferPhase phase = TransferPhase::kWaitingForDevice;
  int64_t started_ms = 0;
  int64_t deadline_ms = 0;
};

struct TransferResultRow {
  UpdateResult result;
  uint32_t offer_id = 0;
  int64_t finished_ms = 0;
};

class FleetStore {
 public:
  // Opens (creates) data_dir/fleet.sqlite and data_dir/artifacts/. Errors name the path.
  static Result<std::unique_ptr<FleetStore>> Open(const std::filesystem::path& data_dir);
  ~FleetStore();
  FleetStore(const FleetStore&) = delete;
  FleetStore& operator=(const FleetStore&) = delete;

  // Ingest: every record and the touched windows in ONE transaction.
  Result<Ok> WriteBatch(const std::vector<IngestRecord>& records,
                        const std::vector<WindowRow>& windows);
  Result<std::vector<WindowRow>> LoadWindows();

  Result<std::optional<DeviceView>> GetDevice(const std::string& device_id);
  Result<std::vector<AlertRow>> ListAlerts(const std::string& device_id, int64_t offset,
                                           int64_t limit);
  Result<int64_t> CountAlerts(const std::string& device_id);
  Result<int64_t> CountDevices();

  // Artifacts. PutArtifact writes the payload file first (temp + rename), then the row.
  Result<Ok> PutArtifact(const ArtifactRecord& record, const std::vector<uint8_t>& payload);
  Result<std::optional<ArtifactRecord>> GetArtifact(const std::string& id);
  Result<std::vector<ArtifactRecord>> ListArtifacts();
  // The stored artifact, payload included (re-hashed: a damaged file is an error, not an offer).
  Result<SignedArtifact> LoadSignedArtifact(const std::string& id);

  // Distributor state.
  Result<Ok> PutTransfer(const TransferRow& row);
  Result<Ok> FinishTransfer(const TransferResultRow& row);  // deletes the live row, appends result
  Result<std::vector<TransferRow>> LoadTransfers();
  Result<std::vector<TransferResultRow>> ListTransferResults(const std::string& device_id);
  Result<uint32_t> MaxOfferId();

  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  FleetStore() = default;
  Result<Ok> Exec(const char* sql);
  Error SqlError(const std::string& what) const;

  sqlite3* db_ = nullptr;
  std::filesystem::path data_dir_;
  std::mutex mutex_;
};

// "art-" + 16 hex digits identifying a signed artifact.
std::string ArtifactIdOf(const std::array<uint8_t, kManifestBytes>& manifest,
                         const std::array<uint8_t, kSignatureBytes>& signature);
std::string HexOf(const uint8_t* bytes, size_t count);
int64_t NowMs();  // wall clock, ms since the epoch

}  // namespace tinyforge::server::fleet
