// Artifact signing: manifest bytes against an independent layout, Ed25519 signatures that break
// on any change, key files (secret 0600, round trip), and the chunk/offer encoding.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "server/fleet/artifacts.h"
#include "server/fleet/protocol.h"

namespace tinyforge::server::fleet {
namespace {

std::vector<uint8_t> Payload(size_t bytes) {
  std::mt19937 rng(7);
  std::vector<uint8_t> out(bytes);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

TEST(ArtifactsTest, ManifestHasTheDocumentedLayout) {
  const SigningKey key = GenerateSigningKey().value();
  ArtifactSpec spec{ArtifactKind::kFirmware, 0x01020304u, 0x00010203u, "sensor-m4", true};
  const auto artifact = SignArtifact(key, spec, Payload(1000)).value();
  const auto& m = artifact.manifest;
  EXPECT_EQ(std::vector<uint8_t>(m.begin(), m.begin() + 4), (std::vector<uint8_t>{'T', 'F', 'A', '1'}));
  EXPECT_EQ(m[4], 1);  // format, little-endian
  EXPECT_EQ(m[5], 0);
  EXPECT_EQ(m[6], 2);  // firmware
  EXPECT_EQ(m[7], 1);  // pinned
  EXPECT_EQ(std::vector<uint8_t>(m.begin() + 8, m.begin() + 12), (std::vector<uint8_t>{4, 3, 2, 1}));
  EXPECT_EQ(std::vector<uint8_t>(m.begin() + 12, m.begin() + 16), (std::vector<uint8_t>{3, 2, 1, 0}));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(m.data() + 16)), "sensor-m4");
  EXPECT_EQ(m[16 + 15], 0);
  EXPECT_EQ(m[32] | m[33] << 8, 1000);
  EXPECT_EQ(std::vector<uint8_t>(m.begin() + 36, m.begin() + 68),
            std::vector<uint8_t>(artifact.sha256.begin(), artifact.sha256.end()));
  // SHA-256 of "abc" (FIPS 180-2 test vector), so the hash is the real one.
  const auto abc = Sha256({'a', 'b', 'c'});
  EXPECT_EQ(abc[0], 0xba);
  EXPECT_EQ(abc[31], 0xad);
}

TEST(ArtifactsTest, SignatureVerifiesOnlyUnchangedManifestUnderTheRightKey) {
  const SigningKey key = GenerateSigningKey().value();
  const SigningKey other = GenerateSigningKey().value();
  ArtifactSpec spec{ArtifactKind::kModel, 3, 0, "sensor-m4", false};
  const auto artifact = SignArtifact(key, spec, Payload(64)).value();
  EXPECT_TRUE(VerifyManifest(artifact.manifest, artifact.signature, key.public_key));
  EXPECT_FALSE(VerifyManifest(artifact.manifest, artifact.signature, other.public_key));
  for (size_t byte = 0; byte < kManifestBytes; byte += 7) {
    auto manifest = artifact.manifest;
    manifest[byte] ^= 0x80;
    EXPECT_FALSE(VerifyManifest(manifest, artifact.signature, key.public_key)) << byte;
  }
  auto signature = artifact.signature;
  signature[10] ^= 1;
  EXPECT_FALSE(VerifyManifest(artifact.manifest, signature, key.public_key));
}

TEST(ArtifactsTest, RejectsBadSpecs) {
  const SigningKey key = GenerateSigningKey().value();
  EXPECT_FALSE(SignArtifact(key, {ArtifactKind::kModel, 1, 0, "", false}, Payload(8)).ok());
  EXPECT_FALSE(
      SignArtifact(key, {ArtifactKind::kModel, 1, 0, "sixteen-chars-xx", false}, Payload(8)).ok());
  EXPECT_FALSE(SignArtifact(key, {ArtifactKind::kModel, 1, 0, "ok", false}, {}).ok());
}

TEST(ArtifactsTest, KeyFilesRoundTripAndTheSecretIsPrivate) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tf-fleet-keys-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const SigningKey key = GenerateSigningKey().value();
  ASSERT_TRUE(SaveSigningKey(key, dir / "fleet.key", dir / "fleet.pub").ok());
  struct stat info {};
  ASSERT_EQ(::stat((dir / "fleet.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(std::filesystem::file_size(dir / "fleet.pub"), 32u);
  const auto loaded = LoadSigningKey(dir / "fleet.key");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->public_key, key.public_key);
  EXPECT_EQ(loaded->secret_key, key.secret_key);
  EXPECT_FALSE(LoadSigningKey(dir / "fleet.pub").ok());  // 32 bytes: not a secret key
  std::filesystem::remove_all(dir);
}

TEST(ProtocolTest, ChunksCoverThePayloadWithMatchingCrcs) {
  const SigningKey key = GenerateSigningKey().value();
  const auto artifact =
      SignArtifact(key, {ArtifactKind::kModel, 1, 0, "t", false}, Payload(1000)).value();
  EXPECT_EQ(ChunkCount(1000, 256), 4u);
  std::vector<uint8_t> joined;
  for (uint32_t i = 0; i < 4; ++i) {
    const auto chunk = EncodeChunk(artifact, 5, 256, i);
    ASSERT_GE(chunk.size(), 28u);
    EXPECT_EQ(chunk[0], 17);
    const uint16_t bytes = static_cast<uint16_t>(chunk[20] | chunk[21] << 8);
    EXPECT_EQ(bytes, i < 3 ? 256 : 1000 - 768);
    const uint32_t crc = uint32_t{chunk[24]} | uint32_t{chunk[25]} << 8 |
                         uint32_t{chunk[26]} << 16 | uint32_t{chunk[27]} << 24;
    EXPECT_EQ(crc, Crc32(chunk.data() + 28, bytes));
    joined.insert(joined.end(), chunk.begin() + 28, chunk.end());
  }
  EXPECT_EQ(joined, artifact.payload);
  EXPECT_TRUE(EncodeChunk(artifact, 5, 256, 4).empty());
  // CRC-32 check value of "123456789" (IEEE): 0xCBF43926.
  const uint8_t digits[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(Crc32(digits, 9), 0xCBF43926u);
  EXPECT_EQ(EncodeOffer(artifact, 5, 256).size(), 12u + 12u + kManifestBytes + kSignatureBytes);
}

TEST(ProtocolTest, DeduplicatorCountsEachMessageIdOncePerDevice) {
  MessageDeduplicator dedup;
  EXPECT_TRUE(dedup.First("a", {1, 1}));
  EXPECT_FALSE(dedup.First("a", {1, 1}));
  EXPECT_TRUE(dedup.First("b", {1, 1}));
  EXPECT_TRUE(dedup.First("a", {2, 1}));  // new boot, same counter
  EXPECT_EQ(DeviceOfTopic("tf/dev-a/ota/ack"), "dev-a");
  EXPECT_EQ(DeviceOfTopic("other/x"), "");
}

}  // namespace
}  // namespace tinyforge::server::fleet
