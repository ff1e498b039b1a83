// Mosquitto 2.0 password-file hashes, computed in-process: "$7$<iterations>$<salt>$<hash>" with
// PBKDF2-HMAC-SHA512, a 12-byte salt, a 64-byte key and base64 (the format mosquitto_passwd
// writes). Hashing each new account once here replaces `mosquitto_passwd -U` over the whole file,
// which re-hashed every account on every registration (quadratic in the fleet size).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tinyforge::server::fleet {

inline constexpr int kMosquittoPbkdf2Iterations = 101;  // mosquitto_passwd's default
inline constexpr size_t kMosquittoSaltBytes = 12;

// The hash field for `password` with a fresh random salt.
std::string MosquittoPasswordHash(const std::string& password);
// The same with a given salt (tests compare with mosquitto_passwd's own output).
std::string MosquittoPasswordHash(const std::string& password, std::span<const uint8_t> salt,
                                  int iterations = kMosquittoPbkdf2Iterations);

}  // namespace tinyforge::server::fleet
