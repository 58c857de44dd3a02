// AssetCatalog: the assets of a Definitions as the UI lists them — what never changes while the
// server runs (keys, groups, descriptions, I/O managers, edges) computed once, with each asset's
// JSON prefix written once — and their status from the instance, computed for all assets in one
// read of the catalog (Storage::asset_catalog) and of the runs in progress.
//
// Status of an asset (docs/api.md defines them for users), first that applies:
//   running             a run in progress (STARTED or CANCELING) covers it and has not yet recorded
//                       its materialization or failure
//   failed              its latest attempt failed (a failure to materialize newer than its latest
//                       materialization)
//   never_materialized  no materialization since its last wipe
//   upstream_newer      an upstream asset has a materialization newer than its own
//   fresh               otherwise
// Thread-safe: the static part is immutable; the cache of run coverage has a mutex.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"
#include "strata/storage/storage.hpp"

namespace strata::web {

enum class AssetStatus { kNeverMaterialized, kFresh, kUpstreamNewer, kFailed, kRunning };
const char* asset_status_name(AssetStatus status);

struct AssetInfo {
  std::string key{};  // "a/b"
  std::string group{};
  std::string description{};
  std::string io_manager{};  // the resource key
  std::string kind{};        // the I/O manager's C++ type (strata::FilesystemIOManager...)
  std::string type{};        // the stored C++ type
  bool partitioned = false;
  bool is_source = false;
  std::string json_prefix{};  // {"key":...,"deps":[...]   (no closing brace)
};

struct AssetStates {
  std::vector<AssetStatus> status{};               // by graph index
  std::vector<const AssetCatalogEntry*> stored{};  // by graph index; null when nothing stored
  std::vector<AssetCatalogEntry> entries{};        // what `stored` points into
};

class AssetCatalog {
 public:
  explicit AssetCatalog(const Definitions& defs);

  const Definitions& defs() const { return defs_; }
  const std::vector<AssetInfo>& assets() const { return assets_; }
  // Graph index of the asset `key` names ("a/b"); throws ApiError unknown_asset (404) naming it.
  int index_of(const std::string& key) const;
  // Graph indices of the selection (AssetSelection::parse syntax); ApiError bad_selection (400).
  std::vector<int> select(const std::string& selection) const;

  // Every asset's status now.
  AssetStates states(Storage& storage) const;

  // Graph indices a run covers (its selection, or its job's); empty when they cannot be resolved.
  std::vector<int> run_coverage(const RunRecord& run) const;

 private:
  const Definitions& defs_;
  std::vector<AssetInfo> assets_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::vector<int>> coverage_;  // "s:SELECTION" / "j:JOB" -> indices
};

}  // namespace strata::web
