// The PostgreSQL backend: the same schema and semantics as SQLite (sql_storage.cpp), over libpq.
// One connection per Storage object (serialized by the storage); events stream in with COPY in the
// caller's transaction; schema creation is serialized across processes with an advisory lock.

#include <cstdio>
#include <nlohmann/json.hpp>

#include "postgres_library.hpp"
#include "sql_storage.hpp"
#include "strata/core/util/error.hpp"
#include "strata/storage/backends.hpp"

namespace strata {
namespace {

const postgres_api::Library& pq() { return postgres_api::library(); }

using storage_detail::EventRow;
using storage_detail::SqlParams;
using storage_detail::SqlRow;

// A query result that clears itself.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  ~Result() { pq().PQclear(result_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  int rows() const { return pq().PQntuples(result_); }
  // Rows inserted, updated or deleted (0 for other commands).
  int64_t changed() const {
    const char* count = pq().PQcmdTuples(result_);
    return pq().PQresultStatus(result_) == PGRES_COMMAND_OK && *count ? std::stoll(count) : 0;
  }
  bool null(int row, int column) const { return pq().PQgetisnull(result_, row, column) != 0; }
  std::string text(int row, int column) const {
    return std::string(pq().PQgetvalue(result_, row, column),
                       static_cast<size_t>(pq().PQgetlength(result_, row, column)));
  }
  int64_t integer(int row, int column) const { return null(row, column) ? 0 : std::stoll(text(row, column)); }

 private:
  PGresult* result_;
};

// Row `row` of a result, as the shared storage reads it.
class ResultRow final : public SqlRow {
 public:
  ResultRow(const Result& result, int row) : result_(result), row_(row) {}
  bool is_null(int column) const override { return result_.null(row_, column); }
  std::string text(int column) const override { return result_.text(row_, column); }
  int64_t integer(int column) const override { return result_.integer(row_, column); }

 private:
  const Result& result_;
  int row_;
};

// The PostgreSQL database of an instance, as sql_storage.cpp runs its statements on it.
class LibpqConnection final : public storage_detail::SqlConnection {
 public:
  explicit LibpqConnection(const PostgresConnection& connection) : description_(connection.describe()) {
    std::vector<const char*> keys = {
        "host", "port", "user", "password", "dbname", "connect_timeout", "application_name", "client_encoding",
        nullptr};
    std::string port = std::to_string(connection.port);
    std::string timeout = std::to_string(connection.connect_timeout_s);
    std::vector<const char*> values = {connection.host.c_str(),
                                       port.c_str(),
                                       connection.user.c_str(),
                                       connection.password.c_str(),
                                       connection.dbname.c_str(),
                                       timeout.c_str(),
                                       "strata",
                                       "UTF8",  // what Strata sends, whatever the server's locale
                                       nullptr};
    conn_ = pq().PQconnectdbParams(keys.data(), values.data(), 0);
    if (pq().PQstatus(conn_) != CONNECTION_OK) {
      // libpq says it on several lines ("...failed: Connection refused\n\tIs the server running..."): one line.
      std::string message;
      for (char c : std::string(pq().PQerrorMessage(conn_))) {
        bool space = c == '\n' || c == '\t' || c == ' ';
        if (!space || (!message.empty() && message.back() != ' ')) message += space ? ' ' : c;
      }
      while (!message.empty() && message.back() == ' ') message.pop_back();
      pq().PQfinish(conn_);
      conn_ = nullptr;
      throw StorageError("cannot connect to PostgreSQL " + description_ + ": " + message);
    }
    try {
      exec("SET client_min_messages TO WARNING");
      ensure_schema();
    } catch (...) {
      // A throwing constructor runs no destructor: close the connection here.
      pq().PQfinish(conn_);
      conn_ = nullptr;
      throw;
    }
  }

  ~LibpqConnection() override {
    if (conn_) pq().PQfinish(conn_);
  }

  const storage_detail::SqlDialect& dialect() const override { return storage_detail::kPostgresDialect; }
  std::string describe() const override { return description_; }

  int64_t run(const std::string& sql, const SqlParams& params, const storage_detail::RowVisitor& row,
              const std::string& what) override {
    Result result(exec_params(storage_detail::kPostgresDialect.parameters(sql), params, what));
    if (row) {
      for (int i = 0; i < result.rows(); ++i) row(ResultRow(result, i));
    }
    return result.changed();
  }

