# Finds every third-party dependency and exposes each as one imported target:
#   Strata::Arrow   libarrow + libparquet (system install if present, else the pinned pyarrow wheel)
#   Strata::DuckDB  libduckdb.so + duckdb.h (from .deps/duckdb, fetched by scripts/setup.sh)
#   Strata::ADBC    adbc.h (pinned adbc-driver-manager wheel); drivers found as STRATA_ADBC_<NAME>_DRIVER
#   SQLite::SQLite3, Strata::PQ, Strata::httplib, nlohmann_json, yaml-cpp, CLI11, fmt, cereal, Strata::xxhash,
#   GTest, benchmark (Debian packages).
# Heavy dependencies (Arrow, DuckDB) are linked only by the integration targets.

find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(cereal REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(STRATA_XXHASH REQUIRED IMPORTED_TARGET libxxhash)
add_library(Strata::xxhash ALIAS PkgConfig::STRATA_XXHASH)
# cctz (time zones with DST) for time-window partitions: g++ 12's <chrono> has no time zone database.
find_path(STRATA_CCTZ_INCLUDE cctz/time_zone.h REQUIRED)
find_library(STRATA_CCTZ_LIBRARY cctz REQUIRED)
add_library(Strata::cctz UNKNOWN IMPORTED)
set_target_properties(Strata::cctz PROPERTIES IMPORTED_LOCATION "${STRATA_CCTZ_LIBRARY}"
                      INTERFACE_INCLUDE_DIRECTORIES "${STRATA_CCTZ_INCLUDE}")
pkg_check_modules(STRATA_LIBPQ REQUIRED IMPORTED_TARGET libpq)
# cpp-httplib (the web UI's server, tests' HTTP client): Debian's header plus compiled library.
pkg_check_modules(STRATA_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(Strata::httplib ALIAS PkgConfig::STRATA_HTTPLIB)
add_library(Strata::PQ ALIAS PkgConfig::STRATA_LIBPQ)
if(STRATA_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(STRATA_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# --- Apache Arrow C++ --------------------------------------------------------------------------
# Prefer a system/user install (find_package); otherwise use the libraries bundled in the pyarrow
# wheel of the project venv, as pyarrow documents (get_include(), get_library_dirs()).
set(STRATA_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH "Python with the pinned pyarrow")
find_package(Arrow CONFIG QUIET)
find_package(Parquet CONFIG QUIET)
if(Arrow_FOUND AND Parquet_FOUND)
  message(STATUS "Arrow ${Arrow_VERSION}: system install")
  add_library(Strata::Arrow INTERFACE IMPORTED)
  target_link_libraries(Strata::Arrow INTERFACE Arrow::arrow_shared Parquet::parquet_shared)
else()
  if(NOT EXISTS "${STRATA_PYTHON}")
    message(FATAL_ERROR "Arrow C++ not found: no system Arrow and no ${STRATA_PYTHON}. Run scripts/setup.sh "
                        "(or `make setup`) to install the pinned pyarrow wheel into .venv/.")
  endif()
  execute_process(
    COMMAND "${STRATA_PYTHON}" -c "import pyarrow as pa; print(pa.__version__); print(pa.get_include()); print(pa.get_library_dirs()[0])"
    OUTPUT_VARIABLE _pa_out RESULT_VARIABLE _pa_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _pa_rc EQUAL 0)
    message(FATAL_ERROR "Could not import pyarrow with ${STRATA_PYTHON}; run scripts/setup.sh")
  endif()
  string(REPLACE "\n" ";" _pa_out "${_pa_out}")
  list(GET _pa_out 0 STRATA_ARROW_VERSION)
  list(GET _pa_out 1 _pa_include)
  list(GET _pa_out 2 _pa_libdir)
  foreach(_lib arrow parquet)
    file(GLOB _candidates "${_pa_libdir}/lib${_lib}.so.[0-9]*")
    list(FILTER _candidates EXCLUDE REGEX "\\.so\\.[0-9]+\\.[0-9]")  # keep libX.so.NNNN, the SONAME
    list(LENGTH _candidates _n)
    if(NOT _n EQUAL 1)
      message(FATAL_ERROR "Expected one lib${_lib}.so.<N> in ${_pa_libdir}, found: ${_candidates}")
    endif()
    add_library(Strata::pyarrow_${_lib} SHARED IMPORTED)
    cmake_path(GET _candidates FILENAME _soname)
    set_target_properties(Strata::pyarrow_${_lib} PROPERTIES IMPORTED_LOCATION "${_candidates}"
                          IMPORTED_SONAME "${_soname}" INTERFACE_INCLUDE_DIRECTORIES "${_pa_include}"
                          INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_pa_include}")
    set(STRATA_ARROW_LIB_${_lib} "${_candidates}")
  endforeach()
  # The wheel fixes the C++ ABI; our code must match it or linking fails on std::__cxx11 symbols.
  execute_process(COMMAND nm -D --defined-only "${STRATA_ARROW_LIB_arrow}" OUTPUT_VARIABLE _syms)
  string(FIND "${_syms}" "__cxx11" _cxx11)
  if(_cxx11 EQUAL -1)
    message(FATAL_ERROR "pyarrow ${STRATA_ARROW_VERSION} was built with _GLIBCXX_USE_CXX11_ABI=0; Strata and "
                        "its Debian dependencies use the new ABI. Pin a manylinux_2_28 pyarrow wheel (>= 13).")
  endif()
  add_library(Strata::Arrow INTERFACE IMPORTED)
  target_link_libraries(Strata::Arrow INTERFACE Strata::pyarrow_arrow Strata::pyarrow_parquet)
  message(STATUS "Arrow ${STRATA_ARROW_VERSION}: pyarrow wheel at ${_pa_libdir} (C++11 ABI)")
endif()

# --- DuckDB --------------------------------------------------------------------------------------
set(STRATA_DUCKDB_ROOT "${PROJECT_SOURCE_DIR}/.deps/duckdb" CACHE PATH "Directory with lib/libduckdb.so and include/duckdb.h")
if(NOT EXISTS "${STRATA_DUCKDB_ROOT}/lib/libduckdb.so" OR NOT EXISTS "${STRATA_DUCKDB_ROOT}/include/duckdb.h")
  message(FATAL_ERROR "DuckDB not found in ${STRATA_DUCKDB_ROOT}; run scripts/setup.sh (or `make setup`).")
endif()
file(REAL_PATH "${STRATA_DUCKDB_ROOT}" _duck_root)
add_library(Strata::DuckDB SHARED IMPORTED)
set_target_properties(Strata::DuckDB PROPERTIES IMPORTED_LOCATION "${_duck_root}/lib/libduckdb.so"
                      IMPORTED_SONAME libduckdb.so INTERFACE_INCLUDE_DIRECTORIES "${_duck_root}/include"
                      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_duck_root}/include")
message(STATUS "DuckDB: ${_duck_root}")

# --- ADBC (Arrow Database Connectivity) ----------------------------------------------------------
# adbc.h from the pinned adbc-driver-manager wheel and the drivers' shared libraries from the
# adbc-driver-postgresql / adbc-driver-snowflake wheels, all in the project venv (found without
# importing the packages). Strata::ADBC carries the header; the drivers are loaded at run time with
# dlopen, so their paths are given to the integration as STRATA_ADBC_<NAME>_DRIVER.
execute_process(
  COMMAND "${STRATA_PYTHON}" -c
    "import importlib.util as u\nfor n in ('adbc_driver_manager','adbc_driver_postgresql','adbc_driver_snowflake'):\n  s=u.find_spec(n)\n  print(s.submodule_search_locations[0] if s else '')"
  OUTPUT_VARIABLE _adbc_out RESULT_VARIABLE _adbc_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REPLACE "\n" ";" _adbc_out "${_adbc_out}")
list(LENGTH _adbc_out _adbc_n)
if(NOT _adbc_rc EQUAL 0 OR NOT _adbc_n EQUAL 3)
  message(FATAL_ERROR "Could not ask ${STRATA_PYTHON} for the ADBC packages; run scripts/setup.sh (or `make setup`).")
endif()
list(GET _adbc_out 0 _adbc_manager_dir)
if(NOT EXISTS "${_adbc_manager_dir}/arrow-adbc/adbc.h")
  message(FATAL_ERROR "adbc.h not found (adbc-driver-manager wheel in .venv/); run scripts/setup.sh (or `make setup`).")
endif()
add_library(Strata::ADBC INTERFACE IMPORTED)
set_target_properties(Strata::ADBC PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_adbc_manager_dir}"
                      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_adbc_manager_dir}")
target_link_libraries(Strata::ADBC INTERFACE ${CMAKE_DL_LIBS})
foreach(_i 1 2)
  list(GET _adbc_out ${_i} _dir)
  cmake_path(GET _dir FILENAME _pkg)
  string(REPLACE "adbc_driver_" "" _name "${_pkg}")
  string(TOUPPER "${_name}" _upper)
  set(STRATA_ADBC_${_upper}_DRIVER "${_dir}/libadbc_driver_${_name}.so")
  if(NOT EXISTS "${STRATA_ADBC_${_upper}_DRIVER}")
    message(FATAL_ERROR "libadbc_driver_${_name}.so not found (adbc-driver-${_name} wheel in .venv/); run scripts/setup.sh.")
  endif()
endforeach()
message(STATUS "ADBC: adbc.h at ${_adbc_manager_dir}; drivers ${STRATA_ADBC_POSTGRESQL_DRIVER}, ${STRATA_ADBC_SNOWFLAKE_DRIVER}")
