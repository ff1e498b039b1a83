// The real ontology/shapes.ttl against ontology/examples: the valid examples conform, and each
// invalid variant (of the JSON input, and of Turtle loaded directly) reports the expected
// constraint component on the expected path; a document with many faults lists all of them.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "server/kg/rdf_mapping.h"
#include "server/kg/registry_validator.h"
#include "server/kg/shacl_turtle.h"
#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {
namespace {

using nlohmann::json;

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(TINYFORGE_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << relative;
  return text.str();
}

const RegistryValidator& Validator() {
  static auto validator = RegistryValidator::Embedded();
  EXPECT_TRUE(validator.ok()) << validator.error().message;
  return **validator;
}

json Example(const char* name) { return json::parse(ReadSource(std::string("ontology/examples/") + name)); }

shacl::ValidationReport ValidateCard(const json& card) {
  auto parsed = ParseModelCard(card);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  if (!parsed.ok()) return {};
  return Validator().Validate(ModelCardTriples(*parsed));
}

shacl::ValidationReport ValidateDevice(const json& td) {
  auto parsed = ParseDeviceDescription(td);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  if (!parsed.ok()) return {};
  return Validator().Validate(DeviceTriples(*parsed));
}

// True if some result (or nested detail) has this component and path.
bool Reports(const std::vector<shacl::ValidationResult>& results, const std::string& component,
             const std::string& path) {
  for (const auto& result : results) {
    if (result.component == component && result.path == path) return true;
    if (Reports(result.details, component, path)) return true;
  }
  return false;
}

TEST(ShaclRegistryTest, EmbeddedShapesAreThisTreesShapes) {
  EXPECT_EQ(EmbeddedShapesTurtle(), ReadSource("ontology/shapes.ttl"));
  EXPECT_EQ(EmbeddedOntologyTurtle(), ReadSource("ontology/tinyforge.ttl"));
  EXPECT_GE(Validator().shapes().shapes().size(), 11u);
}

TEST(ShaclRegistryTest, TheExamplesConform) {
  auto card = ValidateCard(Example("kws_model_card.json"));
  EXPECT_TRUE(card.conforms()) << card.ToText();
  auto device = ValidateDevice(Example("nano_device.td.json"));
  EXPECT_TRUE(device.conforms()) << device.ToText();
  auto runtime = ParseRuntimeRelease(Example("runtime_0_3_0.json"));
  ASSERT_TRUE(runtime.ok());
  auto runtime_report = Validator().Validate(RuntimeTriples(*runtime));
  EXPECT_TRUE(runtime_report.conforms()) << runtime_report.ToText();
  // The Turtle examples, loaded as they are (what a client could import directly); the tiny
  // device's runtime names operators that registry.ttl declares, so the two go in together.
  shacl::Graph graph(Validator().shapes().terms());
  for (const char* file : {"ontology/examples/registry.ttl", "ontology/examples/tiny_device.ttl"}) {
    auto read = shacl::ReadTurtle(ReadSource(file), graph, {file, "urn:x/", "d_"});
    ASSERT_TRUE(read.ok()) << read.error().message;
  }
  auto report = shacl::Validate(Validator().shapes(), graph);
  EXPECT_TRUE(report.conforms()) << report.ToText();
}

TEST(ShaclRegistryTest, TheSensorClassListIsTheMappersList) {
  shacl::Graph graph;
  ASSERT_TRUE(shacl::ReadTurtle(ReadSource("ontology/shapes.ttl"), graph).ok());
  auto in = graph.Objects(graph.Iri("https://w3id.org/tinyforge/shapes#KnownSensorType"),
                          graph.Iri("http://www.w3.org/ns/shacl#in"));
  ASSERT_EQ(in.size(), 1u);
  auto members = graph.List(in[0]);
  ASSERT_TRUE(members.ok());
  std::set<std::string> in_shapes, in_mapper;
  for (shacl::NodeId member : *members) in_shapes.insert(graph.node(member).value);
  for (const std::string& type : KnownSensorTypes()) in_mapper.insert(SensorTypeIri(type).value());
  EXPECT_EQ(in_shapes, in_mapper);
}

struct Variant {
  const char* name;
  std::function<void(json&)> change;
  const char* component;
  const char* path;
};

const char* kMinCount = "sh:MinCountConstraintComponent";
const char* kPattern = "sh:PatternConstraintComponent";
const char* kMinInclusive = "sh:MinInclusiveConstraintComponent";
const char* kMinExclusive = "sh:MinExclusiveConstraintComponent";
const char* kMaxExclusive = "sh:MaxExclusiveConstraintComponent";
const char* kMaxInclusive = "sh:MaxInclusiveConstraintComponent";
const char* kMinLength = "sh:MinLengthConstraintComponent";
const char* kNode = "sh:NodeConstraintComponent";
const char* kQualified = "sh:QualifiedValueShapeConstraintComponent";

const std::vector<Variant>& CardVariants() {
  static const std::vector<Variant> kVariants = {
      {"no id", [](json& c) { c.erase("id"); }, kMinCount, "schema:identifier"},
      {"empty id", [](json& c) { c["id"] = ""; }, kMinLength, "schema:identifier"},
      {"two-part version", [](json& c) { c["version"] = "1.2"; }, kPattern, "schema:version"},
      {"version part > 999", [](json& c) { c["version"] = "1.1000.0"; }, kPattern, "schema:version"},
      {"no ops", [](json& c) { c["ops"] = json::array(); }, kMinCount, "tf:usesOp"},
      {"empty op name", [](json& c) { c["ops"] = {""}; }, kMinLength, "schema:name"},
      {"no inputs", [](json& c) { c.erase("inputs"); }, kMinCount, "ssn:hasInput"},
      {"zero dimension", [](json& c) { c["inputs"][0]["shape"] = {1, 0}; }, kPattern, "tf:shape"},
      {"empty shape", [](json& c) { c["outputs"][0]["shape"] = json::array(); }, kPattern, "tf:shape"},
      {"tensor without dtype", [](json& c) { c["outputs"][0].erase("dtype"); }, kMinCount, "tf:dtype"},
      {"quantization without scheme", [](json& c) { c["quantization"].erase("scheme"); }, kMinCount, "tf:scheme"},
      {"zero weight bits", [](json& c) { c["quantization"]["weight_bits"] = 0; }, kMinInclusive, "tf:weightBits"},
      {"negative arena", [](json& c) { c["arena_bytes"] = -5; }, kMinInclusive, "tf:arenaBytes"},
      {"no flash", [](json& c) { c.erase("flash_bytes"); }, kMinCount, "tf:flashBytes"},
      {"bad runtime version", [](json& c) { c["runtime_version"] = "latest"; }, kPattern, "tf:minRuntimeVersion"},
      {"unknown sensor", [](json& c) { c["required_sensors"][0]["type"] = "Telepathy"; }, kNode, "tf:sensorType"},
      {"zero sampling rate", [](json& c) { c["required_sensors"][0]["min_sampling_rate_hz"] = 0; }, kMinExclusive,
       "tf:minSamplingRateHz"},
      {"infinite sampling rate", [](json& c) { c["required_sensors"][0]["min_sampling_rate_hz"] = std::numeric_limits<double>::infinity(); },
       kMaxExclusive, "tf:minSamplingRateHz"},
      {"accuracy above 1", [](json& c) { c["accuracy"] = 1.5; }, kMaxInclusive, "tf:accuracy"},
      {"md5 dataset hash", [](json& c) { c["dataset_hash"] = "md5:abc"; }, kPattern, "tf:datasetHash"},
      {"uppercase hash", [](json& c) { c["dataset_hash"] = "sha256:" + std::string(64, 'A'); }, kPattern,
       "tf:datasetHash"},
      {"bad parent version", [](json& c) { c["derived_from"]["version"] = "one"; }, kPattern, "tf:derivedFrom"},
  };
  return kVariants;
}

const std::vector<Variant>& DeviceVariants() {
  static const std::vector<Variant> kVariants = {
      {"no id", [](json& d) { d.erase("id"); }, kMinCount, "schema:identifier"},
      {"empty title", [](json& d) { d["title"] = ""; }, kMinLength, "td:title"},
      {"no capabilities", [](json& d) { d.erase("capabilities"); }, kMinCount, "tf:ramBytes"},
      {"zero RAM", [](json& d) { d["capabilities"]["ram_bytes"] = 0; }, kMinExclusive, "tf:ramBytes"},
      {"negative flash", [](json& d) { d["capabilities"]["flash_bytes"] = -1; }, kMinExclusive, "tf:flashBytes"},
      {"no mcu", [](json& d) { d["capabilities"].erase("mcu"); }, kQualified, "ssn:hasSubSystem"},
      {"zero clock", [](json& d) { d["capabilities"]["mcu"]["clock_hz"] = 0; }, kMinExclusive, "tf:clockHz"},
      {"empty core", [](json& d) { d["capabilities"]["mcu"]["core"] = ""; }, kMinLength, "tf:cpuCore"},
      {"unknown sensor", [](json& d) { d["capabilities"]["sensors"][1]["type"] = "Sonar"; }, kQualified, "rdf:type"},
      {"negative rate", [](json& d) { d["capabilities"]["sensors"][0]["sampling_rate_hz"] = -16000; }, kMinExclusive,
       "tf:samplingRateHz"},
      {"no firmware", [](json& d) { d["capabilities"].erase("firmware"); }, kMinCount, "tf:runsFirmware"},
      {"bad firmware version", [](json& d) { d["capabilities"]["firmware"]["version"] = "2.1"; }, kPattern,
       "schema:version"},
      {"no runtime", [](json& d) { d["capabilities"].erase("runtime_version"); }, kMinCount, "tf:runtime"},
      {"bad runtime version", [](json& d) { d["capabilities"]["runtime_version"] = "0.3"; }, kPattern,
       "schema:version"},
  };
  return kVariants;
}

TEST(ShaclRegistryTest, EachInvalidModelCardVariantReportsItsViolation) {
  for (const Variant& variant : CardVariants()) {
    json card = Example("kws_model_card.json");
    variant.change(card);
    auto report = ValidateCard(card);
    EXPECT_GT(report.violation_count(), 0u) << variant.name;
    EXPECT_TRUE(Reports(report.results, variant.component, variant.path))
        << variant.name << ": expected " << variant.component << " on " << variant.path << ", got\n"
        << report.ToText();
  }
}

TEST(ShaclRegistryTest, EachInvalidDeviceVariantReportsItsViolation) {
  for (const Variant& variant : DeviceVariants()) {
    json td = Example("nano_device.td.json");
    variant.change(td);
    auto report = ValidateDevice(td);
    EXPECT_GT(report.violation_count(), 0u) << variant.name;
    EXPECT_TRUE(Reports(report.results, variant.component, variant.path))
        << variant.name << ": expected " << variant.component << " on " << variant.path << ", got\n"
        << report.ToText();
  }
}

TEST(ShaclRegistryTest, EveryViolationOfOneDocumentIsListed) {
  json card = Example("kws_model_card.json");
  for (const char* name : {"negative arena", "md5 dataset hash", "accuracy above 1", "no ops", "two-part version"}) {
    for (const Variant& variant : CardVariants()) {
      if (std::string(variant.name) == name) variant.change(card);
    }
  }
  auto report = ValidateCard(card);
  for (const char* path : {"tf:arenaBytes", "tf:datasetHash", "tf:accuracy", "tf:usesOp", "schema:version"}) {
    bool listed = false;
    for (const auto& result : report.results) listed = listed || result.path == path;
    EXPECT_TRUE(listed) << path << " not in\n" << report.ToText();
  }
  auto error = Validator().Check(ModelCardTriples(*ParseModelCard(card)), "model card");
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.error().message.find("tf:arenaBytes"), std::string::npos) << error.error().message;
  EXPECT_NE(error.error().message.find("violations"), std::string::npos);
}

