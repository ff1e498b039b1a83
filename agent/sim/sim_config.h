// Reading a simulated fleet's inputs from files: broker URL, device credentials, the server's
// public key, the factory model. Errors name the file and line.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/sim/sim_options.h"

namespace tinyforge::agent::sim {

// "mqtt://host[:port]" (port 1883 by default). false with *error otherwise.
bool ParseBrokerUrl(const std::string& url, std::string* host, int* port, std::string* error);

// One account per line, "device_id:password" (the plain form mosquitto_passwd -U hashes) or
// "device_id password"; blank lines and '#' comments skipped. Ids must be 1-32 of [A-Za-z0-9_-].
bool ReadCredentialsFile(const std::filesystem::path& path, std::vector<DeviceAccount>* accounts,
                         std::string* error);
// The per-device files scripts/mosquitto/start.sh writes: DIR/<id>.env with TF_DEVICE_ID=... and
// TF_DEVICE_PASSWORD=... lines; files read in name order.
bool ReadPasswordDir(const std::filesystem::path& dir, std::vector<DeviceAccount>* accounts,
                     std::string* error);
// Writes accounts in the same "id:password" form, mode 0600 (tests and benchmarks).
bool WriteCredentialsFile(const std::filesystem::path& path,
                          const std::vector<DeviceAccount>& accounts, std::string* error);

// The fleet server's Ed25519 public key: 32 raw bytes, or 64 hex digits.
bool ReadPublicKeyFile(const std::filesystem::path& path, std::array<uint8_t, 32>* key,
                       std::string* error);

bool ReadBinaryFile(const std::filesystem::path& path, std::vector<uint8_t>* bytes,
                    std::string* error);

}  // namespace tinyforge::agent::sim
