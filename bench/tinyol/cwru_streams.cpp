// Builds the CWRU TinyOL streams with the toolchain: CWRU loader, preprocessing over runtime/dsp,
// the MLP / autoencoder trainers, the .tfm emitter and the host runner (the real Interpreter).
#include "bench/tinyol/cwru_streams.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "toolchain/data/cwru.h"
#include "toolchain/emit/tfm_emitter.h"
#include "toolchain/passes/quantize.h"
#include "toolchain/passes/standardize.h"
#include "toolchain/preprocess/pipeline.h"
#include "toolchain/train/autoencoder.h"
#include "toolchain/train/mlp_classifier.h"
#include "toolchain/train/random.h"
#include "toolchain/verify/host_runner.h"

namespace tinyforge::bench {
namespace {

using toolchain::FeatureMatrix;
using toolchain::Graph;
using toolchain::LabeledSignal;
using toolchain::MakeError;
using toolchain::Result;

constexpr double kNormalTrainFraction = 0.7;
constexpr size_t kAnomalyBlock = 20;  // windows per normal / fault block

// The feature set of examples/predictive_maintenance/cwru_pipeline.toml: 7 time statistics,
// 16 Hann-windowed band energies over 0-6 kHz and the spectral centroid (24 features).
dsp::FeatureConfig CwruFeatureConfig() {
  dsp::FeatureConfig config;
  config.feature_mask = dsp::kAllFeaturesMask;
  config.window_size = 1024;
  config.window_stride = 512;
  config.sample_rate_hz = 12000.0f;
  config.band_count = 16;
  config.band_low_hz = 0.0f;
  config.band_high_hz = 6000.0f;
  config.hann_window = 1;
  config.interpolation = dsp::InterpolationMethod::kLinear;
  config.max_gap = 16;
  return config;
}

struct Recording {
  toolchain::CwruEntry entry;
  std::vector<float> samples;
};

std::string FaultCode(const toolchain::CwruEntry& e) {
  if (e.label == "normal") return "normal";
  const std::string prefix = e.label == "inner_race" ? "IR" : e.label == "ball" ? "B" : "OR";
  return prefix + (e.fault_diameter_in < 0.01 ? "007" : "021");
}

Result<std::vector<Recording>> LoadAll(const std::string& dir) {
  auto entries = toolchain::ListCwru(dir);
  if (!entries.ok()) return entries.error();
  std::vector<Recording> out;
  for (const auto& entry : toolchain::SelectCwru(*entries, "", -1, 12000.0)) {
    auto series = toolchain::LoadCwru(dir, entry);
    if (!series.ok()) return series.error();
    out.push_back({entry, series->channels.at(0)});
  }
  return out;
}

template <typename T>
void Shuffle(std::vector<T>& items, toolchain::Rng& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = rng.NextU32() % i;
    std::swap(items[i - 1], items[j]);
  }
}

Result<dsp::FeatureConfig> FitConfig(const std::vector<LabeledSignal>& train, bool two_classes) {
  toolchain::PreprocessOptions options;
  options.features = CwruFeatureConfig();
  options.normalization = dsp::NormalizationKind::kNone;
  options.require_two_classes = two_classes;
  return toolchain::FitPreprocessing(train, options);
}

// Graph copy that ends at the input of the last FullyConnected (the last hidden activation).
Graph TruncateAtLastHidden(const Graph& graph) {
  Graph hidden = graph;
  int last_fc = -1;
  for (size_t n = 0; n < hidden.nodes.size(); ++n) {
    if (hidden.nodes[n].op == format::OpCode::kFullyConnected) last_fc = static_cast<int>(n);
  }
  const int tensor = hidden.nodes[static_cast<size_t>(last_fc)].inputs[0];
  hidden.nodes.resize(static_cast<size_t>(last_fc));
  hidden.outputs = {tensor};
  hidden.metadata.model_id += "_hidden";
  return hidden;
}

Result<std::vector<float>> RunRows(const std::vector<uint8_t>& blob, const std::vector<float>& rows,
                                   size_t count) {
  auto run = toolchain::RunBlobOnHost(blob, rows, count);
  if (!run.ok()) return run.error();
  std::vector<float> out;
  for (const auto& bytes : run->outputs) {
    const auto values = toolchain::OutputFloats(bytes);
    out.insert(out.end(), values.begin(), values.end());
  }
  return out;
}

}  // namespace

