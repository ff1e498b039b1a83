// OTA on the portable agent core with memory flash: happy path, 1,000 power losses at random
// points of the update's flash writes, tampered artifacts, anti-rollback, health-check revert.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/agent/agent_test_support.h"

namespace tinyforge::agent::testing {
namespace {

constexpr uint32_t kOtaTestSlotBytes = 4096;
constexpr uint16_t kOtaTestChunk = 256;

class OtaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1_ = RandomBytes(2900, 1);
    v2_ = RandomBytes(3100, 2);
    ASSERT_EQ(device_.Provision(v1_, 1), AgentStatus::kOk);
    ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
  }

  // Offer + every chunk; stops early when a message is refused. Returns the last status.
  AgentStatus Push(const fleet::SignedArtifact& artifact, uint32_t offer_id = 7) {
    AgentStatus status = device_.Offer(artifact, offer_id, kOtaTestChunk);
    if (status != AgentStatus::kOk) return status;
    const uint32_t count = fleet::ChunkCount(static_cast<uint32_t>(artifact.payload.size()), kOtaTestChunk);
    for (uint32_t i = 0; i < count && status == AgentStatus::kOk; ++i)
      status = device_.Chunk(artifact, offer_id, kOtaTestChunk, i);
    return status;
  }

  // Refused artifacts must leave the device exactly where it was, also across a reboot.
  void ExpectStillOnV1(bool reboot_expected = false) {
    EXPECT_EQ(device_.agent->reboot_requested(), reboot_expected);
    ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
    EXPECT_FALSE(device_.agent->boot().trial);
    EXPECT_EQ(device_.agent->boot().version, 1u);
    EXPECT_EQ(device_.agent->slots().confirmed_version(), 1u);
    EXPECT_EQ(device_.RunningImage(), v1_);
  }

  SimDevice device_{kOtaTestSlotBytes, wire::kArtifactFirmware};
  std::vector<uint8_t> v1_, v2_;
};

TEST_F(OtaTest, HappyPathSwitchesTrialBootsAndConfirmsOnTelemetry) {
  ASSERT_EQ(Push(Sign(v2_, 2)), AgentStatus::kOk);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kVerified);
  ASSERT_TRUE(device_.agent->reboot_requested());
  ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
  EXPECT_TRUE(device_.agent->boot().trial);
  EXPECT_EQ(device_.agent->boot().version, 2u);
  EXPECT_EQ(device_.agent->slots().confirmed_version(), 1u);  // not before the health check
  device_.SendTelemetry();
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kConfirmed);
  EXPECT_EQ(device_.agent->slots().confirmed_version(), 2u);
  ASSERT_EQ(device_.Boot(), AgentStatus::kOk);  // and it stays confirmed
  EXPECT_FALSE(device_.agent->boot().trial);
  EXPECT_EQ(device_.RunningImage(), v2_);
}

TEST_F(OtaTest, DuplicateAndOutOfOrderChunksAreResentNotWritten) {
  const auto artifact = Sign(v2_, 2);
  ASSERT_EQ(device_.Offer(artifact, 9, kOtaTestChunk), AgentStatus::kOk);
  ASSERT_EQ(device_.Chunk(artifact, 9, kOtaTestChunk, 0), AgentStatus::kOk);
  EXPECT_EQ(device_.Chunk(artifact, 9, kOtaTestChunk, 0), AgentStatus::kOk);  // duplicate
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 1u);
  EXPECT_EQ(device_.Chunk(artifact, 9, kOtaTestChunk, 3), AgentStatus::kChunkOutOfOrder);
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 1u);
  // A chunk whose CRC does not match its data is asked for again.
  auto corrupt = fleet::EncodeChunk(artifact, 9, kOtaTestChunk, 1);
  corrupt.back() ^= 0x01;
  EXPECT_EQ(device_.agent->OnMessage("tf/dev-a/ota/chunk", corrupt.data(),
                                     static_cast<uint32_t>(corrupt.size())),
            AgentStatus::kChunkCrcMismatch);
  // The offer again (server restarted after a disconnect): resume at chunk 1, not from scratch.
  ASSERT_EQ(device_.Offer(artifact, 9, kOtaTestChunk), AgentStatus::kOk);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kAccepted);  // send from 1
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 1u);
  const uint32_t count = fleet::ChunkCount(static_cast<uint32_t>(v2_.size()), kOtaTestChunk);
  for (uint32_t i = 1; i < count; ++i) ASSERT_EQ(device_.Chunk(artifact, 9, kOtaTestChunk, i), AgentStatus::kOk);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kVerified);
}

