// Seeded mutation fuzzing of the toolchain's .tfm reader (toolchain/importers/tfm_reader.cpp, used
// by inspect, eval, quantize and package): blobs the toolchain writes, mutated (CRC repaired for
// most, so mutations reach the records and the graph rebuild), must come back as a valid graph or
// an error that starts with the file name; the seeds read back to the graph that wrote them.
#include <gtest/gtest.h>

#include "tests/fuzz/parser_harness.h"
#include "tests/fuzz/parser_mutator.h"
#include "tests/runtime/core/test_models.h"
#include "toolchain/emit/tfm_emitter.h"

namespace tinyforge::fuzz {
namespace {

std::vector<std::string> TfmSeeds() {
  std::vector<std::string> seeds;
  const std::vector<uint8_t> test_model = testing::BuildTestModel();
  seeds.emplace_back(test_model.begin(), test_model.end());
  for (const char* name : {"mlp", "cnn1d_bn", "gap_cnn1d", "nhwc_transpose"}) {
    auto imported = toolchain::ImportOnnxFile(std::string(TINYFORGE_SOURCE_DIR) + "/tests/data/onnx/" +
                                              name + ".onnx");
    if (!imported.ok()) throw std::runtime_error(imported.error().message);
    auto blob = toolchain::EmitTfm(imported->graph);
    if (!blob.ok()) throw std::runtime_error(blob.error().message);
    seeds.emplace_back(blob->begin(), blob->end());
  }
  return seeds;
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ParserMutationTest, TfmReaderRefusesMutatedBlobsOrReturnsAValidGraph) {
  const auto seeds = TfmSeeds();
  ByteMutator mutator(3501, {});
  int parsed = 0;
  constexpr int kIterations = 6000;
  for (int i = 0; i < kIterations; ++i) {
    const std::string mutated =
        mutator.Mutate(seeds[size_t(i) % seeds.size()], seeds[mutator.Pick(seeds.size())]);
    std::vector<uint8_t> blob(mutated.begin(), mutated.end());
    if (mutator.Pick(10) != 0) RepairTfmCrc(blob);
    const ParserVerdict verdict = CheckTfm(blob);
    ASSERT_TRUE(verdict.violation.empty()) << "iteration " << i << ": " << verdict.violation;
    parsed += verdict.parsed ? 1 : 0;
  }
  EXPECT_GT(parsed, 0);
  EXPECT_LT(parsed, kIterations / 2);
}

// Valid input still parses identically: read -> emit gives back the very bytes that were read.
TEST(ParserMutationTest, TfmSeedsReadBackToTheBytesThatWroteThem) {
  const auto seeds = TfmSeeds();
  for (size_t i = 1; i < seeds.size(); ++i) {  // the ModelBuilder seed has no emitter graph
    auto graph = toolchain::ReadTfmGraph(Bytes(seeds[i]), "seed.tfm");
    ASSERT_TRUE(graph.ok()) << graph.error().message;
    auto again = toolchain::EmitTfm(*graph);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(std::string(again->begin(), again->end()), seeds[i]) << "seed " << i;
  }
}

}  // namespace
}  // namespace tinyforge::fuzz
