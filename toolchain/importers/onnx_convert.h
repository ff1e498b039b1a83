// `tinyforge import`: ONNX file → imported float graph → (int8 quantization with calibration
// data) → .tfm, written atomically (temp file + rename) so a failed import leaves no output.
#ifndef TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_CONVERT_H_
#define TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_CONVERT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "toolchain/importers/onnx_importer.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

struct OnnxConvertOptions {
  std::string input_path;
  std::string output_path;
  bool float_model = false;       // true: emit the float graph, no quantization
  std::string calibration_csv;    // header row, one sample per row, ONNX layout, row-major
  size_t calibration_random = 0;  // else: this many N(0, 1) samples (used when no CSV)
  uint64_t seed = 1;
};

struct OnnxConvertReport {
  OnnxImport import;
  bool quantized = false;
  size_t calibration_rows = 0;
  std::string calibration_source;  // "csv:<path>" or "random:<N>"
  size_t blob_bytes = 0;
  uint32_t arena_bytes = 0;
  std::vector<std::string> ops;  // the emitted op sequence
};

// Quantizing needs calibration: a CSV or calibration_random > 0 (else an error says so). Errors
// name the file and, for import errors, the ONNX node. The output file is only replaced on success.
Result<OnnxConvertReport> ConvertOnnxToTfm(const OnnxConvertOptions& options);

// Reads calibration rows for `layout` from a CSV (header row; each row one sample in ONNX layout,
// row-major) and returns them in IR layout, concatenated.
Result<std::vector<float>> ReadCalibrationCsv(const std::string& path, const OnnxIoLayout& layout,
                                              size_t* rows);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_IMPORTERS_ONNX_CONVERT_H_
