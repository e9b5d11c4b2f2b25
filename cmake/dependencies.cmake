# The dependencies of the inflight::inflight target; the package config finds the same ones.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS fiber context)