  void exec(const std::string& sql) override { Result(exec_params(sql, {}, "")); }
  void exec_noexcept(const std::string& sql) noexcept override { pq().PQclear(pq().PQexec(conn_, sql.c_str())); }

  // Ids come from the identity sequence in one round trip, then the rows stream in with COPY (the
  // fastest way into PostgreSQL). Ids increase in append order within a batch. Text is already
  // well-formed UTF-8 without NUL (stored_text); should the server still refuse a row (a character
  // its database encoding lacks), one refused row fails the whole COPY: row_by_row then writes one
  // COPY per row with a savepoint around each, a refused row in its ASCII form (fallback_row) with
  // the reason in its message.
  std::vector<int64_t> insert_events(std::vector<EventRow>& rows, bool row_by_row) override {
    std::vector<int64_t> ids;
    ids.reserve(rows.size());
    run(
        "SELECT nextval(pg_get_serial_sequence('event_logs', 'id')) FROM generate_series(1, ?1)",
        {static_cast<int64_t>(rows.size())}, [&](const SqlRow& row) { ids.push_back(row.integer(0)); },
        "cannot allocate event ids");
    if (!row_by_row) {
      copy_rows(rows, ids, 0, rows.size());
      return ids;
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      exec("SAVEPOINT strata_event");
      try {
        copy_rows(rows, ids, i, i + 1);
      } catch (const StorageError& e) {
        exec("ROLLBACK TO SAVEPOINT strata_event");
        rows[i] = fallback_row(rows[i], e.what());
        copy_rows(rows, ids, i, i + 1);
      }
      exec("RELEASE SAVEPOINT strata_event");
    }
    return ids;
  }

  bool retry_events_row_by_row() override { return pq().PQstatus(conn_) == CONNECTION_OK; }

 private:
  void copy_rows(const std::vector<EventRow>& rows, const std::vector<int64_t>& ids, size_t begin, size_t end) {
    std::string copy;
    copy.reserve((end - begin) * 160);
    for (size_t i = begin; i < end; ++i) {
      const EventRow& row = rows[i];
      copy += std::to_string(ids[i]);
      for (const std::optional<std::string>& field :
           {std::optional<std::string>(row.run_id), std::optional<std::string>(row.event_type),
            std::optional<std::string>(row.step_key), std::optional<std::string>(std::to_string(row.timestamp_us)),
            std::optional<std::string>(row.level), std::optional<std::string>(row.message), row.asset_key,
            std::optional<std::string>(row.name), row.partition, std::optional<std::string>(row.metadata),
            std::optional<std::string>(row.error_type)}) {
        copy += '\t';
        append_copy_field(copy, field);
      }
      copy += '\n';
    }
    copy_in(std::string("COPY event_logs(") + storage_detail::kEventColumns + ") FROM STDIN", copy);
  }

  // A row every server encoding accepts: each non-ASCII character of its text written as \u{XXXX},
  // the metadata document with \uXXXX escapes (so it reads back unchanged), and why in the message.
  static EventRow fallback_row(EventRow row, const std::string& reason) {
    for (std::string* text : {&row.run_id, &row.step_key, &row.message, &row.name, &row.error_type}) {
      *text = ascii_escaped(*text);
    }
    if (row.asset_key) row.asset_key = ascii_escaped(*row.asset_key);
    if (row.partition) row.partition = ascii_escaped(*row.partition);
    row.metadata = nlohmann::json::parse(row.metadata).dump(-1, ' ', true);
    row.message += " [stored with non-ASCII characters escaped; the database refused the event as written: " +
                   ascii_escaped(reason) + "]";
    return row;
  }

  static std::string ascii_escaped(const std::string& text) {
    std::string out;
    for (size_t at = 0; at < text.size();) {
      auto lead = static_cast<unsigned char>(text[at]);
      if (lead < 0x80) {
        out += text[at++];
        continue;
      }
      size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;  // well-formed: stored_text made it so
      uint32_t code = lead & (0x3F >> (length - 1));
      for (size_t i = 1; i < length && at + i < text.size(); ++i) {
        code = (code << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
      }
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, "\\u{%04X}", code);
      out += buffer;
      at += length;
    }
    return out;
  }

