// `tinyforge import` as a library call: import, calibrate, quantize, emit, write atomically.
#include "toolchain/importers/onnx_convert.h"

#include <cstdio>
#include <filesystem>
#include <random>

#include "toolchain/data/csv_reader.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/format/blob_reader.h"
#include "toolchain/passes/quantize.h"

namespace tinyforge::toolchain {

Result<std::vector<float>> ReadCalibrationCsv(const std::string& path, const OnnxIoLayout& layout,
                                              size_t* rows) {
  CsvOptions options;
  options.allow_missing = false;
  auto table = ReadCsv(path, options);
  if (!table.ok()) return table.error();
  size_t sample = 1;
  for (size_t d = 1; d < layout.onnx_shape.size(); ++d) sample *= layout.onnx_shape[d];
  if (table->channels.size() != sample)
    return MakeError(path + ": " + std::to_string(table->channels.size()) +
                     " columns, the model "
                     "input '" +
                     layout.name + "' " + ShapeString(layout.onnx_shape) + " needs " +
                     std::to_string(sample) + " (one sample per row, ONNX layout, row-major)");
  *rows = table->sample_count();
  std::vector<float> data;
  data.reserve(*rows * sample);
  std::vector<float> row(sample);
  for (size_t r = 0; r < *rows; ++r) {
    for (size_t c = 0; c < sample; ++c) row[c] = table->channels[c][r];
    const auto reordered = OnnxToIrLayout(layout, row);
    data.insert(data.end(), reordered.begin(), reordered.end());
  }
  return data;
}

Result<OnnxConvertReport> ConvertOnnxToTfm(const OnnxConvertOptions& options) {
  if (options.output_path.empty()) return MakeError("no output path");
  OnnxConvertReport report;
  auto imported = ImportOnnxFile(options.input_path);
  if (!imported.ok()) return imported.error();
  report.import = std::move(*imported);
  const Graph& float_graph = report.import.graph;
  Graph emitted;
  if (options.float_model) {
    emitted = float_graph;
  } else {
    if (report.import.inputs.size() != 1)
      return MakeError(options.input_path +
                       ": int8 quantization needs a single-input model "
                       "(use --float)");
    const OnnxIoLayout& input = report.import.inputs[0];
    std::vector<float> calibration;
    if (!options.calibration_csv.empty()) {
      auto data = ReadCalibrationCsv(options.calibration_csv, input, &report.calibration_rows);
      if (!data.ok()) return data.error();
      calibration = std::move(*data);
      report.calibration_source = "csv:" + options.calibration_csv;
    } else if (options.calibration_random > 0) {
      size_t sample = 1;
      for (size_t d = 1; d < input.ir_shape.size(); ++d) sample *= input.ir_shape[d];
      std::mt19937_64 rng(options.seed);
      std::normal_distribution<float> normal(0.0f, 1.0f);
      calibration.resize(options.calibration_random * sample);
      for (float& value : calibration) value = normal(rng);
      report.calibration_rows = options.calibration_random;
      report.calibration_source = "random:" + std::to_string(options.calibration_random);
    } else {
      return MakeError(options.input_path +
                       ": int8 needs calibration data: --calibration "
                       "data.csv or --calibration-random N (or --float)");
    }
    if (report.calibration_rows == 0) return MakeError("calibration data has no rows");
    auto quantized = QuantizeGraph(float_graph, calibration, report.calibration_rows);
    if (!quantized.ok())
      return MakeError(options.input_path + ": quantization failed: " + quantized.error().message);
    emitted = std::move(*quantized);
    report.quantized = true;
  }
  emitted.metadata.model_id = std::filesystem::path(options.input_path).stem().string();
  EmitOptions emit_options;
  emit_options.producer = "tinyforge import (" + report.import.producer + ")";
  auto blob = EmitTfm(emitted, emit_options);
  if (!blob.ok()) return MakeError(options.input_path + ": emit failed: " + blob.error().message);
  auto loaded = LoadBlob(*blob);
  if (!loaded.ok()) return MakeError("emitted blob does not load: " + loaded.error().message);
  const Model& model = loaded->model();
  report.arena_bytes = model.arena_bytes();
  for (uint32_t i = 0; i < model.op_count(); ++i)
    report.ops.push_back(format::OpName(model.op(i).opcode));
  report.blob_bytes = blob->size();

  // Temp file in the destination folder, then rename: readers never see a partial model.
  const std::string temp = options.output_path + ".tmp-import";
  auto written = WriteFileBytes(temp, *blob);
  if (!written.ok()) {
    std::remove(temp.c_str());
    return written.error();
  }
  std::error_code error;
  std::filesystem::rename(temp, options.output_path, error);
  if (error) {
    std::remove(temp.c_str());
    return MakeError(options.output_path + ": cannot write: " + error.message());
  }
  return report;
}

}  // namespace tinyforge::toolchain
