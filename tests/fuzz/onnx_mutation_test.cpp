// Seeded mutation fuzzing of the ONNX importer (toolchain/importers/onnx_*): (1) byte-level
// mutations of the committed fixtures (truncations, flips, splices: the protobuf layer), and (2)
// structured mutations of the parsed ModelProto that a broken exporter or a hand-edited model
// produces: wrong or huge dims, missing initializers, dynamic dims, unknown ops, dangling node
// inputs, cycles, odd attributes, wrong element types. Each must import into a valid graph or be
// refused with an error that starts with the file name and names the node, initializer or graph
// input it touched.
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <functional>
#include <random>
#include <set>

#include "tests/fuzz/parser_harness.h"
#include "tests/fuzz/parser_mutator.h"
#include "toolchain/emit/tfm_emitter.h"

namespace tinyforge::fuzz {
namespace {

const char* const kValidSeeds[] = {"mlp", "cnn1d_bn", "cnn2d_depthwise", "gap_cnn1d",
                                   "nhwc_transpose"};
const char* const kRefusedSeeds[] = {"dynamic_dim", "unsupported_ops", "ceil_mode_pool",
                                     "truncated"};

std::string OnnxFixture(const std::string& name) {
  return ReadFixture("tests/data/onnx/" + name + ".onnx");
}

std::string OnnxNodeName(const onnx::NodeProto& node) {
  if (!node.name().empty()) return node.name();
  return node.output_size() > 0 ? node.output(0) : std::string("<unnamed>");
}

TEST(ParserMutationTest, OnnxImporterRefusesByteMutatedFilesNamingTheFile) {
  std::vector<std::string> seeds;
  for (const char* name : kValidSeeds) seeds.push_back(OnnxFixture(name));
  for (const char* name : kRefusedSeeds) seeds.push_back(OnnxFixture(name));
  ByteMutator mutator(3601, {"\x08\x01", "\x12\x00", "\x3a", "Conv", "Gemm", "Relu", "\xff\xff\xff\xff\x0f"});
  int parsed = 0;
  constexpr int kIterations = 6000;
  for (int i = 0; i < kIterations; ++i) {
    const std::string input =
        mutator.Mutate(seeds[size_t(i) % seeds.size()], seeds[mutator.Pick(seeds.size())]);
    const ParserVerdict verdict = CheckOnnx(input);
    ASSERT_TRUE(verdict.violation.empty()) << "iteration " << i << ": " << verdict.violation;
    parsed += verdict.parsed ? 1 : 0;
  }
  EXPECT_LT(parsed, kIterations);
}

// One structured mutation: changes `model` and returns the names an error may point at.
using StructuredMutation = std::function<std::vector<std::string>(onnx::ModelProto&, std::mt19937&)>;

size_t PickIndex(std::mt19937& random, int size) { return size_t(random() % uint32_t(size)); }

// The initializer's name and the names of every node reading it.
std::vector<std::string> InitializerPlaces(const onnx::GraphProto& graph, const std::string& name) {
  std::vector<std::string> places = {name};
  for (const auto& node : graph.node()) {
    for (const auto& input : node.input()) {
      if (input == name) places.push_back(OnnxNodeName(node));
    }
  }
  return places;
}

std::vector<std::pair<std::string, StructuredMutation>> StructuredMutations() {
  std::vector<std::pair<std::string, StructuredMutation>> kinds;
  kinds.emplace_back("wrong initializer dims", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* init = m.mutable_graph()->mutable_initializer(int(PickIndex(r, m.graph().initializer_size())));
    if (init->dims_size() == 0) init->add_dims(2);
    else init->set_dims(int(PickIndex(r, init->dims_size())), int64_t(r() % 3) * init->dims(0) + 1);
    return InitializerPlaces(m.graph(), init->name());
  });
  kinds.emplace_back("huge initializer dims", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* init = m.mutable_graph()->mutable_initializer(int(PickIndex(r, m.graph().initializer_size())));
    static const int64_t kHuge[][4] = {{int64_t{1} << 31, int64_t{1} << 31, int64_t{1} << 31, int64_t{1} << 31},
                                       {int64_t{1} << 62, 4, 0, 0},
                                       {int64_t{1} << 32, int64_t{1} << 32, 0, 0},
                                       {-1, 8, 0, 0}};
    const auto& dims = kHuge[PickIndex(r, 4)];
    init->clear_dims();
    for (int64_t d : dims) {
      if (d != 0) init->add_dims(d);
    }
    return InitializerPlaces(m.graph(), init->name());
  });
  kinds.emplace_back("missing initializer", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* inits = m.mutable_graph()->mutable_initializer();
    const size_t at = PickIndex(r, inits->size());
    const std::string name = inits->Get(int(at)).name();
    inits->DeleteSubrange(int(at), 1);
    return InitializerPlaces(m.graph(), name);
  });
  kinds.emplace_back("wrong element type", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* init = m.mutable_graph()->mutable_initializer(int(PickIndex(r, m.graph().initializer_size())));
    static const int kTypes[] = {onnx::TensorProto::INT8, onnx::TensorProto::STRING,
                                 onnx::TensorProto::INT64, onnx::TensorProto::DOUBLE, 999};
    init->set_data_type(kTypes[PickIndex(r, 5)]);
    return InitializerPlaces(m.graph(), init->name());
  });
  kinds.emplace_back("truncated raw data", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* init = m.mutable_graph()->mutable_initializer(int(PickIndex(r, m.graph().initializer_size())));
    if (init->has_raw_data()) init->mutable_raw_data()->resize(init->raw_data().size() / 2 + 1);
    else init->mutable_float_data()->Truncate(init->float_data_size() / 2);
    return InitializerPlaces(m.graph(), init->name());
  });
  kinds.emplace_back("dynamic input dim", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* input = m.mutable_graph()->mutable_input(0);
    auto* shape = input->mutable_type()->mutable_tensor_type()->mutable_shape();
    auto* dim = shape->mutable_dim(int(1 + PickIndex(r, std::max(1, shape->dim_size() - 1))) %
                                   shape->dim_size());
    if (r() % 2) dim->set_dim_param("N");
    else dim->clear_dim_value();
    return std::vector<std::string>{input->name()};
  });
  kinds.emplace_back("huge input dim", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* input = m.mutable_graph()->mutable_input(0);
    auto* shape = input->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->mutable_dim(int(PickIndex(r, shape->dim_size())))->set_dim_value(
        r() % 2 ? 65535 : (int64_t{1} << 40));
    return std::vector<std::string>{input->name()};
  });
  kinds.emplace_back("unknown op", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* node = m.mutable_graph()->mutable_node(int(PickIndex(r, m.graph().node_size())));
    node->set_op_type("FancyOp");
    return std::vector<std::string>{"FancyOp (node '" + OnnxNodeName(*node) + "')"};
  });
  kinds.emplace_back("dangling node input", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* node = m.mutable_graph()->mutable_node(int(PickIndex(r, m.graph().node_size())));
    if (node->input_size() == 0) node->add_input("nowhere");
    else node->set_input(int(PickIndex(r, node->input_size())), "nowhere");
    return std::vector<std::string>{OnnxNodeName(*node), "nowhere"};
  });
  kinds.emplace_back("node reads its own output", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* node = m.mutable_graph()->mutable_node(int(PickIndex(r, m.graph().node_size())));
    if (node->input_size() > 0 && node->output_size() > 0) node->set_input(0, node->output(0));
    return std::vector<std::string>{OnnxNodeName(*node)};
  });
  kinds.emplace_back("odd attribute", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* node = m.mutable_graph()->mutable_node(int(PickIndex(r, m.graph().node_size())));
    static const int64_t kValues[] = {0, -1, -7, int64_t{1} << 40, 65536, 3};
    if (node->attribute_size() == 0) {
      auto* attribute = node->add_attribute();
      attribute->set_name("axis");
      attribute->set_type(onnx::AttributeProto::INT);
      attribute->set_i(kValues[PickIndex(r, 6)]);
    } else {
      auto* attribute = node->mutable_attribute(int(PickIndex(r, node->attribute_size())));
      if (attribute->ints_size() > 0) {
        if (r() % 4 == 0) attribute->clear_ints();
        else attribute->set_ints(int(PickIndex(r, attribute->ints_size())), kValues[PickIndex(r, 6)]);
      } else if (attribute->type() == onnx::AttributeProto::FLOAT) {
        attribute->set_f(r() % 2 ? std::numeric_limits<float>::quiet_NaN() : -1e30f);
      } else {
        attribute->set_i(kValues[PickIndex(r, 6)]);
      }
    }
    return std::vector<std::string>{OnnxNodeName(*node)};
  });
  kinds.emplace_back("shape attribute out of range", [](onnx::ModelProto& m, std::mt19937& r) {
    // perm / axis / kernel_shape entries beyond the rank or any buffer (the out-of-range Transpose
    // perm the libFuzzer target found belongs to this family).
    auto* node = m.mutable_graph()->mutable_node(int(PickIndex(r, m.graph().node_size())));
    static const int64_t kValues[] = {7, -1, 4, int64_t{1} << 33, -(int64_t{1} << 40)};
    for (auto& attribute : *node->mutable_attribute()) {
      if (attribute.ints_size() > 0)
        attribute.set_ints(int(PickIndex(r, attribute.ints_size())), kValues[PickIndex(r, 5)]);
      else if (attribute.type() == onnx::AttributeProto::INT)
        attribute.set_i(kValues[PickIndex(r, 5)]);
    }
    return std::vector<std::string>{OnnxNodeName(*node)};
  });
  kinds.emplace_back("graph output removed or renamed", [](onnx::ModelProto& m, std::mt19937& r) {
    auto* outputs = m.mutable_graph()->mutable_output();
    const std::string name = outputs->Get(0).name();
    if (r() % 2) outputs->Mutable(0)->set_name("nowhere");
    else outputs->Clear();
    return std::vector<std::string>{name, "nowhere", "output"};
  });
  return kinds;
}

