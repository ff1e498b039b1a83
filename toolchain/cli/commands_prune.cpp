// `tinyforge prune`: magnitude pruning of a float .tfm to a target sparsity. Models made by
// `tinyforge train` (MLP, autoencoder) are fine-tuned on the training data with the mask held;
// other models are pruned without fine-tuning (said in the report).
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "toolchain/cli/commands.h"
#include "toolchain/cli/model_data.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/importers/tfm_reader.h"
#include "toolchain/passes/prune.h"
#include "toolchain/train/dense_stack.h"
#include "toolchain/train/fit.h"

namespace tinyforge::cli {
namespace {

using json = nlohmann::json;
using toolchain::DenseStack;
using toolchain::Graph;
using toolchain::MakeError;
using toolchain::OpCode;
using toolchain::Result;
using toolchain::RowMatrix;

struct PruneOptions {
  std::string model_path;
  std::string data_path;
  std::string label_column;
  std::string out_path;
  std::string holdout_path;
  float sparsity = 0.5f;
  int epochs = 30;
  int batch_size = 32;
  float learning_rate = 1e-3f;
  uint32_t seed = 1;
  bool as_json = false;
};

bool IsWeighted(OpCode op) {
  return op == OpCode::kFullyConnected || op == OpCode::kConv1D || op == OpCode::kConv2D ||
         op == OpCode::kDepthwiseConv2D;
}

struct WeightCount {
  size_t nonzero = 0;
  size_t total = 0;
};

WeightCount CountWeights(const Graph& graph) {
  WeightCount count;
  for (const auto& node : graph.nodes) {
    if (!IsWeighted(node.op) || node.inputs.size() < 2 || node.inputs[1] < 0) continue;
    for (float w : graph.tensors[static_cast<size_t>(node.inputs[1])].float_data) {
      count.nonzero += w != 0.0f ? 1 : 0;
      ++count.total;
    }
  }
  return count;
}

// The FullyConnected chain of a built-in dense model as a DenseStack (nodes in order, each
// reading the previous output; an optional final Softmax). Returns the weight/bias tensors.
Result<std::vector<std::pair<int, int>>> ToDenseStack(const Graph& graph, DenseStack& stack) {
  std::vector<std::pair<int, int>> parameters;
  int current = graph.inputs.at(0);
  for (const auto& node : graph.nodes) {
    if (node.op == OpCode::kSoftmax && node.inputs[0] == current && &node == &graph.nodes.back()) break;
    if (node.op != OpCode::kFullyConnected || node.inputs[0] != current || node.inputs.size() < 3 ||
        node.inputs[2] < 0)
      return MakeError("node '" + node.name + "' is not part of a plain dense chain");
    const auto& weights = graph.tensors[static_cast<size_t>(node.inputs[1])];
    const auto& bias = graph.tensors[static_cast<size_t>(node.inputs[2])];
    toolchain::DenseLayer layer;
    layer.weights = Eigen::Map<const RowMatrix>(weights.float_data.data(), weights.shape[0], weights.shape[1]);
    layer.bias = Eigen::Map<const RowMatrix>(bias.float_data.data(), 1, bias.shape[0]);
    layer.activation = node.params.activation;
    stack.layers().push_back(std::move(layer));
    parameters.emplace_back(node.inputs[1], node.inputs[2]);
    current = node.output;
  }
  if (parameters.empty()) return MakeError("no dense layers");
  return parameters;
}

// Prunes the dense stack and fine-tunes it (cross-entropy for classifiers, MSE for autoencoders).
Result<json> PruneAndFineTune(const PruneOptions& o, Graph& inner, const std::string& kind,
                              const toolchain::Dataset& data) {
  DenseStack stack;
  auto parameters = ToDenseStack(inner, stack);
  if (!parameters.ok()) return MakeError(o.model_path + ": " + parameters.error().message);
  toolchain::Rng rng(o.seed);
  const auto split = toolchain::ShuffledSplit(data.rows, 0.2, rng);
  const toolchain::Dataset train = data.Subset(split.train);
  const toolchain::Dataset validation = split.validation.empty() ? train : data.Subset(split.validation);
  const RowMatrix validation_x = toolchain::ToMatrix(validation);
  const bool classifier = kind != "autoencoder";
  auto train_step = [&](DenseStack& model, const std::vector<size_t>& batch) {
    const RowMatrix x = toolchain::GatherRows(train, batch);
    RowMatrix gradient;
    float loss;
    if (classifier) {
      std::vector<int> labels;
      for (size_t row : batch) labels.push_back(train.labels[row]);
      loss = toolchain::SoftmaxCrossEntropy(model.Forward(x, true), labels, &gradient);
    } else {
      loss = toolchain::MeanSquaredError(model.Forward(x, true), x, &gradient);
    }
    model.Backward(gradient);
    return loss;
  };
  auto validation_loss = [&](DenseStack& model) {
    const RowMatrix out = model.Forward(validation_x, false);
    return classifier ? toolchain::SoftmaxCrossEntropy(out, validation.labels, nullptr)
                      : toolchain::MeanSquaredError(out, validation_x, nullptr);
  };
  stack.PruneByMagnitude(o.sparsity);
  toolchain::FitConfig fit;
  fit.epochs = o.epochs;
  fit.batch_size = o.batch_size;
  fit.patience = o.epochs;  // keep every epoch's chance; Fit restores the best one
  fit.adam.learning_rate = o.learning_rate;
  const auto history = toolchain::Fit(stack, train.rows, fit, rng, train_step, validation_loss);
  for (size_t i = 0; i < parameters->size(); ++i) {
    const auto& layer = stack.layers()[i];
    auto& weights = inner.tensors[static_cast<size_t>((*parameters)[i].first)].float_data;
    auto& bias = inner.tensors[static_cast<size_t>((*parameters)[i].second)].float_data;
    weights.assign(layer.weights.data(), layer.weights.data() + layer.weights.size());
    bias.assign(layer.bias.data(), layer.bias.data() + layer.bias.size());
  }
  return json{{"fine_tuned", true}, {"epochs_run", history.epochs_run},
              {"best_epoch", history.best_epoch}, {"validation_loss", history.best_validation_loss}};
}

int RunPrune(const PruneOptions& o) {
  FILE* progress = o.as_json ? stderr : stdout;
  if (!(o.sparsity > 0.0f && o.sparsity < 1.0f)) return Fail("--sparsity must be in (0, 1)");
  auto bytes = toolchain::ReadFileBytes(o.model_path);
  if (!bytes.ok()) return Fail(bytes.error().message);
  auto graph = toolchain::ReadTfmGraph(*bytes, o.model_path);
  if (!graph.ok()) return Fail(graph.error().message);
  if (graph->UsesOp(toolchain::OpCode::kTreeEnsemble))
    return Fail(o.model_path + ": a TreeEnsemble (forest) model has no weights to prune; for a smaller "
                "forest train fewer trees (train --trees)");
  for (const auto& tensor : graph->tensors)
    if (tensor.dtype != toolchain::DType::kFloat32)
      return Fail(o.model_path + ": the model is quantized; prune the float model, then quantize it");
  const ModelFacts facts = FactsOf(*graph);
  const WeightCount before = CountWeights(*graph);
  Graph inner = *graph;
  const auto front = toolchain::SplitStandardization(inner);
  json report = {{"model", o.model_path}, {"out", o.out_path}, {"target_sparsity", o.sparsity}};
  if (facts.kind == "mlp" || facts.kind == "autoencoder") {
    const bool labelled = facts.kind == "mlp";
    Result<FeatureTable> table =
        labelled ? ReadTableForModel(*graph, o.data_path, o.label_column)
                 : ReadFeatureTable(o.data_path, o.label_column.empty() ? facts.label_column : o.label_column);
    if (!table.ok()) return Fail(table.error().message);
    toolchain::Dataset data = table->data;
    if (front && data.cols != front->inv_std.size())
      return Fail(o.data_path + ": feature count does not match " + o.model_path);
    if (!labelled) {
      if (!facts.normal_label.empty()) {
        const auto it = std::find(table->class_names.begin(), table->class_names.end(), facts.normal_label);
        std::vector<size_t> rows;
        for (size_t r = 0; r < data.rows; ++r)
          if (it != table->class_names.end() && data.labels[r] == it - table->class_names.begin()) rows.push_back(r);
        data = data.Subset(rows);
      }
      data.labels.clear();
    }
    if (front) front->Apply(data.features);
    std::fprintf(progress, "[prune] pruning %s to %.0f%% sparsity, fine-tuning up to %d epochs on %zu rows\n",
                 o.model_path.c_str(), o.sparsity * 100.0, o.epochs, data.rows);
    std::fflush(progress);
    auto tuned = PruneAndFineTune(o, inner, facts.kind, data);
    if (!tuned.ok()) return Fail(tuned.error().message);
    report["fine_tune"] = *tuned;
  } else {
    std::fprintf(progress, "[prune] %s is not an MLP/autoencoder from `tinyforge train` (fine-tuning covers "
                           "dense models only): pruning without fine-tuning\n", o.model_path.c_str());
    auto pruned = toolchain::PruneGraph(inner, o.sparsity);
    if (!pruned.ok()) return Fail(o.model_path + ": " + pruned.error().message);
    report["fine_tune"] = {{"fine_tuned", false}};
  }
  if (front) {
    auto prepended = toolchain::PrependFront(inner, *front);
    if (!prepended.ok()) return Fail(o.model_path + ": " + prepended.error().message);
  }
  if (!facts.kind.empty()) {
    // The model card's training parameters say the model was pruned (and how it was fine-tuned).
    ModelFacts pruned_facts = facts;
    if (!pruned_facts.training.is_object()) pruned_facts.training = json::object();
    pruned_facts.training["pruning"] = {{"method", "magnitude, per layer"},
                                        {"target_sparsity", o.sparsity},
                                        {"fine_tune", report["fine_tune"]}};
    pruned_facts.evaluation = nullptr;
    inner.metadata.preprocessing_json = FactsToJson(pruned_facts).dump();
  }
  auto blob = toolchain::EmitTfm(inner);
  if (!blob.ok()) return Fail(o.model_path + ": " + blob.error().message);
  const WeightCount after = CountWeights(inner);
  report["nonzero_weights_before"] = before.nonzero;
  report["nonzero_weights_after"] = after.nonzero;
  report["total_weights"] = before.total;
  report["tfm_bytes_before"] = bytes->size();
  report["tfm_bytes_after"] = blob->size();
  // Honest size: .tfm (and so every package's flash) stores weights densely; the runtime has no
  // sparse kernels, so zeros take the same bytes and time as any other weight.
  report["note"] = ".tfm stores weights densely: pruning reduces the non-zero weights, not the .tfm or the package's flash bytes";
  if (!o.holdout_path.empty()) {
    auto table = ReadTableForModel(*graph, o.holdout_path, o.label_column);
    if (!table.ok()) return Fail(table.error().message);
    auto old_eval = EvaluateBlob(*bytes, o.model_path, *table);
    if (!old_eval.ok()) return Fail(old_eval.error().message);
    auto new_eval = EvaluateBlob(*blob, o.out_path, *table);
    if (!new_eval.ok()) return Fail(new_eval.error().message);
    report["before"] = old_eval->metrics;
    report["after"] = new_eval->metrics;
    if (!o.as_json)
      std::printf("before: %s\nafter:  %s\n", old_eval->summary.c_str(), new_eval->summary.c_str());
  }
  auto written = WriteAtomically(o.out_path, *blob);
  if (!written.ok()) return Fail(written.error().message);
  if (o.as_json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("wrote %s: non-zero weights %zu -> %zu of %zu (%.1f%% sparse); .tfm %zu B -> %zu B (weights are stored densely: pruning does not shrink the .tfm or a package)\n",
                o.out_path.c_str(), before.nonzero, after.nonzero, before.total,
                100.0 * static_cast<double>(before.total - after.nonzero) / static_cast<double>(std::max<size_t>(before.total, 1)),
                bytes->size(), blob->size());
  }
  return 0;
}

}  // namespace

void AddPruneCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<PruneOptions>();
  auto* command = app.add_subcommand(
      "prune",
      "Magnitude pruning of a float .tfm to a target sparsity; MLPs and autoencoders from\n"
      "`tinyforge train` are fine-tuned on --data with the pruning mask held fixed");
  command->add_option("model", o->model_path, "float .tfm")->required();
  command->add_option("--data", o->data_path, "the training CSV (for fine-tuning)")->required();
  command->add_option("--sparsity", o->sparsity, "fraction of weights to zero per layer, in (0, 1)")->required();
  command->add_option("--out", o->out_path, "pruned float .tfm to write")->required();
  command->add_option("--label-column", o->label_column, "label column (default: the one recorded at training)");
  command->add_option("--holdout", o->holdout_path, "labelled CSV to compare quality before/after on");
  command->add_option("--epochs", o->epochs, "fine-tuning epochs");
  command->add_option("--batch-size", o->batch_size, "mini-batch size");
  command->add_option("--learning-rate", o->learning_rate, "Adam learning rate");
  command->add_option("--seed", o->seed, "random seed");
  command->add_flag("--json", o->as_json, "print the report as JSON (progress goes to stderr)");
  command->callback([=] { *exit_code = RunPrune(*o); });
}

}  // namespace tinyforge::cli
