#include "strata/storage/staged_output_recovery.hpp"

#include <filesystem>
#include <set>

#include "strata/core/resources/staged_files.hpp"
#include "strata/core/types/system_metadata.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

namespace {

// Renames `staged` onto `path`; false when it is not there (never staged, or another process
// published or swept it first). Throws StorageError when it is there and cannot be published.
bool publish_if_still_staged(const std::filesystem::path& staged, const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(staged, ec)) return false;
  try {
    publish_staged_file(staged, path);
    return true;
  } catch (const StorageError&) {
    if (std::filesystem::exists(staged, ec)) throw;
    return false;
  }
}

}  // namespace

size_t publish_recorded_outputs(Storage& storage, const RunRecord& run) {
  std::set<std::string> published_paths;
  for (const EventRecord& record : storage.events_for_run(run.run_id)) {
    const Event& event = record.event;
    if (event.type != EventType::kMaterialization) continue;
    const MetadataValue* path = event.metadata.find(kMetadataPublishedPath);
    if (path == nullptr || !event.asset_key) continue;
    // Only while it is still the latest: a later run's published data must not be replaced.
    auto latest = storage.latest_materialization(*event.asset_key, event.partition);
    if (!latest || latest->event.run_id != run.run_id) continue;
    published_paths.insert(path->as_text());
  }
  size_t published = 0;
  for (const std::string& path : published_paths) {
    std::filesystem::path staged = staged_file_for(path, run.run_id, run.owner_pid);
    std::error_code ec;
    if (!std::filesystem::exists(staged, ec)) continue;
    // A checksum file staged with the data is published first, as the manager would have.
    std::filesystem::path checksum = checksum_file_for(path);
    std::filesystem::path staged_checksum = staged_file_for(checksum, run.run_id, run.owner_pid);
    publish_if_still_staged(staged_checksum, checksum);
    if (publish_if_still_staged(staged, path)) ++published;
  }
  return published;
}

}  // namespace strata