// The error names one of the places the mutation touched, or (for a mutation whose effect shows
// further down the graph, e.g. a stride that changes a later Gemm's input width) another node,
// initializer or graph input/output by name. An unknown op must be listed exactly.
bool NamesAPlace(const std::string& kind, const std::string& message,
                 const std::vector<std::string>& places) {
  for (const auto& place : places) {
    if (!place.empty() && message.find(place) != std::string::npos) return true;
  }
  if (kind == "unknown op") return false;
  for (const char* named : {"node '", "initializer '", "graph input '", "graph output '"}) {
    if (message.find(named) != std::string::npos) return true;
  }
  return false;
}

TEST(ParserMutationTest, OnnxImporterRefusesStructuredMutationsNamingTheNodeOrInitializer) {
  const auto kinds = StructuredMutations();
  std::mt19937 random(3602);
  int refused = 0;
  for (const char* seed_name : kValidSeeds) {
    onnx::ModelProto seed;
    ASSERT_TRUE(seed.ParseFromString(OnnxFixture(seed_name))) << seed_name;
    for (const auto& [kind, mutate] : kinds) {
      for (int variant = 0; variant < 16; ++variant) {
        onnx::ModelProto model = seed;
        const std::vector<std::string> places = mutate(model, random);
        const ParserVerdict verdict = CheckOnnx(model.SerializeAsString());
        ASSERT_TRUE(verdict.violation.empty()) << seed_name << ", " << kind << ": " << verdict.violation;
        if (verdict.parsed) continue;
        ++refused;
        EXPECT_TRUE(NamesAPlace(kind, verdict.error, places))
            << seed_name << ", " << kind << ": the error names none of the places touched\n  "
            << verdict.error;
      }
    }
  }
  EXPECT_GT(refused, 100);
}

