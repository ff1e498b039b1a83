// `tinyforge inspect` and `tinyforge package`: model blobs in, summaries and packages out.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "toolchain/cli/commands.h"
#include "toolchain/cli/model_data.h"
#include "toolchain/data/time_series.h"
#include "toolchain/emit/package.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/importers/tfm_reader.h"

namespace tinyforge::cli {
namespace {

using toolchain::LoadBlob;
using toolchain::ReadFileBytes;

int RunModelInspect(const std::string& path, bool as_json) {
  auto bytes = ReadFileBytes(path);
  if (!bytes.ok()) return Fail(bytes.error().message);
  auto loaded = LoadBlob(*bytes);
  if (!loaded.ok()) return Fail(path + ": invalid model: " + loaded.error().message);
  const Model& model = loaded->model();
  if (as_json) {
    nlohmann::json out = {{"file", path},
                          {"bytes", bytes->size()},
                          {"tensors", model.tensor_count()},
                          {"ops", model.op_count()},
                          {"arena_bytes", model.arena_bytes()}};
    nlohmann::json ops = nlohmann::json::array();
    for (uint32_t i = 0; i < model.op_count(); ++i) ops.push_back(format::OpName(model.op(i).opcode));
    out["op_list"] = ops;
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s", toolchain::DescribeModel(model).c_str());
  }
  return 0;
}

// What a model made by `tinyforge train` (and `quantize --holdout`) records about itself, as
// model-card keys: training parameters, classes/features, and its held-out accuracy. The package
// writer adds what the blob itself says (ops, tensors, arena and flash bytes, versions).
nlohmann::json ModelCardFacts(const std::vector<uint8_t>& blob, const std::string& path) {
  nlohmann::json card = nlohmann::json::object();
  auto graph = toolchain::ReadTfmGraph(blob, path);
  if (!graph.ok()) return card;  // WritePackage reports what is wrong with the blob
  const ModelFacts facts = FactsOf(*graph);
  if (facts.kind.empty()) return card;
  const bool anomaly = facts.kind == "autoencoder" || facts.kind == "isolation-forest";
  card["tf:task"] = anomaly ? "anomaly_detection" : "classification";
  if (!facts.features.empty()) card["tf:features"] = facts.features;
  if (!facts.classes.empty() && !anomaly) card["tf:classes"] = facts.classes;
  if (!facts.training.is_null()) card["tf:training"] = facts.training;
  if (facts.evaluation.is_object()) {
    card["tf:evaluation"] = facts.evaluation;
    if (facts.evaluation.contains("accuracy")) card["accuracy"] = facts.evaluation["accuracy"];
    if (facts.evaluation.contains("macro_f1")) card["tf:macroF1"] = facts.evaluation["macro_f1"];
    if (facts.evaluation.contains("float_accuracy"))
      card["tf:floatAccuracy"] = facts.evaluation["float_accuracy"];
  }
  return card;
}

int RunPackage(const std::string& path, const std::string& target_name, const std::string& out_dir,
               std::string name, bool as_json, const std::string& dataset_path) {
  auto target = toolchain::ParsePackageTarget(target_name);
  if (!target.ok()) return Fail(target.error().message);
  auto bytes = ReadFileBytes(path);
  if (!bytes.ok()) return Fail(bytes.error().message);
  toolchain::PackageRequest request;
  request.blob = std::move(*bytes);
  if (name.empty()) name = std::filesystem::path(path).stem().string();
  request.name = name;
  request.model_card = ModelCardFacts(request.blob, path);
  request.model_card["name"] = name;
  // The card must name its dataset (the server's shapes require dataset_hash): from --dataset,
  // else what `train` recorded in the model; a model with neither is refused before writing.
  if (!dataset_path.empty()) {
    auto hash = toolchain::FileSha256Hex(dataset_path);
    if (!hash.ok()) return Fail(hash.error().message);
    request.dataset_sha256 = *hash;
  }
  request.require_dataset_hash = true;
  auto report = toolchain::WritePackage(*target, request, out_dir);
  if (!report.ok()) return Fail(report.error().message);
  if (as_json) {
    const nlohmann::json out = {{"model", path},
                                {"target", target_name},
                                {"directory", report->directory.string()},
                                {"model_card", (report->directory / "model-card.jsonld").string()},
                                {"ops", report->ops},
                                {"arena_bytes", report->arena_bytes},
                                {"model_bytes", report->model_bytes},
                                {"files", report->source_files}};
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("wrote %s package to %s (%zu ops, arena %u B, model %llu B)\n", target_name.c_str(),
              report->directory.c_str(), report->ops.size(), report->arena_bytes,
              static_cast<unsigned long long>(report->model_bytes));
  return 0;
}

}  // namespace

void AddModelCommands(CLI::App& app, int* exit_code) {
  auto* inspect = app.add_subcommand("inspect", "Summarize a .tfm model blob (rejects invalid ones with the reason)");
  auto model_path = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  inspect->add_option("model", *model_path, "the .tfm file")->required();
  inspect->add_flag("--json", *as_json, "machine-readable output");
  inspect->callback([=] { *exit_code = RunModelInspect(*model_path, *as_json); });

  auto* package = app.add_subcommand("package", "Package a .tfm as a C library, an Arduino library or Cortex-M4 firmware");
  auto blob_path = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  auto out_dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  package->add_option("model", *blob_path, "the .tfm file")->required();
  package->add_option("--target", *target, "c | arduino | firmware")->required();
  package->add_option("--out", *out_dir, "output folder (replaced)")->required();
  package->add_option("--name", *name, "package name (default: the model file's name)");
  auto package_json = std::make_shared<bool>(false);
  package->add_flag("--json", *package_json, "print what was written as JSON");
  auto dataset = std::make_shared<std::string>();
  package->add_option("--dataset", *dataset,
                      "the training data file, hashed into the model card's dataset_hash (needed "
                      "when the model was not trained by `tinyforge train`)");
  package->callback([=] {
    *exit_code = RunPackage(*blob_path, *target, *out_dir, *name, *package_json, *dataset);
  });
}

}  // namespace tinyforge::cli
