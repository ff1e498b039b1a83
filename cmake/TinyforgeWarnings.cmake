# Warnings as errors on TinyForge's own code (not on third-party headers).
function(tinyforge_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wconversion
    -Wno-sign-conversion)
endfunction()

# Device code: freestanding C++17 — no exceptions, no RTTI, no heap, no stdio.
function(tinyforge_device_code target)
  tinyforge_warnings(${target})
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti>)
endfunction()
