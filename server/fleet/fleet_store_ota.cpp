// Fleet SQLite: artifacts (rows + payload files) and the OTA distributor's transfers (see
// fleet_store.h).
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "server/fleet/fleet_store.h"
#include "server/fleet/sqlite_statement.h"

namespace tinyforge::server::fleet {
namespace {

using detail::Statement;
namespace fs = std::filesystem;

// temp + fsync + rename: a crash leaves the old file or the new one, never half of one.
Result<Ok> WriteFileAtomically(const fs::path& path, const std::vector<uint8_t>& bytes) {
  const fs::path temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return MakeError(temp.string() + ": cannot create");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      return MakeError(temp.string() + ": write failed");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return MakeError(temp.string() + ": fsync failed");
  std::error_code error;
  fs::rename(temp, path, error);
  if (error) return MakeError(path.string() + ": " + error.message());
  return Ok{};
}

template <size_t N>
void CopyBlob(const std::vector<uint8_t>& blob, std::array<uint8_t, N>& out) {
  std::copy_n(blob.begin(), std::min(blob.size(), N), out.begin());
}

ArtifactRecord ReadArtifact(Statement& s) {
  ArtifactRecord r;
  r.id = s.Text(0);
  r.spec.kind = static_cast<ArtifactKind>(s.Int(1));
  r.spec.version = static_cast<uint32_t>(s.Int(2));
  r.spec.device_type = s.Text(3);
  r.spec.min_runtime_version = static_cast<uint32_t>(s.Int(4));
  r.spec.pinned = s.Int(5) != 0;
  r.size = static_cast<uint32_t>(s.Int(6));
  CopyBlob(s.Blob(7), r.sha256);
  CopyBlob(s.Blob(8), r.manifest);
  CopyBlob(s.Blob(9), r.signature);
  r.model_id = s.Text(10);
  r.model_version = s.Text(11);
  r.created_ms = s.Int(12);
  return r;
}

constexpr const char* kArtifactColumns =
    "SELECT id, kind, version, device_type, min_runtime_version, pinned, size, sha256, manifest,"
    " signature, model_id, model_version, created_ms FROM artifacts";

}  // namespace

Result<Ok> FleetStore::PutArtifact(const ArtifactRecord& record, const std::vector<uint8_t>& payload) {
  auto written = WriteFileAtomically(data_dir_ / "artifacts" / (record.id + ".bin"), payload);
  if (!written.ok()) return written.error();
  std::lock_guard<std::mutex> lock(mutex_);
  Statement insert(db_,
                   "INSERT OR IGNORE INTO artifacts(id, kind, version, device_type,"
                   " min_runtime_version, pinned, size, sha256, manifest, signature, model_id,"
                   " model_version, created_ms) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)");
  if (!insert.ok()) return SqlError("artifacts insert");
  insert.Bind(1, record.id);
  insert.Bind(2, int64_t{static_cast<uint8_t>(record.spec.kind)});
  insert.Bind(3, int64_t{record.spec.version});
  insert.Bind(4, record.spec.device_type);
  insert.Bind(5, int64_t{record.spec.min_runtime_version});
  insert.Bind(6, int64_t{record.spec.pinned ? 1 : 0});
  insert.Bind(7, int64_t{record.size});
  insert.BindBlob(8, record.sha256.data(), record.sha256.size());
  insert.BindBlob(9, record.manifest.data(), record.manifest.size());
  insert.BindBlob(10, record.signature.data(), record.signature.size());
  insert.Bind(11, record.model_id);
  insert.Bind(12, record.model_version);
  insert.Bind(13, record.created_ms);
  if (insert.Step() != SQLITE_DONE) return SqlError("artifacts insert");
  return Ok{};
}

Result<std::optional<ArtifactRecord>> FleetStore::GetArtifact(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, (std::string(kArtifactColumns) + " WHERE id=?1").c_str());
  if (!select.ok()) return SqlError("artifacts select");
  select.Bind(1, id);
  if (select.Step() != SQLITE_ROW) return std::optional<ArtifactRecord>();
  return std::optional<ArtifactRecord>(ReadArtifact(select));
}

Result<std::vector<ArtifactRecord>> FleetStore::ListArtifacts() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, (std::string(kArtifactColumns) + " ORDER BY created_ms, id").c_str());
  if (!select.ok()) return SqlError("artifacts select");
  std::vector<ArtifactRecord> rows;
  while (select.Step() == SQLITE_ROW) rows.push_back(ReadArtifact(select));
  return rows;
}

Result<SignedArtifact> FleetStore::LoadSignedArtifact(const std::string& id) {
  auto record = GetArtifact(id);
  if (!record.ok()) return record.error();
  if (!record.value()) return MakeError("no artifact '" + id + "'");
  const ArtifactRecord& r = *record.value();
  const fs::path path = data_dir_ / "artifacts" / (id + ".bin");
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(path.string() + ": cannot open the artifact payload");
  SignedArtifact artifact;
  artifact.payload.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (artifact.payload.size() != r.size || Sha256(artifact.payload) != r.sha256)
    return MakeError(path.string() + ": payload does not match the artifact's size/SHA-256");
  artifact.spec = r.spec;
  artifact.sha256 = r.sha256;
  artifact.manifest = r.manifest;
  artifact.signature = r.signature;
  return artifact;
}

