// The `tinyforge` subcommands; each Add*Commands registers its subcommands on the app and sets
// *exit_code when one runs (0 ok, 1 failed, 2 bad usage).
#ifndef TINYFORGE_TOOLCHAIN_CLI_COMMANDS_H_
#define TINYFORGE_TOOLCHAIN_CLI_COMMANDS_H_

#include <string>

#include <CLI/CLI.hpp>

namespace tinyforge::cli {

void AddModelCommands(CLI::App& app, int* exit_code);     // inspect, package
void AddPipelineCommands(CLI::App& app, int* exit_code);  // pipeline run, demo
void AddDataCommands(CLI::App& app, int* exit_code);      // data inspect, data clean
void AddImportCommands(CLI::App& app, int* exit_code);    // import (ONNX)
void AddTrainCommand(CLI::App& app, int* exit_code);      // train
void AddQuantizeCommand(CLI::App& app, int* exit_code);   // quantize
void AddPruneCommand(CLI::App& app, int* exit_code);      // prune
void AddEvalCommand(CLI::App& app, int* exit_code);       // eval
void AddServeCommand(CLI::App& app, int* exit_code);      // serve (execs tinyforge-server)
void AddRolloutCommands(CLI::App& app, int* exit_code);   // rollout create|status|pause|resume|cancel|rollback
void AddSimulateCommand(CLI::App& app, int* exit_code);   // simulate (agent/sim)

// Prints "tinyforge: error: <message>" to stderr and returns 1.
int Fail(const std::string& message);

}  // namespace tinyforge::cli

#endif  // TINYFORGE_TOOLCHAIN_CLI_COMMANDS_H_
