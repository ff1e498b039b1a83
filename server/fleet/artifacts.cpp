// Artifact hashing, manifest encoding and Ed25519 signing with libsodium (see artifacts.h).
#include "server/fleet/artifacts.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace tinyforge::server::fleet {
namespace {

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

bool WriteAll(const std::filesystem::path& path, const uint8_t* data, size_t bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return false;
  ::fchmod(fd, mode);
  size_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::write(fd, data + done, bytes - done);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return ::close(fd) == 0;
}

}  // namespace

std::array<uint8_t, 32> Sha256(const std::vector<uint8_t>& bytes) {
  std::array<uint8_t, 32> digest{};
  if (SodiumReady()) crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
  return digest;
}

Result<SigningKey> GenerateSigningKey() {
  if (!SodiumReady()) return MakeError("libsodium: sodium_init failed");
  SigningKey key;
  if (crypto_sign_ed25519_keypair(key.public_key.data(), key.secret_key.data()) != 0)
    return MakeError("libsodium: crypto_sign_ed25519_keypair failed");
  return key;
}

Result<Ok> SaveSigningKey(const SigningKey& key, const std::filesystem::path& secret_path,
                          const std::filesystem::path& public_path) {
  if (!WriteAll(secret_path, key.secret_key.data(), key.secret_key.size(), 0600))
    return MakeError(secret_path.string() + ": cannot write the secret key");
  if (!WriteAll(public_path, key.public_key.data(), key.public_key.size(), 0644))
    return MakeError(public_path.string() + ": cannot write the public key");
  return Ok{};
}

Result<SigningKey> LoadSigningKey(const std::filesystem::path& secret_path) {
  std::ifstream in(secret_path, std::ios::binary);
  if (!in) return MakeError(secret_path.string() + ": cannot open the secret key");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != 64)
    return MakeError(secret_path.string() + ": secret key must be 64 bytes, got " +
                     std::to_string(bytes.size()));
  if (!SodiumReady()) return MakeError("libsodium: sodium_init failed");
  SigningKey key;
  std::copy(bytes.begin(), bytes.end(), key.secret_key.begin());
  crypto_sign_ed25519_sk_to_pk(key.public_key.data(), key.secret_key.data());
  return key;
}

Result<std::array<uint8_t, kManifestBytes>> EncodeManifest(const ArtifactSpec& spec, uint32_t size,
                                                           const std::array<uint8_t, 32>& sha256) {
  if (spec.device_type.empty() || spec.device_type.size() > 15)
    return MakeError("manifest: device_type '" + spec.device_type + "' must be 1-15 characters");
  std::array<uint8_t, kManifestBytes> m{};
  Put32(m.data(), kManifestMagic);
  Put16(m.data() + 4, kManifestFormat);
  m[6] = static_cast<uint8_t>(spec.kind);
  m[7] = spec.pinned ? 0x01 : 0x00;
  Put32(m.data() + 8, spec.version);
  Put32(m.data() + 12, spec.min_runtime_version);
  std::copy(spec.device_type.begin(), spec.device_type.end(), m.begin() + 16);
  Put32(m.data() + 32, size);
  std::copy(sha256.begin(), sha256.end(), m.begin() + 36);
  return m;
}

Result<SignedArtifact> SignArtifact(const SigningKey& key, const ArtifactSpec& spec,
                                    std::vector<uint8_t> payload) {
  if (!SodiumReady()) return MakeError("libsodium: sodium_init failed");
  if (payload.empty()) return MakeError("artifact: empty payload");
  if (payload.size() > UINT32_MAX) return MakeError("artifact: payload over 4 GiB");
  SignedArtifact artifact;
  artifact.spec = spec;
  artifact.sha256 = Sha256(payload);
  auto manifest = EncodeManifest(spec, static_cast<uint32_t>(payload.size()), artifact.sha256);
  if (!manifest.ok()) return manifest.error();
  artifact.manifest = manifest.value();
  if (crypto_sign_ed25519_detached(artifact.signature.data(), nullptr, artifact.manifest.data(),
                                   artifact.manifest.size(), key.secret_key.data()) != 0)
    return MakeError("libsodium: crypto_sign_ed25519_detached failed");
  artifact.payload = std::move(payload);
  return artifact;
}

bool VerifyManifest(const std::array<uint8_t, kManifestBytes>& manifest,
                    const std::array<uint8_t, kSignatureBytes>& signature,
                    const std::array<uint8_t, 32>& public_key) {
  return SodiumReady() &&
         crypto_sign_ed25519_verify_detached(signature.data(), manifest.data(), manifest.size(),
                                             public_key.data()) == 0;
}

}  // namespace tinyforge::server::fleet
