#include "strata/storage/instance.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "strata/core/config/config_document.hpp"
#include "strata/core/util/error.hpp"
#include "strata/storage/staged_output_recovery.hpp"

namespace strata {
namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultConfig = R"(# Strata instance configuration (see docs/instance.md).
storage:
  sqlite:
    path: history.db          # relative to this directory
# Shared between machines instead:
# storage:
#   postgres:
#     host: 127.0.0.1
#     port: 5432
#     user: strata
#     password: {env: STRATA_PG_PASSWORD}
#     dbname: strata
# io_manager:
#   base_dir: /data/storage   # default: <this directory>/storage
# run_queue:                  # runs submitted with --queue (see docs/execution.md)
#   max_concurrent_runs: 10
#   tag_concurrency_limits:
#     - {key: database, value: duckdb, limit: 1}
# concurrency:                # steps of a pool at once, across runs and processes
#   pools: {warehouse: 2}
#   default_pool_limit: 4
# ui:                         # the web UI (`ui` command); required when it listens beyond loopback
#   access_token: {env: STRATA_UI_TOKEN}
)";

using json = nlohmann::json;

// A scalar field as text (numbers and booleans as written).
std::string scalar(const json& node, const std::string& field, const fs::path& file) {
  if (node.is_string()) return node.get<std::string>();
  if (node.is_number() || node.is_boolean()) return node.dump();
  throw ConfigError(file.string() + ": field '" + field + "' must be a single value");
}

void check_keys(const json& node, const std::string& where, std::initializer_list<const char*> known,
                const fs::path& file) {
  if (!node.is_object()) throw ConfigError(file.string() + ": '" + where + "' must be a mapping");
  for (const auto& [key, value] : node.items()) {
    bool ok = false;
    std::string list;
    for (const char* k : known) {
      ok = ok || key == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!ok) {
      throw ConfigError(file.string() + ": unknown field '" + (where.empty() ? key : where + "." + key) +
                        "' (known: " + list + ")");
    }
  }
}

const json* field(const json& node, const char* name) {
  auto it = node.find(name);
  return it == node.end() || it->is_null() ? nullptr : &*it;
}

fs::path absolute_in(const fs::path& home, const std::string& path) {
  fs::path p(path);
  return p.is_absolute() ? p : home / p;
}

// A limit: a whole number, at least `min`.
int64_t limit_value(const json& node, const std::string& name, int64_t min, const fs::path& file) {
  if (node.is_number_integer()) {
    int64_t value = node.get<int64_t>();
    if (value >= min) return value;
    throw ConfigError(file.string() + ": field '" + name + "' must be " + std::to_string(min) + " or more, got " +
                      std::to_string(value));
  }
  std::string text = node.is_string() ? node.get<std::string>() : node.dump();
  try {
    size_t used = 0;
    int64_t value = std::stoll(text, &used);
    if (used == text.size()) return limit_value(json(value), name, min, file);
  } catch (const std::exception&) {
  }
  throw ConfigError(file.string() + ": field '" + name + "' must be a whole number, got '" + text + "'");
}

RunQueueConfig run_queue_config(const json& node, const fs::path& file) {
  check_keys(node, "run_queue", {"max_concurrent_runs", "tag_concurrency_limits"}, file);
  RunQueueConfig config;
  if (const json* max = field(node, "max_concurrent_runs")) {
    config.max_concurrent_runs = limit_value(*max, "run_queue.max_concurrent_runs", 0, file);
  }
  if (const json* limits = field(node, "tag_concurrency_limits")) {
    if (!limits->is_array()) {
      throw ConfigError(file.string() + ": 'run_queue.tag_concurrency_limits' must be a list of {key, value, limit}");
    }
    for (size_t i = 0; i < limits->size(); ++i) {
      std::string where = "run_queue.tag_concurrency_limits[" + std::to_string(i) + "]";
      const json& entry = (*limits)[i];
      check_keys(entry, where, {"key", "value", "limit"}, file);
      TagConcurrencyLimit limit;
      const json* key = field(entry, "key");
      const json* value = field(entry, "limit");
      if (!key || !value) throw ConfigError(file.string() + ": '" + where + "' needs a 'key' and a 'limit'");
      limit.key = scalar(*key, where + ".key", file);
      if (limit.key.empty()) throw ConfigError(file.string() + ": field '" + where + ".key' is empty");
      if (const json* tag_value = field(entry, "value")) limit.value = scalar(*tag_value, where + ".value", file);
      limit.limit = limit_value(*value, where + ".limit", 0, file);
      config.tag_concurrency_limits.push_back(std::move(limit));
    }
  }
  return config;
}

PoolLimits pool_limits(const json& node, const fs::path& file) {
  check_keys(node, "concurrency", {"pools", "default_pool_limit"}, file);
  PoolLimits limits;
  if (const json* pools = field(node, "pools")) {
    if (!pools->is_object()) throw ConfigError(file.string() + ": 'concurrency.pools' must be a mapping POOL: LIMIT");
    for (const auto& [pool, value] : pools->items()) {
      limits.pools[pool] = limit_value(value, "concurrency.pools." + pool, 1, file);
    }
  }
  if (const json* fallback = field(node, "default_pool_limit")) {
    limits.default_limit = limit_value(*fallback, "concurrency.default_pool_limit", 1, file);
  }
  return limits;
}

}  // namespace

