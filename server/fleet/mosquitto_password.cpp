// PBKDF2-HMAC-SHA512 on libsodium's HMAC (see mosquitto_password.h).
#include "server/fleet/mosquitto_password.h"

#include <sodium.h>

#include <array>
#include <vector>

namespace tinyforge::server::fleet {
namespace {

using Block = std::array<uint8_t, crypto_auth_hmacsha512_BYTES>;

// HMAC of one message from a state already keyed with the password: PBKDF2 runs 101 HMACs with
// the same key, and copying the keyed state saves the two pad compressions of every init (half
// the work per iteration).
Block KeyedHmac(const crypto_auth_hmacsha512_state& keyed, const uint8_t* message, size_t length) {
  crypto_auth_hmacsha512_state state = keyed;
  crypto_auth_hmacsha512_update(&state, message, length);
  Block out{};
  crypto_auth_hmacsha512_final(&state, out.data());
  sodium_memzero(&state, sizeof(state));
  return out;
}

std::string Base64(const uint8_t* bytes, size_t length) {
  std::string out(sodium_base64_ENCODED_LEN(length, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, length, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

}  // namespace

std::string MosquittoPasswordHash(const std::string& password, std::span<const uint8_t> salt,
                                  int iterations) {
  // The derived key is one HMAC block long, so PBKDF2 needs only block index 1:
  // U1 = HMAC(P, salt || INT(1)), U(i) = HMAC(P, U(i-1)), key = U1 ^ ... ^ U(c).
  crypto_auth_hmacsha512_state keyed;
  crypto_auth_hmacsha512_init(&keyed, reinterpret_cast<const unsigned char*>(password.data()),
                              password.size());
  std::vector<uint8_t> first(salt.begin(), salt.end());
  first.insert(first.end(), {0, 0, 0, 1});
  Block u = KeyedHmac(keyed, first.data(), first.size());
  Block key = u;
  for (int i = 1; i < iterations; ++i) {
    u = KeyedHmac(keyed, u.data(), u.size());
    for (size_t b = 0; b < key.size(); ++b) key[b] ^= u[b];
  }
  sodium_memzero(&keyed, sizeof(keyed));
  sodium_memzero(u.data(), u.size());
  std::string field = "$7$" + std::to_string(iterations) + "$" + Base64(salt.data(), salt.size()) +
                      "$" + Base64(key.data(), key.size());
  sodium_memzero(key.data(), key.size());
  return field;
}

std::string MosquittoPasswordHash(const std::string& password) {
  std::array<uint8_t, kMosquittoSaltBytes> salt{};
  static const bool sodium_ready = sodium_init() >= 0;  // idempotent; randombytes needs it
  (void)sodium_ready;
  randombytes_buf(salt.data(), salt.size());
  return MosquittoPasswordHash(password, salt);
}

}  // namespace tinyforge::server::fleet
