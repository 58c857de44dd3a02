// The one naming scheme for where stored data lives. Every manager that stores by location (the
// filesystem manager, the Arrow table managers, and the DuckDB manager for its table names) builds
// its locations here, so that one rule set validates them and distinct outputs never share a place:
//
//   asset                 <key component>/.../<last component>
//   asset partition       <key component>/.../<last component>/<partition key>
//   op output             .runs/<run id>/<step key>/<output name>
//
// A component is non-empty text of at most 160 bytes of valid UTF-8 (room for Strata's suffixes
// within the 255-byte file-name limit) with no '/', '\', NUL or other
// control character, and does not start with '.': names starting with '.' are Strata's own (temporary
// and staged files, the op-output area), so no asset or partition can take their place. Definitions
// additionally refuse assets whose locations nest (asset `p` and asset `p/x`: a partition or the
// directory of one would be the other), which makes the scheme injective. Free functions; all
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/core/definitions/asset_key.hpp"

namespace strata {

// A location relative to a manager's base: validated components.
struct StorageLocation {
  std::vector<std::string> components{};
  // The components joined by '/'.
  std::string relative_path() const;
};

// Returns an empty string when `text` may be a location component, else what is wrong with it
// ("starts with '.'", "holds a control character", ...).
std::string storage_component_problem(std::string_view text);

// The text with control characters and invalid UTF-8 shown as \xNN escapes, for messages.
std::string printable(std::string_view text);

// Throws PartitionError naming `owner` (an asset key or a partitions definition) and the key when a
// partition key cannot be a location component.
void validate_partition_key_for_storage(const std::string& partition, const std::string& owner);

// The location of an asset, or of one partition of it (`partition` null: unpartitioned). Throws
// DefinitionError (AssetKey::validate_components) or PartitionError as above.
StorageLocation asset_location(const AssetKey& key, const std::string* partition = nullptr);
// The location of an op output of one run. Throws StorageError naming the bad part.
StorageLocation op_output_location(const std::string& run_id, const std::string& step_key,
                                   const std::string& output_name);

// The first component of every op-output location; no asset key can start with it.
inline constexpr const char* kOpOutputArea = ".runs";

}  // namespace strata
