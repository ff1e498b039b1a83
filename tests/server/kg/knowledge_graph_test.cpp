// ToTurtle (the Graph Store bodies of bulk loads): the Turtle text reads back as exactly the same
// triples as the N-Triples text, for registry data and for IRIs and literals built to trip a
// Turtle writer (dot segments, scheme-like ids, hostile strings, every literal kind).
#include "server/kg/knowledge_graph.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

#include "server/kg/rdf_mapping.h"
#include "server/kg/shacl_turtle.h"
#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {
namespace {

using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;

// The triples of a Turtle document as (subject, predicate, object value, datatype, lang).
std::set<Key> ReadBack(const std::string& text) {
  shacl::Graph graph;
  auto read = shacl::ReadTurtle(text, graph, {"(test)", "urn:wrong-base/", "b_"});
  EXPECT_TRUE(read.ok()) << read.error().message << "\n" << text.substr(0, 2000);
  std::set<Key> out;
  for (const auto& triple : graph.triples()) {
    const auto& o = graph.node(triple.object);
    out.emplace(graph.node(triple.subject).value, graph.node(triple.predicate).value, o.value, o.datatype, o.lang);
  }
  return out;
}

std::vector<Triple> TrickyTriples() {
  auto iri = [](const std::string& text) { return Term::Iri(text).value(); };
  std::vector<Triple> triples;
  const std::vector<std::string> ids = {"..", ".", "a:b", "x/../y", "./z", "#frag", "?q", "plain-id", "", "é"};
  for (const std::string& id : ids) {
    Term device = DeviceIri(id);
    triples.push_back({device, iri(vocab::Rdf("type")), iri(vocab::Tf("Device"))});
    triples.push_back({device, iri(vocab::Schema("identifier")), Term::String(id)});
    triples.push_back({device, iri(vocab::Tf("ramBytes")), Term::Integer(-42)});
    triples.push_back({device, iri(vocab::Tf("hasFpu")), Term::Boolean(true)});
    triples.push_back({device, iri(vocab::Tf("samplingRateHz")), Term::Double(16000.5)});
    triples.push_back({device, iri(vocab::Td("title")), Term::LangString(id + " \"\"\" } ;", "en-GB")});
    triples.push_back({Term::IriFromSegments(device.value(), {id}), iri(vocab::Rdf("type")), device});
  }
  // Raw data IRIs that are not what IriFromSegments builds (e.g. imported): dot segments,
  // a scheme-like first segment; vocabulary IRIs with local names a prefix cannot hold.
  for (const std::string& text :
       {std::string(vocab::kDataBase) + "a/./b", std::string(vocab::kDataBase) + "../up",
        std::string(vocab::kDataBase) + "s:x", std::string(vocab::kDataBase), vocab::Tf("x.y"), vocab::Tf("1st"),
        vocab::Tf(""), vocab::Tf("a/b"), std::string("urn:other:thing"), vocab::Rdf("type") + "x"}) {
    triples.push_back({iri(text), iri(text), iri(text)});
    triples.push_back({iri(vocab::Tf("Thing")), iri(vocab::Tf("links")), iri(text)});
  }
  triples.push_back({iri(vocab::Tf("Thing")), iri(vocab::Tf("n")), Term::Integer(0)});
  triples.push_back({iri(vocab::Tf("Thing")), iri(vocab::Tf("s")), Term::String("backslash \\ \\u0022 \n\r\t\x01")});
  return triples;
}

TEST(KnowledgeGraphTest, TurtleReadsBackAsTheSameTriplesAsNTriples) {
  std::vector<Triple> triples = TrickyTriples();
  std::set<Key> expected = ReadBack(ToNTriples(triples));
  EXPECT_EQ(expected.size(), triples.size());  // no duplicates in the input
  EXPECT_EQ(ReadBack(ToTurtle(triples)), expected);
}

TEST(KnowledgeGraphTest, TurtleOfADeviceIsCompact) {
  std::vector<Triple> triples = TrickyTriples();
  std::string turtle = ToTurtle(triples);
  EXPECT_LT(turtle.size(), ToNTriples(triples).size());
  EXPECT_NE(turtle.find("<device/plain-id> a tf:Device ;"), std::string::npos) << turtle;
  EXPECT_NE(turtle.find("tf:hasFpu true"), std::string::npos) << turtle;
  EXPECT_NE(turtle.find("tf:ramBytes -42"), std::string::npos) << turtle;
  EXPECT_TRUE(ReadBack(ToTurtle({})).empty());
}

}  // namespace
}  // namespace tinyforge::server::kg
