// Term escaping and IRI validation, without a store.
#include "server/kg/sparql_term.h"

#include <gtest/gtest.h>

namespace tinyforge::server::kg {
namespace {

TEST(SparqlTermTest, RejectsIrisWithSpacesBracesAndQuotes) {
  EXPECT_FALSE(Term::Iri("http://x.org/a b").ok());
  EXPECT_FALSE(Term::Iri("http://x.org/a>} ; DROP ALL").ok());
  EXPECT_FALSE(Term::Iri("http://x.org/\"").ok());
  EXPECT_FALSE(Term::Iri("no-scheme").ok());
  EXPECT_FALSE(Term::Iri("").ok());
  EXPECT_TRUE(Term::Iri("http://x.org/a#b").ok());
  EXPECT_TRUE(Term::Iri("urn:uuid:1234").ok());
}

TEST(SparqlTermTest, PercentEncodesEverySegmentCharacterOutsideUnreserved) {
  Term iri = Term::IriFromSegments("https://w3id.org/tinyforge/id/", {"device", "a b>}\"/\\"});
  EXPECT_EQ(iri.value(), "https://w3id.org/tinyforge/id/device/a%20b%3E%7D%22%2F%5C");
  EXPECT_TRUE(IsSafeIri(iri.value()));
  EXPECT_EQ(Term::IriFromSegments("urn:x:", {".."}).value(), "urn:x:%2E%2E");
}

TEST(SparqlTermTest, EscapesQuotesBackslashesAndNewlines) {
  EXPECT_EQ(Term::String("a\"b").ToSparql(), "\"a\\\"b\"");
  EXPECT_EQ(Term::String("a\\b").ToSparql(), "\"a\\\\b\"");
  EXPECT_EQ(Term::String("l1\nl2").ToSparql(), "\"l1\\nl2\"");
  EXPECT_EQ(Term::String(std::string("x\x01y", 3)).ToSparql(), "\"x\\u0001y\"");
}

TEST(SparqlTermTest, BackslashUIsNotReadAsACodePointEscape) {
  // A pre-parser that expands \uXXXX must not turn the user's "\u0022" into a quote.
  std::string body = EscapeStringBody("\\u0022");
  EXPECT_EQ(body, "\\\\\\u0075" "0022");
}

TEST(SparqlTermTest, TypesNumbersAndBooleans) {
  EXPECT_EQ(Term::Integer(-5).ToSparql(), "\"-5\"^^<http://www.w3.org/2001/XMLSchema#integer>");
  EXPECT_EQ(Term::Boolean(true).ToSparql(), "\"true\"^^<http://www.w3.org/2001/XMLSchema#boolean>");
  EXPECT_EQ(Term::Double(2.0).value(), "2.0");
  EXPECT_EQ(Term::LangString("x", "en\"} ").ToSparql(), "\"x\"@en");
}

}  // namespace
}  // namespace tinyforge::server::kg
