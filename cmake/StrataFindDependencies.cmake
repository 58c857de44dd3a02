# Finds the third-party libraries that Strata's library targets link, and gives each the one target
# name those targets use. Shared by the build (cmake/StrataDependencies.cmake) and by an installed
# Strata (strataConfig.cmake includes the installed copy of this file), so a consumer of the package
# gets the same targets, found on the consumer's machine:
#   strata_find_base_dependencies()   Threads, SQLite3, nlohmann_json, yaml-cpp, fmt, cereal,
#                                     Strata::xxhash, Strata::cctz, Strata::PQ, Strata::httplib (the
#                                     layers that are always there: core, io, storage, execution, web, cli)
#   strata_find_arrow_dependencies()  Strata::Arrow: libarrow + libparquet, from a system install
#                                     (find_package(Arrow/Parquet)) or from a pyarrow wheel
#   strata_find_duckdb_dependencies() Strata::DuckDB: libduckdb.so + duckdb.h
# A layer with a dependency of its own (strata_library(... OPTIONAL) of cmake/StrataCompileOptions.cmake)
# gets a strata_find_<layer>_dependencies() here; the installed config calls it before loading the layer.
#
# Inside strataConfig.cmake (STRATA_CONFIG_MODE set) a missing dependency is recorded in the global
# property STRATA_DEPENDENCY_ERROR and the config reports the package (or the component) as not
# found with that message, as find_dependency() would; in the build it is a configure error naming
# what to install.

# strata_dependency_error(<message>): see above.
macro(strata_dependency_error)
  if(STRATA_CONFIG_MODE)
    string(CONCAT _strata_error ${ARGN})
    set_property(GLOBAL APPEND_STRING PROPERTY STRATA_DEPENDENCY_ERROR "${_strata_error} ")
  else()
    message(FATAL_ERROR ${ARGN})
  endif()
endmacro()

# strata_dependency(<package> [find_package arguments]): find_package(... REQUIRED) in the build;
# quietly in the installed config, recording a miss with strata_dependency_error().
macro(strata_dependency package)
  if(STRATA_CONFIG_MODE)
    find_package(${package} ${ARGN} QUIET)
    if(NOT ${package}_FOUND)
      strata_dependency_error("${package} not found (find_package(${package} ${ARGN})); install it or set "
                              "${package}_DIR.")
    endif()
  else()
    find_package(${package} ${ARGN} REQUIRED)
  endif()
endmacro()

# strata_pkg_config_target(<target> <module>): the pkg-config module as the imported target <target>.
macro(strata_pkg_config_target target module)
  if(NOT TARGET ${target})
    string(MAKE_C_IDENTIFIER "STRATA_PC_${module}" _strata_prefix)
    pkg_check_modules(${_strata_prefix} QUIET IMPORTED_TARGET ${module})
    if(${_strata_prefix}_FOUND)
      add_library(${target} ALIAS PkgConfig::${_strata_prefix})
    else()
      strata_dependency_error("pkg-config module ${module} not found (Debian: its -dev package)")
    endif()
  endif()
endmacro()

macro(strata_find_base_dependencies)
  set(THREADS_PREFER_PTHREAD_FLAG ON)
  strata_dependency(Threads)
  strata_dependency(SQLite3)
  strata_dependency(nlohmann_json 3.10)
  strata_dependency(yaml-cpp)
  strata_dependency(fmt)
  strata_dependency(cereal)
  strata_dependency(PkgConfig)
  strata_pkg_config_target(Strata::xxhash libxxhash)
  strata_pkg_config_target(Strata::PQ libpq)
  # cpp-httplib (the web UI's server, tests' HTTP client): Debian's header plus compiled library.
  strata_pkg_config_target(Strata::httplib cpp-httplib)
  # cctz (time zones with DST) for time-window partitions: g++ 12's <chrono> has no time zone database.
  if(NOT TARGET Strata::cctz)
    find_path(STRATA_CCTZ_INCLUDE cctz/time_zone.h)
    find_library(STRATA_CCTZ_LIBRARY cctz)
    if(STRATA_CCTZ_INCLUDE AND STRATA_CCTZ_LIBRARY)
      add_library(Strata::cctz UNKNOWN IMPORTED)
      set_target_properties(Strata::cctz PROPERTIES IMPORTED_LOCATION "${STRATA_CCTZ_LIBRARY}"
                            INTERFACE_INCLUDE_DIRECTORIES "${STRATA_CCTZ_INCLUDE}")
    else()
      strata_dependency_error("cctz not found (cctz/time_zone.h, libcctz; Debian: libcctz-dev)")
    endif()
  endif()
