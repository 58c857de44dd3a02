// The on-disk form of one stored value, written and read by the filesystem I/O manager.
//
//   "STRATA01" | u32 header length | header (JSON: format, codec, type, version) | payload |
//   u64 payload length | u64 XXH3-64 of the payload | "STRATAOK"
//
// Writes are atomic: the bytes go to a temporary file in the target directory, which is fsynced and
// renamed over the final name, then the directory is fsynced; a failed or interrupted write leaves
// the previous object untouched. Reads check magic, header, type, length and checksum, and every
// failure is a StorageError naming the path (and what was expected).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>

namespace strata::io {

struct StoredObjectHeader {
  std::string codec{};      // the codec format, e.g. "cereal-binary/1"
  std::string type_name{};  // the C++ type of the value
  int version = 1;          // of this file layout
};

// Writes an object: `write_payload` streams the payload into the given ostream. Returns the number
// of bytes of the whole file. Throws StorageError (naming `path`) on any failure; the previous file at
// `path`, if any, is then unchanged.
uint64_t write_stored_object(const std::filesystem::path& path, const StoredObjectHeader& header,
                             const std::function<void(std::ostream&)>& write_payload);

// Reads an object's header, checks it against `expected` (codec and type; empty fields are not
// checked), then lets `read_payload` decode from an istream limited to the payload, and verifies the
// checksum. `what` names the object in errors (e.g. "asset 'topstories'").
void read_stored_object(const std::filesystem::path& path, const StoredObjectHeader& expected, const std::string& what,
                        const std::function<void(std::istream&)>& read_payload);

// Reads only the header (for tooling); throws StorageError when the file is not a stored object.
StoredObjectHeader read_stored_object_header(const std::filesystem::path& path);

}  // namespace strata::io
