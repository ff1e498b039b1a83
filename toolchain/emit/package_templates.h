// The fixed files of each package target (build files, application, examples), filled with the
// package's name. The generated model files come from package.cpp.
#ifndef TINYFORGE_TOOLCHAIN_EMIT_PACKAGE_TEMPLATES_H_
#define TINYFORGE_TOOLCHAIN_EMIT_PACKAGE_TEMPLATES_H_

#include <string>
#include <utility>
#include <vector>

#include "toolchain/emit/package.h"

namespace tinyforge::toolchain {

struct TemplateValues {
  std::string name;     // as the user gave it
  std::string id;       // C identifier
  std::string version;  // model version
};

// (path relative to the package root, file text) for every fixed file of `target`.
std::vector<std::pair<std::string, std::string>> TargetFiles(PackageTarget target,
                                                             const TemplateValues& values);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_EMIT_PACKAGE_TEMPLATES_H_
