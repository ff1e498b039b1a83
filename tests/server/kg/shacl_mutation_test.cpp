// Seeded mutation tests: mutated shapes/ontology Turtle through the loader, and mutated model
// cards / TDs (as JSON values and as JSON text) through parsing, mapping and validation. Bad input
// must give an error or a report, never a crash or a hang; the seeds are fixed so a failure
// reproduces.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "server/kg/rdf_mapping.h"
#include "server/kg/registry_validator.h"

namespace tinyforge::server::kg {
namespace {

using nlohmann::json;

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(TINYFORGE_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Tokens that make mutations meaningful to a Turtle or SHACL reader, not just random bytes.
const std::vector<std::string> kTurtleTokens = {
    "[", "]", "(", ")", ";", ".", ",", "\"", "\"\"\"", "<", ">", "_:b1", "@prefix x: <urn:x#> .", "a",
    "sh:minCount", "sh:maxCount -1", "sh:pattern \"(\"", "sh:node tfsh:ModelCardShape", "sh:property",
    "sh:path ( tf:a tf:b )", "sh:in ( 1 2", "sh:sparql", "sh:qualifiedValueShape", "sh:closed true",
    "^^xsd:integer", "@en", "rdf:nil", "rdf:first", "\\u0000", "1e999", "\xff\xfe", "\n", "#", "sh:not [ sh:not",
    "sh:inversePath", "rdfs:subClassOf tf:Device", "tf:Device rdfs:subClassOf tf:Device ."};

std::string MutateText(std::string text, std::mt19937& random, const std::vector<std::string>& tokens) {
  int edits = 1 + static_cast<int>(random() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    size_t at = random() % text.size();
    switch (random() % 5) {
      case 0: text[at] = static_cast<char>(random() % 256); break;
      case 1: text.erase(at, 1 + random() % 40); break;
      case 2: text.insert(at, text.substr(random() % text.size(), 1 + random() % 60)); break;
      default: text.insert(at, " " + tokens[random() % tokens.size()] + " "); break;
    }
  }
  return text;
}

TEST(ShaclMutationTest, MutatedShapesAndOntologyNeverCrashTheLoader) {
  const std::string shapes = ReadSource("ontology/shapes.ttl");
  const std::string ontology = ReadSource("ontology/tinyforge.ttl");
  auto card = ParseModelCard(json::parse(ReadSource("ontology/examples/kws_model_card.json")));
  auto device = ParseDeviceDescription(json::parse(ReadSource("ontology/examples/nano_device.td.json")));
  ASSERT_TRUE(card.ok() && device.ok());
  std::vector<Triple> triples = ModelCardTriples(*card);
  for (const Triple& triple : DeviceTriples(*device)) triples.push_back(triple);
  std::mt19937 random(20261126);
  int loaded = 0, refused = 0;
  for (int i = 0; i < 400; ++i) {
    bool mutate_shapes = i % 4 != 3;
    std::string shapes_text = mutate_shapes ? MutateText(shapes, random, kTurtleTokens) : shapes;
    std::string ontology_text = mutate_shapes ? ontology : MutateText(ontology, random, kTurtleTokens);
    auto validator = RegistryValidator::FromTurtle(shapes_text, ontology_text);
    if (!validator.ok()) {
      ++refused;
      EXPECT_FALSE(validator.error().message.empty());
      continue;
    }
    ++loaded;
    (void)(*validator)->Validate(triples);  // whatever the shapes now say, validation completes
  }
  EXPECT_GT(refused, 50);  // the mutations do reach the error paths...
  EXPECT_GT(loaded, 20);   // ...and the validator runs on shapes that still load
}

json RandomValue(std::mt19937& random) {
  switch (random() % 10) {
    case 0: return nullptr;
    case 1: return -1;
    case 2: return 0;
    case 3: return std::numeric_limits<int64_t>::max();
    case 4: return 1e308;
    case 5: return "";
    case 6: return "x\" } ; DROP ALL ; \\u0022 \n 漢字";
    case 7: return json::array({1, "a", nullptr});
    case 8: return json::object({{"id", 1}});
    default: return std::string(static_cast<size_t>(random() % 3000), 'a');
  }
}

// Replaces or deletes a random value somewhere in the document.
void MutateJson(json& document, std::mt19937& random) {
  json* node = &document;
  for (int depth = 0; depth < 6; ++depth) {
    if (!(node->is_object() || node->is_array()) || node->empty() || random() % 3 == 0) break;
    size_t pick = random() % node->size();
    auto it = node->begin();
    std::advance(it, static_cast<long>(pick));
    if (random() % 4 == 0) {
      if (node->is_object()) node->erase(it.key());
      else node->erase(pick);
      return;
    }
    node = &*it;
  }
  *node = RandomValue(random);
}

TEST(ShaclMutationTest, MutatedCardsAndThingDescriptionsNeverCrashTheMappingOrValidation) {
  auto validator = RegistryValidator::Embedded();
  ASSERT_TRUE(validator.ok()) << validator.error().message;
  const std::string card_text = ReadSource("ontology/examples/kws_model_card.json");
  const std::string td_text = ReadSource("ontology/examples/nano_device.td.json");
  const std::vector<std::string> json_tokens = {"{", "}", "[", "]", ",", ":", "\"", "null", "-0", "1e999", "\\u0000", "true"};
  std::mt19937 random(5150);
  int refused = 0, violations = 0, conforming = 0;
  for (int i = 0; i < 1500; ++i) {
    bool is_card = i % 2 == 0;
    json document;
    if (i % 3 == 0) {  // text-level: what a client could send as the body
      document = json::parse(MutateText(is_card ? card_text : td_text, random, json_tokens), nullptr, false);
      if (document.is_discarded()) continue;
    } else {
      document = json::parse(is_card ? card_text : td_text);
      int edits = 1 + static_cast<int>(random() % 3);
      for (int e = 0; e < edits; ++e) MutateJson(document, random);
    }
    std::vector<Triple> triples;
    if (is_card) {
      auto parsed = ParseModelCard(document);
      if (!parsed.ok()) {
        ++refused;
        continue;
      }
      triples = ModelCardTriples(*parsed);
    } else {
      auto parsed = ParseDeviceDescription(document);
      if (!parsed.ok()) {
        ++refused;
        continue;
      }
      triples = DeviceTriples(*parsed);
    }
    auto report = (*validator)->Validate(triples);
    if (report.violation_count() > 0) {
      ++violations;
      EXPECT_FALSE(report.ToText().empty());
    } else {
      ++conforming;
    }
  }
  EXPECT_GT(refused, 100);
  EXPECT_GT(violations, 100);
  EXPECT_GT(conforming, 10);
}

}  // namespace
}  // namespace tinyforge::server::kg
