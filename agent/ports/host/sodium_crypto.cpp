// libsodium-backed CryptoPort for the host agent (see sodium_crypto.h).
#include "agent/ports/host/sodium_crypto.h"

#include <sodium.h>

namespace tinyforge::agent::host {
namespace {

static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(Sha256State::opaque),
              "Sha256State too small for libsodium");

crypto_hash_sha256_state* State(Sha256State* state) {
  return reinterpret_cast<crypto_hash_sha256_state*>(state->opaque);
}

int Init(void*, Sha256State* state) { return crypto_hash_sha256_init(State(state)); }
int Update(void*, Sha256State* state, const uint8_t* data, uint32_t bytes) {
  return crypto_hash_sha256_update(State(state), data, bytes);
}
int Final(void*, Sha256State* state, uint8_t digest[32]) {
  return crypto_hash_sha256_final(State(state), digest);
}
int Verify(void*, const uint8_t signature[64], const uint8_t* message, uint32_t bytes,
           const uint8_t public_key[32]) {
  return crypto_sign_ed25519_verify_detached(signature, message, bytes, public_key);
}

}  // namespace

const CryptoPort& SodiumCrypto() {
  static const CryptoPort port = [] {
    if (sodium_init() < 0) __builtin_trap();  // libsodium cannot run without its RNG/CPU probe
    return CryptoPort{nullptr, &Init, &Update, &Final, &Verify};
  }();
  return port;
}

}  // namespace tinyforge::agent::host
