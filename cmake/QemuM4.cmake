# Helpers for Cortex-M4 images that run on QEMU mps2-an386 with ../shared/tools/qemu-m4.
set(TINYFORGE_M4_BSP_DIR "${TINYFORGE_QEMU_M4_DIR}/bsp")
if(NOT EXISTS "${TINYFORGE_M4_BSP_DIR}/m4bench.c")
  message(FATAL_ERROR "qemu-m4 BSP not found at ${TINYFORGE_M4_BSP_DIR}; set TINYFORGE_SHARED_DIR")
endif()

add_library(tinyforge_m4bsp STATIC
  ${TINYFORGE_M4_BSP_DIR}/m4bench.c
  ${TINYFORGE_M4_BSP_DIR}/m4bench_markers.S)
target_include_directories(tinyforge_m4bsp PUBLIC ${TINYFORGE_M4_BSP_DIR})

find_program(TINYFORGE_QEMU_ARM qemu-system-arm REQUIRED)
find_program(TINYFORGE_PYTHON3 python3 REQUIRED)

# The counting plugin is built with the host compiler into the build tree (shared/ is read-only).
set(TINYFORGE_M4COUNT_PLUGIN "${CMAKE_BINARY_DIR}/qemu-m4-plugin/libm4count.so")
add_custom_command(OUTPUT ${TINYFORGE_M4COUNT_PLUGIN}
  COMMAND env -u CC -u CFLAGS CC=cc sh ${TINYFORGE_QEMU_M4_DIR}/plugin/build.sh ${CMAKE_BINARY_DIR}/qemu-m4-plugin
  DEPENDS ${TINYFORGE_QEMU_M4_DIR}/plugin/m4count.c
  COMMENT "Building the m4count QEMU plugin")
add_custom_target(m4count_plugin ALL DEPENDS ${TINYFORGE_M4COUNT_PLUGIN})

# tinyforge_m4_image(name SOURCES ... LIBS ...): a bare-metal ELF for mps2-an386.
function(tinyforge_m4_image name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} tinyforge_m4bsp)
  target_link_options(${name} PRIVATE -T${TINYFORGE_M4_BSP_DIR}/mps2_an386.ld)
  # Linked as C: the runtime needs nothing from libstdc++, and Debian's newlib has no
  # libstdc++_nano for g++'s nano.specs.
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINKER_LANGUAGE C
                        LINK_DEPENDS ${TINYFORGE_M4_BSP_DIR}/mps2_an386.ld)
endfunction()

# tinyforge_m4_test(name): runs an image under QEMU with semihosting; pass/fail = guest exit code.
function(tinyforge_m4_test name)
  add_test(NAME ${name}
    COMMAND ${TINYFORGE_QEMU_ARM} -M mps2-an386 -nographic -monitor none -serial none
            -semihosting-config enable=on,target=native -kernel $<TARGET_FILE:${name}>)
  set_tests_properties(${name} PROPERTIES TIMEOUT 300 LABELS qemu)
endfunction()