// Valid input still imports identically: every valid seed emits the same bytes twice, and a
// ModelProto round trip (parse -> serialize) changes nothing the importer sees.
TEST(ParserMutationTest, OnnxSeedsImportIdenticallyAfterAProtobufRoundTrip) {
  for (const char* seed_name : kValidSeeds) {
    const std::string bytes = OnnxFixture(seed_name);
    onnx::ModelProto model;
    ASSERT_TRUE(model.ParseFromString(bytes));
    auto first = toolchain::ImportOnnxBytes(bytes, seed_name);
    auto second = toolchain::ImportOnnxBytes(model.SerializeAsString(), seed_name);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(second.ok()) << second.error().message;
    auto first_blob = toolchain::EmitTfm(first->graph);
    auto second_blob = toolchain::EmitTfm(second->graph);
    ASSERT_TRUE(first_blob.ok() && second_blob.ok()) << seed_name;
    EXPECT_EQ(*first_blob, *second_blob) << seed_name;
  }
}

}  // namespace
}  // namespace tinyforge::fuzz

namespace tinyforge::fuzz {
namespace {

onnx::NodeProto* FirstNode(onnx::ModelProto& model, const std::string& op_type) {
  for (auto& node : *model.mutable_graph()->mutable_node()) {
    if (node.op_type() == op_type) return &node;
  }
  return nullptr;
}

// Regression (found by the structured mutation test): strides = [2^32] became a uint32 stride of 0
// and ResolveWindow divided by it (SIGFPE: `tinyforge import` died).
TEST(ParserMutationTest, OnnxConvWithAStrideBeyondUint32IsRefusedNotDividedByZero) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(OnnxFixture("cnn1d_bn")));
  onnx::NodeProto* conv = FirstNode(model, "Conv");
  ASSERT_NE(conv, nullptr);
  onnx::AttributeProto* strides = nullptr;
  for (auto& attribute : *conv->mutable_attribute()) {
    if (attribute.name() == "strides") strides = &attribute;
  }
  if (strides == nullptr) {
    strides = conv->add_attribute();
    strides->set_name("strides");
    strides->set_type(onnx::AttributeProto::INTS);
    strides->add_ints(1);
  }
  strides->set_ints(0, int64_t{1} << 32);
  auto imported = toolchain::ImportOnnxBytes(model.SerializeAsString(), "big_stride.onnx");
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().message, "big_stride.onnx: node '" + OnnxNodeName(*conv) +
                                          "' (Conv): strides/dilations must be in 1..65535");
}

