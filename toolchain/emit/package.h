// Packaging: turn a .tfm blob (+ its preprocessing) into something a firmware engineer builds —
// a C library, an Arduino library, or a Cortex-M4 firmware project that runs under QEMU. Every
// package is self-contained (a copy of the runtime sources it needs) and carries a model card.
#ifndef TINYFORGE_TOOLCHAIN_EMIT_PACKAGE_H_
#define TINYFORGE_TOOLCHAIN_EMIT_PACKAGE_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinyforge/dsp.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

enum class PackageTarget { kC, kArduino, kFirmware };

// "c" | "arduino" | "firmware"; an error lists the valid names.
Result<PackageTarget> ParsePackageTarget(const std::string& name);
const char* PackageTargetName(PackageTarget target);

struct PackageRequest {
  std::vector<uint8_t> blob;  // a valid .tfm (checked again here with the real loader)
  std::string name;           // package/library name; sanitized into a C identifier
  // Raw-sample preprocessing the device runs before the model (features from runtime/dsp). Absent:
  // the samples below are fed to the model input as they are.
  std::optional<dsp::FeatureConfig> features;
  // Firmware only: inputs to run on the device, each exactly one raw window (with features) or one
  // model input (without), as float32. The firmware prints every output tensor's bytes.
  std::vector<std::vector<float>> samples;
  nlohmann::json model_card;  // written as model-card.jsonld (arena/flash/ops fields are added)
  // The card's dataset_hash ("sha256:<hex>", which the server's shapes require) when model_card
  // has none: this SHA-256 (64 lowercase hex) if set, else model_card["tf:training"]
  // ["dataset_sha256"] (what `tinyforge train` records in the .tfm). With require_dataset_hash,
  // a card that still has none is an error before anything is written.
  std::string dataset_sha256;
  bool require_dataset_hash = false;
};

struct PackageReport {
  std::filesystem::path directory;
  std::vector<std::string> ops;  // op names the generated resolver registers
  uint32_t arena_bytes = 0;
  uint64_t model_bytes = 0;
  uint32_t source_files = 0;  // runtime + generated files written
};

// Writes the package into `out_dir` (created or replaced). The whole tree is first written into
// a sibling temporary folder and renamed into place, so a failure leaves no partial package.
Result<PackageReport> WritePackage(PackageTarget target, const PackageRequest& request,
                                   const std::filesystem::path& out_dir);

// Where the runtime sources and the qemu-m4 BSP are taken from (the source tree this binary was
// built from by default; TINYFORGE_SOURCE_DIR / TINYFORGE_SHARED_DIR in the environment override).
std::filesystem::path RuntimeSourceRoot();
std::filesystem::path SharedRoot();

// A C identifier made of [A-Za-z0-9_] from `name` ("my-model v2" -> "my_model_v2").
std::string CIdentifier(const std::string& name);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_EMIT_PACKAGE_H_