  void ensure_schema() {
    transaction([&] {
      exec("SELECT pg_advisory_xact_lock(727372)");  // one process creates the schema at a time
      Result exists(exec_params("SELECT to_regclass('strata_schema') IS NOT NULL", {}, "cannot inspect schema"));
      int64_t found = 0;  // a fresh database
      if (exists.text(0, 0) == "t") {
        found = Result(exec_params("SELECT MAX(version) FROM strata_schema", {}, "cannot read schema version"))
                    .integer(0, 0);
      }
      storage_detail::upgrade_schema(
          storage_detail::Dialect::kPostgres, found, [this](const std::string& sql) { exec(sql); }, description_,
          "Nothing was changed");
    });
  }

  // Runs `sql` ($N parameters); a failure's message starts with `what` (when not empty).
  PGresult* exec_params(const std::string& sql, const SqlParams& params, const std::string& what) {
    std::vector<std::string> texts;
    std::vector<const char*> pointers;
    texts.reserve(params.size());
    for (const auto& param : params) texts.push_back(param.as_text());
    for (size_t i = 0; i < params.size(); ++i) pointers.push_back(params[i].is_null() ? nullptr : texts[i].c_str());
    PGresult* result = pq().PQexecParams(conn_, sql.c_str(), static_cast<int>(pointers.size()), nullptr,
                                         pointers.data(), nullptr, nullptr, 0);
    ExecStatusType status = pq().PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string message = pq().PQresultErrorMessage(result);
      pq().PQclear(result);
      while (!message.empty() && message.back() == '\n') message.pop_back();
      throw StorageError((what.empty() ? "" : what + ": ") + description_ + ": " + message);
    }
    return result;
  }

  // Runs `body` in one transaction (BEGIN): committed when it returns, rolled back when it throws.
  template <class Body>
  void transaction(Body&& body) {
    exec("BEGIN");
    try {
      body();
      exec("COMMIT");
    } catch (...) {
      exec_noexcept("ROLLBACK");
      throw;
    }
  }

  // COPY text format: NULL is \N; backslash, tab, newline and carriage return are escaped.
  static void append_copy_field(std::string& out, const std::optional<std::string>& field) {
    if (!field) {
      out += "\\N";
      return;
    }
    for (char c : *field) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          out += c;
      }
    }
  }

  void copy_in(const std::string& sql, const std::string& data) {
    PGresult* start = pq().PQexec(conn_, sql.c_str());
    bool copying = pq().PQresultStatus(start) == PGRES_COPY_IN;
    std::string error = copying ? "" : pq().PQresultErrorMessage(start);
    pq().PQclear(start);
    if (!copying) throw StorageError(description_ + ": cannot start COPY: " + error);
    constexpr size_t kChunk = 1 << 20;
    for (size_t offset = 0; offset < data.size(); offset += kChunk) {
      size_t size = std::min(kChunk, data.size() - offset);
      if (pq().PQputCopyData(conn_, data.data() + offset, static_cast<int>(size)) != 1) {
        throw StorageError(description_ + ": COPY failed: " + pq().PQerrorMessage(conn_));
      }
    }
    if (pq().PQputCopyEnd(conn_, nullptr) != 1)
      throw StorageError(description_ + ": COPY failed: " + pq().PQerrorMessage(conn_));
    bool ok = true;
    std::string message;
    while (PGresult* result = pq().PQgetResult(conn_)) {
      if (pq().PQresultStatus(result) != PGRES_COMMAND_OK) {
        ok = false;
        message = pq().PQresultErrorMessage(result);
      }
      pq().PQclear(result);
    }
    if (!ok) throw StorageError(description_ + ": cannot append events: " + message);
  }

  std::string description_;
  PGconn* conn_ = nullptr;
};

}  // namespace

std::string PostgresConnection::describe() const {
  return "postgres://" + user + "@" + host + ":" + std::to_string(port) + "/" + dbname;
}

std::unique_ptr<Storage> open_postgres_storage(const PostgresConnection& connection) {
  return storage_detail::make_sql_storage(std::make_unique<LibpqConnection>(connection));
}

}  // namespace strata
