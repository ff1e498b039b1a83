// CRC-32 IEEE with a nibble table: 2 lookups per byte, 64 bytes of constants.
#include "core/crc32.h"

#include "tinyforge/format/tfm.h"

namespace tinyforge {
namespace {

// crc_table[i] = CRC of the 4-bit value i, polynomial 0xEDB88320 (reflected).
constexpr uint32_t kNibbleTable[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

}  // namespace

uint32_t Crc32Update(uint32_t crc, const uint8_t* data, size_t bytes) {
  crc = ~crc;
  for (size_t i = 0; i < bytes; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ kNibbleTable[crc & 0xFu];
    crc = (crc >> 4) ^ kNibbleTable[crc & 0xFu];
  }
  return ~crc;
}

uint32_t BlobCrc32(const uint8_t* blob, uint32_t blob_bytes) {
  constexpr uint32_t kCrcFieldOffset = format::kHeaderBytes - 4;
  static constexpr uint8_t kZeros[4] = {0, 0, 0, 0};
  uint32_t crc = Crc32Update(0, blob, kCrcFieldOffset);
  crc = Crc32Update(crc, kZeros, 4);
  return Crc32Update(crc, blob + format::kHeaderBytes, blob_bytes - format::kHeaderBytes);
}

}  // namespace tinyforge
