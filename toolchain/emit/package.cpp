// Packaging common to every target: validation of the blob, the generated model files (blob as a
// const array, a resolver holding only the model's ops, the arena and preprocessing constants),
// the runtime source copy, the model card, and the write-to-temporary-then-rename step.
#include "toolchain/emit/package.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "toolchain/emit/package_templates.h"
#include "toolchain/format/blob_reader.h"

#ifndef TINYFORGE_SOURCE_DIR
#error "TINYFORGE_SOURCE_DIR must be defined by the build"
#endif
#ifndef TINYFORGE_SHARED_DIR
#error "TINYFORGE_SHARED_DIR must be defined by the build"
#endif

#ifndef TINYFORGE_VERSION
#define TINYFORGE_VERSION "0.1.0"  // CMake passes PROJECT_VERSION
#endif

namespace tinyforge::toolchain {
namespace fs = std::filesystem;

Result<PackageTarget> ParsePackageTarget(const std::string& name) {
  if (name == "c") return PackageTarget::kC;
  if (name == "arduino") return PackageTarget::kArduino;
  if (name == "firmware") return PackageTarget::kFirmware;
  return MakeError("unknown package target '" + name + "' (expected c, arduino or firmware)");
}

const char* PackageTargetName(PackageTarget target) {
  switch (target) {
    case PackageTarget::kC: return "c";
    case PackageTarget::kArduino: return "arduino";
    case PackageTarget::kFirmware: return "firmware";
  }
  return "unknown";
}

fs::path RuntimeSourceRoot() {
  if (const char* env = std::getenv("TINYFORGE_SOURCE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return TINYFORGE_SOURCE_DIR;
}

fs::path SharedRoot() {
  if (const char* env = std::getenv("TINYFORGE_SHARED_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return TINYFORGE_SHARED_DIR;
}

std::string CIdentifier(const std::string& name) {
  std::string out;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out.push_back(alnum ? c : '_');
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), 'm');
  return out;
}

namespace {

Result<void> WriteText(const fs::path& path, const std::string& text) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) return MakeError(path.parent_path().string() + ": " + error.message());
  std::ofstream stream(path, std::ios::binary);
  stream << text;
  stream.close();
  if (!stream) return MakeError(path.string() + ": write failed");
  return {};
}

// The runtime folders a package compiles. Host-only ports are left out of device packages.
Result<uint32_t> CopyRuntime(const fs::path& destination, PackageTarget target) {
  const fs::path root = RuntimeSourceRoot();
  if (!fs::exists(root / "runtime" / "core" / "model.cpp")) {
    return MakeError("runtime sources not found under " + root.string() +
                     " (set TINYFORGE_SOURCE_DIR to the TinyForge source tree)");
  }
  const std::string port = target == PackageTarget::kC ? "host" : "cortex_m";
  const std::vector<std::pair<fs::path, fs::path>> trees = {
      {root / "format" / "include", destination},
      {root / "runtime" / "include", destination},
      {root / "runtime" / "core", destination / "core"},
      {root / "runtime" / "kernels", destination / "kernels"},
      {root / "runtime" / "platform", destination / "platform"},
      {root / "runtime" / "dsp", destination / "dsp"},
      {root / "runtime" / "ports" / port, destination / "ports" / port},
  };
  uint32_t files = 0;
  for (const auto& [from, to] : trees) {
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(from, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (!it->is_regular_file()) continue;
      const std::string extension = it->path().extension().string();
      if (extension != ".h" && extension != ".cpp" && extension != ".c") continue;
      const fs::path out = to / fs::relative(it->path(), from);
      fs::create_directories(out.parent_path());
      fs::copy_file(it->path(), out, fs::copy_options::overwrite_existing, error);
      if (error) return MakeError(out.string() + ": " + error.message());
      ++files;
    }
    if (error) return MakeError(from.string() + ": " + error.message());
  }
  return files;
}

std::string BytesAsCArray(const std::vector<uint8_t>& bytes) {
  std::ostringstream out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    out << (i % 16 == 0 ? "\n    " : " ") << static_cast<int>(bytes[i]) << ',';
  }
  return out.str();
}

std::string FloatsAsCArray(const std::vector<float>& values) {
  std::ostringstream out;
  out.precision(9);
  for (size_t i = 0; i < values.size(); ++i) {
    // Hex float literals round-trip exactly on every compiler.
    char text[32];
    std::snprintf(text, sizeof(text), "%af", static_cast<double>(values[i]));
    out << (i % 8 == 0 ? "\n    " : " ") << text << ',';
  }
  return out.str();
}

std::string FeatureConfigInitializer(const dsp::FeatureConfig& config) {
  char text[1024];
  std::snprintf(
      text, sizeof(text),
      "{\n    /*feature_mask=*/%uu, /*window_size=*/%uu, /*window_stride=*/%uu,\n"
      "    /*sample_rate_hz=*/%af, /*band_count=*/%uu, /*band_low_hz=*/%af, /*band_high_hz=*/%af,\n"
      "    /*hann_window=*/%u, tinyforge::dsp::InterpolationMethod(%u), /*max_gap=*/%uu,\n"
      "    {tinyforge::dsp::NormalizationKind(%u), %af, %af}}",
      config.feature_mask, config.window_size, config.window_stride,
      static_cast<double>(config.sample_rate_hz), config.band_count,
      static_cast<double>(config.band_low_hz), static_cast<double>(config.band_high_hz),
      static_cast<unsigned>(config.hann_window), static_cast<unsigned>(config.interpolation),
      config.max_gap, static_cast<unsigned>(config.normalization.kind),
      static_cast<double>(config.normalization.center),
      static_cast<double>(config.normalization.scale));
  return text;
}

struct ModelFacts {
  std::vector<std::string> ops;
  uint32_t arena_bytes = 0;
  uint32_t input_elements = 0;
  uint32_t output_bytes = 0;
  format::TensorRecord input{};
  format::TensorRecord output{};
  bool has_int8 = false;  // any int8 tensor: the model is quantized
  std::vector<std::string> registrations;  // ops::k<name> of the generated registry
};

Result<ModelFacts> ReadFacts(const PackageRequest& request) {
  auto loaded = LoadBlob(request.blob);
  if (!loaded.ok()) return MakeError("package: the model blob is invalid: " + loaded.error().message);
  const Model& model = loaded->model();
  ModelFacts facts;
  facts.arena_bytes = model.arena_bytes();
  std::set<uint16_t> opcodes;
  for (uint32_t i = 0; i < model.op_count(); ++i) opcodes.insert(model.op(i).opcode);
  for (const uint16_t code : opcodes) facts.ops.emplace_back(format::OpName(code));
  // The generated registry: a float-input forest links the float-only TreeEnsemble (no int8 walk).
  bool int8_forest = false;
  for (uint32_t i = 0; i < model.op_count(); ++i) {
    if (model.op(i).opcode == static_cast<uint16_t>(format::OpCode::kTreeEnsemble) &&
        model.tensor(model.op_tensor_list(i)[0]).dtype != static_cast<uint8_t>(format::DType::kFloat32))
      int8_forest = true;
  }
  for (const std::string& op : facts.ops)
    facts.registrations.push_back(op == "TreeEnsemble" && !int8_forest ? "TreeEnsembleF32" : op);
  if (model.input_count() != 1 || model.output_count() != 1) {
    return MakeError("package: the generated application supports one input and one output; the "
                     "model has " + std::to_string(model.input_count()) + " and " +
                     std::to_string(model.output_count()));
  }
  const auto& input = model.tensor(model.input_tensor(0));
  const auto& output = model.tensor(model.output_tensor(0));
  facts.input = input;
  facts.output = output;
  for (uint32_t i = 0; i < model.tensor_count(); ++i) {
    if (model.tensor(i).dtype == static_cast<uint8_t>(format::DType::kInt8)) facts.has_int8 = true;
  }
  facts.input_elements = input.data_bytes / format::DTypeBytes(input.dtype);
  facts.output_bytes = output.data_bytes;
  if (input.dtype != static_cast<uint8_t>(format::DType::kFloat32)) {
    return MakeError("package: the model input must be float32 (add a Quantize op in the graph); "
                     "it is " + std::string(format::DTypeName(input.dtype)));
  }
  if (request.features) {
    const uint32_t feature_count = dsp::FeatureCount(*request.features);
    if (feature_count == 0) return MakeError("package: the preprocessing config is invalid");
    if (feature_count != facts.input_elements) {
      return MakeError("package: preprocessing yields " + std::to_string(feature_count) +
                       " features but the model input has " +
                       std::to_string(facts.input_elements) + " elements");
    }
  }
  const size_t sample_length =
      request.features ? request.features->window_size : facts.input_elements;
  for (size_t i = 0; i < request.samples.size(); ++i) {
    if (request.samples[i].size() != sample_length) {
      return MakeError("package: sample " + std::to_string(i) + " has " +
                       std::to_string(request.samples[i].size()) + " values, expected " +
                       std::to_string(sample_length));
    }
  }
  return facts;
}

// The class names of a classifier's output, from the model card (`tf:classes`, which the pipeline
// and models from `tinyforge train` provide), when there is one per output element; else none.
std::vector<std::string> OutputClassNames(const PackageRequest& request, const ModelFacts& facts) {
  if (!request.model_card.is_object() || !request.model_card.contains("tf:classes")) return {};
  const auto& classes = request.model_card["tf:classes"];
  uint32_t elements = 1;
  for (uint32_t d = 0; d < facts.output.rank; ++d) elements *= facts.output.dims[d];
  if (!classes.is_array() || classes.size() != elements || elements < 2) return {};
  std::vector<std::string> names;
  for (const auto& name : classes) {
    if (!name.is_string()) return {};
    names.push_back(name.get<std::string>());
  }
  return names;
}

// A C string literal of `text` (labels come from user data).
std::string CStringLiteral(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\%03o", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// model_package.h/.cpp: the blob, the resolver, the constants and (optionally) the samples.
Result<void> WriteModelFiles(const fs::path& directory, const PackageRequest& request,
                             const ModelFacts& facts, bool with_samples) {
  const std::string id = CIdentifier(request.name);
  std::ostringstream header;
  header << "// Generated by tinyforge package: model '" << request.name << "'. Do not edit.\n"
         << "#ifndef TINYFORGE_PACKAGE_" << id << "_H_\n#define TINYFORGE_PACKAGE_" << id
         << "_H_\n\n#include <stdint.h>\n\n#include \"tinyforge/dsp.h\"\n"
         << "#include \"tinyforge/op_registry.h\"\n\n"
         << "// Exact arena the model's plan needs (checked by Prepare).\n"
         << "#define TF_MODEL_ARENA_BYTES " << facts.arena_bytes << "u\n"
         << "#define TF_MODEL_INPUT_ELEMENTS " << facts.input_elements << "u\n"
         << "#define TF_MODEL_OUTPUT_BYTES " << facts.output_bytes << "u\n"
         << "#define TF_MODEL_HAS_FEATURES " << (request.features ? 1 : 0) << "\n";
  if (request.features) {
    header << "#define TF_MODEL_WINDOW_SIZE " << request.features->window_size << "u\n"
           << "#define TF_MODEL_FEATURE_SCRATCH_FLOATS "
           << std::max<uint32_t>(1, dsp::FeatureScratchFloats(*request.features)) << "u\n";
  }
  header << "\nextern const uint8_t kModelBlob[];\nextern const uint32_t kModelBlobBytes;\n"
         << "// Registers exactly the ops this model uses.\n"
         << "const tinyforge::OpResolver& ModelOpResolver();\n";
  if (request.features) header << "extern const tinyforge::dsp::FeatureConfig kModelFeatures;\n";
  const std::vector<std::string> classes = OutputClassNames(request, facts);
  if (!classes.empty()) {
    header << "// A classifier: one output element per class, in this order.\n"
           << "#define TF_MODEL_CLASS_COUNT " << classes.size() << "u\n"
           << "extern const char* const kModelClassNames[TF_MODEL_CLASS_COUNT];\n";
  }
  if (with_samples) {
    header << "extern const uint32_t kSampleCount;\nextern const uint32_t kSampleLength;\n"
           << "extern const float kSamples[];\n";
  }
  header << "\n#endif\n";
  TINYFORGE_TRY(WriteText(directory / "model_package.h", header.str()));

  std::ostringstream source;
  source << "// Generated by tinyforge package. Do not edit.\n#include \"model_package.h\"\n\n"
         << "#include \"tinyforge/ops.h\"\n\n"
         << "alignas(16) const uint8_t kModelBlob[] = {" << BytesAsCArray(request.blob)
         << "\n};\nconst uint32_t kModelBlobBytes = " << request.blob.size() << "u;\n\n"
         << "namespace {\nconstexpr tinyforge::OpRegistration kModelOps[] = {\n";
  for (const std::string& op : facts.registrations) source << "    tinyforge::ops::k" << op << ",\n";
  source << "};\nconstexpr tinyforge::OpResolver kModelResolver(kModelOps, " << facts.ops.size()
         << ");\n}  // namespace\n\nconst tinyforge::OpResolver& ModelOpResolver() { return "
            "kModelResolver; }\n";
  if (request.features) {
    source << "\nconst tinyforge::dsp::FeatureConfig kModelFeatures = "
           << FeatureConfigInitializer(*request.features) << ";\n";
  }
  if (!classes.empty()) {
    source << "\nconst char* const kModelClassNames[TF_MODEL_CLASS_COUNT] = {";
    for (size_t i = 0; i < classes.size(); ++i) source << (i ? ", " : "") << CStringLiteral(classes[i]);
    source << "};\n";
  }
  TINYFORGE_TRY(WriteText(directory / "model_package.cpp", source.str()));

  if (with_samples) {
    std::vector<float> flat;
    for (const auto& sample : request.samples) flat.insert(flat.end(), sample.begin(), sample.end());
    std::ostringstream samples;
    samples << "// Generated by tinyforge package: inputs the firmware runs. Do not edit.\n"
            << "#include \"model_package.h\"\n\nconst uint32_t kSampleCount = "
            << request.samples.size() << "u;\nconst uint32_t kSampleLength = "
            << (request.samples.empty() ? 0 : request.samples[0].size())
            << "u;\nconst float kSamples[] = {" << FloatsAsCArray(flat) << "\n    0.0f};\n";
    TINYFORGE_TRY(WriteText(directory / "model_samples.cpp", samples.str()));
  }
  return {};
}

nlohmann::json TensorJson(const std::string& name, const format::TensorRecord& tensor) {
  nlohmann::json shape = nlohmann::json::array();
  for (uint32_t d = 0; d < tensor.rank; ++d) shape.push_back(tensor.dims[d]);
  if (shape.empty()) shape.push_back(1);  // a scalar is one element
  return {{"name", name}, {"dtype", format::DTypeName(tensor.dtype)}, {"shape", shape}};
}

bool PackageIsSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The training data's SHA-256 for a card without dataset_hash: the request's, else the one the
// trainer recorded in the model's training facts; "" when neither is known.
std::string PackageDatasetSha256(const PackageRequest& request) {
  if (PackageIsSha256Hex(request.dataset_sha256)) return request.dataset_sha256;
  const nlohmann::json& card = request.model_card;
  if (card.is_object() && card.contains("tf:training") && card["tf:training"].is_object()) {
    const auto recorded = card["tf:training"].find("dataset_sha256");
    if (recorded != card["tf:training"].end() && recorded->is_string() &&
        PackageIsSha256Hex(recorded->get<std::string>()))
      return recorded->get<std::string>();
  }
  return {};
}

// The card the server registers (server/kg/rdf_parsing.cpp ParseModelCard, ontology/shapes.ttl):
// plain keys id, version, ops, inputs, outputs, quantization, arena_bytes, flash_bytes,
// runtime_version (+ required_sensors, accuracy, dataset_hash from the caller's card). The server
// ignores other keys, so the tf:-prefixed detail (features, classes, ...) rides along.
nlohmann::json CompleteModelCard(const PackageRequest& request, const ModelFacts& facts,
                                 PackageTarget target) {
  nlohmann::json card = request.model_card.is_object() ? request.model_card : nlohmann::json::object();
  if (!card.contains("@context")) {
    card["@context"] = {{"tf", "https://w3id.org/tinyforge#"},
                        {"schema", "https://schema.org/"},
                        {"nn", "https://w3id.org/tinyml-schema/neural-network-schema#"}};
  }
  if (!card.contains("@type")) card["@type"] = "tf:ModelCard";
  if (!card.contains("name")) card["name"] = request.name;
  if (!card.contains("id")) card["id"] = request.name;
  if (!card.contains("version")) card["version"] = "0.1.0";
  // Facts of the blob always win: they are what the device will run.
  card["ops"] = facts.ops;  // format::OpName, the names the server reads from .tfm blobs too
  card["inputs"] = nlohmann::json::array({TensorJson("input0", facts.input)});
  card["outputs"] = nlohmann::json::array({TensorJson("output0", facts.output)});
  if (!card.contains("quantization") && facts.has_int8) {
    card["quantization"] = {{"scheme", "int8"}, {"weight_bits", 8}, {"activation_bits", 8}};
  }
  if (!card.contains("dataset_hash")) {
    const std::string hex = PackageDatasetSha256(request);
    if (!hex.empty()) card["dataset_hash"] = "sha256:" + hex;
  }
  card["arena_bytes"] = facts.arena_bytes;
  // The runtime's code size depends on the device's compiler and flags, so it is not known
  // here: flash_bytes is the model blob alone (docs/pipeline.md).
  card["flash_bytes"] = request.blob.size();
  card["runtime_version"] = TINYFORGE_VERSION;
  card["tf:modelBytes"] = request.blob.size();
  card["tf:packageTarget"] = PackageTargetName(target);
  return card;
}

// A unique sibling of `target`, so the final rename stays on one file system.
fs::path TemporarySibling(const fs::path& target) {
  std::random_device device;
  std::ostringstream name;
  name << "." << target.filename().string() << ".tmp-" << std::hex << device();
  return target.parent_path() / name.str();
}

}  // namespace

Result<PackageReport> WritePackage(PackageTarget target, const PackageRequest& request,
                                   const fs::path& out_dir) {
  if (request.name.empty()) return MakeError("package: the package needs a name");
  // The server refuses a card without the dataset's hash (ontology/shapes.ttl): say so before
  // writing a package whose card cannot be registered.
  const bool card_has_hash = request.model_card.is_object() && request.model_card.contains("dataset_hash");
  if (request.require_dataset_hash && !card_has_hash && PackageDatasetSha256(request).empty()) {
    return MakeError("package: the model card needs dataset_hash (the SHA-256 of the training "
                     "data) and the model carries none (it was not trained by `tinyforge train`): "
                     "pass --dataset <the training data file>");
  }
  auto facts = ReadFacts(request);
  if (!facts.ok()) return facts.error();
  if (target != PackageTarget::kFirmware && !request.samples.empty()) {
    return MakeError("package: samples are only embedded in firmware packages");
  }

  const fs::path final_dir = fs::absolute(out_dir);
  std::error_code error;
  fs::create_directories(final_dir.parent_path(), error);
  if (error) return MakeError(final_dir.parent_path().string() + ": " + error.message());
  const fs::path staging = TemporarySibling(final_dir);
  auto cleanup = [&] { std::error_code ignored; fs::remove_all(staging, ignored); };

  PackageReport report;
  report.ops = facts->ops;
  report.arena_bytes = facts->arena_bytes;
  report.model_bytes = request.blob.size();

  const std::string id = CIdentifier(request.name);
  fs::path runtime_dir;
  fs::path model_dir;
  switch (target) {
    case PackageTarget::kC: runtime_dir = staging / "runtime"; model_dir = staging / "model"; break;
    case PackageTarget::kArduino: runtime_dir = staging / "src"; model_dir = staging / "src"; break;
    case PackageTarget::kFirmware: runtime_dir = staging / "runtime"; model_dir = staging / "model"; break;
  }
  auto copied = CopyRuntime(runtime_dir, target);
  if (!copied.ok()) { cleanup(); return copied.error(); }
  report.source_files = *copied;

  const bool with_samples = target == PackageTarget::kFirmware;
  if (auto written = WriteModelFiles(model_dir, request, *facts, with_samples); !written.ok()) {
    cleanup();
    return written.error();
  }
  const nlohmann::json card = CompleteModelCard(request, *facts, target);
  std::vector<std::pair<std::string, std::string>> files = {
      {"model-card.jsonld", card.dump(2) + "\n"}};
  const TemplateValues values{request.name, id, card.value("version", std::string("0.0.0"))};
  for (auto& file : TargetFiles(target, values)) files.push_back(std::move(file));
  if (target == PackageTarget::kFirmware) {
    for (const char* bsp : {"m4bench.c", "m4bench.h", "m4bench_markers.S", "mps2_an386.ld"}) {
      const fs::path from = SharedRoot() / "tools" / "qemu-m4" / "bsp" / bsp;
      std::ifstream stream(from, std::ios::binary);
      if (!stream) { cleanup(); return MakeError("package: cannot read " + from.string()); }
      std::ostringstream text;
      text << stream.rdbuf();
      files.emplace_back(std::string("bsp/") + bsp, text.str());
    }
  }
  for (const auto& [relative, text] : files) {
    if (auto written = WriteText(staging / relative, text); !written.ok()) {
      cleanup();
      return written.error();
    }
  }
  report.source_files += static_cast<uint32_t>(files.size()) + (with_samples ? 3 : 2);

  fs::remove_all(final_dir, error);
  if (error) { cleanup(); return MakeError(final_dir.string() + ": " + error.message()); }
  fs::rename(staging, final_dir, error);
  if (error) { cleanup(); return MakeError(final_dir.string() + ": " + error.message()); }
  report.directory = final_dir;
  return report;
}

}  // namespace tinyforge::toolchain
