# Unity (jumbo) builds for the CI builds: each host target that precompiles a heavy header
# compiles its sources in batches of TINYFORGE_UNITY_BATCH_SIZE files per translation unit, so the
# nlohmann::json / CLI11 / gtest templates every file instantiates are compiled once per batch
# instead of once per file.
# Measured (ASan+UBSan -O0, g++ 12, CPU seconds): toolchain/cli commands_{data,eval,import,model}.cpp
# 66.8 s as four TUs, 24.8 s as one; tests/server/api/*_test.cpp 81.8 s as four, 39.4 s as one.
# ON in the host-asan preset and for `make test` (Makefile passes it to host-debug); OFF by default
# so an edit in a developer's tree recompiles one file, not its batch.
#
# If a unity build fails with "redefinition of ..." or "conflicting declaration", two files of one
# batch define the same name at namespace scope (anonymous namespaces and `static` are per
# translation unit, and a batch is ONE translation unit). Fix the cause: give the helpers
# distinct, more specific names, or move a helper both files need into a shared header. Only if
# that is impossible, opt the file out with
#   set_source_files_properties(<file> PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
# Files that still collide with a neighbour of their batch; each compiles on its own until the
# names are fixed. Empty: keep it so.
set(TINYFORGE_UNITY_SKIP)

option(TINYFORGE_UNITY_BUILD "Compile host targets as unity batches (CI builds)" OFF)
set(TINYFORGE_UNITY_BATCH_SIZE 8 CACHE STRING "Source files per unity translation unit")

function(tinyforge_enable_unity_builds)
  if(NOT TINYFORGE_UNITY_BUILD)
    return()
  endif()
  _tinyforge_collect_targets(${CMAKE_SOURCE_DIR} all_targets)
  foreach(target IN LISTS all_targets)
    get_target_property(type ${target} TYPE)
    # Only the targets that precompile a heavy header (cmake/TinyforgePch.cmake): that is where
    # the repeated template work is. The C-like runtime/DSP code compiles fast file by file.
    get_target_property(pch ${target} PRECOMPILE_HEADERS)
    if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY)$" AND pch)
      set_target_properties(${target} PROPERTIES UNITY_BUILD ON
                            UNITY_BUILD_BATCH_SIZE ${TINYFORGE_UNITY_BATCH_SIZE})
    endif()
  endforeach()
  foreach(file IN LISTS TINYFORGE_UNITY_SKIP)
    if(EXISTS ${CMAKE_SOURCE_DIR}/${file})
      # A source file property is per directory: set it where each target using the file lives.
      foreach(target IN LISTS all_targets)
        get_target_property(source_dir ${target} SOURCE_DIR)
        set_property(SOURCE ${CMAKE_SOURCE_DIR}/${file} DIRECTORY ${source_dir}
                     PROPERTY SKIP_UNITY_BUILD_INCLUSION ON)
      endforeach()
    endif()
  endforeach()
endfunction()