TEST(ShaclRegistryTest, InvalidTurtleLoadedDirectlyIsReported) {
  struct Edit {
    const char* from;
    const char* to;
    const char* component;
    const char* path;
  };
  const Edit kEdits[] = {
      {"tf:arenaBytes 22000", "tf:arenaBytes -22000", kMinInclusive, "tf:arenaBytes"},
      {"tf:arenaBytes 22000", "tf:arenaBytes \"22000\"", "sh:DatatypeConstraintComponent", "tf:arenaBytes"},
      {"tf:ramBytes 262144", "tf:ramBytes 262144, 1", "sh:MaxCountConstraintComponent", "tf:ramBytes"},
      {"tf:versionOf <https://w3id.org/tinyforge/id/model/kws-small> ;", "", kMinCount, "tf:versionOf"},
      {"tf:hasFpu true", "tf:hasFpu \"yes\"", "sh:DatatypeConstraintComponent", "tf:hasFpu"},
  };
  std::string original = ReadSource("ontology/examples/registry.ttl");
  for (const Edit& edit : kEdits) {
    std::string text = original;
    size_t at = text.find(edit.from);
    ASSERT_NE(at, std::string::npos) << edit.from;
    text.replace(at, std::string(edit.from).size(), edit.to);
    shacl::Graph graph(Validator().shapes().terms());
    auto read = shacl::ReadTurtle(text, graph);
    ASSERT_TRUE(read.ok()) << read.error().message;
    auto report = shacl::Validate(Validator().shapes(), graph);
    EXPECT_TRUE(Reports(report.results, edit.component, edit.path))
        << edit.to << ": expected " << edit.component << " on " << edit.path << ", got\n" << report.ToText();
  }
}

}  // namespace
}  // namespace tinyforge::server::kg