Result<CwruStreams> BuildCwruStreams(const std::string& dir, CwruExperiment experiment,
                                     uint32_t seed) {
  auto recordings = LoadAll(dir);
  if (!recordings.ok()) return recordings.error();
  const bool new_class = experiment == CwruExperiment::kNewClass;
  const std::vector<std::string> class_names =
      new_class ? std::vector<std::string>{"normal", "IR007", "IR021", "B007", "B021", "OR007",
                                           "OR021"}
                : std::vector<std::string>{"normal", "inner_race", "ball", "outer_race_at6"};
  const uint32_t known_classes = new_class ? 6 : 4;
  auto class_of = [&](const toolchain::CwruEntry& e) {
    return new_class ? FaultCode(e) : e.label;
  };

  std::vector<LabeledSignal> train;
  std::map<int, std::vector<LabeledSignal>> stream_by_load;
  for (const Recording& r : *recordings) {
    const std::string cls = class_of(r.entry);
    const bool small_fault = r.entry.fault_diameter_in > 0.0 && r.entry.fault_diameter_in < 0.01;
    if (r.entry.label == "normal") {
      const size_t cut = static_cast<size_t>(static_cast<double>(r.samples.size()) * kNormalTrainFraction);
      train.push_back({r.entry.file, cls, {r.samples.begin(), r.samples.begin() + static_cast<long>(cut)}});
      // The held-out tail is split in three, one part per stream segment.
      const size_t tail = r.samples.size() - cut;
      for (int part = 0; part < 3; ++part) {
        const size_t from = cut + tail * static_cast<size_t>(part) / 3;
        const size_t to = cut + tail * static_cast<size_t>(part + 1) / 3;
        stream_by_load[part + 1].push_back(
            {r.entry.file + "#tail" + std::to_string(part), cls,
             {r.samples.begin() + static_cast<long>(from), r.samples.begin() + static_cast<long>(to)}});
      }
      continue;
    }
    if (r.entry.load_hp == 0) {
      if (new_class ? cls != "OR021" : small_fault) train.push_back({r.entry.file, cls, r.samples});
      continue;
    }
    if (new_class) {
      if (cls == "OR021" && r.entry.load_hp == 1) continue;  // the new class appears at 2 HP
      stream_by_load[r.entry.load_hp].push_back({r.entry.file, cls, r.samples});
    } else if (!small_fault) {
      stream_by_load[r.entry.load_hp].push_back({r.entry.file, cls, r.samples});
    }
  }

  auto config = FitConfig(train, true);
  if (!config.ok()) return config.error();
  const std::vector<std::string> known(class_names.begin(), class_names.begin() + known_classes);
  auto train_matrix = toolchain::BuildFeatureMatrix(train, *config, known);
  if (!train_matrix.ok()) return train_matrix.error();
  const size_t cols = train_matrix->cols;

  // The frozen model: the pipeline's MLP (32, 16) on standardized features, then the
  // standardization prepended so the blob takes raw dsp features like the device's.
  const toolchain::Standardization standardization =
      toolchain::FitStandardization(train_matrix->values, train_matrix->rows, cols);
  std::vector<float> train_std = train_matrix->values;
  toolchain::ApplyStandardization(standardization, train_std);
  toolchain::Dataset set;
  set.features = train_std;
  set.rows = train_matrix->rows;
  set.cols = cols;
  set.labels.assign(train_matrix->labels.begin(), train_matrix->labels.end());
  toolchain::MlpConfig mlp;
  mlp.hidden = {32, 16};
  mlp.fit.epochs = 80;
  mlp.fit.batch_size = 32;
  mlp.fit.patience = 15;
  mlp.fit.adam.learning_rate = 0.002f;
  mlp.seed = seed;
  mlp.model_id = new_class ? "tinyol_cwru_new_class" : "tinyol_cwru_new_bearing";
  auto trained = toolchain::TrainMlpClassifier(set, mlp);
  if (!trained.ok()) return trained.error();
  Graph full = trained->graph;
  TINYFORGE_TRY(toolchain::PrependStandardization(full, standardization));
  auto full_blob = toolchain::EmitTfm(full);
  if (!full_blob.ok()) return full_blob.error();
  auto hidden_blob = toolchain::EmitTfm(TruncateAtLastHidden(full));
  if (!hidden_blob.ok()) return hidden_blob.error();
  // int8 variant, as the pipeline quantizes: the MLP calibrated on the standardized training
  // windows, then the float standardization prepended (Mul, Add, then Quantize).
  auto hidden_int8_graph = toolchain::QuantizeGraph(TruncateAtLastHidden(trained->graph),
                                                    train_std, train_matrix->rows);
  if (!hidden_int8_graph.ok()) return hidden_int8_graph.error();
  TINYFORGE_TRY(toolchain::PrependStandardization(*hidden_int8_graph, standardization));
  auto hidden_int8_blob = toolchain::EmitTfm(*hidden_int8_graph);
  if (!hidden_int8_blob.ok()) return hidden_int8_blob.error();

  // Rows in replay order: warm-up (the training windows, shuffled), then 1, 2, 3 HP (each
  // segment shuffled).
  struct Row {
    std::vector<float> features;
    int32_t label;
    bool scored;
    int32_t segment;
  };
  std::vector<Row> rows;
  toolchain::Rng rng(seed);
  {
    std::vector<Row> warm;
    for (size_t r = 0; r < train_matrix->rows; ++r) {
      warm.push_back({{train_matrix->values.begin() + static_cast<long>(r * cols),
                       train_matrix->values.begin() + static_cast<long>((r + 1) * cols)},
                      train_matrix->labels[r], false, 0});
    }
    Shuffle(warm, rng);
    rows.insert(rows.end(), warm.begin(), warm.end());
  }
  for (auto& [load, signals] : stream_by_load) {
    auto matrix = toolchain::BuildFeatureMatrix(signals, *config, class_names);
    if (!matrix.ok()) return matrix.error();
    std::vector<Row> segment;
    for (size_t r = 0; r < matrix->rows; ++r) {
      segment.push_back({{matrix->values.begin() + static_cast<long>(r * cols),
                          matrix->values.begin() + static_cast<long>((r + 1) * cols)},
                         matrix->labels[r], true, load});
    }
    Shuffle(segment, rng);
    rows.insert(rows.end(), segment.begin(), segment.end());
  }

  std::vector<float> raw;
  for (const Row& row : rows) raw.insert(raw.end(), row.features.begin(), row.features.end());
  auto probabilities = RunRows(*full_blob, raw, rows.size());
  if (!probabilities.ok()) return probabilities.error();
  auto hidden = RunRows(*hidden_blob, raw, rows.size());
  if (!hidden.ok()) return hidden.error();
  const size_t hidden_cols = hidden->size() / rows.size();
  auto hidden_int8 = RunRows(*hidden_int8_blob, raw, rows.size());
  if (!hidden_int8.ok()) return hidden_int8.error();
  if (hidden_int8->size() != hidden->size()) return MakeError("int8 hidden model: output size");

  CwruStreams out;
  out.full_blob = std::move(*full_blob);
  out.hidden_blob = std::move(*hidden_blob);
  out.hidden_int8_blob = std::move(*hidden_int8_blob);
  out.hidden_int8 = std::move(*hidden_int8);
  const std::string base = new_class ? "cwru_new_class" : "cwru_new_bearing";
  for (Stream* s : {&out.hidden, &out.features}) {
    s->class_names = class_names;
    s->initial_classes = known_classes;
    s->meta = {{"dataset", dir},
               {"window", 1024},
               {"hop", 512},
               {"feature_names", toolchain::FeatureNames(*config)},
               {"warmup_rows", train_matrix->rows},
               {"frozen_model", {{"kind", "mlp"}, {"hidden", {32, 16}}, {"epochs_run",
                                 trained->report.history.epochs_run},
                                 {"validation_accuracy", trained->report.validation_accuracy}}},
               {"seed", seed}};
  }
  out.hidden.name = base + "_hidden";
  out.hidden.cols = hidden_cols;
  out.hidden.meta["learner_input"] = "last hidden layer (16, ReLU) of the frozen MLP, Interpreter";
  out.hidden.frozen_input_cols = cols;
  out.hidden.frozen_inputs = raw;
  out.features.name = base + "_features";
  out.features.cols = cols;
  out.features.meta["learner_input"] = "the 24 dsp features (the learner standardizes them)";
  const size_t classes = known_classes;
  for (size_t r = 0; r < rows.size(); ++r) {
    const float* p = probabilities->data() + r * classes;
    const int32_t frozen = static_cast<int32_t>(std::max_element(p, p + classes) - p);
    out.hidden.AddRow(hidden->data() + r * hidden_cols, rows[r].label, rows[r].scored,
                      rows[r].scored ? frozen : -1, rows[r].segment);
    out.features.AddRow(rows[r].features.data(), rows[r].label, rows[r].scored,
                        rows[r].scored ? frozen : -1, rows[r].segment);
  }
  return out;
}

