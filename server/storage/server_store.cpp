// SQLite storage of tokens, documents and deployments (see server_store.h).
#include "server/storage/server_store.h"

#include <sodium.h>
#include <sqlite3.h>

namespace tinyforge::server::storage {
namespace {

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK; }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return ok_; }
  void Bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  int Step() { return sqlite3_step(stmt_); }
  void Reset() { sqlite3_reset(stmt_); }
  std::string Text(int column) {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    int bytes = sqlite3_column_bytes(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(bytes)) : "";
  }
  int64_t Int(int column) { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

Error SqlError(sqlite3* db, const std::string& what) {
  return kg::MakeError(ErrorKind::kProcess, "SQLite " + what + ": " + sqlite3_errmsg(db));
}

}  // namespace

std::string HashToken(const std::string& secret) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof(digest), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  char hex[sizeof(digest) * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return hex;
}

Result<std::unique_ptr<ServerStore>> ServerStore::Open(const std::filesystem::path& path) {
  if (sodium_init() < 0) return kg::MakeError(ErrorKind::kProcess, "libsodium failed to initialize");
  std::unique_ptr<ServerStore> store(new ServerStore());
  if (sqlite3_open(path.c_str(), &store->db_) != SQLITE_OK) {
    return SqlError(store->db_, "cannot open " + path.string());
  }
  sqlite3_busy_timeout(store->db_, 5000);
  auto created = store->Exec(
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS tokens(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
      " role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE);"
      "CREATE TABLE IF NOT EXISTS documents(kind TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,"
      " PRIMARY KEY(kind, key));"
      "CREATE TABLE IF NOT EXISTS deployments(device_id TEXT PRIMARY KEY, model_id TEXT NOT NULL,"
      " model_version TEXT NOT NULL);");
  if (!created.ok()) return created.error();
  return store;
}

ServerStore::~ServerStore() { sqlite3_close(db_); }

Result<Ok> ServerStore::Exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return kg::MakeError(ErrorKind::kProcess, "SQLite: " + text);
  }
  return Ok{};
}

Result<IssuedToken> ServerStore::IssueToken(domain::Role role, const std::string& name) {
  unsigned char random[32];
  randombytes_buf(random, sizeof(random));
  char hex[sizeof(random) * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), random, sizeof(random));
  IssuedToken token;
  token.secret = std::string("tf_") + hex;
  token.info.name = name;
  token.info.role = role;
  std::lock_guard lock(mutex_);
  Statement insert(db_, "INSERT INTO tokens(name, role, hash) VALUES(?, ?, ?)");
  if (!insert.ok()) return SqlError(db_, "prepare");
  insert.Bind(1, name);
  insert.Bind(2, std::string(domain::RoleName(role)));
  insert.Bind(3, HashToken(token.secret));
  if (insert.Step() != SQLITE_DONE) return SqlError(db_, "insert token");
  token.info.id = sqlite3_last_insert_rowid(db_);
  return token;
}

std::optional<TokenInfo> ServerStore::Authenticate(const std::string& secret) {
  if (secret.empty() || secret.size() > 256) return std::nullopt;
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT id, name, role FROM tokens WHERE hash = ?");
  if (!select.ok()) return std::nullopt;
  select.Bind(1, HashToken(secret));
  if (select.Step() != SQLITE_ROW) return std::nullopt;
  auto role = domain::ParseRole(select.Text(2));
  if (!role) return std::nullopt;
  return TokenInfo{select.Int(0), select.Text(1), *role};
}

Result<std::vector<TokenInfo>> ServerStore::ListTokens() {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT id, name, role FROM tokens ORDER BY id");
  if (!select.ok()) return SqlError(db_, "prepare");
  std::vector<TokenInfo> out;
  while (select.Step() == SQLITE_ROW) {
    out.push_back({select.Int(0), select.Text(1), domain::ParseRole(select.Text(2)).value_or(domain::Role::kViewer)});
  }
  return out;
}

Result<bool> ServerStore::RevokeToken(int64_t id) {
  std::lock_guard lock(mutex_);
  Statement remove(db_, "DELETE FROM tokens WHERE id = ?");
  if (!remove.ok()) return SqlError(db_, "prepare");
  remove.Bind(1, id);
  if (remove.Step() != SQLITE_DONE) return SqlError(db_, "delete token");
  return sqlite3_changes(db_) > 0;
}

Result<int64_t> ServerStore::TokenCount() {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT COUNT(*) FROM tokens");
  if (!select.ok() || select.Step() != SQLITE_ROW) return SqlError(db_, "count tokens");
  return select.Int(0);
}

Result<Ok> ServerStore::PutDocument(const std::string& kind, const std::string& key, const std::string& json) {
  std::lock_guard lock(mutex_);
  Statement insert(db_, "INSERT OR REPLACE INTO documents(kind, key, json) VALUES(?, ?, ?)");
  if (!insert.ok()) return SqlError(db_, "prepare");
  insert.Bind(1, kind);
  insert.Bind(2, key);
  insert.Bind(3, json);
  if (insert.Step() != SQLITE_DONE) return SqlError(db_, "insert document");
  return Ok{};
}

