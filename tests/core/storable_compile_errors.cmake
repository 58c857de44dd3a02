# core.storable_compile_errors: storable_compile_errors.cpp compiles as a user's file would (with
# <strata/strata.hpp>), and each mistake it can be built with fails to compile with Strata's
# static_assert message:
#   CORE_ONLY           an asset of a storable type defined with core headers only (io's codec unseen)
#   UNSTORABLE_FIELD    a STRATA_SERIALIZABLE struct with a field of a type that is not storable
#   cmake -DCXX=<compiler> -DSOURCE=<cpp> "-DFLAGS=<flag>|<flag>..." -P storable_compile_errors.cmake
# FLAGS: the language standard and include directories, "|"-separated (an empty directory is dropped).
string(REPLACE "|" ";" _flags "${FLAGS}")
list(FILTER _flags EXCLUDE REGEX "^-I$")
list(REMOVE_DUPLICATES _flags)

function(compile_case name expected)
  set(_defines)
  if(NOT name STREQUAL "OK")
    set(_defines -D${name})
  endif()
  execute_process(COMMAND ${CXX} ${_flags} ${_defines} -fsyntax-only ${SOURCE} RESULT_VARIABLE _result
                  ERROR_VARIABLE _errors)
  if(expected STREQUAL "")
    if(NOT _result EQUAL 0)
      message(FATAL_ERROR "${name}: expected to compile, failed:\n${_errors}")
    endif()
  elseif(_result EQUAL 0)
    message(FATAL_ERROR "${name}: expected a compile error containing '${expected}', compiled")
  else()
    string(FIND "${_errors}" "${expected}" _at)
    if(_at EQUAL -1)
      message(FATAL_ERROR "${name}: the compile error does not contain '${expected}':\n${_errors}")
    endif()
  endif()
  message(STATUS "${name}: as expected")
endfunction()

compile_case(OK "")
compile_case(CORE_ONLY "this storable type's codec is not visible here: include <strata/strata.hpp>")
compile_case(UNSTORABLE_FIELD "not a storable type")
