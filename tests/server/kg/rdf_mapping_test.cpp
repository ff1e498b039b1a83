// Model card / device / runtime mapping: validation lists every violation, and hostile strings in
// every field round-trip through the real store unchanged (via INSERT DATA and via GSP).
#include "server/kg/rdf_mapping.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "server/kg/knowledge_graph.h"
#include "server/kg/registry_queries.h"
#include "server/kg/vocabulary.h"
#include "virtuoso_fixture.h"

namespace tinyforge::server::kg {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Store;

const std::vector<std::string>& HostileStrings() {
  static const std::vector<std::string> kStrings = {
      "quote\" and 'single'",
      "close } brace } ; DROP ALL ; INSERT DATA { <urn:evil> <urn:evil> 1 }",
      "\"\"\" triple quotes \"\"\" and '''",
      "backslash \\ and \\\" and \\u0022 and \\U00000022 and trailing \\",
      "http://iri with spaces/> <urn:x>",
      "} } UNION { ?s ?p ?o } # comment",
      "newline\nreturn\rtab\t and \x01 control",
      "unicode é 漢字 🚀",
      "..",
      "?var $var @en ^^<urn:type>",
  };
  return kStrings;
}

json ValidModelCard() {
  return json{{"id", "kws-small"},
              {"version", "1.2.0"},
              {"name", "Keyword spotting"},
              {"ops", {"CONV_2D", "FULLY_CONNECTED", "SOFTMAX"}},
              {"inputs", {{{"name", "audio"}, {"dtype", "int8"}, {"shape", {1, 49, 10, 1}}}}},
              {"outputs", {{{"name", "scores"}, {"dtype", "int8"}, {"shape", {1, 4}}}}},
              {"quantization", {{"scheme", "int8-per-channel"}, {"weight_bits", 8}, {"activation_bits", 8}}},
              {"arena_bytes", 22000},
              {"flash_bytes", 54000},
              {"runtime_version", "0.3.0"},
              {"required_sensors", {{{"type", "Microphone"}, {"min_sampling_rate_hz", 16000}}}},
              {"accuracy", 0.91},
              {"dataset_hash", "sha256:" + std::string(64, 'a')}};
}

json ValidDevice() {
  return json{{"@context", "https://www.w3.org/2022/wot/td/v1.1"},
              {"id", "dev-0001"},
              {"title", "Nano board"},
              {"securityDefinitions", {{"nosec_sc", {{"scheme", "nosec"}}}}},
              {"security", {"nosec_sc"}},
              {"properties", {{"acceleration", {{"type", "number"}}}}},
              {"capabilities",
               {{"mcu", {{"core", "cortex-m4"}, {"clock_hz", 64000000}, {"fpu", true}, {"dsp", true}}},
                {"ram_bytes", 262144},
                {"flash_bytes", 1048576},
                {"sensors", {{{"type", "Accelerometer"}, {"sampling_rate_hz", 400}}}},
                {"firmware", {{"id", "fw-nano"}, {"version", "2.1.0"}}},
                {"runtime_version", "0.3.0"}}}};
}

TEST(RdfMappingTest, ParsesAValidModelCardAndDevice) {
  auto card = ParseModelCard(ValidModelCard());
  ASSERT_TRUE(card.ok()) << card.error().message;
  EXPECT_EQ(card->ops.size(), 3u);
  EXPECT_EQ(card->required_sensors[0].type, "Microphone");
  auto device = ParseDeviceDescription(ValidDevice());
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->ram_bytes, 262144);
  EXPECT_EQ(device->property_names, std::vector<std::string>{"acceleration"});
}

// Parsing checks only JSON types; value rules are the shapes' (tests/server/kg/shacl_registry_test.cpp).
TEST(RdfMappingTest, ListsEveryFieldOfTheWrongJsonType) {
  json card = ValidModelCard();
  card["arena_bytes"] = "big";
  card["ops"] = {"CONV_2D", 7};
  card["inputs"][0]["shape"] = {1, "x"};
  card["accuracy"] = "high";
  card["quantization"] = 8;
  auto parsed = ParseModelCard(card);
  ASSERT_FALSE(parsed.ok());
  const std::string& message = parsed.error().message;
  EXPECT_NE(message.find("5 problems"), std::string::npos) << message;
  for (const char* field : {"arena_bytes: must be an integer", "ops[1]: must be a string", "inputs[0].shape:",
                            "accuracy: must be a number", "quantization: must be an object"}) {
    EXPECT_NE(message.find(field), std::string::npos) << field << " not in " << message;
  }
  json device = ValidDevice();
  device["capabilities"]["ram_bytes"] = "lots";
  device["capabilities"]["mcu"]["fpu"] = "yes";
  device["capabilities"]["sensors"][0]["sampling_rate_hz"] = "fast";
  device["capabilities"]["firmware"] = "v2";
  auto device_parsed = ParseDeviceDescription(device);
  ASSERT_FALSE(device_parsed.ok());
  const std::string& device_message = device_parsed.error().message;
  EXPECT_NE(device_message.find("4 problems"), std::string::npos) << device_message;
  for (const char* field : {"capabilities.ram_bytes: must be an integer", "capabilities.mcu.fpu: must be true or false",
                            "capabilities.sensors[0].sampling_rate_hz: must be a number",
                            "capabilities.firmware: must be an object"}) {
    EXPECT_NE(device_message.find(field), std::string::npos) << field << " not in " << device_message;
  }
  EXPECT_FALSE(ParseRuntimeRelease(json{{"version", "1.0.0"}, {"ops", json::array()}}).ok());
}

