// A/B artifact slots and the boot record that says which one runs, on the flash seam. The
// bootloader-side half of OTA: write to the inactive slot, switch to it on trial, confirm or
// revert automatically. Power loss at any byte leaves a bootable, confirmed slot.
//
// Boot record (one per meta region, 112 bytes, little-endian; regions written alternately):
//    0 ┌ magic "TFB1" ─ written LAST: only a completely written record counts ─────────────┐
//    4 │ sequence u32 (serial order; the newest valid record wins) │ boot_count u32         │
//   12 │ active_slot u8 │ state u8 (0 confirmed, 1 trial) │ trial_boots u8 │ confirmed_slot u8 │
//   16 │ confirmed_version u32 ─ anti-rollback floor                                        │
//   20 │ slot[2] × { version u32 │ bytes u32 │ kind u8 │ valid u8 │ reserved u16 │ sha256[32] } │
//  108 │ crc32 u32 over bytes [4, 108)                                                      ┘
//
// Rules that make every power loss safe:
//  - a new record goes to the region NOT holding the newest valid one (erase, body, magic last);
//  - artifact bytes go only to the slot that is neither active nor confirmed;
//  - a slot becomes active only through a record that also stores its hash (state = trial);
//  - a trial image gets one boot: the next boot without a Confirm reverts to the confirmed slot;
//  - every boot re-hashes the image it is about to run; a bad trial image reverts at once.
#ifndef TINYFORGE_AGENT_CORE_SLOT_MANAGER_H_
#define TINYFORGE_AGENT_CORE_SLOT_MANAGER_H_

#include <stdint.h>

#include "agent/core/agent_status.h"
#include "agent/core/ports.h"

namespace tinyforge::agent {

struct SlotInfo {
  uint32_t version;
  uint32_t bytes;
  uint8_t kind;
  uint8_t valid;
  uint16_t reserved;
  uint8_t sha256[32];
};

struct BootRecord {
  uint32_t magic;
  uint32_t sequence;
  uint32_t boot_count;
  uint8_t active_slot;
  uint8_t state;
  uint8_t trial_boots;
  uint8_t confirmed_slot;
  uint32_t confirmed_version;
  SlotInfo slots[2];
  uint32_t crc32;
};
static_assert(sizeof(BootRecord) == 112, "boot record layout");

enum SlotState : uint8_t { kSlotConfirmed = 0, kSlotTrial = 1 };

// What Boot decided: the image to run.
struct BootInfo {
  uint8_t slot;
  bool trial;
  bool reverted;        // a failed or unconfirmed trial was rolled back during this boot
  uint32_t version;
  uint32_t bytes;
  uint8_t kind;
  uint32_t boot_count;  // the message-id epoch
  const uint8_t* image; // memory-mapped image, nullptr without FlashPort::map
};

class SlotManager {
 public:
  // flash and crypto must outlive the manager. kBadConfig when meta_bytes < sizeof(BootRecord).
  AgentStatus Init(const FlashPort* flash, const CryptoPort* crypto);

  // Factory provisioning: writes `image` into slot A and a first confirmed record (erases all).
  AgentStatus Provision(const uint8_t* image, uint32_t bytes, uint32_t version, uint8_t kind);

  // Picks the image to run, doing the trial bookkeeping (one record write per boot).
  // kNotProvisioned without a valid record; kImageCorrupted when even the confirmed image fails
  // its hash; kFlashError when the record could not be written (e.g. power lost).
  AgentStatus Boot(BootInfo* info);

  // Starts an update: erases the inactive slot and returns its index. kUpdateInProgress while a
  // trial is undecided.
  AgentStatus BeginUpdate(uint8_t* slot);
  AgentStatus WriteSlot(uint8_t slot, uint32_t offset, const uint8_t* data, uint32_t bytes);
  // SHA-256 of slot[0, bytes) read back from flash.
  AgentStatus HashSlot(uint8_t slot, uint32_t bytes, uint8_t digest[32]) const;
  // Makes the written slot active on trial (the 'switch'); the caller then reboots.
  AgentStatus SwitchToTrial(uint8_t slot, uint32_t version, uint32_t bytes, uint8_t kind,
                            const uint8_t sha256[32]);
  // After a passed health check: the trial image becomes the confirmed one. kNotInTrial otherwise.
  AgentStatus Confirm();
  // After a failed health check: back to the confirmed image (the caller reboots / reloads).
  AgentStatus Revert();

  const BootRecord& record() const { return record_; }
  bool in_trial() const { return record_.state == kSlotTrial; }
  uint32_t confirmed_version() const { return record_.confirmed_version; }
  uint32_t slot_bytes() const { return flash_ == nullptr ? 0 : flash_->slot_bytes; }
  const uint8_t* MappedSlot(uint8_t slot) const;

 private:
  AgentStatus ReadRecord(uint8_t region, BootRecord* record) const;
  AgentStatus LoadNewest();
  AgentStatus Commit(BootRecord next);

  const FlashPort* flash_ = nullptr;
  const CryptoPort* crypto_ = nullptr;
  BootRecord record_ = {};
  uint8_t record_region_ = 0;  // region holding record_
  bool loaded_ = false;
};

}  // namespace tinyforge::agent

#endif  // TINYFORGE_AGENT_CORE_SLOT_MANAGER_H_
