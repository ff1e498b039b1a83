// `tinyforge`: the command-line front of the toolchain. Thin: parsing here, work in the library.
#include <cstdio>
#include <exception>

#include "toolchain/cli/commands.h"

#ifndef TINYFORGE_VERSION
#define TINYFORGE_VERSION "0.0.0"
#endif

namespace tinyforge::cli {
int Fail(const std::string& message) {
  std::fprintf(stderr, "tinyforge: error: %s\n", message.c_str());
  return 1;
}
}  // namespace tinyforge::cli

int main(int argc, char** argv) {
  CLI::App app{"TinyForge: from sensor data to int8 models on microcontrollers", "tinyforge"};
  app.set_version_flag("--version", std::string("tinyforge ") + TINYFORGE_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  tinyforge::cli::AddModelCommands(app, &exit_code);
  tinyforge::cli::AddPipelineCommands(app, &exit_code);
  tinyforge::cli::AddDataCommands(app, &exit_code);
  tinyforge::cli::AddImportCommands(app, &exit_code);
  tinyforge::cli::AddTrainCommand(app, &exit_code);
  tinyforge::cli::AddQuantizeCommand(app, &exit_code);
  tinyforge::cli::AddPruneCommand(app, &exit_code);
  tinyforge::cli::AddEvalCommand(app, &exit_code);
  tinyforge::cli::AddServeCommand(app, &exit_code);
  tinyforge::cli::AddRolloutCommands(app, &exit_code);
  tinyforge::cli::AddSimulateCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  } catch (const std::exception& error) {
    return tinyforge::cli::Fail(std::string("unexpected failure: ") + error.what());
  }
  return exit_code;
}
