# Compile options shared by every Strata target: warnings for our own code, sanitizers on request,
# and the helpers that create library, test and benchmark targets the same way everywhere.

include(GNUInstallDirs)

if(STRATA_SANITIZE)
  set(_strata_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${_strata_san})
  add_link_options(${_strata_san})
endif()

# strata_warnings(<target>): -Wall -Wextra (and -Werror when STRATA_WERROR) on Strata's own sources.
# Third-party headers come in as SYSTEM includes so their warnings stay out of our builds.
function(strata_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor)
  # g++ 12 reports false -Wrestrict positives inside libstdc++'s std::string operator+ at -O2/-O3
  # (GCC bug 105329); the warning says nothing about our code there.
  target_compile_options(${target} PRIVATE -Wno-restrict)
  if(STRATA_SANITIZE)
    # Sanitizer instrumentation makes g++ 12 report -Wmaybe-uninitialized inside libstdc++'s
    # std::variant and std::string moves that the same code without -fsanitize does not (false
    # positives); the regular build keeps the warning on.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(STRATA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# strata_library(<layer> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...] [OPTIONAL])
# Creates the static library strata_<layer> with the alias strata::<layer>; public headers live in
# include/strata/<layer>/. When Strata installs (STRATA_INSTALL), the layer's library and headers are
# installed and the target is exported as strata::<layer> in its own export set, which the installed
# strataConfig.cmake loads (cmake/StrataInstall.cmake): always, or, for an OPTIONAL layer, when
# asked for as a component (find_package(strata COMPONENTS <layer>)), after calling
# strata_find_<layer>_dependencies() of cmake/StrataFindDependencies.cmake if that exists.
# Third-party targets in PUBLIC_DEPS/PRIVATE_DEPS must be ones StrataFindDependencies.cmake creates
# (the installed config re-finds them), or header-only ones wrapped in $<BUILD_INTERFACE:...>.
function(strata_library layer)
  cmake_parse_arguments(ARG "OPTIONAL" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(strata_${layer} STATIC ${ARG_SOURCES})
  add_library(strata::${layer} ALIAS strata_${layer})
  target_include_directories(strata_${layer} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(strata_${layer} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_compile_features(strata_${layer} PUBLIC cxx_std_20)
  set_target_properties(strata_${layer} PROPERTIES POSITION_INDEPENDENT_CODE ON EXPORT_NAME ${layer})
  strata_warnings(strata_${layer})
  if(STRATA_INSTALL)
    install(TARGETS strata_${layer} EXPORT strata-${layer}-targets COMPONENT strata
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
            RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/strata/${layer}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/strata COMPONENT strata)
    # The layers it links, so the config loads them first (strata::duckdb needs strata::arrow).
    set(_layers)
    foreach(_dep IN LISTS ARG_PUBLIC_DEPS ARG_PRIVATE_DEPS)
      if(_dep MATCHES "^strata::(.+)$")
        list(APPEND _layers ${CMAKE_MATCH_1})
      endif()
    endforeach()
    set_property(GLOBAL APPEND PROPERTY STRATA_LAYERS ${layer})
    set_property(GLOBAL PROPERTY STRATA_LAYER_${layer}_DEPS ${_layers})
    set_property(GLOBAL PROPERTY STRATA_LAYER_${layer}_OPTIONAL ${ARG_OPTIONAL})
  endif()
endfunction()

# strata_layer_part(<layer> <target>...): static libraries that strata_<layer> links and that belong
# to it (e.g. generated files): installed and exported with the layer, since a consumer of the
# installed strata::<layer> links them too.
function(strata_layer_part layer)
  if(STRATA_INSTALL)
    install(TARGETS ${ARGN} EXPORT strata-${layer}-targets COMPONENT strata
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
endfunction()

# strata_test(<name> SOURCES ... [DEPS ...] [LABELS ...] [OWN_MAIN])
# One GoogleTest executable; every TEST becomes its own CTest entry named <Suite>.<Test>.
# OWN_MAIN: the sources define main() (e.g. to shut S3 down before exit) instead of gtest_main.
function(strata_test name)
  cmake_parse_arguments(ARG "OWN_MAIN" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} strata_test_support GTest::gtest)
  if(NOT ARG_OWN_MAIN)
    target_link_libraries(${name} PRIVATE GTest::gtest_main)
  endif()
  strata_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 600)
endfunction()

# strata_bench(<name> SOURCES ... [DEPS ...]): a benchmark driver printing `BENCH <name> <value> <unit>`.
function(strata_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} strata_bench_support)
  strata_warnings(${name})
  set_property(GLOBAL APPEND PROPERTY STRATA_BENCHMARKS ${name})
endfunction()
