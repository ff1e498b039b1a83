// RDF terms for SPARQL and N-Triples text: the only way user data enters a query or a batch load.
//
// Every value that comes from a request becomes a Term first: IRIs are validated (or built from
// percent-encoded segments), literals are escaped and typed. Query builders take Terms, never raw
// strings, so no user text is ever concatenated into SPARQL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/kg/kg_result.h"

namespace tinyforge::server::kg {

inline constexpr std::string_view kXsd = "http://www.w3.org/2001/XMLSchema#";

class Term {
 public:
  enum class Kind { kIri, kLiteral };

  // Validates an absolute IRI (scheme ':' ...; none of <>"{}|^`\ or whitespace/control chars).
  // Errors: kInvalidArgument naming `field` when the text is not a safe IRI.
  static Result<Term> Iri(std::string_view iri, std::string_view field = "iri");
  // base + '/'-joined segments, each percent-encoded (only RFC 3986 unreserved chars stay): any
  // user id becomes a valid IRI. `base` must be a constant, valid IRI.
  static Term IriFromSegments(std::string_view base, const std::vector<std::string_view>& segments);
  static Term String(std::string_view text);
  static Term LangString(std::string_view text, std::string_view lang);  // lang: [A-Za-z0-9-]
  static Term Integer(int64_t value);
  static Term Double(double value);  // NaN/inf become "NaN"/"INF"/"-INF" (valid xsd:double)
  static Term Boolean(bool value);

  Kind kind() const { return kind_; }
  // The IRI text or the literal's lexical form (unescaped).
  const std::string& value() const { return value_; }
  const std::string& datatype() const { return datatype_; }
  const std::string& lang() const { return lang_; }  // language tag; empty for other literals
  // SPARQL / N-Triples / Turtle syntax of the term, fully escaped.
  std::string ToSparql() const;
  bool operator==(const Term&) const = default;

 private:
  Term(Kind kind, std::string value, std::string datatype, std::string lang)
      : kind_(kind), value_(std::move(value)), datatype_(std::move(datatype)), lang_(std::move(lang)) {}
  Kind kind_;
  std::string value_;
  std::string datatype_;  // empty = xsd:string
  std::string lang_;
};

// True if `iri` is safe inside <...> in SPARQL, Turtle and N-Triples.
bool IsSafeIri(std::string_view iri);
// Escapes a string literal body (without the quotes) so that it survives both SPARQL's
// pre-parse \u processing and N-Triples; see sparql_term.cpp for the one subtle case.
std::string EscapeStringBody(std::string_view text);
// RFC 3986 percent-encoding of one path segment.
std::string PercentEncodeSegment(std::string_view text);

// One triple; serialized as N-Triples (GSP batch loads) or inside INSERT DATA.
struct Triple {
  Term subject;
  Term predicate;
  Term object;
};

std::string ToNTriples(const std::vector<Triple>& triples);

}  // namespace tinyforge::server::kg