TEST_F(OtaTest, RefusesPayloadWithOneFlippedBit) {
  auto artifact = Sign(v2_, 2);
  artifact.payload[1234] ^= 0x10;  // after signing; chunk CRCs are computed over the bad bytes
  EXPECT_EQ(Push(artifact), AgentStatus::kHashMismatch);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kRefused);
  EXPECT_EQ(device_.transport.LastAck().detail, static_cast<uint8_t>(AgentStatus::kHashMismatch));
  ExpectStillOnV1();
}

TEST_F(OtaTest, RefusesManifestWithOneFlippedBit) {
  for (size_t byte : {8u, 16u, 32u, 40u}) {  // version, device type, size, hash
    auto artifact = Sign(v2_, 2);
    artifact.manifest[byte] ^= 0x01;
    EXPECT_EQ(Push(artifact), AgentStatus::kBadSignature) << "byte " << byte;
  }
  ExpectStillOnV1();
}

TEST_F(OtaTest, RefusesArtifactSignedWithAnotherKey) {
  const fleet::SigningKey other = fleet::GenerateSigningKey().value();
  EXPECT_EQ(Push(Sign(v2_, 2, fleet::ArtifactKind::kFirmware, "sensor-m4", false, other)),
            AgentStatus::kBadSignature);
  ExpectStillOnV1();
}

TEST_F(OtaTest, RefusesTruncatedArtifactsAndOffers) {
  // Signed for the full payload, but the data stops 100 bytes short: the last chunk is short.
  auto artifact = Sign(v2_, 2);
  artifact.payload.resize(v2_.size() - 100);
  EXPECT_EQ(Push(artifact), AgentStatus::kBadMessage);
  EXPECT_FALSE(device_.agent->reboot_requested());
  // A cut offer message.
  auto offer = fleet::EncodeOffer(Sign(v2_, 2), 8, kOtaTestChunk);
  offer.resize(offer.size() - 10);
  EXPECT_EQ(device_.agent->OnMessage("tf/dev-a/ota/offer", offer.data(),
                                     static_cast<uint32_t>(offer.size())),
            AgentStatus::kBadMessage);
  ExpectStillOnV1();
}

TEST_F(OtaTest, RefusesDowngradeUnlessPinned) {
  ASSERT_EQ(Push(Sign(v2_, 2)), AgentStatus::kOk);
  ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
  device_.SendTelemetry();
  ASSERT_EQ(device_.agent->slots().confirmed_version(), 2u);
  EXPECT_EQ(Push(Sign(v1_, 1)), AgentStatus::kDowngrade);
  // The same artifact again (the server missed the confirmed ack): answered confirmed, no
  // download starts.
  ASSERT_EQ(device_.Offer(Sign(v2_, 2), 7, kOtaTestChunk), AgentStatus::kOk);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kConfirmed);
  EXPECT_EQ(device_.transport.LastAck().version, 2u);
  EXPECT_EQ(device_.agent->ota().state(), OtaState::kIdle);
  // Other bytes under the confirmed version number: refused like any downgrade.
  EXPECT_EQ(Push(Sign(RandomBytes(3100, 99), 2)), AgentStatus::kDowngrade);
  EXPECT_FALSE(device_.agent->reboot_requested());
  // The server pins version 1 (the flag is inside the signed manifest).
  ASSERT_EQ(Push(Sign(v1_, 1, fleet::ArtifactKind::kFirmware, "sensor-m4", true)), AgentStatus::kOk);
  ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
  device_.SendTelemetry();
  EXPECT_EQ(device_.agent->slots().confirmed_version(), 1u);
  EXPECT_EQ(device_.RunningImage(), v1_);
}

TEST_F(OtaTest, RefusesOtherDeviceTypeKindAndNewerRuntime) {
  EXPECT_EQ(Push(Sign(v2_, 2, fleet::ArtifactKind::kFirmware, "sensor-m7")),
            AgentStatus::kWrongDeviceType);
  EXPECT_EQ(Push(Sign(v2_, 2, fleet::ArtifactKind::kModel)), AgentStatus::kWrongArtifactKind);
  EXPECT_EQ(Push(Sign(v2_, 2, fleet::ArtifactKind::kFirmware, "sensor-m4", false, TestKey(),
                      0x000200)),
            AgentStatus::kRuntimeTooOld);
  EXPECT_EQ(Push(Sign(RandomBytes(kOtaTestSlotBytes + 1, 3), 2)), AgentStatus::kTooLarge);
  ExpectStillOnV1();
}

