// Shared by `tinyforge train|quantize|prune|eval`: feature tables read from CSV (one row = one
// sample), the label/feature facts a CLI-trained model carries in its metadata, and writing
// outputs atomically (temp file + rename, so a failure never leaves a partial file).
#ifndef TINYFORGE_TOOLCHAIN_CLI_MODEL_DATA_H_
#define TINYFORGE_TOOLCHAIN_CLI_MODEL_DATA_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "toolchain/ir/graph.h"
#include "toolchain/importers/tfm_reader.h"
#include "toolchain/ir/result.h"
#include "toolchain/train/dataset.h"

namespace tinyforge::cli {

// A feature table: every column but the label is a float feature.
struct FeatureTable {
  std::string path;
  toolchain::Dataset data;                 // labels index class_names (empty without labels)
  std::vector<std::string> feature_names;
  std::vector<std::string> class_names;
  std::vector<std::string> raw_labels;     // per row, as written in the file
};

// Reads `path` (CSV with a header; missing cells are errors that name file:line:column).
// label_column "" = no labels. known_classes non-empty: labels must be among them (the error
// names the file and line of the first unknown one); else the classes are the sorted distinct
// labels.
toolchain::Result<FeatureTable> ReadFeatureTable(const std::string& path,
                                                 const std::string& label_column,
                                                 const std::vector<std::string>& known_classes = {});

// Classification needs >= 2 classes: the error names the file and the only class.
toolchain::Result<void> RequireTwoClasses(const FeatureTable& table);

// What `tinyforge train` records in the model's preprocessing metadata (a JSON object):
// {"tinyforge_train": {"kind", "label_column", "classes", "features", "normal_label", "channels",
//  "training"?, "evaluation"?}}. `package` puts training and evaluation into the model card.
struct ModelFacts {
  std::string kind;  // mlp | cnn1d | autoencoder ("" when the model was not made by train)
  std::string label_column;
  std::vector<std::string> classes;
  std::vector<std::string> features;
  std::string normal_label;  // autoencoder: the class it was trained on ("" = all rows)
  uint32_t channels = 1;     // cnn1d
  // The training parameters (trainer, hidden, epochs, batch size, learning rate, seed, data file
  // name, rows); null for a model not made by `tinyforge train`.
  nlohmann::json training;
  // Quality of THIS model on held-out data (set by `quantize --holdout` for the int8 model it
  // writes: {"data", "rows", "accuracy", "macro_f1", "float_accuracy"} or the anomaly metrics).
  nlohmann::json evaluation;
};
nlohmann::json FactsToJson(const ModelFacts& facts);
ModelFacts FactsOf(const toolchain::Graph& graph);

// Writes `bytes` to `path` through `path.tmp` + rename. The error names the path.
toolchain::Result<void> WriteAtomically(const std::string& path, std::span<const uint8_t> bytes);

// 0.1234 -> "12.34%".
std::string Percent(double fraction);

// Parses "32,16" into widths; the error names the option and the bad item.
toolchain::Result<std::vector<int>> ParseWidths(const std::string& text, const std::string& option);

// Quality of a model blob on a labelled table, run on the host through the real runtime.
// Classifiers (output [1, classes]): accuracy, macro F1, confusion matrix [true][predicted].
// Autoencoders (output width == input width): per-row reconstruction error in the model's
// standardized space; Isolation Forests (kind "isolation-forest"): the model's score output; both
// scored with ROC AUC and F1 at the model's "anomaly.threshold" (anomalous above it) against
// "label == anomaly_label" when that is given, else "label != normal_label" (normal_label "" =
// the one recorded at training).
struct Evaluation {
  bool anomaly = false;
  nlohmann::json metrics;
  std::vector<std::vector<uint8_t>> outputs;  // per row: output 0's bytes
  std::string summary;                        // one line for humans
};
toolchain::Result<Evaluation> EvaluateBlob(std::span<const uint8_t> blob, const std::string& source,
                                           const FeatureTable& table, std::string normal_label = "",
                                           const std::string& anomaly_label = "");
// Metrics from output bytes computed elsewhere (e.g. on the device), same rules as above.
toolchain::Result<Evaluation> EvaluateOutputs(const toolchain::Graph& graph, const std::string& source,
                                              const FeatureTable& table,
                                              std::vector<std::vector<uint8_t>> outputs,
                                              std::string normal_label = "",
                                              const std::string& anomaly_label = "");

// Reads a model's labelled table: the label column and classes come from the model's facts
// when it was made by `tinyforge train` (label_column "" = use the recorded one).
toolchain::Result<FeatureTable> ReadTableForModel(const toolchain::Graph& graph, const std::string& path,
                                                  std::string label_column);

}  // namespace tinyforge::cli

#endif  // TINYFORGE_TOOLCHAIN_CLI_MODEL_DATA_H_
