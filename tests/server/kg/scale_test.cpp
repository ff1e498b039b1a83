// Opt-in scale check (TINYFORGE_KG_SCALE_DEVICES=N): bulk-loads N generated devices through the
// Graph Store Protocol, then times the two-step compatibility queries and checks their totals
// against an independent count. Skipped by default: it takes minutes at 100k devices.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "server/kg/compatibility.h"
#include "server/kg/vocabulary.h"
#include "virtuoso_fixture.h"

namespace tinyforge::server::kg {
namespace {

using Clock = std::chrono::steady_clock;

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

TEST(ScaleTest, TwoStepCompatibilityAtFleetScale) {
  const char* env = std::getenv("TINYFORGE_KG_SCALE_DEVICES");
  if (env == nullptr) GTEST_SKIP() << "set TINYFORGE_KG_SCALE_DEVICES=N to run";
  if (testing::Store() == nullptr) GTEST_SKIP() << "Virtuoso is not available";
  const int device_count = std::atoi(env);
  KnowledgeGraph graph(testing::Client(), "urn:tinyforge:test:scale");
  ASSERT_TRUE(graph.Clear().ok());

  const std::vector<std::string> runtimes = {"0.1.0", "0.2.0", "0.3.0"};
  const std::vector<std::vector<std::string>> runtime_ops = {
      {"ADD", "CONV_2D"}, {"ADD", "CONV_2D", "FULLY_CONNECTED"}, {"ADD", "CONV_2D", "FULLY_CONNECTED", "SOFTMAX"}};
  const std::vector<int64_t> rams = {16384, 65536, 262144};
  std::vector<Triple> batch;
  for (size_t r = 0; r < runtimes.size(); ++r) {
    auto more = RuntimeTriples({runtimes[r], runtime_ops[r]});
    batch.insert(batch.end(), more.begin(), more.end());
  }
  // Models: (arena, runtime index, needs microphone).
  struct Spec { int64_t arena; size_t runtime; bool microphone; };
  const std::vector<Spec> specs = {{8000, 0, false}, {30000, 1, false}, {100000, 2, true}, {200000, 2, false}, {300000, 0, false}};
  for (size_t m = 0; m < specs.size(); ++m) {
    ModelCard card;
    card.id = "scale-model-" + std::to_string(m);
    card.version = "1.0.0";
    card.ops = runtime_ops[specs[m].runtime];
    card.inputs = card.outputs = {{"t", "int8", {1, 8}}};
    card.arena_bytes = specs[m].arena;
    card.flash_bytes = 50000;
    card.runtime_version = runtimes[specs[m].runtime];
    if (specs[m].microphone) card.required_sensors.push_back({"Microphone", 16000});
    card.dataset_hash = "sha256:" + std::string(64, '2');
    auto more = ModelCardTriples(card);
    batch.insert(batch.end(), more.begin(), more.end());
  }
  std::vector<int64_t> expected(specs.size(), 0);
  size_t triples_loaded = 0;
  auto load_start = Clock::now();
  for (int i = 0; i < device_count; ++i) {
    DeviceDescription device;
    char id[32];
    std::snprintf(id, sizeof(id), "sd-%07d", i);
    device.id = id;
    device.title = id;
    device.mcu_core = "cortex-m4";
    device.clock_hz = 64000000;
    device.ram_bytes = rams[static_cast<size_t>(i) % rams.size()];
    device.flash_bytes = 1048576;
    size_t runtime = static_cast<size_t>(i / 3) % runtimes.size();
    device.runtime_version = runtimes[runtime];
    device.firmware_id = "fw";
    device.firmware_version = "1.0." + std::to_string(runtime);
    bool microphone = i % 7 == 0;
    if (microphone) device.sensors.push_back({"Microphone", 16000});
    device.sensors.push_back({"Accelerometer", 400});
    for (size_t m = 0; m < specs.size(); ++m) {
      if (device.ram_bytes >= specs[m].arena && runtime >= specs[m].runtime && (microphone || !specs[m].microphone)) {
        ++expected[m];
      }
    }
    auto more = DeviceTriples(device);
    batch.insert(batch.end(), more.begin(), more.end());
    if (batch.size() >= 10000 || i + 1 == device_count) {
      auto loaded = graph.LoadTriples(batch);
      ASSERT_TRUE(loaded.ok()) << loaded.error().message;
      triples_loaded += batch.size();
      batch.clear();
    }
  }
  double load_ms = MillisecondsSince(load_start);
  std::printf("[scale] loaded %d devices (%zu triples) in %.0f ms: %.0f devices/s\n", device_count,
              triples_loaded, load_ms, device_count / (load_ms / 1000.0));

  CompatibilityQueries queries(graph);
  std::vector<double> compatible_ms, reasons_ms, models_ms;
  for (int round = 0; round < 2; ++round) {
    for (size_t m = 0; m < specs.size(); ++m) {
      Term model = ModelVersionIri("scale-model-" + std::to_string(m), "1.0.0");
      auto start = Clock::now();
      auto page = queries.CompatibleDevices(model, 0, 100);
      compatible_ms.push_back(MillisecondsSince(start));
      ASSERT_TRUE(page.ok()) << page.error().message;
      EXPECT_EQ(page->total, expected[m]) << "model " << m;
      start = Clock::now();
      auto reasons = queries.DevicesWithReasons(model, 0, 100);
      reasons_ms.push_back(MillisecondsSince(start));
      ASSERT_TRUE(reasons.ok()) << reasons.error().message;
      EXPECT_EQ(reasons->total, device_count);
    }
    for (int d = 0; d < 5; ++d) {
      char id[32];
      std::snprintf(id, sizeof(id), "sd-%07d", d * (device_count / 5));
      auto start = Clock::now();
      auto page = queries.ModelsWithReasons(DeviceIri(id), 0, 100);
      models_ms.push_back(MillisecondsSince(start));
      ASSERT_TRUE(page.ok()) << page.error().message;
      EXPECT_EQ(page->items.size(), specs.size());
    }
  }
  std::printf("[scale] %d devices: model->compatible devices (page 100 + exact total) p50 %.0f ms max %.0f ms; "
              "model->devices with reasons (page 100) p50 %.0f ms max %.0f ms; device->models with reasons "
              "p50 %.0f ms max %.0f ms\n",
              device_count, Median(compatible_ms), *std::max_element(compatible_ms.begin(), compatible_ms.end()),
              Median(reasons_ms), *std::max_element(reasons_ms.begin(), reasons_ms.end()), Median(models_ms),
              *std::max_element(models_ms.begin(), models_ms.end()));
  ASSERT_TRUE(graph.Clear().ok());
}

}  // namespace
}  // namespace tinyforge::server::kg
