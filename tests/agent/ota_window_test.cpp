// The chunk window on the device side (docs/protocol.md "Chunk window"): the server may have
// several chunks in flight; the agent writes only the next one, reports a gap or a damaged chunk
// once with accepted(next_chunk) (go-back-N), resumes mid-window after a disconnect, and refuses
// chunks larger than its receive buffer (at the offer, with its limit, and per chunk).
#include <gtest/gtest.h>

#include "tests/agent/agent_test_support.h"

namespace tinyforge::agent::testing {
namespace {

constexpr uint32_t kWindowTestSlotBytes = 8192;
constexpr uint16_t kWindowTestChunk = 256;
constexpr uint32_t kWindowTestOffer = 21;

class OtaWindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v2_ = RandomBytes(3100, 2);  // 13 chunks of 256
    artifact_ = Sign(v2_, 2);
    count_ = fleet::ChunkCount(static_cast<uint32_t>(v2_.size()), kWindowTestChunk);
    ASSERT_EQ(device_.Provision(RandomBytes(2900, 1), 1), AgentStatus::kOk);
    ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
  }
  size_t AcksSent() const {
    size_t acks = 0;
    for (const auto& sent : device_.transport.sent)
      acks += sent.topic.size() >= 7 && sent.topic.compare(sent.topic.size() - 7, 7, "ota/ack") == 0;
    return acks;
  }
  AgentStatus Chunk(uint32_t index) { return device_.Chunk(artifact_, kWindowTestOffer, kWindowTestChunk, index); }
  AgentStatus CorruptChunk(uint32_t index) {
    auto payload = fleet::EncodeChunk(artifact_, kWindowTestOffer, kWindowTestChunk, index);
    payload.back() ^= 0x40;
    return device_.agent->OnMessage("tf/dev-a/ota/chunk", payload.data(),
                                    static_cast<uint32_t>(payload.size()));
  }
  // Sends [from, count_) in order; every chunk must be taken. Ends verified.
  void FinishFrom(uint32_t from) {
    for (uint32_t i = from; i < count_; ++i) ASSERT_EQ(Chunk(i), AgentStatus::kOk) << "chunk " << i;
    EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kVerified);
    ASSERT_TRUE(device_.agent->reboot_requested());
    ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
    EXPECT_TRUE(device_.agent->boot().trial);
    EXPECT_EQ(device_.RunningImage(), v2_);
  }

  SimDevice device_{kWindowTestSlotBytes, wire::kArtifactFirmware};
  std::vector<uint8_t> v2_;
  fleet::SignedArtifact artifact_;
  uint32_t count_ = 0;
};

TEST_F(OtaWindowTest, InOrderWindowIsAckedCumulativelyPerChunk) {
  ASSERT_EQ(device_.Offer(artifact_, kWindowTestOffer, kWindowTestChunk), AgentStatus::kOk);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kAccepted);
  // A window of 4 arrives back to back: each written chunk answers progress(next).
  for (uint32_t i = 0; i < 4; ++i) {
    ASSERT_EQ(Chunk(i), AgentStatus::kOk);
    EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kProgress);
    EXPECT_EQ(device_.transport.LastAck().next_chunk, i + 1);
  }
  FinishFrom(4);
}

TEST_F(OtaWindowTest, LostChunkInWindowIsReportedOnceThenResentFromTheGap) {
  ASSERT_EQ(device_.Offer(artifact_, kWindowTestOffer, kWindowTestChunk), AgentStatus::kOk);
  ASSERT_EQ(Chunk(0), AgentStatus::kOk);
  ASSERT_EQ(Chunk(1), AgentStatus::kOk);
  // Chunk 2 is lost; 3, 4, 5 of the same window arrive.
  const size_t acks_before = AcksSent();
  EXPECT_EQ(Chunk(3), AgentStatus::kChunkOutOfOrder);
  const fleet::AckMessage gap = device_.transport.LastAck();
  EXPECT_EQ(gap.status, fleet::AckStatus::kAccepted);  // "send from 2": the server rewinds
  EXPECT_EQ(gap.next_chunk, 2u);
  EXPECT_EQ(gap.detail, static_cast<uint8_t>(AgentStatus::kChunkOutOfOrder));
  EXPECT_EQ(Chunk(4), AgentStatus::kChunkOutOfOrder);
  EXPECT_EQ(Chunk(5), AgentStatus::kChunkOutOfOrder);
  EXPECT_EQ(AcksSent(), acks_before + 1) << "the rest of the window must not ask again";
  // Nothing after the gap reached flash: the go-back-N resend from 2 completes the image.
  FinishFrom(2);
}