// Regression: an initializer with dims [2^32, 2^32] and no data had ElementCount() wrap to 0, so
// it passed the "values for elements" check with a shape no buffer can hold.
TEST(ParserMutationTest, OnnxInitializerWhoseDimsOverflowIsRefusedByName) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(OnnxFixture("mlp")));
  auto* init = model.mutable_graph()->mutable_initializer(0);
  init->clear_dims();
  init->add_dims(int64_t{1} << 32);
  init->add_dims(int64_t{1} << 32);
  init->clear_raw_data();
  init->clear_float_data();
  auto imported = toolchain::ImportOnnxBytes(model.SerializeAsString(), "huge.onnx");
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().message,
            "huge.onnx: initializer '" + init->name() + "': dims hold more than 2^31 elements");
}

}  // namespace
}  // namespace tinyforge::fuzz

namespace tinyforge::fuzz {
namespace {

// Regression (found by the libFuzzer ONNX target): a 2-D Conv whose kernel_shape lists one value
// was indexed at [1] (heap-buffer-overflow under ASan).
TEST(ParserMutationTest, OnnxConvWithAShortKernelShapeIsRefusedNotReadPastItsEnd) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(OnnxFixture("cnn2d_depthwise")));
  onnx::NodeProto* conv = FirstNode(model, "Conv");
  ASSERT_NE(conv, nullptr);
  bool found = false;
  for (auto& attribute : *conv->mutable_attribute()) {
    if (attribute.name() != "kernel_shape") continue;
    attribute.mutable_ints()->Truncate(1);
    found = true;
  }
  if (!found) {
    auto* attribute = conv->add_attribute();
    attribute->set_name("kernel_shape");
    attribute->set_type(onnx::AttributeProto::INTS);
    attribute->add_ints(3);
  }
  auto imported = toolchain::ImportOnnxBytes(model.SerializeAsString(), "short.onnx");
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().message,
            "short.onnx: node '" + OnnxNodeName(*conv) +
                "' (Conv): kernel_shape/strides/dilations/pads do not match the spatial rank");
}

}  // namespace
}  // namespace tinyforge::fuzz

namespace tinyforge::fuzz {
namespace {

// Regression (found by the libFuzzer ONNX target under ASan): the input-layout pass took the perm
// of a Transpose reading a graph input without checking it is a permutation; perm = [0, 7, 1, 2]
// indexed the input shape out of bounds. Now the Transpose itself refuses it, by node name.
TEST(ParserMutationTest, OnnxInputTransposeWithAnOutOfRangePermIsRefusedByItsNode) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(OnnxFixture("nhwc_transpose")));
  onnx::NodeProto* transpose = FirstNode(model, "Transpose");
  ASSERT_NE(transpose, nullptr);
  ASSERT_EQ(transpose->input(0), model.graph().input(0).name());
  for (auto& attribute : *transpose->mutable_attribute()) {
    if (attribute.name() == "perm") attribute.set_ints(1, 7);
  }
  auto imported = toolchain::ImportOnnxBytes(model.SerializeAsString(), "perm.onnx");
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().message, "perm.onnx: node '" + OnnxNodeName(*transpose) +
                                          "' (Transpose): perm is not a permutation");
}

}  // namespace
}  // namespace tinyforge::fuzz