InstanceConfig InstanceConfig::load(const fs::path& home) {
  InstanceConfig config;
  config.sqlite_path = home / "history.db";
  config.storage_base_dir = home / "storage";
  fs::path file = home / "strata.yaml";
  if (!fs::exists(file)) return config;
  // Bounded and strict like every configuration document (core/config/config_document.hpp).
  json root = read_config_document(file, file.string());
  check_keys(root, "", {"storage", "io_manager", "run_queue", "concurrency", "ui"}, file);
  if (const json* storage = field(root, "storage")) {
    check_keys(*storage, "storage", {"sqlite", "postgres"}, file);
    const json* sqlite = field(*storage, "sqlite");
    const json* pg = field(*storage, "postgres");
    if (sqlite && pg) throw ConfigError(file.string() + ": 'storage' names both sqlite and postgres; choose one");
    if (sqlite) {
      check_keys(*sqlite, "storage.sqlite", {"path"}, file);
      if (const json* path = field(*sqlite, "path")) {
        config.sqlite_path = absolute_in(home, scalar(*path, "storage.sqlite.path", file));
      }
    }
    if (pg) {
      config.backend = Backend::kPostgres;
      check_keys(*pg, "storage.postgres", {"host", "port", "user", "password", "dbname"}, file);
      if (const json* host = field(*pg, "host")) config.postgres.host = scalar(*host, "storage.postgres.host", file);
      if (const json* port_field = field(*pg, "port")) {
        std::string port = scalar(*port_field, "storage.postgres.port", file);
        try {
          size_t used = 0;
          config.postgres.port = std::stoi(port, &used);
          if (used != port.size()) throw std::invalid_argument(port);
        } catch (const std::exception&) {
          throw ConfigError(file.string() + ": field 'storage.postgres.port' must be a number, got '" + port + "'");
        }
      }
      if (const json* user = field(*pg, "user")) config.postgres.user = scalar(*user, "storage.postgres.user", file);
      if (const json* db = field(*pg, "dbname")) config.postgres.dbname = scalar(*db, "storage.postgres.dbname", file);
      if (const json* password = field(*pg, "password")) {
        if (password->is_object() && password->contains("env")) {
          config.postgres_password = EnvVar{scalar(password->at("env"), "storage.postgres.password.env", file)};
        } else {
          config.postgres_password = scalar(*password, "storage.postgres.password", file);
        }
      }
    }
  }
  if (const json* queue = field(root, "run_queue")) config.run_queue = run_queue_config(*queue, file);
  if (const json* concurrency = field(root, "concurrency")) config.pools = pool_limits(*concurrency, file);
  if (const json* ui = field(root, "ui")) {
    check_keys(*ui, "ui", {"access_token"}, file);
    if (const json* token = field(*ui, "access_token")) {
      if (token->is_object()) {
        check_keys(*token, "ui.access_token", {"env"}, file);
        if (!token->contains("env")) throw ConfigError(file.string() + ": 'ui.access_token' needs 'env: NAME'");
        config.ui_access_token = Setting<std::string>(EnvVar{scalar(token->at("env"), "ui.access_token.env", file)});
      } else {
        config.ui_access_token = Setting<std::string>(scalar(*token, "ui.access_token", file));
      }
    }
  }
  if (const json* io = field(root, "io_manager")) {
    check_keys(*io, "io_manager", {"base_dir"}, file);
    if (const json* base = field(*io, "base_dir")) {
      config.storage_base_dir = absolute_in(home, scalar(*base, "io_manager.base_dir", file));
    }
  }
  return config;
}

Instance::Instance(fs::path home, InstanceConfig config, std::unique_ptr<Storage> storage)
    : home_(std::move(home)), config_(std::move(config)), storage_(std::move(storage)) {}

fs::path Instance::default_home() {
  const char* env = std::getenv("STRATA_HOME");
  return env && *env ? fs::path(env) : fs::path(".strata");
}

std::shared_ptr<Instance> Instance::open(const fs::path& home) {
  std::error_code ec;
  fs::create_directories(home, ec);
  if (ec) {
    // A path that cannot be a directory is the user's input at fault, not the storage.
    if (fs::exists(home) && !fs::is_directory(home)) {
      throw ConfigError("STRATA_HOME '" + home.string() +
                        "' is not a directory; give --home (or STRATA_HOME) a directory");
    }
    throw StorageError("cannot create STRATA_HOME '" + home.string() + "': " + ec.message());
  }
  fs::path absolute = fs::absolute(home);
  if (!fs::exists(absolute / "strata.yaml")) std::ofstream(absolute / "strata.yaml") << kDefaultConfig;
  InstanceConfig config = InstanceConfig::load(absolute);
  std::unique_ptr<Storage> storage;
  if (config.backend == InstanceConfig::Backend::kSqlite) {
    storage = open_sqlite_storage(config.sqlite_path);
  } else {
    config.postgres_password.resolve("storage.postgres.password");
    PostgresConnection connection = config.postgres;
    connection.password = config.postgres_password.value();
    storage = open_postgres_storage(connection);
  }
  std::shared_ptr<Instance> instance(new Instance(absolute, std::move(config), std::move(storage)));
  instance->reap_dead_runs();
  return instance;
}

