// Pipeline benchmark: the CWRU demo's features → [32, 16] → 4-class MLP trained by our DenseStack
// (Adam, same loop as train/fit.h without early stopping) and by PyTorch CPU on the same
// standardized matrix, same epochs/batch/optimizer, side by side; merges the demo's per-stage
// times (report.stages of `tinyforge pipeline run --json`) into bench/results/pipeline.json.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/common/bench_flags.h"
#include "toolchain/emit/package.h"
#include "toolchain/passes/standardize.h"
#include "toolchain/pipeline/pipeline_data.h"
#include "toolchain/pipeline/pipeline_spec.h"
#include "toolchain/train/dense_stack.h"
#include "toolchain/train/metrics.h"
#include "toolchain/verify/firmware_runner.h"

namespace {

namespace fs = std::filesystem;
namespace tc = tinyforge::toolchain;
using json = nlohmann::json;

struct Args {
  std::string spec = "examples/predictive_maintenance/cwru_pipeline.toml";
  std::string shared_dir;
  std::string pipeline_report;  // report.json of a `tinyforge pipeline run`
  std::string work_dir = "build/pipeline-bench";
  std::string torch_script = "bench/pipeline/torch_mlp.py";
  std::string python = "/usr/bin/python3";
  std::string out = "bench/results/pipeline.json";
  int epochs = 80;
  int batch_size = 32;
  float learning_rate = 0.002f;
  int threads = 1;
  int repeats = 3;
  uint32_t seed = 1;
};

// Binary layout both trainers read: uint32 train_rows, test_rows, cols, classes; float32
// train[train_rows*cols]; int32 train_labels; float32 test[test_rows*cols]; int32 test_labels.
void WriteMatrix(const fs::path& path, const std::vector<float>& train, const std::vector<int>& train_labels,
                 const std::vector<float>& test, const std::vector<int>& test_labels, uint32_t cols,
                 uint32_t classes) {
  std::ofstream out(path, std::ios::binary);
  const uint32_t header[4] = {static_cast<uint32_t>(train_labels.size()),
                              static_cast<uint32_t>(test_labels.size()), cols, classes};
  out.write(reinterpret_cast<const char*>(header), sizeof(header));
  out.write(reinterpret_cast<const char*>(train.data()), static_cast<std::streamsize>(train.size() * 4));
  out.write(reinterpret_cast<const char*>(train_labels.data()), static_cast<std::streamsize>(train_labels.size() * 4));
  out.write(reinterpret_cast<const char*>(test.data()), static_cast<std::streamsize>(test.size() * 4));
  out.write(reinterpret_cast<const char*>(test_labels.data()), static_cast<std::streamsize>(test_labels.size() * 4));
}

struct RunResult {
  double seconds = 0.0;
  float test_accuracy = 0.0f;
};

// Our trainer: DenseStack + Adam, one step per shuffled mini-batch, fixed epochs (train/fit.h
// minus the validation pass, which PyTorch's loop does not do either).
RunResult TrainOurs(const tc::Dataset& train, const tc::Dataset& test, int classes, const Args& args,
                    uint32_t seed) {
  tc::Rng rng(seed);
  tc::DenseStack stack;
  stack.Init({static_cast<int>(train.cols), 32, 16, classes},
             {tc::FusedActivation::kRelu, tc::FusedActivation::kRelu, tc::FusedActivation::kNone}, rng);
  tc::AdamConfig adam;
  adam.learning_rate = args.learning_rate;
  std::vector<size_t> order(train.rows);
  std::iota(order.begin(), order.end(), size_t{0});
  const auto batch_size = static_cast<size_t>(args.batch_size);
  int step = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    rng.Shuffle(order);
    for (size_t begin = 0; begin < train.rows; begin += batch_size) {
      const size_t end = std::min(train.rows, begin + batch_size);
      const std::vector<size_t> batch(order.begin() + static_cast<long>(begin), order.begin() + static_cast<long>(end));
      std::vector<int> labels;
      for (size_t row : batch) labels.push_back(train.labels[row]);
      tc::RowMatrix gradient;
      tc::SoftmaxCrossEntropy(stack.Forward(tc::GatherRows(train, batch), true), labels, &gradient);
      stack.Backward(gradient);
      stack.AdamStep(adam, ++step);
    }
  }
  RunResult result;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const tc::RowMatrix logits = stack.Forward(tc::ToMatrix(test), false);
  result.test_accuracy = tc::Accuracy(tc::ToVector(logits), static_cast<size_t>(classes), test.labels);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  tinyforge::bench::FlagReader flags(
      argc, argv,
      "[--spec F] [--shared-dir D] [--pipeline-report F] [--work-dir D] [--torch-script F] [--python P] [--out F]\n"
      "       [--epochs N] [--batch-size N] [--learning-rate X] [--threads N] [--repeats N] [--seed S]");
  while (flags.Next()) {
    if (flags.Is("--spec")) args.spec = flags.Text();
    else if (flags.Is("--shared-dir")) args.shared_dir = flags.Text();
    else if (flags.Is("--pipeline-report")) args.pipeline_report = flags.Text();
    else if (flags.Is("--work-dir")) args.work_dir = flags.Text();
    else if (flags.Is("--torch-script")) args.torch_script = flags.Text();
    else if (flags.Is("--python")) args.python = flags.Text();
    else if (flags.Is("--out")) args.out = flags.Text();
    else if (flags.Is("--epochs")) args.epochs = flags.Number<int>(1, 100000);
    else if (flags.Is("--batch-size")) args.batch_size = flags.Number<int>(1, 1 << 20);
    else if (flags.Is("--learning-rate")) args.learning_rate = flags.Number<float>(1e-9f, 100.0f);
    else if (flags.Is("--threads")) args.threads = flags.Number<int>(1, 256);
    else if (flags.Is("--repeats")) args.repeats = flags.Number<int>(1, 1000);
    else if (flags.Is("--seed")) args.seed = flags.Number<uint32_t>();
    else flags.Unknown();
  }
  const fs::path shared = args.shared_dir.empty() ? tc::SharedRoot() : fs::path(args.shared_dir);
  auto spec = tc::LoadPipelineSpec(args.spec, shared);
  if (!spec.ok()) {
    std::fprintf(stderr, "pipeline_bench: %s\n", spec.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "[bench] computing the CWRU features (%s)\n", args.spec.c_str());
  auto data = tc::LoadPipelineData(*spec, 0);
  if (!data.ok()) {
    std::fprintf(stderr, "pipeline_bench: %s\n", data.error().message.c_str());
    return 1;
  }
  const size_t cols = data->cols;
  const int classes = static_cast<int>(data->class_names.size());
  const auto standardization = tc::FitStandardization(data->train.values, data->train.rows, cols);
  tc::Dataset train, test;
  train.features = data->train.values;
  tc::ApplyStandardization(standardization, train.features);
  train.rows = data->train.rows;
  train.cols = cols;
  train.labels = data->train.labels;
  test.features = data->test.values;
  tc::ApplyStandardization(standardization, test.features);
  test.rows = data->test.rows;
  test.cols = cols;
  test.labels = data->test.labels;
  fs::create_directories(args.work_dir);
  const fs::path matrix = fs::path(args.work_dir) / "cwru_standardized.f32bin";
  WriteMatrix(matrix, train.features, train.labels, test.features, test.labels, static_cast<uint32_t>(cols),
              static_cast<uint32_t>(classes));

  // Alternate ours / PyTorch per repeat so machine load hits both alike; keep each one's best.
  json ours_runs = json::array(), torch_runs = json::array();
  double ours_best = 1e30, torch_best = 1e30;
  float ours_accuracy = 0.0f;
  double torch_accuracy = 0.0;
  json torch_info;
  for (int repeat = 0; repeat < args.repeats; ++repeat) {
    std::fprintf(stderr, "[bench] repeat %d/%d: ours\n", repeat + 1, args.repeats);
    const RunResult ours = TrainOurs(train, test, classes, args, args.seed);
    ours_runs.push_back({{"seconds", ours.seconds}, {"test_accuracy", ours.test_accuracy}});
    if (ours.seconds < ours_best) ours_best = ours.seconds;
    ours_accuracy = ours.test_accuracy;
    std::fprintf(stderr, "[bench] repeat %d/%d: PyTorch\n", repeat + 1, args.repeats);
    std::string output;
    const std::string command = tc::ShellQuote(args.python) + " " + tc::ShellQuote(args.torch_script) + " " +
                                tc::ShellQuote(matrix.string()) + " --epochs " + std::to_string(args.epochs) +
                                " --batch-size " + std::to_string(args.batch_size) + " --learning-rate " +
                                std::to_string(args.learning_rate) + " --threads " + std::to_string(args.threads) +
                                " --seed " + std::to_string(args.seed) + " 2>&1";
    const int status = tc::RunCommand(command, &output);
    const size_t brace = output.rfind("\n{");
    const auto parsed = json::parse(brace == std::string::npos ? output : output.substr(brace + 1), nullptr, false);
    if (status != 0 || parsed.is_discarded()) {
      std::fprintf(stderr, "pipeline_bench: PyTorch run failed (status %d):\n%s\n", status, output.c_str());
      return 1;
    }
    torch_runs.push_back({{"seconds", parsed["seconds"]}, {"test_accuracy", parsed["test_accuracy"]}});
    if (parsed["seconds"].get<double>() < torch_best) torch_best = parsed["seconds"].get<double>();
    torch_accuracy = parsed["test_accuracy"].get<double>();
    torch_info = {{"torch_version", parsed["torch_version"]}, {"threads", parsed["threads"]}};
  }
  const double samples = static_cast<double>(train.rows) * args.epochs;
  json result = {
      {"what", "CWRU demo features -> MLP [32,16] -> 4 classes; Adam, fixed epochs, no early stopping; "
               "training loop time only; best of repeats"},
      {"command", "scripts/run-pipeline-bench.sh"},
      {"dataset", {{"train_rows", train.rows}, {"test_rows", test.rows}, {"features", cols},
                   {"classes", data->class_names}, {"dataset_hash", "fnv1a64:" + data->dataset_hash}}},
      {"config", {{"hidden", {32, 16}}, {"epochs", args.epochs}, {"batch_size", args.batch_size},
                  {"optimizer", "Adam"}, {"learning_rate", args.learning_rate}, {"threads", args.threads},
                  {"repeats", args.repeats}, {"seed", args.seed}}},
      {"tinyforge", {{"seconds", ours_best}, {"samples_per_second", samples / ours_best},
                     {"test_accuracy", ours_accuracy}, {"runs", ours_runs},
                     {"math", "Eigen (single thread)"}}},
      {"pytorch", {{"seconds", torch_best}, {"samples_per_second", samples / torch_best},
                   {"test_accuracy", torch_accuracy}, {"runs", torch_runs}, {"info", torch_info}}},
      {"speed_ratio_tinyforge_over_pytorch", torch_best / ours_best}};
  json out = {{"training_throughput", result}};
  if (!args.pipeline_report.empty()) {
    std::ifstream stream(args.pipeline_report);
    const auto report = json::parse(stream, nullptr, false);
    if (report.is_discarded() || !report.contains("stages")) {
      std::fprintf(stderr, "pipeline_bench: %s has no report.stages\n", args.pipeline_report.c_str());
      return 1;
    }
    double total = 0.0;
    for (const auto& stage : report["stages"]) total += stage["seconds"].get<double>();
    out["pipeline_stages"] = {{"source", "tinyforge pipeline run " + args.spec + " --json (report.stages)"},
                              {"stages", report["stages"]}, {"total_seconds", total}};
    if (report.contains("classifier")) out["pipeline_stages"]["classifier_int8_accuracy"] = report["classifier"]["int8"]["accuracy"];
    if (report.contains("packages") && report["packages"].contains("device"))
      out["pipeline_stages"]["device"] = report["packages"]["device"];
  }
  fs::create_directories(fs::path(args.out).parent_path());
  const std::string text = out.dump(2) + "\n";
  const std::string temporary = args.out + ".tmp";
  std::ofstream(temporary) << text;
  fs::rename(temporary, args.out);
  std::printf("%s", text.c_str());
  return 0;
}
