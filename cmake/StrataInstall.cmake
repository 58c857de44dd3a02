# Install rules and the package files that let another CMake project use an installed Strata:
#   find_package(strata 0.1 REQUIRED [COMPONENTS arrow duckdb adbc])
#   target_link_libraries(app PRIVATE strata::cli)   # or strata::execution, strata::duckdb, ...
# Installs include/strata/, one static library per layer, and under <libdir>/cmake/strata/:
# strataConfig.cmake, strataConfigVersion.cmake, StrataFindDependencies.cmake (which re-finds the
# third-party libraries on the consumer's machine) and strata-<layer>-targets*.cmake per layer.
# Layers come from strata_library() (cmake/StrataCompileOptions.cmake), which installs each one.
include(CMakePackageConfigHelpers)

set(STRATA_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/strata
    CACHE STRING "Where strataConfig.cmake is installed (relative to the prefix)")

install(FILES ${PROJECT_SOURCE_DIR}/include/strata/strata.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/strata
        COMPONENT strata)

# Each layer in dependency order (whatever order src/ creates them in), with the layers it links and
# whether it is an optional component.
get_property(_pending GLOBAL PROPERTY STRATA_LAYERS)
set(_strata_layers)
while(_pending)
  set(_progress FALSE)
  foreach(_layer IN LISTS _pending)
    get_property(_deps GLOBAL PROPERTY STRATA_LAYER_${_layer}_DEPS)
    set(_ready TRUE)
    foreach(_dep IN LISTS _deps)
      if(_dep IN_LIST _pending)
        set(_ready FALSE)
      endif()
    endforeach()
    if(_ready)
      list(APPEND _strata_layers ${_layer})
      list(REMOVE_ITEM _pending ${_layer})
      set(_progress TRUE)
    endif()
  endforeach()
  if(NOT _progress)
    message(FATAL_ERROR "Strata's layers link each other in a cycle: ${_pending}")
  endif()
endwhile()
set(STRATA_CONFIG_LAYERS "")
foreach(_layer IN LISTS _strata_layers)
  install(EXPORT strata-${_layer}-targets NAMESPACE strata:: DESTINATION ${STRATA_INSTALL_CMAKEDIR} COMPONENT strata)
  get_property(_deps GLOBAL PROPERTY STRATA_LAYER_${_layer}_DEPS)
  get_property(_optional GLOBAL PROPERTY STRATA_LAYER_${_layer}_OPTIONAL)
  if(NOT _optional)
    set(_optional OFF)
  endif()
  string(APPEND STRATA_CONFIG_LAYERS
         "strata_config_layer(${_layer} OPTIONAL ${_optional} DEPENDS ${_deps})\n")
endforeach()

# How the build found the integrations' dependencies, so the config looks for the same kind (never
# at this build tree's .venv/ or .deps/: the consumer names its own, see docs/architecture.md).
set(STRATA_CONFIG_ARROW_FROM "${STRATA_ARROW_FOUND_FROM}")
set(STRATA_CONFIG_ARROW_VERSION "${STRATA_ARROW_VERSION}")
file(STRINGS ${PROJECT_SOURCE_DIR}/scripts/versions.env _duckdb_pin REGEX "^DUCKDB_VERSION=")
string(REPLACE "DUCKDB_VERSION=" "" STRATA_CONFIG_DUCKDB_VERSION "${_duckdb_pin}")

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/strataConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/strataConfig.cmake INSTALL_DESTINATION ${STRATA_INSTALL_CMAKEDIR})
# 0.x: a new minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/strataConfigVersion.cmake VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/strataConfig.cmake ${PROJECT_BINARY_DIR}/strataConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/StrataFindDependencies.cmake
        DESTINATION ${STRATA_INSTALL_CMAKEDIR} COMPONENT strata)
