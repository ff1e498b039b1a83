// `tinyforge import model.onnx --out model.tfm`: ONNX → IR → int8 (or float) .tfm.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "toolchain/cli/commands.h"
#include "toolchain/importers/onnx_convert.h"

namespace tinyforge::cli {
namespace {

nlohmann::json LayoutJson(const toolchain::OnnxIoLayout& io) {
  return {{"name", io.name},
          {"onnx_shape", io.onnx_shape},
          {"model_shape", io.ir_shape},
          {"channels_last", !io.IsIdentity()}};
}

int RunImport(const toolchain::OnnxConvertOptions& options, bool as_json) {
  auto report = toolchain::ConvertOnnxToTfm(options);
  if (!report.ok()) return Fail(report.error().message);
  const auto& imported = report->import;
  if (as_json) {
    nlohmann::json out = {{"input", options.input_path},
                          {"output", options.output_path},
                          {"producer", imported.producer},
                          {"opset", imported.opset},
                          {"onnx_nodes", imported.onnx_node_count},
                          {"quantized", report->quantized},
                          {"calibration", report->calibration_source},
                          {"calibration_rows", report->calibration_rows},
                          {"bytes", report->blob_bytes},
                          {"arena_bytes", report->arena_bytes},
                          {"op_list", report->ops},
                          {"notes", imported.notes}};
    out["inputs"] = nlohmann::json::array();
    for (const auto& io : imported.inputs) out["inputs"].push_back(LayoutJson(io));
    out["outputs"] = nlohmann::json::array();
    for (const auto& io : imported.outputs) out["outputs"].push_back(LayoutJson(io));
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("imported %s (%s, opset %lld, %zu nodes) -> %s\n", options.input_path.c_str(),
              imported.producer.c_str(), static_cast<long long>(imported.opset),
              imported.onnx_node_count, options.output_path.c_str());
  for (const auto& io : imported.inputs)
    std::printf("  input  %s: onnx %s -> model %s\n", io.name.c_str(),
                toolchain::ShapeString(io.onnx_shape).c_str(),
                toolchain::ShapeString(io.ir_shape).c_str());
  for (const auto& io : imported.outputs)
    std::printf("  output %s: onnx %s -> model %s\n", io.name.c_str(),
                toolchain::ShapeString(io.onnx_shape).c_str(),
                toolchain::ShapeString(io.ir_shape).c_str());
  for (const auto& note : imported.notes) std::printf("  note: %s\n", note.c_str());
  std::printf("  %s, %zu ops, arena %u B, model %zu B%s\n", report->quantized ? "int8" : "float32",
              report->ops.size(), report->arena_bytes, report->blob_bytes,
              report->quantized ? (", calibration " + report->calibration_source).c_str() : "");
  return 0;
}

}  // namespace

void AddImportCommands(CLI::App& app, int* exit_code) {
  auto* command = app.add_subcommand(
      "import", "Convert an ONNX model (PyTorch/Keras export) to a .tfm (int8 by default)");
  auto options = std::make_shared<toolchain::OnnxConvertOptions>();
  auto as_json = std::make_shared<bool>(false);
  command->add_option("model", options->input_path, "the .onnx file")->required();
  command->add_option("--out", options->output_path, "the .tfm to write (replaced atomically)")
      ->required();
  auto* csv = command->add_option("--calibration", options->calibration_csv,
                                  "CSV with a header row, one input sample per row (ONNX layout)");
  auto* random = command->add_option("--calibration-random", options->calibration_random,
                                     "calibrate on N samples of N(0, 1) noise");
  csv->excludes(random);
  auto* float_flag =
      command->add_flag("--float", options->float_model, "emit float32, no quantization");
  float_flag->excludes(csv)->excludes(random);
  command->add_option("--seed", options->seed, "seed of --calibration-random");
  command->add_flag("--json", *as_json, "machine-readable summary");
  command->callback([=] { *exit_code = RunImport(*options, *as_json); });
}

}  // namespace tinyforge::cli
