// The on-disk form of one stored value, written and read by the filesystem I/O manager.
//
//   "STRATA01" | u32 header length | header (JSON: format, codec, type, version) | payload |
//   u64 payload length | u64 XXH3-64 of the payload | "STRATAOK"
//
// Writes are atomic: the bytes go to a temporary file in the target directory, which is fsynced and
// renamed over the final name, then the directory is fsynced (core/resources/staged_files.hpp); a failed or
// interrupted write leaves the previous object untouched. Reads map the file, check magic, framing
// lengths against the file size, and the checksum of the whole payload *before* the decoder sees a
// byte (so a damaged length inside the payload can never size an allocation), then type and codec;
// every failure is a StorageError naming what was loaded (e.g. the asset) and the path. Flat
// payloads are read without a copy instead (read_flat_stored_object), as safely.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "strata/core/types/type_info.hpp"

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

// Writes an object to `target`, a new file (it must not exist), and fsyncs it; nothing is renamed.
// The file is removed again when the write fails. Used to stage a write that is published later.
uint64_t write_stored_object_file(const std::filesystem::path& target, const StoredObjectHeader& header,
                                  const std::function<void(std::ostream&)>& write_payload);

// Reads an object: verifies framing and checksum, checks the header against `expected` (codec and
// type; empty fields are not checked), then lets `read_payload` decode from an istream over exactly
// the verified payload. `what` names the object in errors (e.g. "asset 'topstories'"); a missing file
// is a MissingDataError.
void read_stored_object(const std::filesystem::path& path, const StoredObjectHeader& expected, const std::string& what,
                        const std::function<void(std::istream&)>& read_payload);

// Reads an object whose payload is flat (core/types/type_info.hpp, Codec::decode_flat) without a copy:
// framing, header (type and codec as `expected`) and the payload's element count against the file
// size are checked first, so the count can never size an allocation beyond what the file holds;
// then the payload is read straight into the value's storage in large reads, each range hashed
// while in cache, and the value is returned only when the checksum matches (else a StorageError:
// "checksum mismatch"). Returns null, having built nothing, when the file is not such an object
// (wrong magic, header, type, codec or length): read_stored_object then says what is wrong.
std::shared_ptr<const void> read_flat_stored_object(
    const std::filesystem::path& path, const StoredObjectHeader& expected, const std::string& what, size_t element_size,
    std::shared_ptr<const void> (*decode_flat)(uint64_t count, const FlatFill& fill));

// Reads only the header (for tooling); throws StorageError when the file is not a stored object.
StoredObjectHeader read_stored_object_header(const std::filesystem::path& path);

// The same layout in memory, for stores that take whole objects (e.g. S3 through arrow::fs):
// the complete bytes of an object, and their verification and decoding as read_stored_object does
// (`location` names where the bytes came from in errors).
std::string encode_stored_object(const StoredObjectHeader& header,
                                 const std::function<void(std::ostream&)>& write_payload);
void decode_stored_object(std::string_view object, const std::string& location, const StoredObjectHeader& expected,
                          const std::string& what, const std::function<void(std::istream&)>& read_payload);
// Whether `bytes` start like a stored object (its magic), as opposed to another format.
bool is_stored_object(std::string_view bytes);

// Writes `bytes` to `target`, a new file (it must not exist), and fsyncs it; removed again when the
// write fails. Returns the number of bytes.
uint64_t write_bytes_file(const std::filesystem::path& target, std::string_view bytes);

// A local file mapped read-only, whole. A missing file is a MissingDataError naming `what`; any
// other failure a StorageError. Movable; the bytes live as long as the object.
class MappedObject {
 public:
  MappedObject(const std::filesystem::path& path, const std::string& what);
  std::string_view bytes() const { return bytes_; }

 private:
  std::shared_ptr<const void> file_;
  std::string_view bytes_;
};

}  // namespace strata::io
