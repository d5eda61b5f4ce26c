# Installing and packaging the SDK (included by the top-level CMakeLists.txt after
# every part was added). The rest of `cmake --install` comes from the parts
# themselves: host-sdk/ (headers, libonshi_host), onshi_add_plugin() (each plugin
# and its manifest in <libdir>/onshi/plugins/<name>/), samples/ (the programs and
# the simulator's data). Test plugins and test programs are never installed.
include(CMakePackageConfigHelpers)

set(ONSHI_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/onshi)
set(ONSHI_INSTALL_PLUGINDIR ${CMAKE_INSTALL_LIBDIR}/onshi/plugins)

# The CMake package: find_package(onshi CONFIG) gives onshi::host, onshi::headers and
# onshi_add_plugin() (see cmake/onshiConfig.cmake.in). Relocatable: it finds the
# rest of the SDK relative to itself.
set_target_properties(onshi_host PROPERTIES EXPORT_NAME host)
set_target_properties(onshi_headers PROPERTIES EXPORT_NAME headers)
install(EXPORT onshiTargets NAMESPACE onshi:: DESTINATION ${ONSHI_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/onshiConfig.cmake.in ${CMAKE_BINARY_DIR}/onshiConfig.cmake
  INSTALL_DESTINATION ${ONSHI_INSTALL_CMAKEDIR}
  PATH_VARS ONSHI_INSTALL_PLUGINDIR)
# The C ABI (SOVERSION 1) is what binds; within one major the headers only grow.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/onshiConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES
  ${CMAKE_BINARY_DIR}/onshiConfig.cmake
  ${CMAKE_BINARY_DIR}/onshiConfigVersion.cmake
  cmake/OnshiAddPlugin.cmake
  cmake/onshi_plugin.map
  DESTINATION ${ONSHI_INSTALL_CMAKEDIR})

# pkg-config: onshi.pc, relocatable through ${pcfiledir} like the CMake package.
file(RELATIVE_PATH pc_to_prefix /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
set(ONSHI_PC_PREFIX "\${pcfiledir}/${pc_to_prefix}")
if(IS_ABSOLUTE ${CMAKE_INSTALL_LIBDIR} OR IS_ABSOLUTE ${CMAKE_INSTALL_INCLUDEDIR})
  set(ONSHI_PC_PREFIX ${CMAKE_INSTALL_PREFIX})  # an unusual layout: not relocatable
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE ${CMAKE_INSTALL_${dir}})
    set(ONSHI_PC_${dir} ${CMAKE_INSTALL_${dir}})
  else()
    set(ONSHI_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(cmake/onshi.pc.in ${CMAKE_BINARY_DIR}/onshi.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/onshi.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# CPack: `cpack -G DEB` in the build folder gives onshi_<version>_<arch>.deb with
# everything `cmake --install` puts, under /usr.
set(ONSHI_PACKAGE_MAINTAINER "onshi SDK maintainers <onshi-sdk@example.org>"
  CACHE STRING "The Maintainer field of the .deb")
set(CPACK_PACKAGE_NAME onshi)
set(CPACK_PACKAGE_VENDOR "onshi")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
  "libonshi_host and its headers, the plugins (card reader, eligibility, claims, ...), the sample EMR `onshi`, "
  "the simulator `onshi-sim` and the virtual card `onshi-vcard`, with a CMake package (find_package(onshi)) "
  "and a pkg-config file (onshi.pc).")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_PACKAGE_CONTACT "${ONSHI_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ONSHI_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends from the binaries themselves (dpkg-shlibdeps, from dpkg-dev, which
# build-essential brings); without it, the Debian 12 names of what they link.
find_program(ONSHI_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(ONSHI_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${ONSHI_LIB_BUILD_DIR})
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6, libstdc++6, libgcc-s1, libboost-filesystem1.74.0, libpcsclite1, libssl3, libpugixml1v5, libicu72, libsqlite3-0")
endif()
# DEBIAN/shlibs for libonshi_host.so.1 (and ldconfig on install); the C ABI only
# grows within a major, so a later version of the package still serves.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_GENERATOR DEB)
include(CPack)
