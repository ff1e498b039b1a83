// Floor + sparse set of accepted message seqs (see seq_window.h).
#include "server/fleet/seq_window.h"

namespace tinyforge::server::fleet {

bool SeqWindow::Accept(uint32_t seq) {
  if (seq == floor_ && sparse_.empty()) {  // the usual case: the next message in order
    ++floor_;
    return true;
  }
  if (Seen(seq)) return false;
  sparse_.insert(seq);
  Compact();
  return true;
}

void SeqWindow::Compact() {
  // Fold the run that starts at the floor into it.
  while (!sparse_.empty() && *sparse_.begin() == floor_) {
    sparse_.erase(sparse_.begin());
    ++floor_;
  }
  // Too many holes: give up waiting for the oldest one.
  while (sparse_.size() > kMaxSparse) {
    floor_ = *sparse_.begin() + 1;
    sparse_.erase(sparse_.begin());
    while (!sparse_.empty() && *sparse_.begin() == floor_) {
      sparse_.erase(sparse_.begin());
      ++floor_;
    }
  }
}

std::vector<uint8_t> SeqWindow::EncodeSparse() const {
  std::vector<uint8_t> out;
  out.reserve(sparse_.size() * 4);
  for (uint32_t seq : sparse_) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(seq >> (8 * i)));
  }
  return out;
}

SeqWindow SeqWindow::Restore(uint32_t floor, const std::vector<uint8_t>& sparse) {
  SeqWindow window;
  window.floor_ = floor;
  for (size_t i = 0; i + 4 <= sparse.size(); i += 4) {
    const uint32_t seq = uint32_t{sparse[i]} | uint32_t{sparse[i + 1]} << 8 |
                         uint32_t{sparse[i + 2]} << 16 | uint32_t{sparse[i + 3]} << 24;
    if (seq >= floor) window.sparse_.insert(seq);
  }
  window.Compact();
  return window;
}

}  // namespace tinyforge::server::fleet
