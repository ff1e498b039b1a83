// Which message ids (epoch, seq) of one device were already accepted, in a form small enough to
// persist with every ingest batch, so a QoS 1 re-delivery is recognised even after a restart.
//
// Per (device, epoch): a floor F (every seq < F is known) plus the sparse set of seqs >= F seen out
// of order. A device's messages arrive almost in order (its offline ring re-sends oldest first),
// so the set stays tiny. Seqs that never arrive (an ack the agent skipped while offline) would pin
// the floor: once the set holds more than kMaxSparse ids, the floor jumps over the oldest hole.
// kMaxSparse is far above the agent's offline ring (32 messages), so no genuine late message is
// ever mistaken for a duplicate by that jump.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace tinyforge::server::fleet {

class SeqWindow {
 public:
  static constexpr size_t kMaxSparse = 512;

  // True the first time `seq` is offered (and records it), false for a duplicate.
  bool Accept(uint32_t seq);
  bool Seen(uint32_t seq) const { return seq < floor_ || sparse_.count(seq) != 0; }
  uint32_t floor() const { return floor_; }
  // The highest accepted seq + 1 (0 when none).
  uint32_t high() const { return sparse_.empty() ? floor_ : *sparse_.rbegin() + 1; }

  // Persisted form: floor + the sparse seqs as little-endian u32s.
  std::vector<uint8_t> EncodeSparse() const;
  static SeqWindow Restore(uint32_t floor, const std::vector<uint8_t>& sparse);

 private:
  void Compact();
  uint32_t floor_ = 0;
  std::set<uint32_t> sparse_;
};

}  // namespace tinyforge::server::fleet
