#include "strata/storage/run_record.hpp"

#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "strata/core/detail/enum_names.hpp"
#include "strata/core/types/event.hpp"

namespace strata {
namespace {

constexpr std::pair<RunStatus, const char*> kNames[] = {
    {RunStatus::kQueued, "QUEUED"},   {RunStatus::kStarted, "STARTED"}, {RunStatus::kCanceling, "CANCELING"},
    {RunStatus::kSuccess, "SUCCESS"}, {RunStatus::kFailure, "FAILURE"}, {RunStatus::kCanceled, "CANCELED"}};

}  // namespace

const char* run_status_name(RunStatus status) { return detail::name_of(kNames, status, "UNKNOWN"); }

std::optional<RunStatus> run_status_from_name(const std::string& name) { return detail::value_of(kNames, name); }

bool is_finished(RunStatus status) {
  return status == RunStatus::kSuccess || status == RunStatus::kFailure || status == RunStatus::kCanceled;
}

std::string new_run_id() {
  // Reseeded in a forked child: a copied generator would repeat the parent's ids.
  static thread_local std::mt19937_64 rng;
  static thread_local pid_t seeded_for = 0;
  if (seeded_for != ::getpid()) {
    seeded_for = ::getpid();
    rng.seed(std::random_device{}() ^ static_cast<uint64_t>(now_unix_us()) ^ (static_cast<uint64_t>(seeded_for) << 32));
  }
  uint64_t a = rng();
  uint64_t b = rng();
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

std::map<std::string, std::string> run_tags(std::map<std::string, std::string> tags,
                                            const std::vector<std::string>& partition_keys) {
  if (partition_keys.size() == 1) tags["strata/partition"] = partition_keys.front();
  if (partition_keys.size() > 1) {
    tags["strata/partition_range"] = partition_keys.front() + ".." + partition_keys.back();
    tags["strata/partition_keys"] = nlohmann::json(partition_keys).dump();  // every key, for re-execution
  }
  return tags;
}

}  // namespace strata