std::string Instance::host_name() {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

int64_t Instance::process_start_ticks(int64_t pid) {
  // read(2), not a stream: a process reaped between open and read fails the read with ESRCH, which
  // a stream buffer throws as an exception. Any failure means the process is gone.
  int fd = ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::string text;
  char buffer[1024];
  ssize_t got;
  while ((got = ::read(fd, buffer, sizeof buffer)) > 0 || (got < 0 && errno == EINTR)) {
    if (got > 0) text.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  if (got < 0) return 0;
  // Field 2 (comm) may contain spaces; the fields after it start behind the last ')'.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  // Field 3 is the state: a zombie (Z) or dead (X) process has ended, even if nobody reaped it yet
  // (a detached run's process is nobody's child).
  if (!(rest >> field) || field == "Z" || field == "X") return 0;
  // Then fields 4..; starttime is field 22.
  for (int index = 4; index <= 22 && rest >> field; ++index) {
    if (index == 22) return std::stoll(field);
  }
  return 0;
}

RunStatus Instance::cancel_run(const std::string& run_id, const std::string& reason) {
  for (;;) {
    auto run = storage_->get_run(run_id);
    if (!run) throw Error("no run " + run_id + " in " + storage_->describe());
    if (is_finished(run->status)) {
      throw Error("run " + run_id + " already finished (" + run_status_name(run->status) + "); nothing to cancel");
    }
    if (run->status == RunStatus::kCanceling) return RunStatus::kCanceling;
    bool queued = run->status == RunStatus::kQueued;
    Event event;
    event.type = queued ? EventType::kRunCanceled : EventType::kRunCanceling;
    event.run_id = run_id;
    event.timestamp_us = now_unix_us();
    event.level = LogLevel::kWarning;
    event.message = (queued ? "Run canceled before it started" : "Run asked to stop") +
                    (reason.empty() ? std::string() : ": " + reason);
    RunStatus next = queued ? RunStatus::kCanceled : RunStatus::kCanceling;
    if (storage_->update_run_status_if(run_id, run->status, next, event)) return next;
    // The run changed status meanwhile (started, finished): look again.
  }
}

std::vector<std::string> Instance::reap_dead_runs() {
  std::vector<std::string> reaped;
  std::string host = host_name();
  for (RunStatus status : {RunStatus::kStarted, RunStatus::kCanceling}) {
    for (const RunRecord& run : storage_->runs({.status = status, .limit = 100'000})) {
      if (run.owner_host != host || run.owner_pid <= 0) continue;  // another machine: cannot tell here
      int64_t ticks = process_start_ticks(run.owner_pid);
      if (ticks != 0 && ticks == run.owner_start_ticks) continue;  // still alive
      // A run that was being canceled ends CANCELED; any other ends FAILURE.
      bool canceling = status == RunStatus::kCanceling;
      Event event;
      event.type = canceling ? EventType::kRunCanceled : EventType::kRunFailure;
      event.run_id = run.run_id;
      event.timestamp_us = now_unix_us();
      event.level = LogLevel::kError;
      event.message = "Run " + run.run_id + (canceling ? " canceled" : " failed") + ": its process (pid " +
                      std::to_string(run.owner_pid) + " on " + host + ") is gone; the run did not finish";
      // Only if the run is still in the status just read: it may have finished since, or another
      // process may have reaped it first.
      try {
        RunStatus next = canceling ? RunStatus::kCanceled : RunStatus::kFailure;
        if (!storage_->update_run_status_if(run.run_id, status, next, event)) continue;
      } catch (const StorageError&) {
        // Storage that cannot be written now (a full disk, say) still serves reads: the next call
        // reaps, and the next write that matters reports the cause.
        return reaped;
      }
      try {
        publish_recorded_outputs(*storage_, run);
      } catch (const std::exception& e) {
        // The run is reaped either way, and its slots must be freed: say in its log what was not
        // published (readers of that output see the checksum or format error the manager reports).
        Event failed;
        failed.type = EventType::kLog;
        failed.run_id = run.run_id;
        failed.timestamp_us = now_unix_us();
        failed.level = LogLevel::kError;
        failed.message = std::string("publishing what the run recorded failed: ") + e.what();
        try {
          storage_->append_events({failed});
        } catch (const StorageError&) {
        }
      }
      try {
        storage_->release_pool_slots_of_run(run.run_id);
      } catch (const StorageError&) {
        return reaped;  // as above; the run is failed, its slots are freed by a later call
      }
      reaped.push_back(run.run_id);
    }
  }
  return reaped;
}

}  // namespace strata