Result<Ok> FleetStore::PutTransfer(const TransferRow& row) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement upsert(db_,
                   "INSERT INTO transfers(device_id, artifact_id, offer_id, phase, started_ms,"
                   " deadline_ms) VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(device_id) DO UPDATE SET"
                   " artifact_id=excluded.artifact_id, offer_id=excluded.offer_id,"
                   " phase=excluded.phase, started_ms=excluded.started_ms,"
                   " deadline_ms=excluded.deadline_ms");
  if (!upsert.ok()) return SqlError("transfers upsert");
  upsert.Bind(1, row.device_id);
  upsert.Bind(2, row.artifact_id);
  upsert.Bind(3, int64_t{row.offer_id});
  upsert.Bind(4, int64_t{static_cast<uint8_t>(row.phase)});
  upsert.Bind(5, row.started_ms);
  upsert.Bind(6, row.deadline_ms);
  if (upsert.Step() != SQLITE_DONE) return SqlError("transfers upsert");
  return Ok{};
}

Result<Ok> FleetStore::FinishTransfer(const TransferResultRow& row) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto begun = Exec("BEGIN IMMEDIATE");
  if (!begun.ok()) return begun.error();
  Statement remove(db_, "DELETE FROM transfers WHERE device_id=?1 AND artifact_id=?2");
  Statement insert(db_,
                   "INSERT INTO transfer_results(device_id, artifact_id, offer_id, outcome,"
                   " running_version, detail, finished_ms) VALUES(?1,?2,?3,?4,?5,?6,?7)");
  if (!remove.ok() || !insert.ok()) {
    Error error = SqlError("transfer_results prepare");
    (void)Exec("ROLLBACK");
    return error;
  }
  remove.Bind(1, row.result.device_id);
  remove.Bind(2, row.result.artifact_id);
  insert.Bind(1, row.result.device_id);
  insert.Bind(2, row.result.artifact_id);
  insert.Bind(3, int64_t{row.offer_id});
  insert.Bind(4, std::string(UpdateOutcomeName(row.result.outcome)));
  insert.Bind(5, int64_t{row.result.running_version});
  insert.Bind(6, row.result.detail);
  insert.Bind(7, row.finished_ms);
  if (remove.Step() != SQLITE_DONE || insert.Step() != SQLITE_DONE) {
    Error error = SqlError("transfer finish");
    (void)Exec("ROLLBACK");
    return error;
  }
  return Exec("COMMIT");
}

Result<std::vector<TransferRow>> FleetStore::LoadTransfers() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_,
                   "SELECT device_id, artifact_id, offer_id, phase, started_ms, deadline_ms FROM"
                   " transfers");
  if (!select.ok()) return SqlError("transfers select");
  std::vector<TransferRow> rows;
  while (select.Step() == SQLITE_ROW) {
    rows.push_back({select.Text(0), select.Text(1), static_cast<uint32_t>(select.Int(2)),
                    static_cast<TransferPhase>(select.Int(3)), select.Int(4), select.Int(5)});
  }
  return rows;
}

Result<std::vector<TransferResultRow>> FleetStore::ListTransferResults(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_,
                   "SELECT artifact_id, offer_id, outcome, running_version, detail, finished_ms"
                   " FROM transfer_results WHERE device_id=?1 ORDER BY id");
  if (!select.ok()) return SqlError("transfer_results select");
  select.Bind(1, device_id);
  std::vector<TransferResultRow> rows;
  while (select.Step() == SQLITE_ROW) {
    TransferResultRow row;
    row.result.device_id = device_id;
    row.result.artifact_id = select.Text(0);
    row.offer_id = static_cast<uint32_t>(select.Int(1));
    const std::string outcome = select.Text(2);
    for (auto candidate : {UpdateOutcome::kConfirmed, UpdateOutcome::kRefused,
                           UpdateOutcome::kReverted, UpdateOutcome::kIncompatible,
                           UpdateOutcome::kTimedOut, UpdateOutcome::kCancelled}) {
      if (outcome == UpdateOutcomeName(candidate)) row.result.outcome = candidate;
    }
    row.result.running_version = static_cast<uint32_t>(select.Int(3));
    row.result.detail = select.Text(4);
    row.finished_ms = select.Int(5);
    rows.push_back(row);
  }
  return rows;
}

Result<uint32_t> FleetStore::MaxOfferId() {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_,
                   "SELECT max(coalesce((SELECT max(offer_id) FROM transfers), 0),"
                   " coalesce((SELECT max(offer_id) FROM transfer_results), 0))");
  if (!select.ok() || select.Step() != SQLITE_ROW) return SqlError("offer id");
  return static_cast<uint32_t>(select.Int(0));
}

}  // namespace tinyforge::server::fleet
