// SHACL Core engine: for every supported constraint component a conforming and a violating data
// graph (small inline shapes), targets, paths, report contents, and load errors for shapes the
// engine must not silently accept.
#include <gtest/gtest.h>

#include <string>

#include "server/kg/shacl_shapes.h"
#include "server/kg/shacl_turtle.h"
#include "server/kg/shacl_validator.h"

namespace tinyforge::server::kg::shacl {
namespace {

const std::string kPrefixes =
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "@prefix ex: <http://example.org/> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n";

Result<std::shared_ptr<const ShapeSet>> LoadShapes(const std::string& shapes, const std::string& ontology = "") {
  std::vector<ShapeSet::Document> ontologies;
  if (!ontology.empty()) ontologies.push_back({"ontology", kPrefixes + ontology});
  return ShapeSet::Load({{"shapes", kPrefixes + shapes}}, ontologies);
}

ValidationReport ValidateText(const std::string& shapes, const std::string& data, const std::string& ontology = "") {
  auto set = LoadShapes(shapes, ontology);
  EXPECT_TRUE(set.ok()) << set.error().message;
  if (!set.ok()) return {};
  Graph graph((*set)->terms());
  auto read = ReadTurtle(kPrefixes + data, graph);
  EXPECT_TRUE(read.ok()) << read.error().message;
  return Validate(**set, graph);
}

struct ComponentCase {
  const char* name;
  const char* component;  // expected in the violating case
  const char* shape;      // constraints on ex:S (a node shape targeting ex:T), or a whole shapes text
  const char* passing;    // data
  const char* failing;
};

// Each constraint sits in a property shape on ex:p unless the case says otherwise.
const ComponentCase kCases[] = {
    {"class", "sh:ClassConstraintComponent", "sh:property [ sh:path ex:p ; sh:class ex:C ]",
     "ex:a a ex:T ; ex:p ex:b . ex:b a ex:Sub .", "ex:a a ex:T ; ex:p ex:b . ex:b a ex:Other ."},
    {"datatype", "sh:DatatypeConstraintComponent", "sh:property [ sh:path ex:p ; sh:datatype xsd:integer ]",
     "ex:a a ex:T ; ex:p 42 .", "ex:a a ex:T ; ex:p \"42\" ."},
    {"datatype ill-formed", "sh:DatatypeConstraintComponent", "sh:property [ sh:path ex:p ; sh:datatype xsd:integer ]",
     "ex:a a ex:T ; ex:p \"-7\"^^xsd:integer .", "ex:a a ex:T ; ex:p \"4x2\"^^xsd:integer ."},
    {"nodeKind", "sh:NodeKindConstraintComponent", "sh:property [ sh:path ex:p ; sh:nodeKind sh:IRI ]",
     "ex:a a ex:T ; ex:p ex:b .", "ex:a a ex:T ; ex:p [ ex:q 1 ] ."},
    {"minCount", "sh:MinCountConstraintComponent", "sh:property [ sh:path ex:p ; sh:minCount 2 ]",
     "ex:a a ex:T ; ex:p 1, 2 .", "ex:a a ex:T ; ex:p 1 ."},
    {"maxCount", "sh:MaxCountConstraintComponent", "sh:property [ sh:path ex:p ; sh:maxCount 1 ]",
     "ex:a a ex:T ; ex:p 1 .", "ex:a a ex:T ; ex:p 1, 2 ."},
    {"minExclusive", "sh:MinExclusiveConstraintComponent", "sh:property [ sh:path ex:p ; sh:minExclusive 0 ]",
     "ex:a a ex:T ; ex:p 0.5e0 .", "ex:a a ex:T ; ex:p 0 ."},
    {"minInclusive", "sh:MinInclusiveConstraintComponent", "sh:property [ sh:path ex:p ; sh:minInclusive 0 ]",
     "ex:a a ex:T ; ex:p 0 .", "ex:a a ex:T ; ex:p -1 ."},
    {"maxExclusive", "sh:MaxExclusiveConstraintComponent",
     "sh:property [ sh:path ex:p ; sh:maxExclusive \"INF\"^^xsd:double ]", "ex:a a ex:T ; ex:p 1.0e9 .",
     "ex:a a ex:T ; ex:p \"INF\"^^xsd:double ."},
    {"maxInclusive", "sh:MaxInclusiveConstraintComponent", "sh:property [ sh:path ex:p ; sh:maxInclusive 1 ]",
     "ex:a a ex:T ; ex:p 1.0 .", "ex:a a ex:T ; ex:p 1.01 ."},
    {"range on a non-number", "sh:MinInclusiveConstraintComponent", "sh:property [ sh:path ex:p ; sh:minInclusive 0 ]",
     "ex:a a ex:T ; ex:p 9223372036854775807 .", "ex:a a ex:T ; ex:p \"5\" ."},
    {"minLength", "sh:MinLengthConstraintComponent", "sh:property [ sh:path ex:p ; sh:minLength 2 ]",
     "ex:a a ex:T ; ex:p \"\xC3\xA9\xC3\xA9\" .", "ex:a a ex:T ; ex:p \"\xC3\xA9\" ."},
    {"maxLength", "sh:MaxLengthConstraintComponent", "sh:property [ sh:path ex:p ; sh:maxLength 3 ]",
     "ex:a a ex:T ; ex:p \"abc\" .", "ex:a a ex:T ; ex:p \"abcd\" ."},
    {"pattern", "sh:PatternConstraintComponent", "sh:property [ sh:path ex:p ; sh:pattern \"^[0-9]+\\\\.[0-9]+$\" ]",
     "ex:a a ex:T ; ex:p \"1.2\" .", "ex:a a ex:T ; ex:p \"1x2\" ."},
    {"pattern flags", "sh:PatternConstraintComponent",
     "sh:property [ sh:path ex:p ; sh:pattern \"^abc$\" ; sh:flags \"i\" ]", "ex:a a ex:T ; ex:p \"ABC\" .",
     "ex:a a ex:T ; ex:p \"abd\" ."},
    {"languageIn", "sh:LanguageInConstraintComponent", "sh:property [ sh:path ex:p ; sh:languageIn ( \"en\" ) ]",
     "ex:a a ex:T ; ex:p \"hi\"@en-GB .", "ex:a a ex:T ; ex:p \"salut\"@fr ."},
    {"uniqueLang", "sh:UniqueLangConstraintComponent", "sh:property [ sh:path ex:p ; sh:uniqueLang true ]",
     "ex:a a ex:T ; ex:p \"a\"@en, \"b\"@de .", "ex:a a ex:T ; ex:p \"a\"@en, \"b\"@en ."},
    {"equals", "sh:EqualsConstraintComponent", "sh:property [ sh:path ex:p ; sh:equals ex:q ]",
     "ex:a a ex:T ; ex:p 1 ; ex:q 1 .", "ex:a a ex:T ; ex:p 1 ; ex:q 2 ."},
    {"disjoint", "sh:DisjointConstraintComponent", "sh:property [ sh:path ex:p ; sh:disjoint ex:q ]",
     "ex:a a ex:T ; ex:p 1 ; ex:q 2 .", "ex:a a ex:T ; ex:p 1 ; ex:q 1 ."},
    {"lessThan", "sh:LessThanConstraintComponent", "sh:property [ sh:path ex:p ; sh:lessThan ex:q ]",
     "ex:a a ex:T ; ex:p 1 ; ex:q 2 .", "ex:a a ex:T ; ex:p 2 ; ex:q 2 ."},
    {"lessThanOrEquals", "sh:LessThanOrEqualsConstraintComponent",
     "sh:property [ sh:path ex:p ; sh:lessThanOrEquals ex:q ]", "ex:a a ex:T ; ex:p 2 ; ex:q 2 .",
     "ex:a a ex:T ; ex:p 3 ; ex:q 2 ."},
    {"not", "sh:NotConstraintComponent", "sh:property [ sh:path ex:p ; sh:not [ sh:datatype xsd:string ] ]",
     "ex:a a ex:T ; ex:p 1 .", "ex:a a ex:T ; ex:p \"one\" ."},
    {"and", "sh:AndConstraintComponent",
     "sh:property [ sh:path ex:p ; sh:and ( [ sh:datatype xsd:integer ] [ sh:minInclusive 10 ] ) ]",
     "ex:a a ex:T ; ex:p 10 .", "ex:a a ex:T ; ex:p 9 ."},
    {"or", "sh:OrConstraintComponent",
     "sh:property [ sh:path ex:p ; sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:boolean ] ) ]",
     "ex:a a ex:T ; ex:p true .", "ex:a a ex:T ; ex:p \"x\" ."},
    {"xone", "sh:XoneConstraintComponent",
     "sh:property [ sh:path ex:p ; sh:xone ( [ sh:datatype xsd:integer ] [ sh:minInclusive 0 ] ) ]",
     "ex:a a ex:T ; ex:p -3 .", "ex:a a ex:T ; ex:p 3 ."},
    {"node", "sh:NodeConstraintComponent",
     "sh:property [ sh:path ex:p ; sh:node ex:Inner ] . ex:Inner a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:minCount 1 ]",
     "ex:a a ex:T ; ex:p ex:b . ex:b ex:q 1 .", "ex:a a ex:T ; ex:p ex:b . ex:b ex:r 1 ."},
    {"property", "sh:MinCountConstraintComponent", "sh:property [ sh:path ex:p ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ]",
     "ex:a a ex:T ; ex:p ex:b . ex:b ex:q 1 .", "ex:a a ex:T ; ex:p ex:b ."},
    {"qualifiedValueShape", "sh:QualifiedValueShapeConstraintComponent",
     "sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ]",
     "ex:a a ex:T ; ex:p ex:b, ex:c . ex:b a ex:C .", "ex:a a ex:T ; ex:p ex:b, ex:c . ex:b a ex:C . ex:c a ex:C ."},
    {"closed", "sh:ClosedConstraintComponent",
     "sh:closed true ; sh:ignoredProperties ( rdf:type ) ; sh:property [ sh:path ex:p ]",
     "ex:a a ex:T ; ex:p 1 .", "ex:a a ex:T ; ex:p 1 ; ex:extra 2 ."},
    {"hasValue", "sh:HasValueConstraintComponent", "sh:property [ sh:path ex:p ; sh:hasValue ex:yes ]",
     "ex:a a ex:T ; ex:p ex:yes, ex:no .", "ex:a a ex:T ; ex:p ex:no ."},
    {"in", "sh:InConstraintComponent", "sh:property [ sh:path ex:p ; sh:in ( ex:x ex:y 3 ) ]",
     "ex:a a ex:T ; ex:p ex:y, 3 .", "ex:a a ex:T ; ex:p \"3\" ."},
    {"node-level class", "sh:ClassConstraintComponent", "sh:class ex:C", "ex:a a ex:T, ex:C .", "ex:a a ex:T ."},
    {"inverse path", "sh:MinCountConstraintComponent", "sh:property [ sh:path [ sh:inversePath ex:owns ] ; sh:minCount 1 ]",
     "ex:a a ex:T . ex:o ex:owns ex:a .", "ex:a a ex:T . ex:a ex:owns ex:o ."},
    {"sequence path", "sh:DatatypeConstraintComponent", "sh:property [ sh:path ( ex:p ex:q ) ; sh:datatype xsd:integer ]",
     "ex:a a ex:T ; ex:p ex:b . ex:b ex:q 1 .", "ex:a a ex:T ; ex:p ex:b . ex:b ex:q \"1\" ."},
    {"alternative path", "sh:MaxCountConstraintComponent",
     "sh:property [ sh:path [ sh:alternativePath ( ex:p ex:q ) ] ; sh:maxCount 1 ]", "ex:a a ex:T ; ex:p 1 .",
     "ex:a a ex:T ; ex:p 1 ; ex:q 2 ."},
    {"oneOrMore path", "sh:ClassConstraintComponent",
     "sh:property [ sh:path [ sh:oneOrMorePath ex:next ] ; sh:class ex:C ]",
     "ex:a a ex:T ; ex:next ex:b . ex:b a ex:C ; ex:next ex:c . ex:c a ex:C .",
     "ex:a a ex:T ; ex:next ex:b . ex:b a ex:C ; ex:next ex:c ."},
};

TEST(ShaclEngineTest, EveryComponentPassesAndFails) {
  const std::string ontology = "ex:Sub rdfs:subClassOf ex:C .";
  for (const ComponentCase& c : kCases) {
    std::string shapes = std::string("ex:S a sh:NodeShape ; sh:targetClass ex:T ; ") + c.shape + " .";
    ValidationReport passing = ValidateText(shapes, c.passing, ontology);
    EXPECT_TRUE(passing.conforms()) << c.name << ":\n" << passing.ToText();
    ValidationReport failing = ValidateText(shapes, c.failing, ontology);
    ASSERT_FALSE(failing.conforms()) << c.name;
    bool found = false;
    for (const auto& result : failing.results) found = found || result.component == c.component;
    EXPECT_TRUE(found) << c.name << ": expected " << c.component << ", got\n" << failing.ToText();
    for (const auto& result : failing.results) {
      EXPECT_EQ(result.focus_node.rfind("http://example.org/", 0), 0u) << c.name;
      EXPECT_FALSE(result.message.empty()) << c.name;
    }
  }
}

TEST(ShaclEngineTest, ReportNamesFocusPathValueMessageAndShape) {
  auto report = ValidateText(
      "ex:S a sh:NodeShape ; sh:targetClass ex:T ;"
      " sh:property [ sh:path ex:size ; sh:datatype xsd:integer ; sh:minInclusive 0 ; sh:message \"size: an integer >= 0\" ] ;"
      " sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:severity sh:Warning ] .",
      "ex:a a ex:T ; ex:size -5 .");
  ASSERT_EQ(report.results.size(), 2u) << report.ToText();
  EXPECT_EQ(report.violation_count(), 1u);
  const ValidationResult& range = report.results[0];
  EXPECT_EQ(range.focus_node, "http://example.org/a");
  EXPECT_EQ(range.path, "ex:size");
  EXPECT_EQ(range.component, "sh:MinInclusiveConstraintComponent");
  EXPECT_EQ(range.value, "\"-5\"^^xsd:integer");
  EXPECT_EQ(range.message, "size: an integer >= 0");
  EXPECT_EQ(range.shape, "ex:S[ex:size]");
  EXPECT_EQ(report.results[1].severity, Severity::kWarning);
  EXPECT_EQ(report.results[1].message, "needs at least 1 value, found 0");
}

TEST(ShaclEngineTest, TargetsSubclassesNodesSubjectsAndObjects) {
  const std::string shape_body = " sh:property [ sh:path ex:p ; sh:minCount 1 ] .";
  // rdfs:subClassOf from the ontology and from the data graph both count.
  auto by_class = ValidateText("ex:S a sh:NodeShape ; sh:targetClass ex:C ;" + shape_body,
                      "ex:a a ex:Sub . ex:b a ex:Deep . ex:Deep rdfs:subClassOf ex:Sub . ex:c a ex:Unrelated .",
                      "ex:Sub rdfs:subClassOf ex:C .");
  EXPECT_EQ(by_class.results.size(), 2u) << by_class.ToText();
  auto by_node = ValidateText("ex:S a sh:NodeShape ; sh:targetNode ex:z ;" + shape_body, "ex:a ex:q 1 .");
  ASSERT_EQ(by_node.results.size(), 1u);  // a target node need not occur in the data
  EXPECT_EQ(by_node.results[0].focus_node, "http://example.org/z");
  auto subjects = ValidateText("ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:q ;" + shape_body, "ex:a ex:q ex:b .");
  ASSERT_EQ(subjects.results.size(), 1u);
  EXPECT_EQ(subjects.results[0].focus_node, "http://example.org/a");
  auto objects = ValidateText("ex:S a sh:NodeShape ; sh:targetObjectsOf ex:q ;" + shape_body, "ex:a ex:q ex:b .");
  ASSERT_EQ(objects.results.size(), 1u);
  EXPECT_EQ(objects.results[0].focus_node, "http://example.org/b");
  auto implicit = ValidateText("ex:K a rdfs:Class, sh:NodeShape ;" + shape_body, "ex:a a ex:K .");
  EXPECT_EQ(implicit.results.size(), 1u);
  auto deactivated = ValidateText("ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:deactivated true ;" + shape_body, "ex:a a ex:T .");
  EXPECT_TRUE(deactivated.conforms());
}

TEST(ShaclEngineTest, NodeViolationsCarryTheNestedDetails) {
  auto report = ValidateText(
      "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:part ; sh:node ex:PartShape ] ."
      "ex:PartShape a sh:NodeShape ; sh:property [ sh:path ex:weight ; sh:minCount 1 ; sh:datatype xsd:integer ] .",
      "ex:a a ex:T ; ex:part ex:p1, ex:p2 . ex:p1 ex:weight 3 . ex:p2 ex:weight \"heavy\" .");
  ASSERT_EQ(report.results.size(), 1u) << report.ToText();
  EXPECT_EQ(report.results[0].value, "ex:p2");
  ASSERT_EQ(report.results[0].details.size(), 1u);
  EXPECT_EQ(report.results[0].details[0].focus_node, "http://example.org/p2");
  EXPECT_EQ(report.results[0].details[0].component, "sh:DatatypeConstraintComponent");
}

TEST(ShaclEngineTest, RecursiveShapesOnCyclicDataTerminate) {
  auto report = ValidateText("ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:next ; sh:node ex:S ] ;"
                    " sh:property [ sh:path ex:v ; sh:minCount 1 ] .",
                    "ex:a a ex:T ; ex:next ex:b ; ex:v 1 . ex:b ex:next ex:a .");
  EXPECT_FALSE(report.conforms());
}

TEST(ShaclEngineTest, LongValuesDoNotExhaustTheRegexMatcher) {
  std::string value;
  for (int i = 0; i < 200000; ++i) value += "1x";
  value += "1";
  auto report = ValidateText("ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:pattern \"^[1-9][0-9]*(x[1-9][0-9]*)*$\" ] .",
                    "ex:a a ex:T ; ex:p \"" + value + "\" .");
  EXPECT_TRUE(report.conforms()) << report.ToText().substr(0, 300);
}

TEST(ShaclEngineTest, UnsupportedOrMalformedShapesAreLoadErrors) {
  struct Bad {
    const char* shapes;
    const char* expected;  // in the error message
  };
  const Bad kBad[] = {
      {"ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:sparql [ sh:select \"SELECT $this {}\" ] .", "sh:sparql"},
      {"ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minCont 1 ] .", "sh:minCont"},
      {"ex:S a sh:NodeShape ; sh:rule [ ] .", "sh:rule"},
      {"ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:minCount 1 .", "only allowed on property shapes"},
      {"ex:S a sh:PropertyShape ; sh:targetClass ex:T .", "without sh:path"},
      {"ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:pattern \"([a-z\" ] .", "not a valid ECMAScript regex"},
      {"ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:pattern \"a\" ; sh:flags \"x\" ] .", "sh:flags"},
      {"ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount -1 ] .", "non-negative integer"},
      {"ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:nodeKind ex:Nonsense ] .", "sh:nodeKind"},
      {"ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:in ex:notAList ] .", "sh:in"},
      {"ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:qualifiedMinCount 1 ] .", "without sh:qualifiedValueShape"},
      {"ex:S a sh:NodeShape ; sh:property [ sh:path [ ex:weird ex:p ] ] .", "sh:path"},
      {"ex:S a sh:NodeShape ; sh:severity ex:Fatal .", "sh:severity"},
      {"ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:class \"C\" ] .", "needs an IRI"},
      {"ex:S a sh:NodeShape ; sh:targetClass undeclared:T .", "undefined prefix"},
      {"ex:S a sh:NodeShape ; sh:targetClass ex:T ", "shapes:"},
  };
  for (const Bad& bad : kBad) {
    auto set = LoadShapes(bad.shapes);
    ASSERT_FALSE(set.ok()) << bad.shapes;
    EXPECT_NE(set.error().message.find(bad.expected), std::string::npos)
        << bad.shapes << "\n-> " << set.error().message;
  }
}

TEST(ShaclEngineTest, TurtleErrorsNameTheLine) {
  Graph graph;
  auto read = ReadTurtle("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b \"open .\n", graph,
                         {"broken.ttl", "urn:x/", "d0_"});
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("broken.ttl:"), std::string::npos) << read.error().message;
  EXPECT_FALSE(ReadTurtle(std::string("ex:a ex:b \0 .", 13), graph).ok());
}

}  // namespace
}  // namespace tinyforge::server::kg::shacl