TEST_F(OtaWindowTest, CorruptedChunkInsideWindowIsAskedForAgainAndNeverWritten) {
  ASSERT_EQ(device_.Offer(artifact_, kWindowTestOffer, kWindowTestChunk), AgentStatus::kOk);
  ASSERT_EQ(Chunk(0), AgentStatus::kOk);
  const size_t acks_before = AcksSent();
  EXPECT_EQ(CorruptChunk(1), AgentStatus::kChunkCrcMismatch);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kAccepted);
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 1u);
  EXPECT_EQ(device_.transport.LastAck().detail, static_cast<uint8_t>(AgentStatus::kChunkCrcMismatch));
  EXPECT_EQ(Chunk(2), AgentStatus::kChunkOutOfOrder);  // the rest of the window: dropped, silent
  EXPECT_EQ(Chunk(3), AgentStatus::kChunkOutOfOrder);
  EXPECT_EQ(AcksSent(), acks_before + 1);
  // The server's resend of chunk 1 is damaged again: reported again (it is at next_chunk).
  EXPECT_EQ(CorruptChunk(1), AgentStatus::kChunkCrcMismatch);
  EXPECT_EQ(AcksSent(), acks_before + 2);
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 1u);
  FinishFrom(1);  // image hash checked from flash: the bad bytes never got there
}

TEST_F(OtaWindowTest, DisconnectMidWindowResumesFromTheNextChunk) {
  ASSERT_EQ(device_.Offer(artifact_, kWindowTestOffer, kWindowTestChunk), AgentStatus::kOk);
  for (uint32_t i = 0; i < 5; ++i) ASSERT_EQ(Chunk(i), AgentStatus::kOk);
  // The link drops with chunks 5..8 in flight: they are lost (clean session).
  device_.transport.online = false;
  device_.agent->OnDisconnected();
  device_.transport.online = true;
  device_.agent->OnConnected();  // the agent tells the server where to resume
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kAccepted);
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 5u);
  // The server also re-sends the same offer on the device's state: resume, not restart.
  ASSERT_EQ(device_.Offer(artifact_, kWindowTestOffer, kWindowTestChunk), AgentStatus::kOk);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kAccepted);
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 5u);
  // A late chunk of the old window (before the rewind reached the server) is a duplicate or a
  // gap; neither is written.
  EXPECT_EQ(Chunk(3), AgentStatus::kOk);
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 5u);
  FinishFrom(5);
}

TEST_F(OtaWindowTest, OfferWithChunksLargerThanTheDeviceBufferIsRefusedWithItsLimit) {
  // Default receive buffer: 1024 bytes.
  ASSERT_EQ(device_.Offer(artifact_, kWindowTestOffer, 2048), AgentStatus::kChunkTooLarge);
  fleet::AckMessage refused = device_.transport.LastAck();
  EXPECT_EQ(refused.status, fleet::AckStatus::kRefused);
  EXPECT_EQ(refused.detail, static_cast<uint8_t>(AgentStatus::kChunkTooLarge));
  EXPECT_EQ(refused.next_chunk, wire::kDefaultDeviceChunkBytes);
  EXPECT_EQ(device_.agent->ota().state(), OtaState::kIdle);
  // A board with a 512-byte buffer says 512; the same offer id with chunks that fit is taken.
  device_.config.max_chunk_bytes = 512;
  ASSERT_EQ(device_.Boot(), AgentStatus::kOk);
  ASSERT_EQ(device_.Offer(artifact_, kWindowTestOffer, 1024), AgentStatus::kChunkTooLarge);
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 512u);
  ASSERT_EQ(device_.Offer(artifact_, kWindowTestOffer, kWindowTestChunk), AgentStatus::kOk);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kAccepted);
  // A chunk message carrying more than the buffer (a server bug, or an attack) is not written.
  ASSERT_EQ(Chunk(0), AgentStatus::kOk);
  const auto oversized = fleet::EncodeChunk(artifact_, kWindowTestOffer, 1024, 0);  // 1024 data bytes
  std::vector<uint8_t> as_chunk_one = oversized;
  wire::PutU32(as_chunk_one.data() + wire::kHeaderBytes + 4, 1);  // claims to be chunk 1
  EXPECT_EQ(device_.agent->OnMessage("tf/dev-a/ota/chunk", as_chunk_one.data(),
                                     static_cast<uint32_t>(as_chunk_one.size())),
            AgentStatus::kChunkTooLarge);
  EXPECT_EQ(device_.transport.LastAck().status, fleet::AckStatus::kAccepted);
  EXPECT_EQ(device_.transport.LastAck().next_chunk, 1u);
  EXPECT_EQ(device_.transport.LastAck().detail, static_cast<uint8_t>(AgentStatus::kChunkTooLarge));
  FinishFrom(1);
}

TEST_F(OtaWindowTest, BadReceiveBufferSizeIsAConfigError) {
  device_.config.max_chunk_bytes = 8;  // below the protocol's 16
  EXPECT_EQ(device_.Boot(), AgentStatus::kBadConfig);
}

}  // namespace
}  // namespace tinyforge::agent::testing
