// File inputs of the simulator (see sim_config.h).
#include "agent/sim/sim_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

namespace tinyforge::agent::sim {
namespace {

bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

}  // namespace

bool ParseBrokerUrl(const std::string& url, std::string* host, int* port, std::string* error) {
  const std::string scheme = "mqtt://";
  if (url.rfind(scheme, 0) != 0) {
    *error = "--broker '" + url + "': must start with mqtt:// (TLS is not supported)";
    return false;
  }
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  *host = colon == std::string::npos ? rest : rest.substr(0, colon);
  *port = 1883;
  if (host->empty() || host->find('/') != std::string::npos) {
    *error = "--broker '" + url + "': expected mqtt://host:port";
    return false;
  }
  if (colon != std::string::npos) {
    const std::string digits = rest.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      *error = "--broker '" + url + "': port '" + digits + "' is not a number";
      return false;
    }
    *port = std::stoi(digits);
    if (*port < 1 || *port > 65535) {
      *error = "--broker '" + url + "': port out of range";
      return false;
    }
  }
  return true;
}

bool ReadCredentialsFile(const std::filesystem::path& path, std::vector<DeviceAccount>* accounts,
                         std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path.string() + ": cannot open";
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t split = line.find(':');
    if (split == std::string::npos) split = line.find_first_of(" \t");
    const std::string where = path.string() + ":" + std::to_string(number);
    if (split == std::string::npos) {
      *error = where + ": expected 'device_id:password'";
      return false;
    }
    DeviceAccount account{Trim(line.substr(0, split)), Trim(line.substr(split + 1))};
    if (!ValidId(account.id)) {
      *error = where + ": device id '" + account.id + "' is not 1-32 of [A-Za-z0-9_-]";
      return false;
    }
    if (account.password.empty() || account.password.rfind("$", 0) == 0) {
      *error = where + ": no plain password (a hashed mosquitto passwd line cannot log in)";
      return false;
    }
    accounts->push_back(std::move(account));
  }
  return true;
}

bool ReadPasswordDir(const std::filesystem::path& dir, std::vector<DeviceAccount>* accounts,
                     std::string* error) {
  std::error_code code;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, code))
    if (entry.path().extension() == ".env") files.push_back(entry.path());
  if (code) {
    *error = dir.string() + ": " + code.message();
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    DeviceAccount account;
    for (std::string line; std::getline(in, line);) {
      line = Trim(line);
      if (line.rfind("TF_DEVICE_ID=", 0) == 0) account.id = line.substr(13);
      if (line.rfind("TF_DEVICE_PASSWORD=", 0) == 0) account.password = line.substr(19);
    }
    if (!ValidId(account.id) || account.password.empty()) {
      *error = file.string() + ": expected TF_DEVICE_ID=<id> and TF_DEVICE_PASSWORD=<password> lines";
      return false;
    }
    accounts->push_back(std::move(account));
  }
  if (accounts->empty()) {
    *error = dir.string() + ": no <device>.env files";
    return false;
  }
  return true;
}

bool WriteCredentialsFile(const std::filesystem::path& path,
                          const std::vector<DeviceAccount>& accounts, std::string* error) {
  std::ostringstream text;
  for (const DeviceAccount& account : accounts) text << account.id << ":" << account.password << "\n";
  {
    std::ofstream out(path, std::ios::trunc);
    if (!out) {
      *error = path.string() + ": cannot write";
      return false;
    }
    out << text.str();
    if (!out) {
      *error = path.string() + ": write failed";
      return false;
    }
  }
  ::chmod(path.c_str(), 0600);
  return true;
}

bool ReadBinaryFile(const std::filesystem::path& path, std::vector<uint8_t>* bytes,
                    std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path.string() + ": cannot open";
    return false;
  }
  bytes->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool ReadPublicKeyFile(const std::filesystem::path& path, std::array<uint8_t, 32>* key,
                       std::string* error) {
  std::vector<uint8_t> bytes;
  if (!ReadBinaryFile(path, &bytes, error)) return false;
  if (bytes.size() == 32) {
    std::copy(bytes.begin(), bytes.end(), key->begin());
    return true;
  }
  const std::string text = Trim(std::string(bytes.begin(), bytes.end()));
  if (text.size() == 64 && text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
    for (size_t i = 0; i < 32; ++i)
      (*key)[i] = static_cast<uint8_t>(std::stoi(text.substr(2 * i, 2), nullptr, 16));
    return true;
  }
  *error = path.string() + ": expected a 32-byte Ed25519 public key (raw, or 64 hex digits), got " +
           std::to_string(bytes.size()) + " bytes";
  return false;
}

}  // namespace tinyforge::agent::sim
