// `tinyforge eval`: quality of a .tfm (float or int8) on labelled data, on the host runtime or on
// a Cortex-M4 under QEMU (firmware package with the rows embedded, outputs compared with the host
// byte for byte).
#include <cstdio>
#include <filesystem>
#include <memory>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "toolchain/cli/commands.h"
#include "toolchain/cli/model_data.h"
#include "toolchain/emit/package.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/importers/tfm_reader.h"
#include "toolchain/verify/firmware_runner.h"

namespace tinyforge::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct EvalOptions {
  std::string model_path;
  std::string data_path;
  std::string label_column;
  std::string target = "host";
  std::string anomaly_label;
  std::string normal_label;
  std::string work_dir;
  size_t device_rows = 200;
  bool as_json = false;
};

void PrintConfusion(const json& metrics) {
  if (!metrics.contains("confusion")) return;
  const auto& classes = metrics["classes"];
  std::printf("confusion (rows = true, columns = predicted):\n");
  for (size_t t = 0; t < metrics["confusion"].size(); ++t) {
    const std::string name = t < classes.size() ? classes[t].get<std::string>() : std::to_string(t);
    std::printf("  %-16s", name.c_str());
    for (const auto& cell : metrics["confusion"][t]) std::printf(" %6zu", cell.get<size_t>());
    std::printf("\n");
  }
}

int RunEval(const EvalOptions& o) {
  FILE* progress = o.as_json ? stderr : stdout;
  auto bytes = toolchain::ReadFileBytes(o.model_path);
  if (!bytes.ok()) return Fail(bytes.error().message);
  auto graph = toolchain::ReadTfmGraph(*bytes, o.model_path);
  if (!graph.ok()) return Fail(graph.error().message);
  auto table = ReadTableForModel(*graph, o.data_path, o.label_column);
  if (!table.ok()) return Fail(table.error().message);
  std::fprintf(progress, "[eval] running %s on %zu rows of %s on the host runtime\n", o.model_path.c_str(),
               table->data.rows, o.data_path.c_str());
  std::fflush(progress);
  auto host = EvaluateBlob(*bytes, o.model_path, *table, o.normal_label, o.anomaly_label);
  if (!host.ok()) return Fail(host.error().message);
  json report = {{"model", o.model_path}, {"data", o.data_path}, {"target", o.target},
                 {"host", host->metrics}};

  if (o.target == "qemu-m4") {
    // The device run covers the first --device-rows rows (each embedded in flash as a sample).
    const size_t rows = std::min(o.device_rows, table->data.rows);
    const size_t width = table->data.cols;
    toolchain::PackageRequest request;
    request.blob = *bytes;
    request.name = fs::path(o.model_path).stem().string();
    request.model_card = {{"name", request.name}};
    for (size_t r = 0; r < rows; ++r)
      request.samples.emplace_back(table->data.features.begin() + static_cast<long>(r * width),
                                   table->data.features.begin() + static_cast<long>((r + 1) * width));
    const fs::path work = o.work_dir.empty() ? fs::temp_directory_path() / ("tinyforge-eval-" + std::to_string(::getpid()))
                                             : fs::path(o.work_dir);
    std::fprintf(progress, "[eval] packaging %zu rows as Cortex-M4 firmware in %s\n", rows, work.c_str());
    std::fflush(progress);
    auto package = toolchain::WritePackage(toolchain::PackageTarget::kFirmware, request, work / "package");
    if (!package.ok()) return Fail(o.model_path + ": " + package.error().message);
    std::fprintf(progress, "[eval] building with arm-none-eabi-gcc and running on qemu-system-arm mps2-an386\n");
    std::fflush(progress);
    auto run = toolchain::BuildAndRunFirmware(package->directory, work / "build");
    if (!run.ok()) return Fail(o.model_path + " on qemu-m4: " + run.error().message);
    size_t identical = 0;
    std::vector<std::vector<uint8_t>> device_outputs;
    for (size_t r = 0; r < rows; ++r) {
      const auto found = run->outputs.find(static_cast<uint32_t>(r));
      if (found == run->outputs.end()) break;
      if (found->second == host->outputs[r]) ++identical;
      device_outputs.push_back(found->second);
    }
    json device = {{"target", "cortex-m4 (qemu-system-arm mps2-an386)"}, {"rows", rows},
                   {"outputs_returned", device_outputs.size()}, {"outputs_identical", identical},
                   {"byte_identical", identical == rows}, {"skipped", run->skipped},
                   {"flash_bytes", run->flash_bytes}, {"ram_bytes", run->ram_bytes},
                   {"stack_used_bytes", run->stack_used_bytes}, {"arena_bytes", package->arena_bytes}};
    if (device_outputs.size() == rows) {
      FeatureTable subset = *table;
      std::vector<size_t> first(rows);
      for (size_t r = 0; r < rows; ++r) first[r] = r;
      subset.data = table->data.Subset(first);
      auto metrics = EvaluateOutputs(*graph, o.model_path + " (device)", subset, device_outputs,
                                     o.normal_label, o.anomaly_label);
      if (!metrics.ok()) return Fail(metrics.error().message);
      device["metrics"] = metrics->metrics;
      device["summary"] = metrics->summary;
    }
    report["device"] = device;
    if (!o.work_dir.empty()) {
      // kept for inspection
    } else {
      std::error_code error;
      fs::remove_all(work, error);
    }
  }

  if (o.as_json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("host:   %s\n", host->summary.c_str());
    PrintConfusion(host->metrics);
    if (report.contains("device")) {
      const json& d = report["device"];
      std::printf("device: %s; %zu/%zu outputs byte-identical to the host; flash %llu B, static RAM %llu B, stack %u B\n",
                  d.value("summary", std::string("incomplete run")).c_str(), d["outputs_identical"].get<size_t>(),
                  d["rows"].get<size_t>(), d["flash_bytes"].get<unsigned long long>(),
                  d["ram_bytes"].get<unsigned long long>(), d["stack_used_bytes"].get<unsigned>());
    }
  }
  if (report.contains("device") && !report["device"]["byte_identical"].get<bool>())
    return Fail("device outputs differ from the host outputs");
  return 0;
}

}  // namespace

void AddEvalCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<EvalOptions>();
  auto* command = app.add_subcommand(
      "eval",
      "Accuracy, macro F1 and confusion matrix of a .tfm on labelled data (ROC AUC for\n"
      "autoencoders); --target qemu-m4 also runs it as Cortex-M4 firmware under QEMU and checks\n"
      "the device outputs equal the host outputs byte for byte");
  command->add_option("model", o->model_path, ".tfm (float or int8)")->required();
  command->add_option("--data", o->data_path, "labelled CSV")->required();
  command->add_option("--label-column", o->label_column, "label column (default: the one recorded at training)");
  command->add_option("--target", o->target, "host | qemu-m4")->check(CLI::IsMember({"host", "qemu-m4"}));
  command->add_option("--anomaly-label", o->anomaly_label, "autoencoders: rows with this label are anomalies");
  command->add_option("--normal-label", o->normal_label,
                      "autoencoders: rows with any other label are anomalies (default: the training class)");
  command->add_option("--device-rows", o->device_rows, "qemu-m4: how many rows (from the top) to run");
  command->add_option("--work-dir", o->work_dir, "qemu-m4: keep the package and build here");
  command->add_flag("--json", o->as_json, "print the report as JSON (progress goes to stderr)");
  command->callback([=] { *exit_code = RunEval(*o); });
}

}  // namespace tinyforge::cli
