// Deterministic byte-level mutations for the seeded parser mutation tests: bit flips, random and
// "interesting" bytes, truncations, insertions (random bytes or dictionary tokens), deletions,
// duplications and splices of two seeds. Also the small generated seeds (WAV, raw float32).
#ifndef TINYFORGE_TESTS_FUZZ_PARSER_MUTATOR_H_
#define TINYFORGE_TESTS_FUZZ_PARSER_MUTATOR_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace tinyforge::fuzz {

class ByteMutator {
 public:
  // `tokens`: text fragments worth inserting for this format (delimiters, keywords, numbers).
  ByteMutator(uint32_t seed, std::vector<std::string> tokens)
      : random_(seed), tokens_(std::move(tokens)) {}

  size_t Pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(random_() % n); }

  // 1..4 edits of `input`; `other` is a second seed for splices.
  std::string Mutate(std::string input, const std::string& other) {
    const int edits = 1 + static_cast<int>(Pick(4));
    for (int e = 0; e < edits; ++e) Edit(input, other);
    return input;
  }

 private:
  void Edit(std::string& s, const std::string& other) {
    static constexpr uint32_t kInteresting[] = {0u,          1u,          0x7Fu,       0x80u,
                                                0xFFu,       0x7FFFu,     0xFFFFu,     0x7FFFFFFFu,
                                                0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu, 16u};
    switch (Pick(9)) {
      case 0:  // flip one bit
        if (!s.empty()) s[Pick(s.size())] ^= static_cast<char>(1u << Pick(8));
        break;
      case 1:  // random byte
        if (!s.empty()) s[Pick(s.size())] = static_cast<char>(random_());
        break;
      case 2: {  // an interesting little-endian uint32 (sizes, counts, offsets)
        if (s.size() < 4) break;
        const uint32_t value = kInteresting[Pick(std::size(kInteresting))];
        std::memcpy(s.data() + Pick(s.size() - 3), &value, 4);
        break;
      }
      case 3:  // truncate
        s.resize(Pick(s.size() + 1));
        break;
      case 4: {  // insert random bytes
        std::string bytes(1 + Pick(8), '\0');
        for (char& c : bytes) c = static_cast<char>(random_());
        s.insert(Pick(s.size() + 1), bytes);
        break;
      }
      case 5:  // insert a dictionary token
        if (!tokens_.empty()) s.insert(Pick(s.size() + 1), tokens_[Pick(tokens_.size())]);
        break;
      case 6: {  // delete a range
        if (s.empty()) break;
        const size_t at = Pick(s.size());
        s.erase(at, 1 + Pick(std::min<size_t>(16, s.size() - at)));
        break;
      }
      case 7: {  // duplicate a range in place
        if (s.empty()) break;
        const size_t at = Pick(s.size());
        const std::string chunk = s.substr(at, 1 + Pick(32));
        s.insert(Pick(s.size() + 1), chunk);
        break;
      }
      default: {  // splice: a prefix of this input and a suffix of the other seed
        if (other.empty()) break;
        s = s.substr(0, Pick(s.size() + 1)) + other.substr(Pick(other.size()));
        break;
      }
    }
  }

  std::mt19937 random_;
  std::vector<std::string> tokens_;
};

inline std::string ReadFixture(const std::string& relative_path) {
  std::ifstream file(std::string(TINYFORGE_SOURCE_DIR) + "/" + relative_path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

inline void AppendLe(std::string& out, uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// A RIFF/WAVE file: format 1 (PCM) or 3 (float), `bits` per sample, a sine per channel; with
// `extensible` the fmt chunk is WAVE_FORMAT_EXTENSIBLE (40 bytes) carrying the format as subformat.
inline std::string MakeWav(uint16_t format, uint16_t bits, uint16_t channels, uint32_t frames,
                           bool extensible = false, uint32_t sample_rate = 8000) {
  std::string fmt;
  AppendLe(fmt, extensible ? 0xFFFEu : format, 2);
  AppendLe(fmt, channels, 2);
  AppendLe(fmt, sample_rate, 4);
  AppendLe(fmt, sample_rate * channels * bits / 8, 4);
  AppendLe(fmt, channels * bits / 8, 2);
  AppendLe(fmt, bits, 2);
  if (extensible) {
    AppendLe(fmt, 22, 2);    // cbSize
    AppendLe(fmt, bits, 2);  // valid bits
    AppendLe(fmt, 0, 4);     // channel mask
    AppendLe(fmt, format, 2);
    fmt += std::string("\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71", 14);
  }
  std::string data;
  for (uint32_t i = 0; i < frames; ++i) {
    for (uint16_t c = 0; c < channels; ++c) {
      const double x = 0.5 * std::sin(0.1 * i + c);
      if (format == 3) {
        const float f = static_cast<float>(x);
        uint32_t word;
        std::memcpy(&word, &f, 4);
        AppendLe(data, word, 4);
      } else if (bits == 16) {
        AppendLe(data, static_cast<uint32_t>(static_cast<int32_t>(x * 32767)), 2);
      } else {
        AppendLe(data, static_cast<uint32_t>(static_cast<int32_t>(x * 2147483647.0)), 4);
      }
    }
  }
  std::string wav = "RIFF";
  AppendLe(wav, static_cast<uint32_t>(4 + 8 + fmt.size() + 8 + data.size()), 4);
  wav += "WAVEfmt ";
  AppendLe(wav, static_cast<uint32_t>(fmt.size()), 4);
  wav += fmt;
  wav += "data";
  AppendLe(wav, static_cast<uint32_t>(data.size()), 4);
  wav += data;
  return wav;
}

// A raw recording as the raw fuzz input: "<sidecar>\0<little-endian float32 samples>".
inline std::string MakeRawInput(uint32_t samples, uint32_t channels, bool with_names) {
  std::string sidecar = "{\"dtype\": \"float32\", \"byte_order\": \"little\", \"shape\": [" +
                        std::to_string(samples) + ", " + std::to_string(channels) +
                        "], \"sample_rate_hz\": 12000.0, \"label\": \"normal\"";
  if (with_names) {
    sidecar += ", \"channels\": [";
    for (uint32_t c = 0; c < channels; ++c) sidecar += (c ? ", \"ch" : "\"ch") + std::to_string(c) + "\"";
    sidecar += "]";
  }
  sidecar += "}";
  std::string input = sidecar + '\0';
  for (uint32_t i = 0; i < samples * channels; ++i) {
    const float value = 0.25f * static_cast<float>(i % 7) - 0.5f;
    uint32_t word;
    std::memcpy(&word, &value, 4);
    AppendLe(input, word, 4);
  }
  return input;
}

}  // namespace tinyforge::fuzz

#endif  // TINYFORGE_TESTS_FUZZ_PARSER_MUTATOR_H_
