# `tinyforge_test_build`: every target ctest (and the Cortex-M4 build's host tools) needs, and
# nothing else. `make test` builds this target instead of `all`, so it skips the benchmark
# executables that no test runs (bench/kg, bench/shacl, bench/fleet, bench/pipeline, bench/tinyol:
# ~2.5 CPU-min in the debug build). A bench directory that registers a ctest (bench/host: the
# make_bench_models smoke test; the M4 build also runs that tool) stays in.
# The list is derived from the build tree, so new targets are picked up without editing this file.

function(_tinyforge_test_build_dirs dir out_var)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  set(dirs ${dir})
  foreach(sub IN LISTS subdirs)
    _tinyforge_test_build_dirs(${sub} sub_dirs)
    list(APPEND dirs ${sub_dirs})
  endforeach()
  set(${out_var} ${dirs} PARENT_SCOPE)
endfunction()

function(tinyforge_add_test_build_target)
  _tinyforge_test_build_dirs(${CMAKE_SOURCE_DIR} dirs)
  set(wanted "")
  foreach(dir IN LISTS dirs)
    file(RELATIVE_PATH rel "${CMAKE_SOURCE_DIR}" "${dir}")
    get_property(dir_tests DIRECTORY ${dir} PROPERTY TESTS)
    if(rel MATCHES "^(bench|examples)(/|$)" AND NOT dir_tests)
      continue()
    endif()
    get_property(dir_excluded DIRECTORY ${dir} PROPERTY EXCLUDE_FROM_ALL)
    if(dir_excluded)
      continue()
    endif()
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target IN LISTS targets)
      get_target_property(excluded ${target} EXCLUDE_FROM_ALL)
      if(NOT excluded)
        list(APPEND wanted ${target})
      endif()
    endforeach()
  endforeach()
  add_custom_target(tinyforge_test_build)
  if(wanted)
    add_dependencies(tinyforge_test_build ${wanted})
  endif()
endfunction()
