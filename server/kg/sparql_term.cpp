// Escaping and validation of RDF terms (see sparql_term.h).
#include "server/kg/sparql_term.h"

#include <cmath>
#include <cstdio>

namespace tinyforge::server::kg {
namespace {

bool IsSchemeStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsSchemeChar(char c) {
  return IsSchemeStart(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

}  // namespace

bool IsSafeIri(std::string_view iri) {
  if (iri.empty() || !IsSchemeStart(iri[0])) return false;
  size_t colon = iri.find(':');
  if (colon == std::string_view::npos) return false;
  for (size_t i = 1; i < colon; ++i) {
    if (!IsSchemeChar(iri[i])) return false;
  }
  for (char c : iri) {
    auto byte = static_cast<unsigned char>(c);
    // IRIREF excludes these in SPARQL 1.1, Turtle and N-Triples.
    if (byte <= 0x20 || byte == 0x7F) return false;
    switch (c) {
      case '<': case '>': case '"': case '{': case '}': case '|': case '^': case '`': case '\\':
        return false;
      default:
        break;
    }
  }
  return true;
}

std::string PercentEncodeSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  // "." and ".." would be removed by IRI normalisation in some stores.
  if (out == "." || out == "..") out = out == "." ? "%2E" : "%2E%2E";
  return out;
}

// SPARQL 1.1 (section 19.2) lets a processor expand \uXXXX anywhere in the query text before
// parsing. A user string containing backslash-u would then be re-read as a code point escape after
// we doubled the backslash. So a 'u'/'U' right after a user backslash is written as \u0075/\u0055:
// both a pre-parsing processor and a plain tokenizer (and N-Triples' UCHAR) read back "\u".
std::string EscapeStringBody(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  bool after_backslash = false;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (after_backslash && (c == 'u' || c == 'U')) {
      out += c == 'u' ? "\\u0075" : "\\u0055";
      after_backslash = false;
      continue;
    }
    after_backslash = false;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; after_backslash = true; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04X", static_cast<unsigned>(byte));
          out += buffer;
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

Result<Term> Term::Iri(std::string_view iri, std::string_view field) {
  if (!IsSafeIri(iri)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(field) + ": not an absolute IRI without spaces or <>\"{}|^`\\");
  }
  return Term(Kind::kIri, std::string(iri), "", "");
}

Term Term::IriFromSegments(std::string_view base, const std::vector<std::string_view>& segments) {
  std::string iri(base);
  for (std::string_view segment : segments) {
    if (!iri.empty() && iri.back() != '/' && iri.back() != '#' && iri.back() != ':') iri.push_back('/');
    iri += PercentEncodeSegment(segment);
  }
  return Term(Kind::kIri, std::move(iri), "", "");
}

Term Term::String(std::string_view text) { return Term(Kind::kLiteral, std::string(text), "", ""); }

Term Term::LangString(std::string_view text, std::string_view lang) {
  std::string clean;
  for (char c : lang) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      clean.push_back(c);
    }
  }
  if (clean.empty() || clean[0] == '-') return String(text);
  return Term(Kind::kLiteral, std::string(text), "", clean);
}

Term Term::Integer(int64_t value) {
  return Term(Kind::kLiteral, std::to_string(value), std::string(kXsd) + "integer", "");
}

Term Term::Double(double value) {
  std::string lexical;
  if (std::isnan(value)) {
    lexical = "NaN";
  } else if (std::isinf(value)) {
    lexical = value > 0 ? "INF" : "-INF";
  } else {
    char buffer[40];
    std::snprintf(buffer, sizeof(buffer), "%.17g", value);
    lexical = buffer;
    if (lexical.find_first_of(".eEn") == std::string::npos) lexical += ".0";
  }
  return Term(Kind::kLiteral, std::move(lexical), std::string(kXsd) + "double", "");
}

Term Term::Boolean(bool value) {
  return Term(Kind::kLiteral, value ? "true" : "false", std::string(kXsd) + "boolean", "");
}

std::string Term::ToSparql() const {
  if (kind_ == Kind::kIri) return "<" + value_ + ">";
  std::string out = "\"" + EscapeStringBody(value_) + "\"";
  if (!lang_.empty()) return out + "@" + lang_;
  if (!datatype_.empty()) out += "^^<" + datatype_ + ">";
  return out;
}

std::string ToNTriples(const std::vector<Triple>& triples) {
  std::string out;
  for (const Triple& triple : triples) {
    out += triple.subject.ToSparql();
    out += ' ';
    out += triple.predicate.ToSparql();
    out += ' ';
    out += triple.object.ToSparql();
    out += " .\n";
  }
  return out;
}

}  // namespace tinyforge::server::kg
