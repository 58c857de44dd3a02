// Local files written in two phases, the protocol every local write path of Strata follows so that a
// file is never torn and a failed run never changes what readers load:
//
//   1. write the complete new contents to a hidden name in the target's directory and fsync it:
//        temporary  .<name>.tmp.<pid>.<n>         (published by the same call)
//        staged     .<name>.staged.<pid>.<run id>  (published after the run recorded it)
//   2. rename it onto the final name and fsync the directory (publish_staged_file).
//
// A staged file whose materialization the instance recorded but whose process died before step 2
// is published when the dead run is reaped (strata::Instance); one that was never recorded is
// abandoned. Abandoned hidden files of processes that are gone are removed by
// sweep_abandoned_files(), which a manager calls before its first write into a directory. Names
// starting with '.' can never be asset keys or partition keys (core/resources/storage_location.hpp), so these
// files never take the place of data. Free functions, thread-safe; failures throw StorageError
// naming the path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace strata {

// A fresh temporary name next to `final_path`, unique within this process.
std::filesystem::path temporary_file_for(const std::filesystem::path& final_path);
// The staged name of `final_path` for a run, written by process `pid` (default: this process).
std::filesystem::path staged_file_for(const std::filesystem::path& final_path, const std::string& run_id,
                                      int64_t pid = -1);

// The hidden file beside `final_path` that holds its checksum, for formats without checksums of
// their own: .<name>.xxh3 (published before the data file it describes).
std::filesystem::path checksum_file_for(const std::filesystem::path& final_path);

// fsync of a file's contents / of a directory's entries.
void sync_file(const std::filesystem::path& path);
void sync_directory(const std::filesystem::path& dir);

// Renames `staged` onto `final_path` (atomically replacing it) and makes the rename durable.
void publish_staged_file(const std::filesystem::path& staged, const std::filesystem::path& final_path);

// Removes temporary and staged files in `dir` whose writing process is no longer running on this
// host. Runs once per directory per process (later calls return at once); returns the number of
// files removed. Never throws: a sweep that cannot list or remove leaves the files.
size_t sweep_abandoned_files(const std::filesystem::path& dir);

// Whether a process with this pid runs on this host.
bool process_alive(int64_t pid);

}  // namespace strata