endmacro()

# --- Apache Arrow C++ --------------------------------------------------------------------------
# STRATA_ARROW_FROM: "system" (find_package(Arrow) and find_package(Parquet)), "pyarrow" (the
# libraries bundled in the pyarrow wheel of STRATA_PYTHON, as pyarrow documents: get_include(),
# get_library_dirs()) or "auto" (system if found, else pyarrow; the build's default). Sets
# STRATA_ARROW_FOUND_FROM and STRATA_ARROW_VERSION to what was found. STRATA_ARROW_REQUIRE_MAJOR
# (installed config): the wheel's Arrow must have this major version (the libraries' SONAME).
function(strata_find_arrow_dependencies)
  if(TARGET Strata::Arrow)
    return()
  endif()
  if(STRATA_ARROW_FROM STREQUAL "system" OR STRATA_ARROW_FROM STREQUAL "auto")
    if(STRATA_ARROW_FROM STREQUAL "system")
      strata_dependency(Arrow ${STRATA_ARROW_VERSION} CONFIG)
      strata_dependency(Parquet ${STRATA_ARROW_VERSION} CONFIG)
    else()
      find_package(Arrow CONFIG QUIET)
      find_package(Parquet CONFIG QUIET)
    endif()
    if(Arrow_FOUND AND Parquet_FOUND)
      strata_arrow_found(system ${Arrow_VERSION} "system install" Arrow::arrow_shared Parquet::parquet_shared)
      return()
    endif()
  endif()
  if(STRATA_CONFIG_MODE AND NOT STRATA_PYTHON)
    find_program(STRATA_PYTHON NAMES python3 DOC "Python with the pyarrow wheel that provides Arrow C++ to strata::arrow")
  endif()
  if(NOT STRATA_PYTHON OR NOT EXISTS "${STRATA_PYTHON}")
    strata_dependency_error("Arrow C++ not found: no system Arrow and no Python with pyarrow (STRATA_PYTHON="
                            "'${STRATA_PYTHON}'). Run scripts/setup.sh (or `make setup`) to install the pinned "
                            "pyarrow wheel into .venv/, or set STRATA_PYTHON.")
    return()
  endif()
  execute_process(
    COMMAND "${STRATA_PYTHON}" -c "import pyarrow as pa; print(pa.__version__); print(pa.get_include()); print(pa.get_library_dirs()[0])"
    OUTPUT_VARIABLE _pa_out RESULT_VARIABLE _pa_rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT _pa_rc EQUAL 0)
    strata_dependency_error("Could not import pyarrow with ${STRATA_PYTHON}: run scripts/setup.sh in Strata's "
                            "checkout, or set STRATA_PYTHON to a Python with pyarrow ${STRATA_ARROW_VERSION} "
                            "(pip install pyarrow==${STRATA_ARROW_VERSION})")
    return()
  endif()
  string(REPLACE "\n" ";" _pa_out "${_pa_out}")
  list(GET _pa_out 0 _pa_version)
  list(GET _pa_out 1 _pa_include)
  list(GET _pa_out 2 _pa_libdir)
  string(REGEX MATCH "^[0-9]+" _pa_major "${_pa_version}")
  if(STRATA_ARROW_REQUIRE_MAJOR AND NOT _pa_major STREQUAL STRATA_ARROW_REQUIRE_MAJOR)
    strata_dependency_error("Strata was built against Arrow ${STRATA_ARROW_VERSION} (pyarrow wheel); ${STRATA_PYTHON} "
                            "has pyarrow ${_pa_version}. Install pyarrow==${STRATA_ARROW_VERSION} there.")
    return()
  endif()
  foreach(_lib arrow parquet)
    file(GLOB _candidates "${_pa_libdir}/lib${_lib}.so.[0-9]*")
    list(FILTER _candidates EXCLUDE REGEX "\\.so\\.[0-9]+\\.[0-9]")  # keep libX.so.NNNN, the SONAME
    list(LENGTH _candidates _n)
    if(NOT _n EQUAL 1)
      strata_dependency_error("Expected one lib${_lib}.so.<N> in ${_pa_libdir}, found: ${_candidates}")
      return()
    endif()
    add_library(Strata::pyarrow_${_lib} SHARED IMPORTED)
    cmake_path(GET _candidates FILENAME _soname)
    set_target_properties(Strata::pyarrow_${_lib} PROPERTIES IMPORTED_LOCATION "${_candidates}"
                          IMPORTED_SONAME "${_soname}" INTERFACE_INCLUDE_DIRECTORIES "${_pa_include}"
                          INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_pa_include}")
    set(_lib_${_lib} "${_candidates}")
  endforeach()
  # The wheel fixes the C++ ABI; our code must match it or linking fails on std::__cxx11 symbols.
  execute_process(COMMAND nm -D --defined-only "${_lib_arrow}" OUTPUT_VARIABLE _syms)
  string(FIND "${_syms}" "__cxx11" _cxx11)
  if(_cxx11 EQUAL -1)
    strata_dependency_error("pyarrow ${_pa_version} was built with _GLIBCXX_USE_CXX11_ABI=0; Strata and "
                            "its Debian dependencies use the new ABI. Pin a manylinux_2_28 pyarrow wheel (>= 13).")
    return()
  endif()
  strata_arrow_found(pyarrow ${_pa_version} "pyarrow wheel at ${_pa_libdir} (C++11 ABI)" Strata::pyarrow_arrow
                     Strata::pyarrow_parquet)