Result<Ok> ServerStore::PutDocuments(const std::string& kind,
                                     const std::vector<std::pair<std::string, std::string>>& documents) {
  std::lock_guard lock(mutex_);
  // One transaction: all documents or none (and one fsync instead of one per document).
  auto begun = Exec("BEGIN IMMEDIATE");
  if (!begun.ok()) return begun.error();
  Statement insert(db_, "INSERT OR REPLACE INTO documents(kind, key, json) VALUES(?, ?, ?)");
  bool failed = !insert.ok();
  for (size_t i = 0; !failed && i < documents.size(); ++i) {
    insert.Bind(1, kind);
    insert.Bind(2, documents[i].first);
    insert.Bind(3, documents[i].second);
    failed = insert.Step() != SQLITE_DONE;
    insert.Reset();
  }
  if (failed) {
    Error error = SqlError(db_, "insert documents");
    (void)Exec("ROLLBACK");
    return error;
  }
  return Exec("COMMIT");
}

Result<std::optional<std::string>> ServerStore::GetDocument(const std::string& kind, const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT json FROM documents WHERE kind = ? AND key = ?");
  if (!select.ok()) return SqlError(db_, "prepare");
  select.Bind(1, kind);
  select.Bind(2, key);
  if (select.Step() != SQLITE_ROW) return std::optional<std::string>();
  return std::optional<std::string>(select.Text(0));
}

Result<Ok> ServerStore::DeleteDocument(const std::string& kind, const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement remove(db_, "DELETE FROM documents WHERE kind = ? AND key = ?");
  if (!remove.ok()) return SqlError(db_, "prepare");
  remove.Bind(1, kind);
  remove.Bind(2, key);
  if (remove.Step() != SQLITE_DONE) return SqlError(db_, "delete document");
  return Ok{};
}

Result<std::vector<std::string>> ServerStore::ListDocuments(const std::string& kind, int64_t offset,
                                                            int64_t limit) {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT json FROM documents WHERE kind = ? ORDER BY key LIMIT ? OFFSET ?");
  if (!select.ok()) return SqlError(db_, "prepare");
  select.Bind(1, kind);
  select.Bind(2, limit);
  select.Bind(3, offset);
  std::vector<std::string> out;
  while (select.Step() == SQLITE_ROW) out.push_back(select.Text(0));
  return out;
}

Result<int64_t> ServerStore::CountDocuments(const std::string& kind) {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT COUNT(*) FROM documents WHERE kind = ?");
  if (!select.ok()) return SqlError(db_, "prepare");
  select.Bind(1, kind);
  if (select.Step() != SQLITE_ROW) return SqlError(db_, "count documents");
  return select.Int(0);
}

Result<Ok> ServerStore::SetDeployment(const Deployment& deployment) {
  std::lock_guard lock(mutex_);
  Statement insert(db_, "INSERT OR REPLACE INTO deployments(device_id, model_id, model_version) VALUES(?, ?, ?)");
  if (!insert.ok()) return SqlError(db_, "prepare");
  insert.Bind(1, deployment.device_id);
  insert.Bind(2, deployment.model_id);
  insert.Bind(3, deployment.model_version);
  if (insert.Step() != SQLITE_DONE) return SqlError(db_, "insert deployment");
  return Ok{};
}

Result<bool> ServerStore::ClearDeployment(const std::string& device_id) {
  std::lock_guard lock(mutex_);
  Statement remove(db_, "DELETE FROM deployments WHERE device_id = ?");
  if (!remove.ok()) return SqlError(db_, "prepare");
  remove.Bind(1, device_id);
  if (remove.Step() != SQLITE_DONE) return SqlError(db_, "delete deployment");
  return sqlite3_changes(db_) > 0;
}

Result<std::optional<Deployment>> ServerStore::GetDeployment(const std::string& device_id) {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT model_id, model_version FROM deployments WHERE device_id = ?");
  if (!select.ok()) return SqlError(db_, "prepare");
  select.Bind(1, device_id);
  if (select.Step() != SQLITE_ROW) return std::optional<Deployment>();
  return std::optional<Deployment>(Deployment{device_id, select.Text(0), select.Text(1)});
}

Result<int64_t> ServerStore::CountDeploymentsOf(const std::string& model_id, const std::string& model_version) {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT COUNT(*) FROM deployments WHERE model_id = ? AND model_version = ?");
  if (!select.ok()) return SqlError(db_, "prepare");
  select.Bind(1, model_id);
  select.Bind(2, model_version);
  if (select.Step() != SQLITE_ROW) return SqlError(db_, "count deployments");
  return select.Int(0);
}

}  // namespace tinyforge::server::storage
