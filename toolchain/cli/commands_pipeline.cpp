// `tinyforge pipeline run FILE` and `tinyforge demo` (the bundled CWRU pipeline).
#include <cstdio>
#include <memory>

#include "toolchain/cli/commands.h"
#include "toolchain/emit/package.h"
#include "toolchain/pipeline/pipeline_runner.h"
#include "toolchain/pipeline/pipeline_spec.h"

namespace tinyforge::cli {
namespace {

int RunPipelineFile(const std::string& file, const std::string& shared_dir,
                    const std::string& output_dir, bool as_json) {
  const std::filesystem::path shared =
      shared_dir.empty() ? toolchain::SharedRoot() : std::filesystem::path(shared_dir);
  auto spec = toolchain::LoadPipelineSpec(file, shared);
  if (!spec.ok()) return Fail(spec.error().message);
  if (!output_dir.empty()) spec->output_dir = output_dir;
  auto report = toolchain::RunPipeline(*spec, [as_json](const std::string& line) {
    std::fprintf(as_json ? stderr : stdout, "%s\n", line.c_str());
    std::fflush(as_json ? stderr : stdout);
  });
  if (!report.ok()) return Fail(report.error().message);
  if (as_json) {
    std::printf("%s\n", report->json.dump(2).c_str());
  } else {
    std::printf("\n%s", report->text.c_str());
    std::printf("  report    %s\n", (spec->output_dir / "report.json").c_str());
  }
  return 0;
}

}  // namespace

void AddPipelineCommands(CLI::App& app, int* exit_code) {
  auto* pipeline = app.add_subcommand("pipeline", "Run a declarative pipeline (docs/pipeline.md)");
  pipeline->require_subcommand(1);
  auto* run = pipeline->add_subcommand("run", "data -> features -> training -> int8 -> packages -> device");
  auto file = std::make_shared<std::string>();
  auto shared = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  run->add_option("file", *file, "pipeline.toml")->required();
  run->add_option("--shared-dir", *shared, "what ${shared} stands for in paths");
  run->add_option("--output", *output, "output folder (overrides [pipeline] output_dir)");
  run->add_flag("--json", *as_json, "print the report as JSON");
  run->callback([=] { *exit_code = RunPipelineFile(*file, *shared, *output, *as_json); });

  auto* demo = app.add_subcommand("demo", "The main job: CWRU bearing faults, end to end on a Cortex-M4 under QEMU");
  auto demo_shared = std::make_shared<std::string>();
  auto demo_output = std::make_shared<std::string>("build/demo");
  auto demo_json = std::make_shared<bool>(false);
  demo->add_option("--shared-dir", *demo_shared, "the shared/ folder with datasets/cwru_bearing");
  demo->add_option("--output", *demo_output, "output folder");
  demo->add_flag("--json", *demo_json, "print the report as JSON");
  demo->callback([=] {
    const auto pipeline_file =
        toolchain::RuntimeSourceRoot() / "examples" / "predictive_maintenance" / "cwru_pipeline.toml";
    *exit_code = RunPipelineFile(pipeline_file.string(), *demo_shared, *demo_output, *demo_json);
  });
}

}  // namespace tinyforge::cli
