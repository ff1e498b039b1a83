// Page requests of list routes: offset/limit parsed and bounded (pure logic).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace tinyforge::server::domain {

struct PageRequest {
  int64_t offset = 0;
  int64_t limit = 50;
};

inline constexpr int64_t kDefaultPageSize = 50;
inline constexpr int64_t kMaxPageSize = 1000;

// Parses a non-negative decimal integer (no sign, no spaces, at most 12 digits).
inline std::optional<int64_t> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Empty strings mean "not given". nullopt when a value is malformed or limit is 0 / too large.
inline std::optional<PageRequest> ParsePage(const std::string& offset, const std::string& limit) {
  PageRequest page;
  if (!offset.empty()) {
    auto value = ParseCount(offset);
    if (!value) return std::nullopt;
    page.offset = *value;
  }
  if (!limit.empty()) {
    auto value = ParseCount(limit);
    if (!value || *value == 0 || *value > kMaxPageSize) return std::nullopt;
    page.limit = *value;
  }
  return page;
}

}  // namespace tinyforge::server::domain
