// Command-line flags of the bench executables: one reader, so every bench rejects a missing value,
// a number with trailing garbage or a value out of range with a message naming the flag, instead
// of ending in an uncaught std::stoi exception (or silently running with 0).
#pragma once

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace tinyforge::bench {

// Parses `text` as a whole number or decimal of type T within [low, high]; nullopt-like `false`
// when it is not one. Kept separate from the reader so tests can call it directly.
template <typename T>
bool ParseFlagNumber(std::string_view text, T low, T high, T* value) {
  if (text.empty()) return false;
  T parsed{};
  const char* end = text.data() + text.size();
  std::from_chars_result result;
  if constexpr (std::is_floating_point_v<T>) {
    result = std::from_chars(text.data(), end, parsed, std::chars_format::general);
  } else {
    result = std::from_chars(text.data(), end, parsed, 10);
  }
  if (result.ec != std::errc() || result.ptr != end) return false;
  if (!(parsed >= low && parsed <= high)) return false;  // also refuses NaN
  *value = parsed;
  return true;
}

class FlagReader {
 public:
  FlagReader(int argc, char** argv, std::string usage)
      : argc_(argc), argv_(argv), usage_(std::move(usage)) {}

  // Advances to the next flag; false at the end of argv.
  bool Next() {
    if (++index_ >= argc_) return false;
    flag_ = argv_[index_];
    return true;
  }
  const std::string& flag() const { return flag_; }
  bool Is(std::string_view name) const { return flag_ == name; }

  std::string Text() {
    if (index_ + 1 >= argc_) Fail("missing value for " + flag_);
    return argv_[++index_];
  }

  template <typename T>
  T Number(T low = std::numeric_limits<T>::lowest(), T high = std::numeric_limits<T>::max()) {
    const std::string text = Text();
    T value{};
    if (!ParseFlagNumber(text, low, high, &value))
      Fail(flag_ + " '" + text + "': expected a number in [" + Show(low) + ", " + Show(high) + "]");
    return value;
  }

  // A comma-separated list such as --sizes 1000,10000.
  template <typename T>
  std::vector<T> NumberList(T low, T high) {
    const std::string text = Text();
    std::vector<T> values;
    size_t start = 0;
    while (start <= text.size()) {
      const size_t comma = text.find(',', start);
      const std::string_view item =
          std::string_view(text).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      T value{};
      if (!ParseFlagNumber(item, low, high, &value))
        Fail(flag_ + " '" + text + "': item '" + std::string(item) + "' is not a number in [" + Show(low) +
             ", " + Show(high) + "]");
      values.push_back(value);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return values;
  }

  [[noreturn]] void Unknown() { Fail("unknown argument " + flag_); }

  [[noreturn]] void Fail(const std::string& message) const {
    std::fprintf(stderr, "%s: %s\nusage: %s %s\n", argv_[0], message.c_str(), argv_[0], usage_.c_str());
    std::exit(2);
  }

 private:
  template <typename T>
  static std::string Show(T value) {
    if constexpr (std::is_floating_point_v<T>) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(value));
      return buffer;
    } else {
      return std::to_string(value);
    }
  }

  int argc_;
  char** argv_;
  std::string usage_;
  int index_ = 0;
  std::string flag_;
};

}  // namespace tinyforge::bench
