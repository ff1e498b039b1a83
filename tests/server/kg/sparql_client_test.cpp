// SPARQL 1.1 protocol client against the real Virtuoso: queries, updates, GSP, access control.
#include "server/kg/sparql_client.h"

#include <gtest/gtest.h>

#include "server/kg/knowledge_graph.h"
#include "server/kg/sparql_term.h"
#include "virtuoso_fixture.h"

namespace tinyforge::server::kg {
namespace {

using testing::Client;
using testing::Store;

#define REQUIRE_STORE() \
  if (Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available"

TEST(SparqlClientTest, SelectParsesTypedBindings) {
  REQUIRE_STORE();
  auto result = Client().Select("SELECT (1 + 2 AS ?sum) (\"x\" AS ?text) WHERE {}");
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_EQ(IntegerValue(result->Get(0, "sum")), 3);
  EXPECT_EQ(result->Get(0, "text")->value, "x");
}

TEST(SparqlClientTest, AskAnswersTrueAndFalse) {
  REQUIRE_STORE();
  KnowledgeGraph graph(Client(), "urn:tinyforge:test:ask");
  ASSERT_TRUE(graph.InsertTriples({{Term::Iri("urn:a").value(), Term::Iri("urn:p").value(),
                                     Term::Integer(7)}}).ok());
  auto yes = Client().Ask("ASK FROM <urn:tinyforge:test:ask> { <urn:a> <urn:p> 7 }");
  auto no = Client().Ask("ASK FROM <urn:tinyforge:test:ask> { <urn:a> <urn:p> 8 }");
  ASSERT_TRUE(yes.ok()) << yes.error().message;
  ASSERT_TRUE(no.ok()) << no.error().message;
  EXPECT_TRUE(*yes);
  EXPECT_FALSE(*no);
}

TEST(SparqlClientTest, SyntaxErrorComesBackAsStoreErrorWithMessage) {
  REQUIRE_STORE();
  auto result = Client().Select("SELECT * WHERE { ?s ?p }");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kStore);
  EXPECT_NE(result.error().message.find("HTTP 400"), std::string::npos) << result.error().message;
}

TEST(SparqlClientTest, AnonymousEndpointRefusesUpdates) {
  REQUIRE_STORE();
  SparqlEndpoints anonymous = Store()->endpoints();
  anonymous.update_url = anonymous.query_url;
  anonymous.user.clear();
  SparqlClient client(anonymous);
  auto done = client.Update("INSERT DATA { GRAPH <urn:tinyforge:test:anon> { <urn:a> <urn:b> 1 } }");
  EXPECT_FALSE(done.ok());
  auto rows = Client().Select("SELECT ?s FROM <urn:tinyforge:test:anon> WHERE { ?s ?p ?o }");
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->rows.empty());
}

TEST(SparqlClientTest, WrongPasswordIsRefused) {
  REQUIRE_STORE();
  SparqlEndpoints wrong = Store()->endpoints();
  wrong.password = "not-the-password";
  SparqlClient client(wrong);
  auto done = client.Update("INSERT DATA { GRAPH <urn:tinyforge:test:pw> { <urn:a> <urn:b> 1 } }");
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("401"), std::string::npos) << done.error().message;
}

TEST(SparqlClientTest, GraphStorePostLoadsNTriplesAndTurtle) {
  REQUIRE_STORE();
  KnowledgeGraph graph(Client(), "urn:tinyforge:test:gsp");
  std::vector<Triple> triples;
  for (int i = 0; i < 2500; ++i) {  // above Virtuoso's INSERT DATA limit: GSP must take it whole
    triples.push_back({Term::IriFromSegments("urn:tinyforge:test:s", {std::to_string(i)}),
                       Term::Iri("urn:tinyforge:test:value").value(), Term::Integer(i)});
  }
  ASSERT_TRUE(graph.LoadTriples(triples).ok());
  ASSERT_TRUE(graph.LoadTurtle("@prefix x: <urn:tinyforge:test:> . x:t a x:Thing .").ok());
  auto sum = Client().Select("SELECT (COUNT(*) AS ?count) (SUM(?v) AS ?sum) FROM <urn:tinyforge:test:gsp> "
                             "WHERE { ?s <urn:tinyforge:test:value> ?v }");
  ASSERT_TRUE(sum.ok()) << sum.error().message;
  EXPECT_EQ(IntegerValue(sum->Get(0, "count")), 2500);
  EXPECT_EQ(IntegerValue(sum->Get(0, "sum")), 2500 * 2499 / 2);
  auto things = graph.CountInstances(Term::Iri("urn:tinyforge:test:Thing").value());
  ASSERT_TRUE(things.ok());
  EXPECT_EQ(*things, 1);
}

