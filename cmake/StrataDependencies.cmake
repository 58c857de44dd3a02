# Finds every third-party dependency of the build and exposes each as one imported target:
#   Strata::Arrow   libarrow + libparquet (system install if present, else the pinned pyarrow wheel)
#                   when STRATA_WITH_ARROW
#   Strata::DuckDB  libduckdb.so + duckdb.h (from .deps/duckdb, fetched by scripts/setup.sh) when
#                   STRATA_WITH_DUCKDB
#   Strata::ADBC    adbc.h (pinned adbc-driver-manager wheel); drivers found as STRATA_ADBC_<NAME>_DRIVER
#                   when STRATA_WITH_ADBC
#   SQLite::SQLite3, Strata::PQ, Strata::httplib, nlohmann_json, yaml-cpp, CLI11, fmt, cereal, Strata::xxhash,
#   Strata::cctz, GTest, benchmark (Debian packages).
# Heavy dependencies (Arrow, DuckDB) are linked only by the integration targets. What the library
# targets link is found by cmake/StrataFindDependencies.cmake, which an installed Strata shares;
# what only the build needs (CLI11, adbc.h, GoogleTest, Google Benchmark) is found here.

include(StrataFindDependencies)
strata_find_base_dependencies()
find_package(CLI11 REQUIRED)
# libpq-fe.h only: strata::storage loads libpq with dlopen when an instance lives in PostgreSQL.
get_target_property(_strata_pq_include Strata::PQ INTERFACE_INCLUDE_DIRECTORIES)
add_library(Strata::PQHeaders INTERFACE IMPORTED)
if(_strata_pq_include)
  set_target_properties(Strata::PQHeaders PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_strata_pq_include}")
endif()
target_link_libraries(Strata::PQHeaders INTERFACE ${CMAKE_DL_LIBS})
if(STRATA_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(STRATA_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# The pinned pyarrow and ADBC wheels live in the project venv (scripts/setup.sh).
set(STRATA_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH "Python with the pinned pyarrow")
if(STRATA_WITH_ARROW)
  set(STRATA_ARROW_FROM auto)
  strata_find_arrow_dependencies()
endif()
if(STRATA_WITH_DUCKDB)
  set(STRATA_DUCKDB_ROOT "${PROJECT_SOURCE_DIR}/.deps/duckdb" CACHE PATH "Directory with lib/libduckdb.so and include/duckdb.h")
  strata_find_duckdb_dependencies()
endif()
if(NOT STRATA_WITH_ADBC)
  return()
endif()

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
