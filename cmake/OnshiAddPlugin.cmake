# onshi_add_plugin(): builds a plugin module the way the plugin contract asks.
# The same file serves the SDK's own build (included by OnshiPlugin.cmake) and a
# vendor's project (installed beside onshiConfig.cmake, included by find_package(onshi)).
#
#   onshi_add_plugin(<target> SOURCES ... MANIFEST <file.onshi-plugin.json.in>
#                    [LIBS ...] [OUTPUT_DIR <dir>] [NO_INSTALL])
# - hidden visibility and a version script: exactly one exported symbol,
#   onshi_get_plugin_entry, so no Boost or libstdc++ symbol of ours leaks or clashes;
# - -Wl,--no-undefined: a missing symbol fails the link, not the clinic's start-up;
# - the manifest is configured beside the library (@ONSHI_PLUGIN_LIBRARY@ is the file name);
# - `cmake --install` puts library and manifest into <libdir>/onshi/plugins/<target>/,
#   the folder libonshi_host searches next to itself (unless NO_INSTALL).
# The default OUTPUT_DIR is ${ONSHI_PLUGIN_BUILD_DIR}/<target> (the SDK's build tree
# lays plugins out as installed), else <build>/plugins/<target>.
include_guard(GLOBAL)
include(GNUInstallDirs)
# Global, so the function works in any folder of the project, not only where
# find_package(onshi) was called.
set_property(GLOBAL PROPERTY ONSHI_DEFAULT_PLUGIN_MAP ${CMAKE_CURRENT_LIST_DIR}/onshi_plugin.map)

function(onshi_add_plugin target)
  cmake_parse_arguments(P "NO_INSTALL" "MANIFEST;OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(NOT P_OUTPUT_DIR)
    if(ONSHI_PLUGIN_BUILD_DIR)
      set(P_OUTPUT_DIR ${ONSHI_PLUGIN_BUILD_DIR}/${target})
    else()
      set(P_OUTPUT_DIR ${CMAKE_BINARY_DIR}/plugins/${target})
    endif()
  endif()
  set(map ${ONSHI_PLUGIN_MAP})
  if(NOT map)
    get_property(map GLOBAL PROPERTY ONSHI_DEFAULT_PLUGIN_MAP)
  endif()
  if(DEFINED ONSHI_NO_UNDEFINED)  # the SDK's sanitizer build clears it
    set(no_undefined ${ONSHI_NO_UNDEFINED})
  else()
    set(no_undefined -Wl,--no-undefined)
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE onshi::headers ${P_LIBS})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR}
    LINK_DEPENDS ${map})
  target_link_options(${target} PRIVATE -Wl,--version-script=${map} ${no_undefined})
  set(ONSHI_PLUGIN_LIBRARY lib${target}.so)
  get_filename_component(manifest_name ${P_MANIFEST} NAME)
  string(REGEX REPLACE "\\.in$" "" manifest_name ${manifest_name})
  configure_file(${P_MANIFEST} ${P_OUTPUT_DIR}/${manifest_name} @ONLY)
  if(NOT P_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/onshi/plugins/${target})
    install(FILES ${P_OUTPUT_DIR}/${manifest_name} DESTINATION ${CMAKE_INSTALL_LIBDIR}/onshi/plugins/${target})
  endif()
endfunction()
