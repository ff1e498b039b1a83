// Persistence of TinyOL's learned state in two flash slots, and the guard that rolls back to the
// last checkpoint. Slot layout (little-endian; docs/tinyol.md has the prose):
//
//    0 ┌ magic "TOL1" ─ written LAST: a slot whose magic is complete was fully written ┐
//    4 │ version u16 │ task u8 │ max_classes u8 │ feature_count u16 │ reserved u16     │
//   12 │ model_id u32 │ sequence u32 │ payload_bytes u32 │ reserved u32              │
//   28 │ crc32 u32 over bytes [4, 28) then the payload                               │
//   32 ├ payload: scalars (class count, stats, metrics) then the arrays in layout order ┘
//
// Save never touches the slot holding the newest valid state, so a power loss at any byte of a
// save leaves that state loadable; the interrupted slot fails its magic or CRC and is ignored.
#include <string.h>

#include "learn/learn_internal.h"
#include "tinyforge/learn.h"

namespace tinyforge::learn {
namespace {

constexpr uint32_t kStateMagic = 0x314C4F54u;  // bytes 'T' 'O' 'L' '1'
constexpr uint16_t kStateVersion = 1;
constexpr uint32_t kHeaderBytes = 32;
constexpr uint32_t kChunkBytes = 64;

struct StateHeader {
  uint32_t magic;
  uint16_t version;
  uint8_t task;
  uint8_t max_classes;
  uint16_t feature_count;
  uint16_t reserved0;
  uint32_t model_id;
  uint32_t sequence;
  uint32_t payload_bytes;
  uint32_t reserved1;
  uint32_t crc32;
};
static_assert(sizeof(StateHeader) == kHeaderBytes, "state header layout");

// Serial-number order, so the sequence may wrap around.
bool Newer(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

struct SizeVisitor {
  uint32_t bytes = 0;
  void operator()(void*, uint32_t size) { bytes += size; }
};

struct WriteVisitor {
  const FlashPort* flash;
  uint8_t slot;
  uint32_t offset;
  uint32_t crc;
  bool failed = false;
  void operator()(void* data, uint32_t size) {
    if (failed) return;
    crc = internal::Crc32(crc, data, size);
    failed = flash->write(flash->context, slot, offset, data, size) != 0;
    offset += size;
  }
};

struct ReadVisitor {
  const FlashPort* flash;
  uint8_t slot;
  uint32_t offset;
  bool failed = false;
  void operator()(void* data, uint32_t size) {
    if (failed) return;
    failed = flash->read(flash->context, slot, offset, data, size) != 0;
    offset += size;
  }
};

}  // namespace

// The persisted fields, in payload order. Velocity and drift detectors are not persisted: they
// restart from zero after a load. The ring buffer is not learned state either.
template <typename Visitor>
void Learner::VisitPersisted(Visitor& visit) {
  uint32_t class_count = class_count_;
  visit(&class_count, 4);
  class_count_ = static_cast<uint8_t>(class_count);
  visit(&standardizer_count_, 4);
  visit(&anomaly_stat_, sizeof(anomaly_stat_));
  // Anomaly only, so the other tasks' state layout (and its size) is unchanged; an anomaly state
  // saved before the fault statistics existed is refused as foreign (payload size differs).
  if (config_.task == Task::kAnomaly) visit(&fault_stat_, sizeof(fault_stat_));
  visit(&target_stat_, sizeof(target_stat_));
  visit(&metrics_, sizeof(metrics_));
  visit(&drift_events_, 4);
  visit(Words(layout_.weights), (layout_.bias + layout_.outputs - layout_.weights) * 4u);
  visit(Words(layout_.class_trained), (layout_.pending_id - layout_.class_trained) * 4u);
}

uint32_t Learner::PersistedBytes() const {
  SizeVisitor sizes;
  const_cast<Learner*>(this)->VisitPersisted(sizes);  // SizeVisitor only reads sizes
  return kHeaderBytes + sizes.bytes;
}

// Checks one slot completely (magic, CRC over header and payload, identity) without touching the
// learner. kNoSavedState for an erased slot.
LearnStatus Learner::VerifySlot(uint8_t slot, uint32_t* sequence) const {
  StateHeader header;
  if (flash_.read(flash_.context, slot, 0, &header, kHeaderBytes) != 0)
    return LearnStatus::kFlashError;
  if (header.magic != kStateMagic) {
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&header);
    for (uint32_t i = 0; i < kHeaderBytes; ++i) {
      if (bytes[i] != 0xFF) return LearnStatus::kStateCorrupted;  // e.g. an interrupted save
    }
    return LearnStatus::kNoSavedState;
  }
  if (header.payload_bytes > flash_.slot_bytes - kHeaderBytes) return LearnStatus::kStateCorrupted;
  uint32_t crc = internal::Crc32(0, reinterpret_cast<const uint8_t*>(&header) + 4, 24);
  uint8_t chunk[kChunkBytes];
  for (uint32_t done = 0; done < header.payload_bytes;) {
    const uint32_t step =
        header.payload_bytes - done < kChunkBytes ? header.payload_bytes - done : kChunkBytes;
    if (flash_.read(flash_.context, slot, kHeaderBytes + done, chunk, step) != 0)
      return LearnStatus::kFlashError;
    crc = internal::Crc32(crc, chunk, step);
    done += step;
  }
  if (crc != header.crc32) return LearnStatus::kStateCorrupted;
  if (header.version != kStateVersion || header.task != static_cast<uint8_t>(config_.task) ||
      header.max_classes != config_.max_classes || header.feature_count != config_.feature_count ||
      header.model_id != config_.model_id ||
      header.payload_bytes != PersistedBytes() - kHeaderBytes)
    return LearnStatus::kStateForeign;
  uint32_t class_count = 0;  // first payload word; must fit this learner
  if (flash_.read(flash_.context, slot, kHeaderBytes, &class_count, 4) != 0)
    return LearnStatus::kFlashError;
  if (class_count < 1 || class_count > config_.max_classes) return LearnStatus::kStateCorrupted;
  *sequence = header.sequence;
  return LearnStatus::kOk;
}

namespace {
// Ranks the failure of a slot for reporting when neither slot loads.
int Severity(LearnStatus status) {
  switch (status) {
    case LearnStatus::kNoSavedState: return 0;
    case LearnStatus::kStateCorrupted: return 1;
    case LearnStatus::kStateForeign: return 2;
    default: return 3;
  }
}
}  // namespace

LearnStatus Learner::Save() {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (flash_.read == nullptr || flash_.write == nullptr || flash_.erase == nullptr)
    return LearnStatus::kNoFlash;
  const uint32_t total = PersistedBytes();
  if (total > flash_.slot_bytes) return LearnStatus::kStateTooLarge;
  uint32_t sequences[2] = {0, 0};
  LearnStatus valid[2];
  for (uint8_t slot = 0; slot < 2; ++slot) {
    valid[slot] = VerifySlot(slot, &sequences[slot]);
    if (valid[slot] == LearnStatus::kFlashError) return LearnStatus::kFlashError;
  }
  // Write over the slot that does not hold the newest valid state.
  uint8_t target = 0;
  uint32_t sequence = sequence_ + 1;
  const bool ok0 = valid[0] == LearnStatus::kOk;
  const bool ok1 = valid[1] == LearnStatus::kOk;
  if (ok0 && (!ok1 || Newer(sequences[0], sequences[1]))) {
    target = 1;
    sequence = sequences[0] + 1;
  } else if (ok1) {
    target = 0;
    sequence = sequences[1] + 1;
  }
  StateHeader header{};
  header.magic = kStateMagic;
  header.version = kStateVersion;
  header.task = static_cast<uint8_t>(config_.task);
  header.max_classes = config_.max_classes;
  header.feature_count = config_.feature_count;
  header.model_id = config_.model_id;
  header.sequence = sequence;
  header.payload_bytes = total - kHeaderBytes;
  if (flash_.erase(flash_.context, target) != 0) return LearnStatus::kFlashError;
  WriteVisitor writer{&flash_, target, kHeaderBytes,
                      internal::Crc32(0, reinterpret_cast<const uint8_t*>(&header) + 4, 24)};
  VisitPersisted(writer);
  if (writer.failed) return LearnStatus::kFlashError;
  header.crc32 = writer.crc;
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&header);
  if (flash_.write(flash_.context, target, 4, bytes + 4, kHeaderBytes - 4) != 0 ||
      flash_.write(flash_.context, target, 0, bytes, 4) != 0)  // the commit point
    return LearnStatus::kFlashError;
  sequence_ = sequence;
  return LearnStatus::kOk;
}

