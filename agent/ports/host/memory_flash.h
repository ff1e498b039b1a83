// Host port: NOR-like flash in memory (erase = 0xFF, write clears bits only) for tests and the
// simulator, with power-loss injection: after `budget` written bytes the next write is torn at a
// byte and every later flash operation fails, as on a device whose supply just dropped.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "agent/core/ports.h"

namespace tinyforge::agent::host {

class MemoryFlash {
 public:
  MemoryFlash(uint32_t meta_bytes, uint32_t slot_bytes);

  // The FlashPort view (context = this); valid while this object lives.
  const FlashPort& port() const { return port_; }

  // Power loss after `bytes` more units of work (1 per byte written, 1 per erase); seed picks the
  // torn bits of the write that is cut. Reboot() restores power (contents kept).
  void CutPowerAfter(uint64_t bytes, uint32_t seed);
  void Reboot();
  bool powered() const { return powered_; }
  uint64_t work_done() const { return work_done_; }  // bytes written + erases since construction

  std::vector<uint8_t>& region(uint8_t index) { return regions_[index]; }

 private:
  static int Read(void* context, uint8_t region, uint32_t offset, void* data, uint32_t bytes);
  static int Write(void* context, uint8_t region, uint32_t offset, const void* data,
                   uint32_t bytes);
  static int Erase(void* context, uint8_t region);
  static const uint8_t* Map(void* context, uint8_t region);
  bool InRange(uint8_t region, uint32_t offset, uint32_t bytes) const;

  std::vector<uint8_t> regions_[4];
  FlashPort port_;
  bool powered_ = true;
  bool budget_armed_ = false;
  uint64_t budget_ = 0;
  uint64_t work_done_ = 0;
  std::mt19937 rng_;
};

}  // namespace tinyforge::agent::host
