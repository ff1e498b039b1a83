// The agent's porting seams: flash (boot records + two artifact slots), crypto (SHA-256, Ed25519
// verify) and an MQTT-like transport. A port fills these structs of plain function pointers; the
// core never allocates and never calls the OS directly.
#ifndef TINYFORGE_AGENT_CORE_PORTS_H_
#define TINYFORGE_AGENT_CORE_PORTS_H_

#include <stdint.h>

namespace tinyforge::agent {

// Flash regions. Regions 0 and 1 hold one boot record each (written alternately); 2 and 3 are the
// A and B artifact slots. NOR semantics are assumed: erase sets every byte to 0xFF, write may only
// clear bits, so a write is valid only on erased bytes.
enum FlashRegion : uint8_t { kMetaRegion0 = 0, kMetaRegion1 = 1, kSlotRegionA = 2, kSlotRegionB = 3 };

struct FlashPort {
  void* context;
  // Each returns 0 on success, anything else on failure (e.g. power lost, out of range).
  int (*read)(void* context, uint8_t region, uint32_t offset, void* data, uint32_t bytes);
  int (*write)(void* context, uint8_t region, uint32_t offset, const void* data, uint32_t bytes);
  int (*erase)(void* context, uint8_t region);
  // Memory-mapped address of a region (XIP flash), so a model runs in place; may be nullptr.
  const uint8_t* (*map)(void* context, uint8_t region);
  uint32_t meta_bytes;  // size of regions 0 and 1 (>= 128)
  uint32_t slot_bytes;  // size of regions 2 and 3: the largest artifact
};

// Opaque SHA-256 state; large enough for libsodium's crypto_hash_sha256_state (104 bytes).
struct Sha256State {
  alignas(16) uint8_t opaque[128];
};

// Crypto seam. The host port uses libsodium; an MCU port must supply the same two primitives
// (e.g. Monocypher or a vendor library): verification only, no private key ever on the device.
struct CryptoPort {
  void* context;
  int (*sha256_init)(void* context, Sha256State* state);
  int (*sha256_update)(void* context, Sha256State* state, const uint8_t* data, uint32_t bytes);
  int (*sha256_final)(void* context, Sha256State* state, uint8_t digest[32]);
  // 0 when signature is a valid Ed25519 signature of message[0, bytes) under public_key.
  int (*ed25519_verify)(void* context, const uint8_t signature[64], const uint8_t* message,
                        uint32_t bytes, const uint8_t public_key[32]);
};

// Transport seam (MQTT 3.1.1 semantics). Inbound messages, connection changes and QoS 1
// deliveries come back through Agent::OnMessage / OnConnected / OnDisconnected / OnDelivered.
struct TransportPort {
  void* context;
  // Hands a message to the transport; 0 on success and *token identifies it in OnDelivered.
  int (*publish)(void* context, const char* topic, const uint8_t* payload, uint32_t bytes,
                 uint8_t qos, uint32_t* token);
  int (*subscribe)(void* context, const char* topic, uint8_t qos);
  bool (*connected)(void* context);
};

}  // namespace tinyforge::agent

#endif  // TINYFORGE_AGENT_CORE_PORTS_H_