LearnStatus Learner::Load() {
  if (storage_ == nullptr) return LearnStatus::kNotInitialized;
  if (flash_.read == nullptr) return LearnStatus::kNoFlash;
  if (flash_.slot_bytes < PersistedBytes()) return LearnStatus::kStateTooLarge;
  uint32_t sequences[2] = {0, 0};
  LearnStatus valid[2];
  for (uint8_t slot = 0; slot < 2; ++slot) valid[slot] = VerifySlot(slot, &sequences[slot]);
  int8_t best = -1;
  for (uint8_t slot = 0; slot < 2; ++slot) {
    if (valid[slot] != LearnStatus::kOk) continue;
    if (best < 0 || Newer(sequences[slot], sequences[best])) best = static_cast<int8_t>(slot);
  }
  if (best < 0) return Severity(valid[0]) >= Severity(valid[1]) ? valid[0] : valid[1];
  ReadVisitor reader{&flash_, static_cast<uint8_t>(best), kHeaderBytes};
  VisitPersisted(reader);
  if (reader.failed) {
    // The slot verified a moment ago; a read failing now leaves a half-read state, which is
    // worse than none.
    ClearLearned();
    return LearnStatus::kFlashError;
  }
  if (config_.momentum_buffer) {
    memset(Words(layout_.velocity), 0, static_cast<size_t>(layout_.outputs) *
                                           (config_.feature_count + 1u) * sizeof(float));
  }
  page_hinkley_.Reset();
  ddm_.Reset();
  boost_remaining_ = 0;
  sequence_ = sequences[best];
  return LearnStatus::kOk;
}

