# The toolchain proper, on top of the writer/planner.
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(nlohmann_json 3 REQUIRED)

tinyforge_host_library(tinyforge_toolchain
  GLOBS data/*.cpp preprocess/*.cpp ir/*.cpp train/*.cpp passes/*.cpp importers/*.cpp
        emit/*.cpp verify/*.cpp pipeline/*.cpp
  DEPS tinyforge_toolchain_format tinyforge_dsp tinyforge_runtime Eigen3::Eigen
       nlohmann_json::nlohmann_json)

file(GLOB_RECURSE cli_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/cli/*.cpp)
if(cli_sources)
  add_executable(tinyforge ${cli_sources})
  target_link_libraries(tinyforge PRIVATE tinyforge_toolchain)
  target_compile_definitions(tinyforge PRIVATE TINYFORGE_VERSION="${PROJECT_VERSION}")
  tinyforge_warnings(tinyforge)
endif()
