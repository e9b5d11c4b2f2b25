include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS inflight EXPORT inflightTargets)
install(DIRECTORY include/inflight DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT inflightTargets NAMESPACE inflight::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/inflight)

configure_package_config_file(cmake/inflightConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/inflightConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/inflight)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/inflightConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/inflightConfig.cmake
              ${PROJECT_BINARY_DIR}/inflightConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/inflight)