LearnStatus Learner::Checkpoint() {
  TINYFORGE_LEARN_RETURN_IF_ERROR(Save());
  guard_baseline_ = metrics_.Accuracy();
  guard_correct_ = guard_count_ = 0;
  guard_classes_ = class_count_;
  guard_armed_ = true;
  return LearnStatus::kOk;
}

// Compares the plain accuracy of the labelled samples since the checkpoint with the faded
// accuracy at the checkpoint. Adding a class disarms it: the old state cannot know that class.
bool Learner::CheckGuard(bool correct) {
  if (!guard_armed_ || class_count_ != guard_classes_) return false;
  ++guard_count_;
  guard_correct_ += correct ? 1u : 0u;
  if (guard_count_ < config_.guard_min_samples) return false;
  const float accuracy = static_cast<float>(guard_correct_) / static_cast<float>(guard_count_);
  if (!(accuracy < guard_baseline_ - config_.guard_margin)) return false;
  const Metrics counts = metrics_;  // the sample counters keep counting across a rollback
  if (Load() != LearnStatus::kOk) {
    guard_armed_ = false;  // nothing to go back to; keep learning
    return false;
  }
  metrics_.samples_seen = counts.samples_seen;
  metrics_.samples_labelled = counts.samples_labelled;
  metrics_.samples_trained = counts.samples_trained;
  metrics_.samples_expired = counts.samples_expired;
  metrics_.samples_discarded = counts.samples_discarded;
  metrics_.inputs_rejected = counts.inputs_rejected;
  ++rollbacks_;
  guard_correct_ = guard_count_ = 0;
  return true;
}

}  // namespace tinyforge::learn
