# What both consumer projects build: main.cpp and the README's handler snippet, with the warnings
# a careful user turns on, each run as a test.
enable_testing()
foreach(program IN ITEMS consumer readme_snippet)
  if(program STREQUAL "consumer")
    add_executable(${program} ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
  else()
    add_executable(${program} ${README_SNIPPET})
  endif()
  target_link_libraries(${program} PRIVATE inflight::inflight)
  target_compile_options(${program} PRIVATE -Wall -Wextra -Wpedantic -Wconversion
                                            -Wsign-conversion -Wshadow -Werror)
  add_test(NAME ${program} COMMAND ${program})
endforeach()
