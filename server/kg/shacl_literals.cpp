// XSD lexical forms and value comparison for SHACL Core (see shacl_literals.h).
#include "server/kg/shacl_literals.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace tinyforge::server::kg::shacl {
namespace {

enum class NumericKind { kNone, kInteger, kDecimal, kFloating };

struct IntegerRange {
  std::string_view local;
  long double min, max;
};

// Derived integer types and their value spaces (xsd:integer itself is unbounded).
constexpr IntegerRange kIntegerTypes[] = {
    {"integer", -INFINITY, INFINITY},
    {"long", -9223372036854775808.0L, 9223372036854775807.0L},
    {"int", -2147483648.0L, 2147483647.0L},
    {"short", -32768.0L, 32767.0L},
    {"byte", -128.0L, 127.0L},
    {"nonNegativeInteger", 0, INFINITY},
    {"positiveInteger", 1, INFINITY},
    {"nonPositiveInteger", -INFINITY, 0},
    {"negativeInteger", -INFINITY, -1},
    {"unsignedLong", 0, 18446744073709551615.0L},
    {"unsignedInt", 0, 4294967295.0L},
    {"unsignedShort", 0, 65535.0L},
    {"unsignedByte", 0, 255.0L},
};

std::string_view XsdLocal(std::string_view datatype) {
  if (datatype.substr(0, kXsdNs.size()) != kXsdNs) return {};
  return datatype.substr(kXsdNs.size());
}

const IntegerRange* IntegerType(std::string_view datatype) {
  std::string_view local = XsdLocal(datatype);
  for (const IntegerRange& range : kIntegerTypes) {
    if (range.local == local) return &range;
  }
  return nullptr;
}

NumericKind KindOf(std::string_view datatype) {
  if (IntegerType(datatype)) return NumericKind::kInteger;
  std::string_view local = XsdLocal(datatype);
  if (local == "decimal") return NumericKind::kDecimal;
  if (local == "double" || local == "float") return NumericKind::kFloating;
  return NumericKind::kNone;
}

bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string_view WithoutSign(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
  return text;
}

bool IsIntegerLexical(std::string_view text) { return IsDigits(WithoutSign(text)); }

bool IsDecimalLexical(std::string_view text) {
  text = WithoutSign(text);
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return IsDigits(text);
  std::string_view whole = text.substr(0, dot), fraction = text.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return false;
  return (whole.empty() || IsDigits(whole)) && (fraction.empty() || IsDigits(fraction));
}

bool IsFloatingLexical(std::string_view text) {
  if (text == "INF" || text == "-INF" || text == "+INF" || text == "NaN") return true;
  size_t e = text.find_first_of("eE");
  if (e == std::string_view::npos) return IsDecimalLexical(text);
  return IsDecimalLexical(text.substr(0, e)) && IsIntegerLexical(text.substr(e + 1));
}

// The numeric value; nullopt when not a well-formed number of a numeric datatype.
std::optional<long double> NumericValue(const RdfNode& node) {
  if (!node.is_literal()) return std::nullopt;
  NumericKind kind = KindOf(node.datatype);
  if (kind == NumericKind::kNone || !IsWellFormedLiteral(node)) return std::nullopt;
  const std::string& text = node.value;
  if (text == "INF" || text == "+INF") return INFINITY;
  if (text == "-INF") return -INFINITY;
  if (text == "NaN") return NAN;
  std::string copy = text;
  if (!copy.empty() && copy[0] == '+') copy.erase(0, 1);
  if (!copy.empty() && copy[0] == '.') copy.insert(0, "0");
  if (copy.size() > 1 && copy[0] == '-' && copy[1] == '.') copy.insert(1, "0");
  char* end = nullptr;
  long double value = std::strtold(copy.c_str(), &end);
  return value;
}

// Exact int64 value of an integer literal, when it fits.
std::optional<int64_t> ExactInteger(const RdfNode& node) {
  if (KindOf(node.datatype) != NumericKind::kInteger || !IsIntegerLexical(node.value)) return std::nullopt;
  std::string_view text = node.value;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool IsStringLike(const RdfNode& node) {
  return node.is_literal() && (node.datatype == std::string(kXsdNs) + "string" ||
                               node.datatype == std::string(kRdfNs) + "langString");
}

}  // namespace

bool IsWellFormedLiteral(const RdfNode& literal) {
  if (!literal.is_literal()) return false;
  std::string_view datatype = literal.datatype;
  if (datatype == std::string(kRdfNs) + "langString") return !literal.lang.empty();
  if (!literal.lang.empty()) return false;  // a language tag only goes with rdf:langString
  if (const IntegerRange* range = IntegerType(datatype)) {
    if (!IsIntegerLexical(literal.value)) return false;
    long double value = std::strtold(literal.value.c_str(), nullptr);
    return value >= range->min && value <= range->max;
  }
  std::string_view local = XsdLocal(datatype);
  if (local == "decimal") return IsDecimalLexical(literal.value);
  if (local == "double" || local == "float") return IsFloatingLexical(literal.value);
  if (local == "boolean") {
    return literal.value == "true" || literal.value == "false" || literal.value == "1" || literal.value == "0";
  }
  return true;
}

std::optional<int> CompareLiterals(const RdfNode& a, const RdfNode& b) {
  if (!a.is_literal() || !b.is_literal()) return std::nullopt;
  if (KindOf(a.datatype) != NumericKind::kNone && KindOf(b.datatype) != NumericKind::kNone) {
    auto exact_a = ExactInteger(a), exact_b = ExactInteger(b);
    if (exact_a && exact_b) return *exact_a < *exact_b ? -1 : (*exact_a > *exact_b ? 1 : 0);
    auto value_a = NumericValue(a), value_b = NumericValue(b);
    if (!value_a || !value_b || std::isnan(*value_a) || std::isnan(*value_b)) return std::nullopt;
    return *value_a < *value_b ? -1 : (*value_a > *value_b ? 1 : 0);
  }
  if (IsStringLike(a) && IsStringLike(b) && a.lang == b.lang) {
    int order = a.value.compare(b.value);  // UTF-8 byte order == code point order
    return order < 0 ? -1 : (order > 0 ? 1 : 0);
  }
  if (a.datatype == b.datatype && XsdLocal(a.datatype) == "boolean" && IsWellFormedLiteral(a) &&
      IsWellFormedLiteral(b)) {
    bool va = a.value == "true" || a.value == "1", vb = b.value == "true" || b.value == "1";
    return va == vb ? 0 : (va ? 1 : -1);
  }
  return std::nullopt;
}

size_t CodePointLength(std::string_view utf8) {
  size_t count = 0;
  for (unsigned char c : utf8) count += (c & 0xC0) != 0x80;
  return count;
}

}  // namespace tinyforge::server::kg::shacl
