// The on-board application of a simulated motor (see motor_application.h).
#include "examples/predictive_maintenance/motor_application.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "toolchain/preprocess/pipeline.h"

namespace tinyforge::examples::pm {
namespace {

std::string Metadata(const Model& model, const std::string& key) {
  MetadataValue value{};
  if (model.FindMetadata(key.c_str(), &value) != Status::kOk) return "";
  return std::string(reinterpret_cast<const char*>(value.bytes), value.byte_count);
}

// A float32 constant tensor named `name` with `count` elements.
bool ConstantByName(const Model& model, const std::string& name, uint32_t count, std::vector<float>* out) {
  for (uint32_t i = 0; i < model.tensor_count(); ++i) {
    if (Metadata(model, "tensor." + std::to_string(i) + ".name") != name) continue;
    const format::TensorRecord& record = model.tensor(i);
    const uint8_t* data = model.constant_data(i);
    if (data == nullptr || record.dtype != static_cast<uint8_t>(DType::kFloat32) ||
        record.data_bytes != count * sizeof(float)) {
      return false;
    }
    out->resize(count);
    std::memcpy(out->data(), data, record.data_bytes);
    return true;
  }
  return false;
}

}  // namespace

Result<AnomalyModelInfo> ReadAnomalyModel(const Model& model) {
  AnomalyModelInfo info;
  const std::string preprocessing = Metadata(model, "preprocessing");
  if (preprocessing.empty()) return MakeError("model has no \"preprocessing\" metadata (features unknown)");
  auto config = toolchain::FeatureConfigFromJson(nlohmann::json::parse(preprocessing, nullptr, false));
  if (!config.ok()) return MakeError("model metadata \"preprocessing\": " + config.error().message);
  info.features = config.value();
  info.feature_count = dsp::FeatureCount(info.features);
  MetadataValue threshold{};
  double value = 0;
  if (model.FindMetadata("anomaly.threshold", &threshold) == Status::kOk &&
      threshold.type == format::MetadataType::kFloat64 && threshold.byte_count == sizeof(double)) {
    std::memcpy(&value, threshold.bytes, sizeof(double));  // little-endian, as the blob (and the host)
  }
  info.threshold = static_cast<float>(value);
  if (!(info.threshold > 0)) {
    return MakeError("model has no positive \"anomaly.threshold\" metadata (not an anomaly model?)");
  }
  // The autoencoder reconstructs standardized features; the pipeline prepends the standardization
  // to the graph (docs/pipeline.md), so its constants are the reference for the error.
  if (!ConstantByName(model, "standardize_inv_std", info.feature_count, &info.inv_std) ||
      !ConstantByName(model, "standardize_shift", info.feature_count, &info.shift)) {
    return MakeError("model has no standardize_inv_std / standardize_shift constants of " +
                     std::to_string(info.feature_count) + " floats");
  }
  return info;
}

MotorApplication::MotorApplication(const MotorSignal* signal, std::vector<MotorPlan> plans,
                                   uint32_t debounce, uint32_t repeat_every)
    : signal_(signal),
      plans_(std::move(plans)),
      debounce_(debounce == 0 ? 1 : debounce),
      repeat_every_(repeat_every),
      counters_(plans_.size()),
      run_(plans_.size(), 0) {}

const AnomalyModelInfo* MotorApplication::ModelInfo(uint32_t version, const Model& model, std::string* error) {
  std::lock_guard<std::mutex> lock(models_mutex_);
  auto it = models_.find(version);
  if (it != models_.end()) return &it->second;
  auto info = ReadAnomalyModel(model);
  if (!info.ok()) {
    *error = "model version " + std::to_string(version) + ": " + info.error().message;
    return nullptr;
  }
  return &models_.emplace(version, std::move(info).value()).first->second;
}

agent::sim::InferenceOutcome MotorApplication::Run(uint32_t device_index, uint32_t model_version,
                                                   Interpreter& interpreter) {
  agent::sim::InferenceOutcome outcome;
  if (device_index >= plans_.size()) return outcome;
  MotorCounters& counters = counters_[device_index];
  const AnomalyModelInfo* info = ModelInfo(model_version, interpreter.model(), &counters.last_error);
  if (info == nullptr) return outcome;
  const double t_s = std::chrono::duration<double>(Clock::now() - start_).count();
  const uint32_t window = info->features.window_size;
  std::vector<float> samples(window);
  if (!signal_->Window(plans_[device_index], t_s, window, samples.data())) {
    counters.last_error = "recording shorter than one window";
    return outcome;
  }
  Tensor input;
  if (interpreter.Input(0, &input) != Status::kOk || input.dtype != DType::kFloat32 ||
      input.ElementCount() != info->feature_count) {
    counters.last_error = "model input is not float32[" + std::to_string(info->feature_count) + "]";
    return outcome;
  }
  std::vector<float> scratch(dsp::FeatureScratchFloats(info->features));
  bool usable = false;
  const auto start = Clock::now();
  if (dsp::ProcessWindow(info->features, samples.data(), window, input.As<float>(), info->feature_count,
                         {scratch.data(), static_cast<uint32_t>(scratch.size())}, &usable) != Status::kOk ||
      !usable) {
    counters.last_error = "features of a window failed";
    return outcome;
  }
  std::vector<float> standardized(input.As<float>(), input.As<float>() + info->feature_count);
  for (uint32_t k = 0; k < info->feature_count; ++k) standardized[k] = standardized[k] * info->inv_std[k] + info->shift[k];
  if (interpreter.Invoke() != Status::kOk) {
    counters.last_error = "Invoke failed";
    return outcome;
  }
  Tensor output;
  if (interpreter.Output(0, &output) != Status::kOk || output.dtype != DType::kFloat32 ||
      output.ElementCount() != info->feature_count) {
    counters.last_error = "model output is not float32[" + std::to_string(info->feature_count) + "]";
    return outcome;
  }
  float error = 0;
  for (uint32_t k = 0; k < info->feature_count; ++k) {
    const float d = output.As<float>()[k] - standardized[k];
    error += d * d;
  }
  error /= static_cast<float>(info->feature_count);
  outcome.latency_us = static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
  outcome.ran = true;
  outcome.score = error;
  ++counters.windows;
  ++counters.windows_by_version[model_version];
  if (!(error > info->threshold)) {
    run_[device_index] = 0;
    return outcome;
  }
  ++counters.anomalous;
  ++counters.anomalous_by_version[model_version];
  const uint32_t run = ++run_[device_index];
  outcome.alert = run == debounce_ || (repeat_every_ > 0 && run > debounce_ && (run - debounce_) % repeat_every_ == 0);
  if (outcome.alert) {
    ++counters.alerts;
    if (counters.first_alert_s < 0) counters.first_alert_s = t_s;
  }
  return outcome;
}

}  // namespace tinyforge::examples::pm
