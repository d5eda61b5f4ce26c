# Helpers shared by every part of the build.

# Add each listed subdirectory that has a CMakeLists.txt, unless it is named in
# ONSHI_SKIP_PARTS (e.g. -DONSHI_SKIP_PARTS="claims;disaster" builds without them,
# in plugins/, samples/ and tests/ alike).
set(ONSHI_SKIP_PARTS "" CACHE STRING "Parts (folder names) to leave out of the build")
function(onshi_add_subdirectories)
  foreach(dir IN LISTS ARGN)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt AND NOT dir IN_LIST ONSHI_SKIP_PARTS)
      add_subdirectory(${dir})
    endif()
  endforeach()
endfunction()

# A static library of domain code that ends up inside a plugin (.so): position
# independent, hidden visibility, so nothing of it leaks out of the plugin.
function(onshi_add_core_library name)
  add_library(${name} STATIC ${ARGN})
  set_target_properties(${name} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()

# onshi_add_plugin(<target> SOURCES ... MANIFEST ... [LIBS ...] [OUTPUT_DIR <dir>] [NO_INSTALL]):
# a plugin module built the way the contract asks of every vendor. It lives in its own
# file because the SDK installs that file for vendors' projects (find_package(onshi)).
include(${CMAKE_CURRENT_LIST_DIR}/OnshiAddPlugin.cmake)

# A libFuzzer target: onshi_add_fuzz_target(name SOURCES a.cpp LIBS lib CORPUS dir).
# With clang it is a real fuzzer (run briefly by .ci/run); with GCC it replays the
# corpus, and either way ctest feeds it the corpus so a crash fails the suite.
function(onshi_add_fuzz_target name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(run_args -runs=0 ${F_CORPUS})
  else()
    target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    set(run_args ${F_CORPUS})
  endif()
  if(ONSHI_BUILD_TESTS)
    add_test(NAME ${name}.corpus COMMAND ${name} ${run_args})
  endif()
  # For scripts/fuzz.sh: every fuzz target and its seed corpus.
  set_property(GLOBAL APPEND PROPERTY ONSHI_FUZZ_TARGETS "$<TARGET_FILE:${name}> ${F_CORPUS}")
  set_property(GLOBAL APPEND PROPERTY ONSHI_FUZZ_TARGET_NAMES ${name})
endfunction()

# After every part was added: a "fuzz-targets" target that builds them all, and
# <build>/fuzz-targets.txt listing "<executable> <seed corpus>" one per line.
function(onshi_finish_fuzz_targets)
  get_property(lines GLOBAL PROPERTY ONSHI_FUZZ_TARGETS)
  get_property(names GLOBAL PROPERTY ONSHI_FUZZ_TARGET_NAMES)
  list(JOIN lines "\n" text)
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/fuzz-targets.txt CONTENT "${text}\n")
  add_custom_target(fuzz-targets DEPENDS ${names})
endfunction()