TEST_F(OtaTest, FailedHealthCheckRevertsAutomatically) {
  device_.config.image_check = [](void*, const uint8_t*, uint32_t, uint8_t, uint32_t version) {
    return version != 2;  // version 2 is broken
  };
  ASSERT_EQ(Push(Sign(v2_, 2)), AgentStatus::kOk);
  EXPECT_EQ(device_.Boot(), AgentStatus::kHealthCheckFailed);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kReverted);
  ExpectStillOnV1(/*reboot_expected=*/true);
}

TEST_F(OtaTest, TrialWithoutConfirmationRevertsOnNextBoot) {
  ASSERT_EQ(Push(Sign(v2_, 2)), AgentStatus::kOk);
  ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
  EXPECT_TRUE(device_.agent->boot().trial);
  // No telemetry got through (e.g. the new firmware cannot reach the broker): reboot.
  ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
  EXPECT_TRUE(device_.agent->boot().reverted);
  EXPECT_FALSE(device_.agent->boot().trial);
  ExpectStillOnV1();
}

// 1,000 power losses at random byte offsets of everything the update writes (slot bytes, boot
// records, erases), through download, switch, trial boot and confirm. After each, the device
// reboots: it must boot, run a confirmed version whose bytes are exactly that version's payload,
// and still accept the update afterwards.
TEST_F(OtaTest, ThousandRandomPowerLossesLeaveAConfirmedBootableVersion) {
  const auto artifact = Sign(v2_, 2);
  auto full_update = [&](SimDevice& device) -> bool {
    auto ok = [&](AgentStatus s) { return s == AgentStatus::kOk && device.flash.powered(); };
    if (!ok(device.Offer(artifact, 3, kOtaTestChunk))) return false;
    const uint32_t count = fleet::ChunkCount(static_cast<uint32_t>(v2_.size()), kOtaTestChunk);
    for (uint32_t i = 0; i < count; ++i) {
      if (!ok(device.Chunk(artifact, 3, kOtaTestChunk, i))) return false;
    }
    if (!ok(device.Boot())) return false;
    device.SendTelemetry();
    return device.flash.powered();
  };

  // Measure the work of an undisturbed update (from a freshly booted v1 device).
  SimDevice reference(kOtaTestSlotBytes, wire::kArtifactFirmware);
  ASSERT_EQ(reference.Provision(v1_, 1), AgentStatus::kOk);
  ASSERT_EQ(reference.Boot(), AgentStatus::kOk);
  const uint64_t start = reference.flash.work_done();
  ASSERT_TRUE(full_update(reference));
  ASSERT_EQ(reference.agent->slots().confirmed_version(), 2u);
  const uint64_t total_work = reference.flash.work_done() - start;

  std::mt19937 rng(20240611);
  int ended_on[3] = {0, 0, 0};
  for (int trial = 0; trial < 1000; ++trial) {
    SimDevice device(kOtaTestSlotBytes, wire::kArtifactFirmware);
    ASSERT_EQ(device.Provision(v1_, 1), AgentStatus::kOk);
    ASSERT_EQ(device.Boot(), AgentStatus::kOk);
    const uint64_t cut = rng() % total_work;
    device.flash.CutPowerAfter(cut, static_cast<uint32_t>(rng()));
    const bool finished = full_update(device);
    ASSERT_FALSE(finished && !device.flash.powered());
    device.flash.Reboot();
    // Power is back: the device must boot (a trial image gets its health check + telemetry).
    ASSERT_EQ(device.Boot(), AgentStatus::kOk) << "cut at " << cut << " of " << total_work;
    if (device.agent->boot().trial) device.SendTelemetry();
    ASSERT_FALSE(device.agent->slots().in_trial()) << "cut at " << cut;
    const uint32_t version = device.agent->slots().confirmed_version();
    ASSERT_TRUE(version == 1 || version == 2) << "cut at " << cut;
    ASSERT_EQ(device.agent->boot().version, version);
    ASSERT_EQ(device.RunningImage(), version == 1 ? v1_ : v2_) << "cut at " << cut;
    ++ended_on[version];
    // Not wedged: the update still goes through afterwards.
    if (version == 1) {
      ASSERT_TRUE(full_update(device)) << "cut at " << cut;
      ASSERT_EQ(device.agent->slots().confirmed_version(), 2u) << "cut at " << cut;
    }
  }
  std::printf("power losses: 1000 over %llu work units; ended on v1: %d, on v2: %d\n",
              static_cast<unsigned long long>(total_work), ended_on[1], ended_on[2]);
  EXPECT_EQ(ended_on[1] + ended_on[2], 1000);
}

}  // namespace
}  // namespace tinyforge::agent::testing