TEST(RdfMappingTest, MissingFieldsWriteNoTriples) {
  json card = ValidModelCard();
  card.erase("id");
  card.erase("dataset_hash");
  card["inputs"][0].erase("dtype");
  auto parsed = ParseModelCard(card);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->absent, (std::set<std::string>{"dataset_hash", "id", "inputs[0].dtype"}));
  int dtypes = 0;
  for (const Triple& triple : ModelCardTriples(*parsed)) {
    EXPECT_NE(triple.predicate.value(), vocab::Schema("identifier"));
    EXPECT_NE(triple.predicate.value(), vocab::Tf("datasetHash"));
    dtypes += triple.predicate.value() == vocab::Tf("dtype");
  }
  EXPECT_EQ(dtypes, 1);  // the output's only
  json device = ValidDevice();
  device.erase("capabilities");
  auto device_parsed = ParseDeviceDescription(device);
  ASSERT_TRUE(device_parsed.ok()) << device_parsed.error().message;
  for (const Triple& triple : DeviceTriples(*device_parsed)) {
    EXPECT_NE(triple.predicate.value(), vocab::Tf("ramBytes"));
    EXPECT_NE(triple.predicate.value(), vocab::Tf("runsFirmware"));
  }
}

TEST(RdfMappingTest, VersionNumbersOrderLikeSemver) {
  EXPECT_EQ(VersionNumber("0.3.0"), 3000);
  EXPECT_EQ(VersionNumber("1.0.12"), 1000012);
  EXPECT_LT(*VersionNumber("0.9.999"), *VersionNumber("1.0.0"));
  EXPECT_FALSE(VersionNumber("1.0").has_value());
  EXPECT_FALSE(VersionNumber("1.0.0.0").has_value());
  EXPECT_FALSE(VersionNumber("1.1000.0").has_value());
  EXPECT_FALSE(VersionNumber("1.a.0").has_value());
}

TEST(RdfMappingTest, OperatorIriRoundTripsAnyName) {
  for (const std::string& name : HostileStrings()) {
    Term iri = OperatorIri(name);
    EXPECT_TRUE(IsSafeIri(iri.value())) << iri.value();
    EXPECT_EQ(OperatorName(iri.value()), name);
  }
}

// Reads every (predicate, object) of `subject` as "p|o" strings.
std::vector<std::string> ReadBack(const KnowledgeGraph& graph, const Term& subject, const Term& predicate) {
  auto result = Client().Select("SELECT ?o " + graph.FromClause() + "WHERE { " + subject.ToSparql() + " " +
                                predicate.ToSparql() + " ?o }");
  std::vector<std::string> values;
  if (!result.ok()) {
    ADD_FAILURE() << result.error().message;
    return values;
  }
  for (const Row& row : result->rows) values.push_back(row.at("o").value);
  std::sort(values.begin(), values.end());
  return values;
}

