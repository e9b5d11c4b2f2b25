# The programs' tarball, inflight-<version>-linux-<arch>.tar.gz (the static presets, `cpack`):
#   bin/       every program, statically linked (bench/CMakeLists.txt installs them)
#   README.md  how to run them on an instance (cmake/package/README.md)
#   LICENSE    inflight's; licenses/ those of the libraries linked into the programs
if(NOT INFLIGHT_STATIC)
  message(FATAL_ERROR "INFLIGHT_PACKAGE needs INFLIGHT_STATIC: a tarball of dynamically linked "
                      "programs would need this machine's libraries")
endif()
install(FILES cmake/package/README.md LICENSE DESTINATION .)
# The libraries linked in, by their Debian copyright files (the same text on every architecture)
# and Google Benchmark's own LICENSE from the source it was built from.
foreach(entry IN ITEMS glibc:libc6 libstdc++:libstdc++6 boost:libboost-fiber1.74.0
                       fmt:libfmt-dev nlohmann-json:nlohmann-json3-dev)
  string(REPLACE ":" ";" entry ${entry})
  list(GET entry 0 name)
  list(GET entry 1 package)
  if(NOT EXISTS /usr/share/doc/${package}/copyright)
    message(FATAL_ERROR "INFLIGHT_PACKAGE: no /usr/share/doc/${package}/copyright for ${name}")
  endif()
  install(FILES /usr/share/doc/${package}/copyright DESTINATION licenses RENAME ${name})
endforeach()
install(FILES ${INFLIGHT_BENCHMARK_SOURCE}/LICENSE DESTINATION licenses RENAME google-benchmark)

set(CPACK_GENERATOR TGZ)
set(CPACK_PACKAGE_NAME inflight)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_FILE_NAME inflight-${PROJECT_VERSION}-linux-${CMAKE_SYSTEM_PROCESSOR})
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/package)
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
