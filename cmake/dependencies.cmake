# The dependencies of the inflight::inflight target; the package config finds the same ones.
#
# With INFLIGHT_STATIC every executable links with -static: glibc and libstdc++ from the
# toolchain, Boost's archives, fmt header-only, and Google Benchmark built here from
# INFLIGHT_BENCHMARK_SOURCE (Debian ships libbenchmark only as a shared library; `.ci/deps static`
# unpacks Debian's source package of the same version, 1.7.1, with Debian's patches).
if(INFLIGHT_STATIC)
  set(Boost_USE_STATIC_LIBS ON)
  add_link_options(-static)
endif()
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS fiber context)
find_package(fmt 9 REQUIRED)  # the programs' reports; the headers in include/ do not use it
if(NOT INFLIGHT_STATIC)
  find_package(benchmark REQUIRED)
  set(INFLIGHT_FMT_TARGET fmt::fmt)
  return()
endif()
set(INFLIGHT_FMT_TARGET fmt::fmt-header-only)
set(INFLIGHT_BENCHMARK_SOURCE /usr/local/src/inflight/benchmark-1.7.1
    CACHE PATH "Google Benchmark's source, built into the static programs")
if(NOT EXISTS ${INFLIGHT_BENCHMARK_SOURCE}/CMakeLists.txt)
  message(FATAL_ERROR "INFLIGHT_STATIC: no Google Benchmark source at ${INFLIGHT_BENCHMARK_SOURCE}"
                      " (bash .ci/deps static unpacks it there)")
endif()
foreach(off IN ITEMS TESTING GTEST_TESTS INSTALL WERROR LIBPFM)
  set(BENCHMARK_ENABLE_${off} OFF CACHE BOOL "" FORCE)
endforeach()
set(BUILD_SHARED_LIBS OFF)
set(GIT_VERSION 1.7.1)  # as Debian's build passes it (its patch 0001 stops reading git tags)
add_subdirectory(${INFLIGHT_BENCHMARK_SOURCE} ${PROJECT_BINARY_DIR}/_deps/benchmark EXCLUDE_FROM_ALL)