void CheckHostileRoundTrip(bool use_graph_store) {
  KnowledgeGraph graph(Client(), use_graph_store ? "urn:tinyforge:test:hostile-gsp"
                                                 : "urn:tinyforge:test:hostile-insert");
  ASSERT_TRUE(graph.Clear().ok());
  const auto& hostile = HostileStrings();
  for (size_t i = 0; i < hostile.size(); ++i) {
    const std::string& text = hostile[i];
    json card = ValidModelCard();
    card["id"] = text;
    card["name"] = text;
    card["description"] = text;
    card["ops"] = {text, "SOFTMAX"};
    card["inputs"][0]["name"] = text;
    card["inputs"][0]["dtype"] = text;
    card["outputs"][0]["name"] = text;
    card["quantization"]["scheme"] = text;
    card["derived_from"] = {{"id", text}, {"version", "1.0.0"}};
    json device = ValidDevice();
    device["id"] = text;
    device["title"] = text;
    device["description"] = text;
    device["properties"] = {{text, {{"type", "number"}}}};
    device["capabilities"]["mcu"]["core"] = text;
    device["capabilities"]["firmware"]["id"] = text;
    auto parsed_card = ParseModelCard(card);
    auto parsed_device = ParseDeviceDescription(device);
    ASSERT_TRUE(parsed_card.ok()) << parsed_card.error().message;
    ASSERT_TRUE(parsed_device.ok()) << parsed_device.error().message;
    std::vector<Triple> triples = ModelCardTriples(*parsed_card);
    std::vector<Triple> device_triples = DeviceTriples(*parsed_device);
    triples.insert(triples.end(), device_triples.begin(), device_triples.end());
    auto loaded = use_graph_store ? graph.LoadTriples(triples) : graph.InsertTriples(triples);
    ASSERT_TRUE(loaded.ok()) << "string #" << i << ": " << loaded.error().message;

    Term model = ModelVersionIri(text, "1.2.0");
    Term dev = DeviceIri(text);
    auto iri = [](const std::string& text_iri) { return Term::Iri(text_iri).value(); };
    EXPECT_EQ(ReadBack(graph, model, iri(vocab::Schema("identifier"))), std::vector<std::string>{text});
    EXPECT_EQ(ReadBack(graph, model, iri(vocab::Schema("name"))), std::vector<std::string>{text});
    EXPECT_EQ(ReadBack(graph, model, iri(vocab::Schema("description"))), std::vector<std::string>{text});
    std::vector<std::string> ops = {OperatorIri("SOFTMAX").value(), OperatorIri(text).value()};
    std::sort(ops.begin(), ops.end());
    EXPECT_EQ(ReadBack(graph, model, iri(vocab::Tf("usesOp"))), ops);
    EXPECT_EQ(ReadBack(graph, OperatorIri(text), iri(vocab::Schema("name"))), std::vector<std::string>{text});
    EXPECT_EQ(ReadBack(graph, model, iri(vocab::Tf("derivedFrom"))),
              std::vector<std::string>{ModelVersionIri(text, "1.0.0").value()});
    Term input = Term::IriFromSegments(model.value(), {"input", "0"});
    EXPECT_EQ(ReadBack(graph, input, iri(vocab::Schema("name"))), std::vector<std::string>{text});
    EXPECT_EQ(ReadBack(graph, input, iri(vocab::Tf("dtype"))), std::vector<std::string>{text});
    Term output = Term::IriFromSegments(model.value(), {"output", "0"});
    EXPECT_EQ(ReadBack(graph, output, iri(vocab::Schema("name"))), std::vector<std::string>{text});
    Term quantization = Term::IriFromSegments(model.value(), {"quantization"});
    EXPECT_EQ(ReadBack(graph, quantization, iri(vocab::Tf("scheme"))), std::vector<std::string>{text});
    EXPECT_EQ(ReadBack(graph, dev, iri(vocab::Schema("identifier"))), std::vector<std::string>{text});
    EXPECT_EQ(ReadBack(graph, dev, iri(vocab::Td("title"))), std::vector<std::string>{text});
    EXPECT_EQ(ReadBack(graph, dev, iri(vocab::Td("description"))), std::vector<std::string>{text});
    Term mcu = McuIri(*parsed_device);
    EXPECT_EQ(ReadBack(graph, mcu, iri(vocab::Tf("cpuCore"))), std::vector<std::string>{text});
    Term property = Term::IriFromSegments(dev.value(), {"property", "0"});
    EXPECT_EQ(ReadBack(graph, property, iri(vocab::Td("name"))), std::vector<std::string>{text});
    Term firmware = FirmwareIri(text, "2.1.0");
    EXPECT_EQ(ReadBack(graph, firmware, iri(vocab::Schema("identifier"))), std::vector<std::string>{text});
  }
  // Nothing outside our own subjects was written: the injection attempts stayed literals.
  auto evil = Client().Ask("ASK { <urn:evil> ?p ?o }");
  ASSERT_TRUE(evil.ok());
  EXPECT_FALSE(*evil);
  auto devices = graph.CountInstances(Term::Iri(vocab::Tf("Device")).value());
  ASSERT_TRUE(devices.ok());
  EXPECT_EQ(*devices, static_cast<int64_t>(hostile.size()));
}

