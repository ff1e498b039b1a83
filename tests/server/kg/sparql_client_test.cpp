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

}  // namespace
}  // namespace tinyforge::server::kg
