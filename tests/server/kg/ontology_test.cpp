// ontology/: the vocabulary and shapes parse in a real store, every term the mapper writes is
// declared, the examples are exactly what the mapper writes, and the compatibility queries give
// the answers the examples document.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "server/kg/compatibility.h"
#include "server/kg/rdf_mapping.h"
#include "server/kg/vocabulary.h"
#include "virtuoso_fixture.h"

namespace tinyforge::server::kg {
namespace {

using testing::Client;
using testing::Store;

std::string ReadOntologyFile(const std::string& relative) {
  std::ifstream in(std::string(TINYFORGE_SOURCE_DIR) + "/ontology/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << relative;
  return text.str();
}

std::vector<Triple> MapperOutputForExamples() {
  auto card = ParseModelCard(nlohmann::json::parse(ReadOntologyFile("examples/kws_model_card.json")));
  auto device = ParseDeviceDescription(nlohmann::json::parse(ReadOntologyFile("examples/nano_device.td.json")));
  auto runtime = ParseRuntimeRelease(nlohmann::json::parse(ReadOntologyFile("examples/runtime_0_3_0.json")));
  EXPECT_TRUE(card.ok()) << card.error().message;
  EXPECT_TRUE(device.ok()) << device.error().message;
  EXPECT_TRUE(runtime.ok()) << runtime.error().message;
  std::vector<Triple> triples = ModelCardTriples(*card);
  for (const auto& more : {DeviceTriples(*device), RuntimeTriples(*runtime)}) {
    triples.insert(triples.end(), more.begin(), more.end());
  }
  return triples;
}

class OntologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available";
  }
};

TEST_F(OntologyTest, VocabularyAndShapesParseInTheStore) {
  KnowledgeGraph ontology(Client(), "urn:tinyforge:test:ontology");
  KnowledgeGraph shapes(Client(), "urn:tinyforge:test:shapes");
  ASSERT_TRUE(ontology.Clear().ok());
  ASSERT_TRUE(shapes.Clear().ok());
  auto loaded = ontology.LoadTurtle(ReadOntologyFile("tinyforge.ttl"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  loaded = shapes.LoadTurtle(ReadOntologyFile("shapes.ttl"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  auto classes = ontology.CountInstances(Term::Iri("http://www.w3.org/2002/07/owl#Class").value());
  auto node_shapes = shapes.CountInstances(Term::Iri("http://www.w3.org/ns/shacl#NodeShape").value());
  ASSERT_TRUE(classes.ok() && node_shapes.ok());
  EXPECT_EQ(*classes, 12);
  EXPECT_EQ(*node_shapes, 11);
}

TEST_F(OntologyTest, EveryOwnTermTheMapperWritesIsDeclared) {
  KnowledgeGraph ontology(Client(), "urn:tinyforge:test:ontology-terms");
  ASSERT_TRUE(ontology.Clear().ok());
  ASSERT_TRUE(ontology.LoadTurtle(ReadOntologyFile("tinyforge.ttl")).ok());
  std::set<std::string> own_terms;
  for (const Triple& triple : MapperOutputForExamples()) {
    for (const Term* term : {&triple.predicate, &triple.object}) {
      if (term->kind() == Term::Kind::kIri && term->value().rfind(std::string(vocab::kTf), 0) == 0) {
        own_terms.insert(term->value());
      }
    }
  }
  EXPECT_GT(own_terms.size(), 30u);
  for (const std::string& term : own_terms) {
    auto declared = Client().Ask("ASK FROM <urn:tinyforge:test:ontology-terms> { <" + term +
                                 "> a ?kind ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }");
    ASSERT_TRUE(declared.ok()) << declared.error().message;
    EXPECT_TRUE(*declared) << term << " is written by the mapper but not declared in tinyforge.ttl";
  }
}

TEST_F(OntologyTest, ExampleTurtleIsExactlyWhatTheMapperWrites) {
  KnowledgeGraph from_turtle(Client(), "urn:tinyforge:test:examples-ttl");
  KnowledgeGraph from_mapper(Client(), "urn:tinyforge:test:examples-mapper");
  ASSERT_TRUE(from_turtle.Clear().ok());
  ASSERT_TRUE(from_mapper.Clear().ok());
  ASSERT_TRUE(from_turtle.LoadTurtle(ReadOntologyFile("examples/registry.ttl")).ok());
  ASSERT_TRUE(from_mapper.InsertTriples(MapperOutputForExamples()).ok());
  auto only_in = [](const char* a, const char* b) {
    return "SELECT (COUNT(*) AS ?count) WHERE { GRAPH <" + std::string(a) + "> { ?s ?p ?o } " +
           "FILTER NOT EXISTS { GRAPH <" + b + "> { ?s ?p ?o } } }";
  };
  auto total = from_turtle.Count("SELECT (COUNT(*) AS ?count) WHERE { GRAPH <urn:tinyforge:test:examples-ttl> { ?s ?p ?o } }");
  auto turtle_only = from_turtle.Count(only_in("urn:tinyforge:test:examples-ttl", "urn:tinyforge:test:examples-mapper"));
  auto mapper_only = from_turtle.Count(only_in("urn:tinyforge:test:examples-mapper", "urn:tinyforge:test:examples-ttl"));
  ASSERT_TRUE(total.ok() && turtle_only.ok() && mapper_only.ok());
  EXPECT_GT(*total, 80);
  EXPECT_EQ(*turtle_only, 0);
  EXPECT_EQ(*mapper_only, 0);
}

TEST_F(OntologyTest, ExamplesGiveTheDocumentedCompatibilityAnswers) {
  KnowledgeGraph graph(Client(), "urn:tinyforge:test:examples-compat");
  ASSERT_TRUE(graph.Clear().ok());
  ASSERT_TRUE(graph.LoadTurtle(ReadOntologyFile("examples/registry.ttl")).ok());
  ASSERT_TRUE(graph.LoadTurtle(ReadOntologyFile("examples/tiny_device.ttl")).ok());
  CompatibilityQueries queries(graph);
  Term kws = ModelVersionIri("kws-small", "1.2.0");
  Term nano = DeviceIri("nano-33-0001");
  Term tiny = DeviceIri("m0-tiny-0007");

  auto compatible = queries.CompatibleDevices(kws, 0, 10);
  ASSERT_TRUE(compatible.ok()) << compatible.error().message;
  ASSERT_EQ(compatible->total, 1);
  EXPECT_EQ(compatible->items[0].id, "nano-33-0001");

  std::vector<std::string> expected_tiny = {
      "firmware_too_old: firmware too old: runtime 0.1.0 < required 0.3.0",
      "op_unsupported: op DEPTHWISE_CONV_2D unsupported by runtime version 0.1.0",
      "op_unsupported: op SOFTMAX unsupported by runtime version 0.1.0",
      "ram_short: RAM short by 5616 bytes",
      "sensor_missing: sensor Microphone missing (16000.000000 Hz required)"};
  auto describe = [](const std::vector<Reason>& reasons) {
    std::vector<std::string> out;
    for (const Reason& reason : reasons) out.push_back(std::string(ReasonKindName(reason.kind)) + ": " + reason.Describe());
    std::sort(out.begin(), out.end());
    return out;
  };
  auto with_reasons = queries.DevicesWithReasons(kws, 0, 10);
  ASSERT_TRUE(with_reasons.ok()) << with_reasons.error().message;
  ASSERT_EQ(with_reasons->items.size(), 2u);
  EXPECT_EQ(with_reasons->items[0].iri, tiny.value());  // "m0-..." sorts before "nano-..."
  EXPECT_EQ(describe(with_reasons->items[0].reasons), expected_tiny);
  EXPECT_EQ(with_reasons->items[1].iri, nano.value());
  EXPECT_TRUE(with_reasons->items[1].compatible());

  auto models_for_tiny = queries.ModelsWithReasons(tiny, 0, 10);
  ASSERT_TRUE(models_for_tiny.ok()) << models_for_tiny.error().message;
  ASSERT_EQ(models_for_tiny->items.size(), 1u);
  EXPECT_EQ(describe(models_for_tiny->items[0].reasons), expected_tiny);
  auto models_for_nano = queries.CompatibleModels(nano, 0, 10);
  ASSERT_TRUE(models_for_nano.ok()) << models_for_nano.error().message;
  ASSERT_EQ(models_for_nano->total, 1);
  EXPECT_EQ(models_for_nano->items[0].version, "1.2.0");
  auto none_for_tiny = queries.CompatibleModels(tiny, 0, 10);
  ASSERT_TRUE(none_for_tiny.ok()) << none_for_tiny.error().message;
  EXPECT_EQ(none_for_tiny->total, 0);
  EXPECT_TRUE(none_for_tiny->items.empty());
}

}  // namespace
}  // namespace tinyforge::server::kg
