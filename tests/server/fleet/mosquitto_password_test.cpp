// Our in-process hashes must be exactly what mosquitto_passwd writes (the broker checks them);
// the broker_acl and fleet tests then connect with such accounts to the real broker.
#include "server/fleet/mosquitto_password.h"

#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tinyforge::server::fleet {
namespace {

std::vector<uint8_t> FromBase64(const std::string& text) {
  std::vector<uint8_t> bytes(text.size());
  size_t length = 0;
  EXPECT_EQ(sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length,
                              nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  bytes.resize(length);
  return bytes;
}

TEST(MosquittoPasswordTest, MatchesAKnownMosquittoPasswdLine) {
  // `printf 'u1:secret\n' > f; mosquitto_passwd -U f` (mosquitto 2.0.11) wrote this line.
  const std::string field =
      "$7$101$zo5gjT4JuhvNOyjW$0iTPAVM9zd9oALGAAwoZYP3WBnPXacPStPV1QpjD0agMdb8V1zqACgzi5Btrt4Wzw"
      "YZVj/eKcfbu+60EbvwUnQ==";
  EXPECT_EQ(MosquittoPasswordHash("secret", FromBase64("zo5gjT4JuhvNOyjW")), field);
  EXPECT_NE(MosquittoPasswordHash("secreT", FromBase64("zo5gjT4JuhvNOyjW")), field);
}

TEST(MosquittoPasswordTest, MatchesMosquittoPasswdRunNow) {
  namespace fs = std::filesystem;
  const fs::path file = fs::temp_directory_path() / ("tf-mosq-pw-" + std::to_string(::getpid()));
  const std::string password = "a-longer password with spaces and \xc3\xa9 UTF-8 0123456789abcdef";
  { std::ofstream(file) << "dev-1:" << password << "\n"; }
  const std::string command = "mosquitto_passwd -U '" + file.string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::string line;
  { std::ifstream in(file); std::getline(in, line); }
  fs::remove(file);
  ASSERT_EQ(line.rfind("dev-1:$7$101$", 0), 0u) << line;
  const std::string field = line.substr(line.find(':') + 1);
  const size_t salt_begin = std::string("$7$101$").size();
  const std::string salt = field.substr(salt_begin, field.find('$', salt_begin) - salt_begin);
  EXPECT_EQ(MosquittoPasswordHash(password, FromBase64(salt)), field);
}

TEST(MosquittoPasswordTest, EachHashHasItsOwnSalt) {
  const std::string a = MosquittoPasswordHash("same");
  const std::string b = MosquittoPasswordHash("same");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("$7$101$", 0), 0u);
  EXPECT_EQ(a.size(), b.size());
}

}  // namespace
}  // namespace tinyforge::server::fleet
