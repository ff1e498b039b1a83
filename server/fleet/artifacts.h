// Server side of OTA artifacts: Ed25519 key generation and storage, the signed manifest
// (docs/protocol.md: 72 bytes, little-endian) and signing with libsodium. The private key never
// leaves the server: devices get only the 32-byte public key.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "server/fleet/fleet_result.h"

namespace tinyforge::server::fleet {

inline constexpr size_t kManifestBytes = 72;
inline constexpr size_t kSignatureBytes = 64;
inline constexpr uint32_t kManifestMagic = 0x31414654u;  // "TFA1"
inline constexpr uint16_t kManifestFormat = 1;

enum class ArtifactKind : uint8_t { kModel = 1, kFirmware = 2 };

struct SigningKey {
  std::array<uint8_t, 64> secret_key{};  // libsodium layout: seed || public key
  std::array<uint8_t, 32> public_key{};
};

// A fresh key pair from libsodium's CSPRNG.
Result<SigningKey> GenerateSigningKey();
// Key files: the secret key as 64 raw bytes, mode 0600; the public key as 32 raw bytes.
Result<Ok> SaveSigningKey(const SigningKey& key, const std::filesystem::path& secret_path,
                          const std::filesystem::path& public_path);
Result<SigningKey> LoadSigningKey(const std::filesystem::path& secret_path);

struct ArtifactSpec {
  ArtifactKind kind = ArtifactKind::kModel;
  uint32_t version = 0;
  uint32_t min_runtime_version = 0;  // major << 16 | minor << 8 | patch
  std::string device_type;           // at most 15 characters
  bool pinned = false;               // the server pins this version: devices accept a downgrade
};

struct SignedArtifact {
  ArtifactSpec spec;
  std::vector<uint8_t> payload;
  std::array<uint8_t, 32> sha256{};
  std::array<uint8_t, kManifestBytes> manifest{};
  std::array<uint8_t, kSignatureBytes> signature{};
};

// The 72 manifest bytes for `spec` over a payload of `size` bytes with hash `sha256`.
Result<std::array<uint8_t, kManifestBytes>> EncodeManifest(const ArtifactSpec& spec, uint32_t size,
                                                           const std::array<uint8_t, 32>& sha256);
// Hashes the payload (SHA-256), encodes the manifest and signs it (Ed25519, detached).
// Errors name the field: empty payload, device_type too long, payload over 4 GiB.
Result<SignedArtifact> SignArtifact(const SigningKey& key, const ArtifactSpec& spec,
                                    std::vector<uint8_t> payload);
// Checks a manifest/signature pair against a public key (what a device does, for server tests).
bool VerifyManifest(const std::array<uint8_t, kManifestBytes>& manifest,
                    const std::array<uint8_t, kSignatureBytes>& signature,
                    const std::array<uint8_t, 32>& public_key);

std::array<uint8_t, 32> Sha256(const std::vector<uint8_t>& bytes);

}  // namespace tinyforge::server::fleet