endfunction()

# strata_arrow_found(<from> <version> <where> <libraries>...): Strata::Arrow links the libraries;
# tells the caller of strata_find_arrow_dependencies() what was found.
macro(strata_arrow_found from version where)
  add_library(Strata::Arrow INTERFACE IMPORTED)
  target_link_libraries(Strata::Arrow INTERFACE ${ARGN})
  set(STRATA_ARROW_FOUND_FROM ${from} PARENT_SCOPE)
  set(STRATA_ARROW_VERSION ${version} PARENT_SCOPE)
  message(STATUS "Arrow ${version}: ${where}")
endmacro()

# --- DuckDB --------------------------------------------------------------------------------------
# libduckdb.so and duckdb.h under STRATA_DUCKDB_ROOT (lib/, include/) when it is set, else on the
# compiler's and linker's standard paths (e.g. /usr/local).
function(strata_find_duckdb_dependencies)
  if(TARGET Strata::DuckDB)
    return()
  endif()
  if(STRATA_DUCKDB_ROOT)
    set(_where PATHS "${STRATA_DUCKDB_ROOT}" NO_DEFAULT_PATH)
  endif()
  find_library(STRATA_DUCKDB_LIBRARY duckdb ${_where} PATH_SUFFIXES lib)
  find_path(STRATA_DUCKDB_INCLUDE duckdb.h ${_where} PATH_SUFFIXES include)
  if(NOT STRATA_DUCKDB_LIBRARY OR NOT STRATA_DUCKDB_INCLUDE)
    strata_dependency_error("DuckDB (libduckdb.so, duckdb.h ${STRATA_DUCKDB_VERSION}) not found in "
                            "'${STRATA_DUCKDB_ROOT}' or the standard paths; run scripts/setup.sh (or `make setup`) "
                            "or set STRATA_DUCKDB_ROOT to the directory with lib/libduckdb.so and include/duckdb.h.")
    return()
  endif()
  file(REAL_PATH "${STRATA_DUCKDB_LIBRARY}" _duck_lib)
  file(REAL_PATH "${STRATA_DUCKDB_INCLUDE}" _duck_include)
  # Strata::DuckDBHeaders: duckdb.h only (strata::duckdb loads the library with dlopen on first use,
  # from STRATA_DUCKDB_LIBRARY, else libduckdb.so on the loader's path); Strata::DuckDB: the header and
  # the library linked, for programs that call DuckDB's C API themselves.
  add_library(Strata::DuckDBHeaders INTERFACE IMPORTED)
  set_target_properties(Strata::DuckDBHeaders PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_duck_include}"
                        INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_duck_include}")
  target_link_libraries(Strata::DuckDBHeaders INTERFACE ${CMAKE_DL_LIBS})
  add_library(Strata::DuckDB SHARED IMPORTED)
  set_target_properties(Strata::DuckDB PROPERTIES IMPORTED_LOCATION "${_duck_lib}"
                        IMPORTED_SONAME libduckdb.so INTERFACE_INCLUDE_DIRECTORIES "${_duck_include}"
                        INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_duck_include}")
  set(STRATA_DUCKDB_LIBRARY_PATH "${_duck_lib}" PARENT_SCOPE)
  message(STATUS "DuckDB: ${_duck_lib}")
endfunction()