Result<CwruAnomalyStreams> BuildCwruAnomalyStreams(const std::string& dir, uint32_t seed) {
  auto recordings = LoadAll(dir);
  if (!recordings.ok()) return recordings.error();
  std::vector<LabeledSignal> normal_train, normal_test;
  std::vector<LabeledSignal> faults;
  for (const Recording& r : *recordings) {
    if (r.entry.label == "normal") {
      const size_t cut = r.samples.size() / 2;
      normal_train.push_back({r.entry.file, "normal", {r.samples.begin(), r.samples.begin() + static_cast<long>(cut)}});
      normal_test.push_back({r.entry.file + "#tail", "normal", {r.samples.begin() + static_cast<long>(cut), r.samples.end()}});
    } else if (r.entry.load_hp > 0) {
      faults.push_back({r.entry.file, "fault", r.samples});
    }
  }
  auto config = FitConfig(normal_train, false);
  if (!config.ok()) return config.error();
  auto train = toolchain::BuildFeatureMatrix(normal_train, *config, {"normal"});
  if (!train.ok()) return train.error();
  auto normal = toolchain::BuildFeatureMatrix(normal_test, *config, {"normal"});
  if (!normal.ok()) return normal.error();
  const size_t cols = train->cols;
  const toolchain::Standardization standardization =
      toolchain::FitStandardization(train->values, train->rows, cols);
  std::vector<float> train_std = train->values;
  toolchain::ApplyStandardization(standardization, train_std);
  toolchain::AutoencoderConfig ae;
  ae.hidden = {16, 4, 16};
  ae.fit.epochs = 300;
  ae.fit.batch_size = 16;
  ae.fit.adam.learning_rate = 0.002f;
  ae.threshold_quantile = 0.99;
  ae.seed = seed;
  ae.model_id = "tinyol_cwru_anomaly";
  toolchain::Dataset set;
  set.features = train_std;
  set.rows = train->rows;
  set.cols = cols;
  auto trained = toolchain::TrainAutoencoder(set, ae);
  if (!trained.ok()) return trained.error();
  Graph graph = trained->graph;
  TINYFORGE_TRY(toolchain::PrependStandardization(graph, standardization));
  auto blob = toolchain::EmitTfm(graph);
  if (!blob.ok()) return blob.error();

  Stream stream;
  stream.name = "cwru_anomaly";
  stream.task = "anomaly";
  stream.cols = cols;
  stream.class_names = {"normal", "fault"};
  stream.initial_classes = 2;
  // Residual rows of a raw feature matrix through the frozen autoencoder (Interpreter).
  auto add_rows_to = [&](Stream& into, const std::vector<float>& raw, size_t first, size_t count,
                         int32_t label, bool scored, int32_t segment) -> Result<void> {
    std::vector<float> slice(raw.begin() + static_cast<long>(first * cols),
                             raw.begin() + static_cast<long>((first + count) * cols));
    auto recon = RunRows(*blob, slice, count);
    if (!recon.ok()) return recon.error();
    std::vector<float> standardized = slice;
    toolchain::ApplyStandardization(standardization, standardized);
    for (size_t r = 0; r < count; ++r) {
      std::vector<float> residual(cols);
      float mse = 0.0f;
      for (size_t c = 0; c < cols; ++c) {
        residual[c] = standardized[r * cols + c] - (*recon)[r * cols + c];
        mse += residual[c] * residual[c];
      }
      mse /= static_cast<float>(cols);
      const int32_t frozen = mse > trained->threshold ? 1 : 0;
      into.AddRow(residual.data(), label, scored, scored ? frozen : -1, segment);
    }
    return {};
  };
  auto add_rows = [&](const std::vector<float>& raw, size_t first, size_t count, int32_t label,
                      bool scored, int32_t segment) {
    return add_rows_to(stream, raw, first, count, label, scored, segment);
  };
  TINYFORGE_TRY(add_rows(train->values, 0, train->rows, 0, false, -1));
  toolchain::Rng rng(seed);
  size_t normal_next = 0;
  for (size_t t = 0; t < faults.size(); ++t) {
    for (size_t i = 0; i < kAnomalyBlock; ++i) {
      TINYFORGE_TRY(add_rows(normal->values, normal_next, 1, 0, true, static_cast<int32_t>(t)));
      normal_next = (normal_next + 1) % normal->rows;
    }
    auto fault = toolchain::BuildFeatureMatrix({faults[t]}, *config, {"fault"});
    if (!fault.ok()) return fault.error();
    // A random contiguous stretch of the recording: consecutive windows, as a sensor sees them.
    const size_t start = rng.NextU32() % (fault->rows - kAnomalyBlock);
    TINYFORGE_TRY(add_rows(fault->values, start, kAnomalyBlock, 1, true, static_cast<int32_t>(t)));
  }
  stream.meta = {{"dataset", dir},
                 {"window", 1024},
                 {"hop", 512},
                 {"sample_rate_hz", 12000},
                 {"block_windows", kAnomalyBlock},
                 {"transitions", faults.size()},
                 {"normal_train_windows", train->rows},
                 {"normal_test_windows", normal->rows},
                 {"frozen_threshold", trained->threshold},
                 {"frozen_model", "autoencoder 24-16-4-16-24 on the first half of normal 0 HP"},
                 {"learner_input", "standardized features minus reconstruction (Interpreter)"},
                 {"seed", seed}};

  // The false-alarm test: the held-out normal half once per window phase, nothing else.
  Stream normal_only = stream;
  normal_only.name = "cwru_anomaly_normal";
  normal_only.features.clear();
  normal_only.labels.clear();
  normal_only.scored.clear();
  normal_only.frozen_predictions.clear();
  normal_only.segment.clear();
  TINYFORGE_TRY(add_rows_to(normal_only, train->values, 0, train->rows, 0, false, -1));
  size_t phase_windows = 0;
  for (int32_t phase = 0; phase < 4; ++phase) {
    const size_t offset = static_cast<size_t>(phase) * 128;
    std::vector<LabeledSignal> shifted = normal_test;
    for (LabeledSignal& signal : shifted) {
      signal.samples.erase(signal.samples.begin(), signal.samples.begin() + static_cast<long>(offset));
    }
    auto windows = toolchain::BuildFeatureMatrix(shifted, *config, {"normal"});
    if (!windows.ok()) return windows.error();
    TINYFORGE_TRY(add_rows_to(normal_only, windows->values, 0, windows->rows, 0, true, phase));
    phase_windows += windows->rows;
  }
  normal_only.meta["normal_only"] = true;
  normal_only.meta["window_phases_samples"] = {0, 128, 256, 384};
  normal_only.meta["scored_normal_windows"] = phase_windows;
  normal_only.meta["distinct_signal_seconds"] =
      static_cast<double>(normal_test.at(0).samples.size()) / 12000.0;
  return CwruAnomalyStreams{std::move(stream), std::move(normal_only)};
}

}  // namespace tinyforge::bench
