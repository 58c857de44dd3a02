// Whole-file checksums for local table files whose format has none of its own (CSV, Arrow IPC),
// kept in a hidden file beside the data (core/resources/staged_files.hpp: checksum_file_for). The checksum
// file records the data file's XXH3-64, size and inode: a data file that is not the one the
// checksum was made for (another inode: written by another tool, or a crash between the two
// renames of a publish) is loaded unverified rather than refused. Internal to strata::arrow;
// free functions, thread-safe; failures throw StorageError naming the path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace strata::arrow_detail {

struct FileChecksum {
  uint64_t xxh3 = 0;
  uint64_t size = 0;
  uint64_t inode = 0;
};

// The checksum of the file at `path` as it is now.
FileChecksum checksum_of(const std::string& path);

// Writes `checksum` to `target` (a new file) and fsyncs it.
void write_checksum_file(const std::string& target, const FileChecksum& checksum);

// Throws StorageError naming `what` and `path` when the checksum file of `path` was made for this
// very file (same inode) and its contents no longer match; returns otherwise.
void verify_checksum(const std::string& path, const std::string& what);

}  // namespace strata::arrow_detail