TEST(SparqlClientTest, InsertTriplesSplitsLargeBatchesIntoAcceptedChunks) {
  REQUIRE_STORE();
  KnowledgeGraph graph(Client(), "urn:tinyforge:test:chunks");
  std::vector<Triple> triples;
  for (int i = 0; i < 3500; ++i) {
    triples.push_back({Term::IriFromSegments("urn:tinyforge:test:c", {std::to_string(i)}),
                       Term::Iri("urn:tinyforge:test:v").value(), Term::Integer(i)});
  }
  auto done = graph.InsertTriples(triples);
  ASSERT_TRUE(done.ok()) << done.error().message;
  auto count = graph.Count("SELECT (COUNT(*) AS ?count) FROM <urn:tinyforge:test:chunks> WHERE { ?s ?p ?o }");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 3500);
}

TEST(SparqlCsvTest, ParsesQuotedFieldsUnboundCellsAndBothLineEndings) {
  auto table = ParseSelectCsv("\"a\",b,\"c\"\r\n\"x,1\",,\"say \"\"hi\"\"\nline 2\"\r\n1,2,3\n,,\n");
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->columns, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(table->rows.size(), 3u);
  EXPECT_EQ(table->rows[0], (std::vector<std::string>{"x,1", "", "say \"hi\"\nline 2"}));
  EXPECT_EQ(table->rows[1], (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(table->rows[2], (std::vector<std::string>{"", "", ""}));
  EXPECT_EQ(table->Column("c"), 2);
  EXPECT_EQ(table->Column("nope"), -1);
  // Last line without a line break.
  auto last = ParseSelectCsv("n\n5");
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->rows.size(), 1u);
  EXPECT_EQ(last->rows[0][0], "5");
}

TEST(SparqlCsvTest, MalformedResultsAreStoreErrorsNamingTheLine) {
  auto width = ParseSelectCsv("a,b\n1,2\n1,2,3\n");
  ASSERT_FALSE(width.ok());
  EXPECT_EQ(width.error().kind, ErrorKind::kStore);
  EXPECT_NE(width.error().message.find("line 3"), std::string::npos) << width.error().message;
  auto open = ParseSelectCsv("a\n\"never closed\n");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("unterminated"), std::string::npos) << open.error().message;
  auto after = ParseSelectCsv("a\n\"x\"y\n");
  ASSERT_FALSE(after.ok());
  EXPECT_FALSE(ParseSelectCsv("").ok());
}

TEST(SparqlClientTest, SelectCsvReadsIrisNumbersAndUnboundFromTheStore) {
  REQUIRE_STORE();
  KnowledgeGraph graph(Client(), "urn:tinyforge:test:csv");
  ASSERT_TRUE(graph.Clear().ok());
  ASSERT_TRUE(graph.InsertTriples({{Term::Iri("urn:a,1").value(), Term::Iri("urn:p").value(), Term::Integer(7)},
                                   {Term::Iri("urn:b").value(), Term::Iri("urn:p").value(), Term::Integer(-3)}})
                  .ok());
  auto table = Client().SelectCsv(
      "SELECT ?s ?o ?none FROM <urn:tinyforge:test:csv> WHERE { ?s <urn:p> ?o OPTIONAL { ?s <urn:q> ?none } } ORDER BY ?s");
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->columns, (std::vector<std::string>{"s", "o", "none"}));
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0], (std::vector<std::string>{"urn:a,1", "7", ""}));
  EXPECT_EQ(table->rows[1], (std::vector<std::string>{"urn:b", "-3", ""}));
  // Many requests in a row reuse the pooled connections and keep answering.
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Client().SelectCsv("SELECT (1 AS ?x) WHERE {}").ok());
  (void)graph.Clear();
}

}  // namespace
}  // namespace tinyforge::server::kg
