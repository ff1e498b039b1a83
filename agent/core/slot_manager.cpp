// A/B slot manager: boot records with sequence numbers + CRC, trial boot, confirm, revert.
#include "agent/core/slot_manager.h"

#include <string.h>

#include "agent/core/wire.h"

namespace tinyforge::agent {
namespace {

constexpr uint32_t kRecordMagic = 0x31424654u;  // 'T' 'F' 'B' '1'
constexpr uint32_t kRecordBytes = sizeof(BootRecord);
constexpr uint32_t kCrcBytes = kRecordBytes - 8;  // bytes [4, 108)
constexpr uint8_t kMaxTrialBoots = 1;

bool Newer(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

uint32_t RecordCrc(const BootRecord& record) {
  return wire::Crc32(0, reinterpret_cast<const uint8_t*>(&record) + 4, kCrcBytes);
}

uint8_t SlotRegion(uint8_t slot) { return slot == 0 ? kSlotRegionA : kSlotRegionB; }

}  // namespace

AgentStatus SlotManager::Init(const FlashPort* flash, const CryptoPort* crypto) {
  if (flash == nullptr || crypto == nullptr) return AgentStatus::kNullArgument;
  if (flash->read == nullptr || flash->write == nullptr || flash->erase == nullptr ||
      flash->meta_bytes < kRecordBytes || flash->slot_bytes == 0 ||
      crypto->sha256_init == nullptr || crypto->sha256_update == nullptr ||
      crypto->sha256_final == nullptr)
    return AgentStatus::kBadConfig;
  flash_ = flash;
  crypto_ = crypto;
  loaded_ = false;
  return AgentStatus::kOk;
}

const uint8_t* SlotManager::MappedSlot(uint8_t slot) const {
  if (flash_ == nullptr || flash_->map == nullptr || slot > 1) return nullptr;
  return flash_->map(flash_->context, SlotRegion(slot));
}

AgentStatus SlotManager::ReadRecord(uint8_t region, BootRecord* record) const {
  if (flash_->read(flash_->context, region, 0, record, kRecordBytes) != 0)
    return AgentStatus::kFlashError;
  if (record->magic != kRecordMagic || record->crc32 != RecordCrc(*record) ||
      record->active_slot > 1 || record->confirmed_slot > 1 || record->state > kSlotTrial)
    return AgentStatus::kNotProvisioned;
  for (const SlotInfo& info : record->slots) {
    if (info.bytes > flash_->slot_bytes) return AgentStatus::kNotProvisioned;
  }
  if (!record->slots[record->confirmed_slot].valid) return AgentStatus::kNotProvisioned;
  return AgentStatus::kOk;
}

AgentStatus SlotManager::LoadNewest() {
  if (flash_ == nullptr) return AgentStatus::kBadConfig;
  BootRecord records[2];
  bool valid[2];
  for (uint8_t region = 0; region < 2; ++region) {
    const AgentStatus status = ReadRecord(region, &records[region]);
    if (status == AgentStatus::kFlashError) return status;
    valid[region] = status == AgentStatus::kOk;
  }
  if (!valid[0] && !valid[1]) return AgentStatus::kNotProvisioned;
  const uint8_t newest =
      valid[0] && (!valid[1] || Newer(records[0].sequence, records[1].sequence)) ? 0 : 1;
  record_ = records[newest];
  record_region_ = newest;
  loaded_ = true;
  return AgentStatus::kOk;
}

AgentStatus SlotManager::Commit(BootRecord next) {
  const uint8_t region = record_region_ == 0 ? 1 : 0;
  next.magic = kRecordMagic;
  next.sequence = record_.sequence + 1;
  next.crc32 = RecordCrc(next);
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&next);
  if (flash_->erase(flash_->context, region) != 0 ||
      flash_->write(flash_->context, region, 4, bytes + 4, kRecordBytes - 4) != 0 ||
      flash_->write(flash_->context, region, 0, bytes, 4) != 0)  // the commit point
    return AgentStatus::kFlashError;
  record_ = next;
  record_region_ = region;
  return AgentStatus::kOk;
}

AgentStatus SlotManager::Provision(const uint8_t* image, uint32_t bytes, uint32_t version,
                                   uint8_t kind) {
  if (flash_ == nullptr) return AgentStatus::kBadConfig;
  if (image == nullptr) return AgentStatus::kNullArgument;
  if (bytes == 0 || bytes > flash_->slot_bytes) return AgentStatus::kTooLarge;
  for (uint8_t region = 0; region < 4; ++region) {
    if (flash_->erase(flash_->context, region) != 0) return AgentStatus::kFlashError;
  }
  TINYFORGE_AGENT_RETURN_IF_ERROR(WriteSlot(0, 0, image, bytes));
  BootRecord first = {};
  first.active_slot = 0;
  first.confirmed_slot = 0;
  first.state = kSlotConfirmed;
  first.confirmed_version = version;
  first.slots[0].version = version;
  first.slots[0].bytes = bytes;
  first.slots[0].kind = kind;
  first.slots[0].valid = 1;
  TINYFORGE_AGENT_RETURN_IF_ERROR(HashSlot(0, bytes, first.slots[0].sha256));
  record_ = {};
  record_.sequence = 0;  // Commit writes sequence 1 into region 0
  record_region_ = 1;
  const AgentStatus status = Commit(first);
  loaded_ = status == AgentStatus::kOk;
  return status;
}

AgentStatus SlotManager::HashSlot(uint8_t slot, uint32_t bytes, uint8_t digest[32]) const {
  if (flash_ == nullptr) return AgentStatus::kBadConfig;
  if (slot > 1 || bytes > flash_->slot_bytes) return AgentStatus::kTooLarge;
  Sha256State state;
  if (crypto_->sha256_init(crypto_->context, &state) != 0) return AgentStatus::kCryptoError;
  uint8_t buffer[256];
  for (uint32_t done = 0; done < bytes;) {
    const uint32_t step = bytes - done < sizeof(buffer) ? bytes - done : sizeof(buffer);
    if (flash_->read(flash_->context, SlotRegion(slot), done, buffer, step) != 0)
      return AgentStatus::kFlashError;
    if (crypto_->sha256_update(crypto_->context, &state, buffer, step) != 0)
      return AgentStatus::kCryptoError;
    done += step;
  }
  if (crypto_->sha256_final(crypto_->context, &state, digest) != 0)
    return AgentStatus::kCryptoError;
  return AgentStatus::kOk;
}

AgentStatus SlotManager::Boot(BootInfo* info) {
  if (info == nullptr) return AgentStatus::kNullArgument;
  TINYFORGE_AGENT_RETURN_IF_ERROR(LoadNewest());
  BootRecord next = record_;
  next.boot_count = record_.boot_count + 1;
  bool reverted = false;
  if (next.state == kSlotTrial) {
    if (next.trial_boots >= kMaxTrialBoots) {
      reverted = true;  // the trial image had its boot and never confirmed
    } else {
      next.trial_boots = static_cast<uint8_t>(next.trial_boots + 1);
      const SlotInfo& trial = next.slots[next.active_slot];
      uint8_t digest[32];
      const AgentStatus hashed = HashSlot(next.active_slot, trial.bytes, digest);
      if (hashed == AgentStatus::kFlashError) return hashed;
      if (hashed != AgentStatus::kOk || !trial.valid || memcmp(digest, trial.sha256, 32) != 0)
        reverted = true;
    }
    if (reverted) {
      next.active_slot = next.confirmed_slot;
      next.state = kSlotConfirmed;
      next.trial_boots = 0;
    }
  }
  if (next.state == kSlotConfirmed) {
    const SlotInfo& confirmed = next.slots[next.confirmed_slot];
    uint8_t digest[32];
    TINYFORGE_AGENT_RETURN_IF_ERROR(HashSlot(next.confirmed_slot, confirmed.bytes, digest));
    if (memcmp(digest, confirmed.sha256, 32) != 0) return AgentStatus::kImageCorrupted;
  }
  TINYFORGE_AGENT_RETURN_IF_ERROR(Commit(next));
  const SlotInfo& running = record_.slots[record_.active_slot];
  info->slot = record_.active_slot;
  info->trial = record_.state == kSlotTrial;
  info->reverted = reverted;
  info->version = running.version;
  info->bytes = running.bytes;
  info->kind = running.kind;
  info->boot_count = record_.boot_count;
  info->image = MappedSlot(record_.active_slot);
  return AgentStatus::kOk;
}

AgentStatus SlotManager::BeginUpdate(uint8_t* slot) {
  if (slot == nullptr) return AgentStatus::kNullArgument;
  if (!loaded_) return AgentStatus::kNotProvisioned;
  if (record_.state != kSlotConfirmed) return AgentStatus::kUpdateInProgress;
  const uint8_t target = record_.confirmed_slot == 0 ? 1 : 0;
  if (record_.slots[target].valid) {
    // Forget the old image first, so no record ever describes a half-erased slot as valid.
    BootRecord next = record_;
    next.slots[target] = SlotInfo{};
    TINYFORGE_AGENT_RETURN_IF_ERROR(Commit(next));
  }
  if (flash_->erase(flash_->context, SlotRegion(target)) != 0) return AgentStatus::kFlashError;
  *slot = target;
  return AgentStatus::kOk;
}

AgentStatus SlotManager::WriteSlot(uint8_t slot, uint32_t offset, const uint8_t* data,
                                   uint32_t bytes) {
  if (flash_ == nullptr) return AgentStatus::kBadConfig;
  if (data == nullptr) return AgentStatus::kNullArgument;
  if (slot > 1 || offset > flash_->slot_bytes || bytes > flash_->slot_bytes - offset)
    return AgentStatus::kTooLarge;
  if (loaded_ && (slot == record_.confirmed_slot || slot == record_.active_slot))
    return AgentStatus::kUpdateInProgress;  // never write over the image that runs
  if (flash_->write(flash_->context, SlotRegion(slot), offset, data, bytes) != 0)
    return AgentStatus::kFlashError;
  return AgentStatus::kOk;
}

AgentStatus SlotManager::SwitchToTrial(uint8_t slot, uint32_t version, uint32_t bytes,
                                       uint8_t kind, const uint8_t sha256[32]) {
  if (!loaded_) return AgentStatus::kNotProvisioned;
  if (sha256 == nullptr) return AgentStatus::kNullArgument;
  if (slot > 1 || slot == record_.confirmed_slot || record_.state != kSlotConfirmed)
    return AgentStatus::kUpdateInProgress;
  if (bytes > flash_->slot_bytes) return AgentStatus::kTooLarge;
  BootRecord next = record_;
  next.slots[slot].version = version;
  next.slots[slot].bytes = bytes;
  next.slots[slot].kind = kind;
  next.slots[slot].valid = 1;
  memcpy(next.slots[slot].sha256, sha256, 32);
  next.active_slot = slot;
  next.state = kSlotTrial;
  next.trial_boots = 0;
  return Commit(next);
}

AgentStatus SlotManager::Confirm() {
  if (!loaded_ || record_.state != kSlotTrial || record_.trial_boots == 0)
    return AgentStatus::kNotInTrial;
  BootRecord next = record_;
  next.state = kSlotConfirmed;
  next.trial_boots = 0;
  next.confirmed_slot = next.active_slot;
  next.confirmed_version = next.slots[next.active_slot].version;
  return Commit(next);
}

AgentStatus SlotManager::Revert() {
  if (!loaded_ || record_.state != kSlotTrial) return AgentStatus::kNotInTrial;
  BootRecord next = record_;
  next.state = kSlotConfirmed;
  next.trial_boots = 0;
  next.active_slot = next.confirmed_slot;
  return Commit(next);
}

}  // namespace tinyforge::agent
