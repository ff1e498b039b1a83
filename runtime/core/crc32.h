// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) for the .tfm header check; no table in
// RAM, a 16-entry nibble table in flash (64 bytes), so it costs almost nothing on a Cortex-M.
#ifndef TINYFORGE_RUNTIME_CORE_CRC32_H_
#define TINYFORGE_RUNTIME_CORE_CRC32_H_

#include <stddef.h>
#include <stdint.h>

namespace tinyforge {

// Continues a CRC: start with crc = 0, feed chunks in order; the result of the last call is the
// CRC-32 of the concatenation (the pre/post inversion is handled inside).
uint32_t Crc32Update(uint32_t crc, const uint8_t* data, size_t bytes);

inline uint32_t Crc32(const uint8_t* data, size_t bytes) { return Crc32Update(0, data, bytes); }

// CRC of a .tfm blob as the header defines it: all blob_bytes bytes with the crc32 field (bytes
// 28..31) taken as zero. blob_bytes must be >= 32.
uint32_t BlobCrc32(const uint8_t* blob, uint32_t blob_bytes);

}  // namespace tinyforge

#endif  // TINYFORGE_RUNTIME_CORE_CRC32_H_
