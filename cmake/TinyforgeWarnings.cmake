# Warnings as errors on TinyForge's own code (not on third-party headers).
function(tinyforge_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wconversion
    -Wno-sign-conversion)
  # GCC 12 at -O3 reports -Wrestrict inside libstdc++'s std::string operator+ (GCC bug 105329):
  # a false positive that failed the Release build of server/kg and server/fleet. Warned, not fatal.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13
     AND NOT TINYFORGE_DEVICE_BUILD)
    target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-Wno-error=restrict>)
  endif()
endfunction()

# Device code: freestanding C++17 — no exceptions, no RTTI, no heap, no stdio.
function(tinyforge_device_code target)
  tinyforge_warnings(${target})
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti>)
endfunction()
