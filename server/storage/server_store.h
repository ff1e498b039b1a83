// SQLite side of the server: API tokens (only their BLAKE2b hashes), the original JSON documents
// of registered models/devices (so GET returns what was posted) and deployments (model on
// device). One connection, serialized by a mutex; WAL journal so a crash loses nothing committed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/domain/roles.h"
#include "server/kg/kg_result.h"

struct sqlite3;

namespace tinyforge::server::storage {

using kg::Error;
using kg::ErrorKind;
using kg::Ok;
using kg::Result;

struct TokenInfo {
  int64_t id = 0;
  std::string name;
  domain::Role role = domain::Role::kViewer;
};

struct IssuedToken {
  TokenInfo info;
  std::string secret;  // shown once; only its hash is stored
};

struct Deployment {
  std::string device_id;
  std::string model_id;
  std::string model_version;
};

class ServerStore {
 public:
  // Opens (creates) the database file. Errors: kProcess naming the path and SQLite's message.
  static Result<std::unique_ptr<ServerStore>> Open(const std::filesystem::path& path);
  ~ServerStore();
  ServerStore(const ServerStore&) = delete;
  ServerStore& operator=(const ServerStore&) = delete;

  // A new random token ("tf_" + 64 hex digits, 256 bits) with `role`.
  Result<IssuedToken> IssueToken(domain::Role role, const std::string& name);
  // nullopt when the secret matches no stored hash (unknown or revoked).
  std::optional<TokenInfo> Authenticate(const std::string& secret);
  Result<std::vector<TokenInfo>> ListTokens();
  Result<bool> RevokeToken(int64_t id);  // false if no such token
  Result<int64_t> TokenCount();

  // Documents by (kind, key): kind "model" (key "id@version") or "device" (key id).
  Result<Ok> PutDocument(const std::string& kind, const std::string& key, const std::string& json);
  // (key, json) pairs in one transaction: all stored or none.
  Result<Ok> PutDocuments(const std::string& kind, const std::vector<std::pair<std::string, std::string>>& documents);
  Result<std::optional<std::string>> GetDocument(const std::string& kind, const std::string& key);
  Result<Ok> DeleteDocument(const std::string& kind, const std::string& key);
  Result<std::vector<std::string>> ListDocuments(const std::string& kind, int64_t offset, int64_t limit);
  Result<int64_t> CountDocuments(const std::string& kind);

  Result<Ok> SetDeployment(const Deployment& deployment);
  Result<bool> ClearDeployment(const std::string& device_id);
  Result<std::optional<Deployment>> GetDeployment(const std::string& device_id);
  Result<int64_t> CountDeploymentsOf(const std::string& model_id, const std::string& model_version);

 private:
  ServerStore() = default;
  Result<Ok> Exec(const std::string& sql);
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

// Hex BLAKE2b-256 of a token (crypto_generichash): tokens carry 256 random bits, so a fast hash
// is as strong as a password hash here and keeps every authenticated request cheap.
std::string HashToken(const std::string& secret);

}  // namespace tinyforge::server::storage
