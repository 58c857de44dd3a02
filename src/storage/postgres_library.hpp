// libpq as loaded on first use (dlopen) rather than linked: a program whose instance lives in
// SQLite never loads libpq and what it pulls in (Kerberos, LDAP, TLS: ~3 ms of start-up)
// (core/util/shared_library.hpp).
#pragma once

#include <libpq-fe.h>

#include "strata/core/util/shared_library.hpp"

namespace strata::postgres_api {

// Every libpq function Strata's PostgreSQL storage calls.
// clang-format off
#define STRATA_LIBPQ_FUNCTIONS(X) \
  X(PQclear) \
  X(PQcmdTuples) \
  X(PQconnectdbParams) \
  X(PQerrorMessage) \
  X(PQexec) \
  X(PQexecParams) \
  X(PQfinish) \
  X(PQgetResult) \
  X(PQgetisnull) \
  X(PQgetlength) \
  X(PQgetvalue) \
  X(PQntuples) \
  X(PQputCopyData) \
  X(PQputCopyEnd) \
  X(PQresultErrorMessage) \
  X(PQresultStatus) \
  X(PQstatus)
// clang-format on

struct Library {
  STRATA_LIBPQ_FUNCTIONS(STRATA_FUNCTION_POINTER)
};

// libpq.so.5, loaded by the first call. Throws StorageError with the loader's message when it
// cannot be loaded.
const Library& library();

}  // namespace strata::postgres_api
