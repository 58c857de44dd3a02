// Hostile asset keys and partition keys: `..`, `/`, `\`, NUL, control characters, invalid UTF-8,
// very long names, unicode, leading dashes, SQL quotes, `%`, spaces. For every key and manager the
// definitions must either refuse the key (DefinitionError or PartitionError naming it, before
// anything is stored) or store and load the value under it: the run succeeds, downstream reads the
// value back, the instance's catalog (SQLite, and PostgreSQL for the filesystem manager) finds the
// materialization under that exact key, and no file appears outside the manager's base directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <strata/strata.hpp>

#include "backend_fixture.hpp"
#include "payload.hpp"
#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using s::testing::TempDir;

namespace {

constexpr int64_t kGeneration = 3;
constexpr int64_t kElements = 16;

// Whether `message` names `key`: verbatim, or (for keys with bytes a message cannot show as they
// are) the longest printable ASCII run of the key; a key without a run of three or more printable
// characters can only be named escaped, in any form.
bool names_key(const std::string& message, const std::string& key) {
  if (message.find(key) != std::string::npos) return true;
  std::string best, run;
  for (char c : key + '\x01') {
    if (c >= 0x20 && c < 0x7f) {
      run += c;
    } else {
      if (run.size() > best.size()) best = run;
      run.clear();
    }
  }
  return best.size() < 3 || message.find(best) != std::string::npos;
}

// Every regular file under `root` that is not under one of `allowed`.
std::vector<fs::path> files_outside(const fs::path& root, const std::vector<fs::path>& allowed) {
  std::vector<fs::path> outside;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_directory()) continue;
    bool inside = false;
    for (const auto& dir : allowed) {
      auto relative = entry.path().lexically_relative(dir);
      inside = inside || (!relative.empty() && *relative.begin() != "..");
    }
    if (!inside) outside.push_back(entry.path());
  }
  return outside;
}

