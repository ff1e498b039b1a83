# The toolchain proper, on top of the writer/planner.
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(nlohmann_json 3 REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
find_package(CLI11 REQUIRED)
# ONNX import (toolchain/importers): Debian's libonnx-dev ships the generated onnx-ml.pb.h and
# libonnx_proto, whose imported target needs protobuf::libprotobuf found first.
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)

tinyforge_host_library(tinyforge_toolchain
  GLOBS data/*.cpp preprocess/*.cpp ir/*.cpp train/*.cpp passes/*.cpp importers/*.cpp
        emit/*.cpp verify/*.cpp pipeline/*.cpp
  DEPS tinyforge_toolchain_format tinyforge_dsp tinyforge_runtime Eigen3::Eigen
       nlohmann_json::nlohmann_json tomlplusplus::tomlplusplus onnx_proto)

file(GLOB_RECURSE cli_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/cli/*.cpp)
if(cli_sources)
  add_executable(tinyforge ${cli_sources})
  target_link_libraries(tinyforge PRIVATE tinyforge_toolchain CLI11::CLI11)
  # `tinyforge simulate`: the device simulator (agent/ + runtime/, never server/).
  target_link_libraries(tinyforge PRIVATE tinyforge_agent_sim)
  target_compile_definitions(tinyforge PRIVATE TINYFORGE_VERSION="${PROJECT_VERSION}")
  # `tinyforge rollout` talks HTTP to the server (never links server/). Debian's libcpp-httplib.so
  # is built with OpenSSL support, so its users must define CPPHTTPLIB_OPENSSL_SUPPORT (ABI).
  find_library(TF_CLI_HTTPLIB NAMES cpp-httplib REQUIRED)
  find_package(OpenSSL REQUIRED)
  target_compile_definitions(tinyforge PRIVATE CPPHTTPLIB_OPENSSL_SUPPORT)
  target_link_libraries(tinyforge PRIVATE ${TF_CLI_HTTPLIB} OpenSSL::SSL OpenSSL::Crypto)
  tinyforge_warnings(tinyforge)
endif()

# Packaging copies the runtime sources and the qemu-m4 BSP from these trees (overridable at run
# time with the environment variables of the same names).
if(TARGET tinyforge_toolchain AND NOT "${CMAKE_CURRENT_SOURCE_DIR}" STREQUAL "")
  get_target_property(toolchain_type tinyforge_toolchain TYPE)
  if(NOT toolchain_type STREQUAL "INTERFACE_LIBRARY")
    target_compile_definitions(tinyforge_toolchain PRIVATE
      TINYFORGE_SOURCE_DIR="${CMAKE_SOURCE_DIR}" TINYFORGE_SHARED_DIR="${TINYFORGE_SHARED_DIR}")
    # The model card's runtime_version (the runtime ships with the project's version) and its
    # dataset_hash (SHA-256, libsodium's crypto_hash_sha256 as in server/fleet).
    target_compile_definitions(tinyforge_toolchain PRIVATE TINYFORGE_VERSION="${PROJECT_VERSION}")
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(TF_TOOLCHAIN_SODIUM REQUIRED IMPORTED_TARGET libsodium)
    target_link_libraries(tinyforge_toolchain PRIVATE PkgConfig::TF_TOOLCHAIN_SODIUM)
  endif()
endif()
