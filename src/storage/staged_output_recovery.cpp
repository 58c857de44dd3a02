#include "strata/storage/staged_output_recovery.hpp"

#include <filesystem>
#include <set>

#include "strata/core/resources/staged_files.hpp"
#include "strata/core/types/system_metadata.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

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
    if (std::filesystem::exists(staged_checksum, ec)) publish_staged_file(staged_checksum, checksum);
    try {
      publish_staged_file(staged, path);
      ++published;
    } catch (const StorageError&) {
      if (std::filesystem::exists(staged, ec)) throw;  // else another process published it first
    }
  }
  return published;
}

}  // namespace strata
