// Host port of the crypto seam on libsodium (SHA-256 + Ed25519 verify). An MCU port must supply
// the same two primitives from another well-kept library (Monocypher is not packaged in Debian 12).
#pragma once

#include "agent/core/ports.h"

namespace tinyforge::agent::host {

// A CryptoPort backed by libsodium; calls sodium_init() once. Static lifetime.
const CryptoPort& SodiumCrypto();

}  // namespace tinyforge::agent::host