std::string printable(const std::string& key) {
  std::string out;
  for (unsigned char c : key.substr(0, 40)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return key.size() > 40 ? out + "...(" + std::to_string(key.size()) + " bytes)" : out;
}

struct Tally {
  int tried = 0;
  int stored = 0;
  int refused = 0;
  int bad = 0;
  int escaped = 0;
};

enum class Where { kAssetKey, kPartitionKey };

// Counts a refusal: right when it is a DefinitionError or PartitionError (`key_error`) naming the key.
void count_refusal(Tally& tally, const std::string& what, const std::string& key, bool key_error,
                   const std::string& error) {
  if (key_error && names_key(error, key)) {
    ++tally.refused;
    return;
  }
  ++tally.bad;
  ADD_FAILURE() << what << (key_error ? ": refused without naming the key: " : ": failed: ") << error;
}

// One key, one manager, one instance (its own SQLite one, or `shared_home`): refused or stored and
// loaded, never escaping.
void try_key(const std::string& key, Where where, const std::string& manager,
             const std::optional<fs::path>& shared_home, Tally& tally) {
  ++tally.tried;
  TempDir root{"strata-torture-keys"};
  // The manager's directory sits three levels down, so that `..` escapes land inside `root`.
  fs::path dir = root / "a" / "b" / "c" / "managed";
  fs::path home = shared_home.value_or(root / "home");
  fs::create_directories(dir);
  std::string backend = shared_home ? "postgres" : "sqlite";
  std::string what = manager + "/" + backend + " " + (where == Where::kAssetKey ? "asset" : "partition") + " key '" +
                     printable(key) + "'";
  s::AssetKey asset_key = where == Where::kAssetKey ? s::AssetKey(std::vector<std::string>{key}) : s::AssetKey("v");
  std::optional<s::RunResult> result;
  try {
    s::torture::PayloadOptions options{.key = asset_key};
    if (where == Where::kPartitionKey) options.partitions = s::static_partitions({key, "plain"});
    auto setup = s::torture::torture_definitions(manager, dir, kGeneration, kElements, options);
    result = s::materialize(setup.assets, {.resources = setup.resources,
                                           .instance = s::Instance::open(home),
                                           .partition_key = where == Where::kPartitionKey ? key : std::string()});
  } catch (const std::exception& e) {
    bool key_error = dynamic_cast<const s::DefinitionError*>(&e) || dynamic_cast<const s::PartitionError*>(&e);
    count_refusal(tally, what, key, key_error, std::string(typeid(e).name()) + ": " + e.what());
  }
  if (result && result->success()) {
    auto instance = s::Instance::open(home);
    auto partition = where == Where::kPartitionKey ? std::optional<std::string>(key) : std::nullopt;
    auto latest = instance->storage().latest_materialization(asset_key, partition);
    auto keys = instance->storage().asset_keys();
    if (result->asset_value<int64_t>(s::AssetKey("check")) != kGeneration || !latest ||
        std::find(keys.begin(), keys.end(), asset_key) == keys.end()) {
      ++tally.bad;
      ADD_FAILURE() << what << ": the run succeeded but the value or the catalog entry did not come back";
    } else {
      ++tally.stored;
    }
  } else if (result) {
    std::string type, message;
    for (const auto& step : result->steps()) {
      if (step.status == s::StepStatus::kFailure) {
        type = step.error_type;
        message = step.error_message;
        break;
      }
    }
    bool key_error = type == "partition_error" || type == "definition_error";
    count_refusal(tally, what, key, key_error, type + ": " + (message.empty() ? result->failure_message() : message));
  }
  auto outside = files_outside(root.path(), {dir, home});
  if (!outside.empty()) {
    ++tally.escaped;
    ADD_FAILURE() << what << ": wrote outside its base directory: " << outside.front();
  }
}

void try_keys(const std::string& name, const std::vector<std::string>& keys) {
  Tally tally;
  std::optional<TempDir> postgres_home;
  if (s::testing::shared_postgres() != nullptr) {
    postgres_home.emplace("strata-torture-keys-pg");
    s::testing::configure_postgres_home(postgres_home->path());
  }
  for (const auto& key : keys) {
    for (const auto& manager : s::torture::manager_names()) try_key(key, Where::kAssetKey, manager, {}, tally);
    // DuckDB partitions are rows matched through a partition_expr column, not names: not a path or a
    // table name, so only the file managers take partition keys here.
    for (const auto& manager : s::torture::manager_names()) {
      if (manager != "duckdb") try_key(key, Where::kPartitionKey, manager, {}, tally);
    }
    if (postgres_home) {
      try_key(key, Where::kAssetKey, "filesystem", postgres_home->path(), tally);
      try_key(key, Where::kPartitionKey, "filesystem", postgres_home->path(), tally);
    }
  }
  std::cout << "TORTURE hostile_keys class=" << name << " tried=" << tally.tried << " stored=" << tally.stored
            << " refused=" << tally.refused << " bad=" << tally.bad << " escaped=" << tally.escaped << std::endl;
  EXPECT_EQ(tally.bad, 0);
  EXPECT_EQ(tally.escaped, 0);
}

using namespace std::string_literals;

TEST(HostileKeys, PathTraversal) {
  try_keys("path_traversal", {"..", ".", "../escape", "..\\escape", "...", "a/../.."});
}
TEST(HostileKeys, Separators) { try_keys("separators", {"a/b", "a\\b", "/absolute", "\\\\server\\share", "c:\\x"}); }
TEST(HostileKeys, Nul) { try_keys("nul", {"nul\0key"s, "\0"s, "trailing\0"s}); }
TEST(HostileKeys, ControlCharacters) {
  try_keys("control_characters",
           {"line\nbreak", "tab\tkey", "esc\x1b[31mred", "bell\x07key", "carriage\rkey", "delete\x7fkey"});
}
TEST(HostileKeys, InvalidUtf8) {
  try_keys("invalid_utf8", {"bad\xff\xfekey", "half\xc3", "overlong\xc0\xafkey", "surrogate\xed\xa0\x80key"});
}
TEST(HostileKeys, LongNames) { try_keys("long_names", {std::string(100, 'k'), std::string(200, 'k')}); }
TEST(HostileKeys, NamesAtTheFileNameLimit) {
  try_keys("file_name_limit", {std::string(255, 'k'), std::string(256, 'k'), std::string(4096, 'k')});
}
TEST(HostileKeys, Unicode) {
  try_keys("unicode",
           {"ünïcödé", "日本語のキー", "emoji🙂key", "rtl\u202eevil", "zero\u200bwidth", "e\u0301combining"});
}
TEST(HostileKeys, LeadingDashes) { try_keys("leading_dashes", {"-rf", "--help", "-", "--select=*"}); }
TEST(HostileKeys, SqlQuotes) {
  try_keys("sql_quotes", {"it's", "quote\"d", "'; DROP TABLE runs; --", "\"; DROP TABLE event_logs; --", "`tick`",
                          "semi;colon", "x' OR '1'='1"});
}
TEST(HostileKeys, Percent) { try_keys("percent", {"100%", "%s%n%x", "%00", "%2e%2e", "%%"}); }
TEST(HostileKeys, Spaces) { try_keys("spaces", {" lead", "trail ", "in side", "   ", "nbsp\u00a0key"}); }

}  // namespace
