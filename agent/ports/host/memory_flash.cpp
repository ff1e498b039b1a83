// In-memory NOR flash with power-loss injection (see memory_flash.h).
#include "agent/ports/host/memory_flash.h"

#include <cstring>

namespace tinyforge::agent::host {

MemoryFlash::MemoryFlash(uint32_t meta_bytes, uint32_t slot_bytes) {
  for (int i = 0; i < 4; ++i) regions_[i].assign(i < 2 ? meta_bytes : slot_bytes, 0xFF);
  port_ = FlashPort{this, &Read, &Write, &Erase, &Map, meta_bytes, slot_bytes};
}

void MemoryFlash::CutPowerAfter(uint64_t bytes, uint32_t seed) {
  budget_armed_ = true;
  budget_ = bytes;
  rng_.seed(seed);
}

void MemoryFlash::Reboot() {
  powered_ = true;
  budget_armed_ = false;
}

bool MemoryFlash::InRange(uint8_t region, uint32_t offset, uint32_t bytes) const {
  return region < 4 && offset <= regions_[region].size() &&
         bytes <= regions_[region].size() - offset;
}

int MemoryFlash::Read(void* context, uint8_t region, uint32_t offset, void* data,
                      uint32_t bytes) {
  auto* self = static_cast<MemoryFlash*>(context);
  if (!self->powered_ || !self->InRange(region, offset, bytes)) return -1;
  std::memcpy(data, self->regions_[region].data() + offset, bytes);
  return 0;
}

int MemoryFlash::Write(void* context, uint8_t region, uint32_t offset, const void* data,
                       uint32_t bytes) {
  auto* self = static_cast<MemoryFlash*>(context);
  if (!self->powered_ || !self->InRange(region, offset, bytes)) return -1;
  const auto* in = static_cast<const uint8_t*>(data);
  uint8_t* out = self->regions_[region].data() + offset;
  for (uint32_t i = 0; i < bytes; ++i) {
    if (self->budget_armed_ && self->budget_ == 0) {
      // Torn byte: some of its bits were cleared before the supply dropped.
      const auto torn = static_cast<uint8_t>(self->rng_());
      out[i] = static_cast<uint8_t>(out[i] & (in[i] | torn));
      self->powered_ = false;
      return -1;
    }
    out[i] = static_cast<uint8_t>(out[i] & in[i]);  // NOR: bits only go 1 -> 0
    if (self->budget_armed_) --self->budget_;
    ++self->work_done_;
  }
  return 0;
}

int MemoryFlash::Erase(void* context, uint8_t region) {
  auto* self = static_cast<MemoryFlash*>(context);
  if (!self->powered_ || region >= 4) return -1;
  std::vector<uint8_t>& bytes = self->regions_[region];
  if (self->budget_armed_ && self->budget_ == 0) {
    // Interrupted erase: a random prefix is erased, the rest keeps its old contents.
    const size_t erased = self->rng_() % (bytes.size() + 1);
    std::memset(bytes.data(), 0xFF, erased);
    self->powered_ = false;
    return -1;
  }
  std::memset(bytes.data(), 0xFF, bytes.size());
  if (self->budget_armed_) --self->budget_;
  ++self->work_done_;
  return 0;
}

const uint8_t* MemoryFlash::Map(void* context, uint8_t region) {
  auto* self = static_cast<MemoryFlash*>(context);
  return region < 4 ? self->regions_[region].data() : nullptr;
}

}  // namespace tinyforge::agent::host
