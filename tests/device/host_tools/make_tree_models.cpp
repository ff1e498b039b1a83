// Writes the files the TreeEnsemble device test embeds: a random forest (3 classes) and an
// Isolation Forest trained on synthetic Gaussian blobs, 32 of its rows, the host runtime's output
// bytes for each model on those rows (the device must reproduce them bit for bit), and a copy of
// the forest with one child index pointing back at its parent (CRC re-stamped) that Prepare must
// refuse with kTreeChildOutOfRange.
//   make_tree_models <output-dir>  ->  tree_forest.tfm, tree_isolation.tfm, tree_rows.bin,
//                                      tree_forest_host.bin, tree_isolation_host.bin,
//                                      tree_forest_bad_child.tfm
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "core/crc32.h"
#include "tinyforge/model.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/train/synthetic.h"
#include "toolchain/train/tree_export.h"
#include "toolchain/verify/host_runner.h"

namespace {

using namespace tinyforge;
using namespace tinyforge::toolchain;

int Fail(const std::string& message) {
  std::fprintf(stderr, "make_tree_models: %s\n", message.c_str());
  return 1;
}

std::vector<uint8_t> Concat(const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<uint8_t> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Points the first internal node's left child at the node itself (a cycle) and re-stamps the CRC.
bool BreakFirstChild(std::vector<uint8_t>& blob) {
  alignas(16) static uint8_t copy[1 << 20];
  if (blob.size() > sizeof(copy)) return false;
  std::memcpy(copy, blob.data(), blob.size());
  Model model;
  if (model.Load(copy, blob.size()) != Status::kOk) return false;
  const uint16_t* list = model.op_tensor_list(0);
  const auto* features = reinterpret_cast<const int16_t*>(model.constant_data(list[2]));
  const uint8_t* children = model.constant_data(list[4]);
  uint32_t node = 0;
  while (features[node] == format::kTreeLeaf) ++node;
  const auto offset = static_cast<size_t>(children - copy) + 4u * node;
  const int16_t self = 0;  // local index of tree 0's root, the node itself when node == 0
  std::memcpy(blob.data() + offset, &self, sizeof(self));
  format::FileHeader header;
  std::memcpy(&header, blob.data(), sizeof(header));
  header.crc32 = 0;
  std::memcpy(blob.data(), &header, sizeof(header));
  header.crc32 = BlobCrc32(blob.data(), header.blob_bytes);
  std::memcpy(blob.data(), &header, sizeof(header));
  return node == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output-dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  const Dataset train = MakeGaussianBlobs(200, 3, 6, 2.0f, 5);
  constexpr size_t kRows = 32;  // the first training rows: every class, interleaved
  std::vector<float> input(train.features.begin(),
                           train.features.begin() + static_cast<long>(kRows * train.cols));

  RandomForestConfig forest_config;
  forest_config.trees = 25;
  auto forest = TrainRandomForest(train, forest_config);
  if (!forest.ok()) return Fail(forest.error().message);
  IsolationForestConfig isolation_config;
  isolation_config.trees = 40;
  Dataset unlabeled = train;
  unlabeled.labels.clear();
  auto isolation = TrainIsolationForest(unlabeled, isolation_config);
  if (!isolation.ok()) return Fail(isolation.error().message);

  auto forest_graph = RandomForestGraph(*forest, {train.cols, std::nullopt});
  auto isolation_graph = IsolationForestGraph(*isolation, {train.cols, std::nullopt});
  if (!forest_graph.ok() || !isolation_graph.ok()) return Fail("export failed");
  auto forest_blob = EmitTfm(*forest_graph);
  auto isolation_blob = EmitTfm(*isolation_graph);
  if (!forest_blob.ok() || !isolation_blob.ok()) return Fail("emit failed");
  auto forest_run = RunBlobOnHost(*forest_blob, input, kRows);
  auto isolation_run = RunBlobOnHost(*isolation_blob, input, kRows);
  if (!forest_run.ok()) return Fail(forest_run.error().message);
  if (!isolation_run.ok()) return Fail(isolation_run.error().message);
  std::vector<uint8_t> bad = *forest_blob;
  if (!BreakFirstChild(bad)) return Fail("could not break the forest's first child");

  std::vector<uint8_t> input_bytes(input.size() * sizeof(float));
  std::memcpy(input_bytes.data(), input.data(), input_bytes.size());
  const struct {
    const char* name;
    std::vector<uint8_t> bytes;
  } files[] = {{"tree_forest.tfm", *forest_blob},
               {"tree_isolation.tfm", *isolation_blob},
               {"tree_rows.bin", input_bytes},
               {"tree_forest_host.bin", Concat(forest_run->outputs)},
               {"tree_isolation_host.bin", Concat(isolation_run->outputs)},
               {"tree_forest_bad_child.tfm", bad}};
  for (const auto& file : files) {
    const auto written = WriteFileBytes(dir + "/" + file.name, file.bytes);
    if (!written.ok()) return Fail(written.error().message);
  }
  return 0;
}