TEST(RdfMappingTest, HostileStringsRoundTripThroughInsertData) {
  if (Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available";
  CheckHostileRoundTrip(false);
}

TEST(RdfMappingTest, HostileStringsRoundTripThroughGraphStoreProtocol) {
  if (Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available";
  CheckHostileRoundTrip(true);
}

DeviceDescription ParsedValidDevice(const std::string& id, int64_t ram_bytes) {
  json td = ValidDevice();
  td["id"] = id;
  td["capabilities"]["ram_bytes"] = ram_bytes;
  auto parsed = ParseDeviceDescription(td);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed.ok() ? *parsed : DeviceDescription{};
}

TEST(RdfMappingTest, DevicesWithEqualMcuValuesShareOneMcuNode) {
  DeviceDescription a = ParsedValidDevice("dev-a", 262144);
  DeviceDescription b = ParsedValidDevice("dev-b", 262144);
  DeviceDescription c = ParsedValidDevice("dev-c", 131072);
  EXPECT_EQ(McuIri(a), McuIri(b));
  EXPECT_NE(McuIri(a), McuIri(c));
  DeviceDescription other_core = a;
  other_core.mcu_core = "cortex-m4/64000000";  // '/' in a value cannot fake another key
  DeviceDescription no_fpu = a;
  no_fpu.has_fpu = false;
  EXPECT_NE(McuIri(other_core), McuIri(a));
  EXPECT_NE(McuIri(no_fpu), McuIri(a));
  EXPECT_EQ(McuIri(a).value().rfind(std::string(vocab::kDataBase) + "mcu/", 0), 0u) << McuIri(a).value();
  // The device's own subjects no longer hold the MCU: a link to the 17 triples of the shared node.
  const std::string own = DeviceIri("dev-a").value();
  size_t own_triples = 0, mcu_triples = 0;
  for (const Triple& triple : DeviceTriples(a)) {
    const std::string& s = triple.subject.value();
    if (s == own || s.rfind(own + "/", 0) == 0) ++own_triples;
    if (s.rfind(McuIri(a).value(), 0) == 0) ++mcu_triples;
    EXPECT_NE(s, own + "/mcu");
  }
  EXPECT_EQ(mcu_triples, 17u);
  EXPECT_EQ(own_triples, DeviceTriples(a).size() - mcu_triples - 8);  // 8: firmware and runtime nodes
}

// "What RAM does device D have?" through the shared MCU node, by the S3N path: right for every
// device, and still right for the others after one of the devices sharing the node is deleted.
TEST(RdfMappingTest, RamIsAnsweredThroughTheSharedMcuNode) {
  if (Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available";
  KnowledgeGraph graph(Client(), "urn:tinyforge:test:shared-mcu");
  ASSERT_TRUE(graph.Clear().ok());
  std::vector<DeviceDescription> devices = {ParsedValidDevice("dev-a", 262144), ParsedValidDevice("dev-b", 262144),
                                            ParsedValidDevice("dev-c", 131072)};
  std::vector<Triple> triples;
  for (const auto& device : devices) {
    auto more = DeviceTriples(device);
    triples.insert(triples.end(), more.begin(), more.end());
  }
  ASSERT_TRUE(graph.LoadTriples(triples).ok());
  auto ram_of = [&](const std::string& id) {
    auto result = Client().Select(
        std::string(vocab::kPrefixes) + "PREFIX s3n: <http://w3id.org/s3n/>\nPREFIX sys: <http://www.w3.org/ns/ssn/systems/>\n"
        "SELECT ?ram " + graph.FromClause() + "WHERE { " + DeviceIri(id).ToSparql() +
        " ssn:hasSubSystem/s3n:hasSystemCapability/sys:hasSystemProperty ?m . ?m a tf:Ram ; schema:value ?ram }");
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    std::vector<int64_t> values;
    if (result.ok()) {
      for (size_t i = 0; i < result->rows.size(); ++i) values.push_back(IntegerValue(result->Get(i, "ram")).value_or(-1));
    }
    return values;
  };
  EXPECT_EQ(ram_of("dev-a"), std::vector<int64_t>{262144});
  EXPECT_EQ(ram_of("dev-b"), std::vector<int64_t>{262144});
  EXPECT_EQ(ram_of("dev-c"), std::vector<int64_t>{131072});
  auto mcu_nodes = graph.CountInstances(Term::Iri(vocab::S3n("MicroController")).value());
  ASSERT_TRUE(mcu_nodes.ok());
  EXPECT_EQ(*mcu_nodes, 2);
  ASSERT_TRUE(RegistryQueries(graph).DeleteEntity(DeviceIri("dev-a")).ok());
  EXPECT_TRUE(ram_of("dev-a").empty());
  EXPECT_EQ(ram_of("dev-b"), std::vector<int64_t>{262144});
  EXPECT_EQ(ram_of("dev-c"), std::vector<int64_t>{131072});
  ASSERT_TRUE(graph.Clear().ok());
}

TEST(RdfMappingTest, HostileIrisAreRejectedBeforeAnyQuery) {
  for (const std::string& text : HostileStrings()) {
    if (text == "..") continue;  // not absolute, rejected for that reason below anyway
    auto term = Term::Iri(text, "graph");
    EXPECT_FALSE(term.ok()) << text;
  }
  EXPECT_FALSE(Term::Iri("..").ok());
}

}  // namespace
}  // namespace tinyforge::server::kg
