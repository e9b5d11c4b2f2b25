# Cross-compiling for arm64 (Graviton) with Debian's cross toolchain (crossbuild-essential-arm64)
# and its multiarch :arm64 libraries, which live beside the amd64 ones in /usr/lib/aarch64-linux-gnu
# (`bash .ci/deps static` installs both). Programs built with it run here under qemu-aarch64-static:
# ctest and gtest_discover_tests go through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# find_package and find_library look in lib/aarch64-linux-gnu, never in the host's x86_64 one.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
find_program(INFLIGHT_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(INFLIGHT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${INFLIGHT_QEMU_AARCH64})
endif()
