// libFuzzer target: the stored-object decoder. Any bytes, as the file of an asset of type
// std::map<std::string, std::vector<int64_t>>, must either decode (then the checksum matched) or
// throw StorageError naming the object and the path; anything else escaping, a crash, a hang or an
// allocation the file's size does not justify is a finding.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "strata/core/types/typed.hpp"
#include "strata/core/util/error.hpp"
#include "strata/io/codec.hpp"
#include "strata/io/stored_object.hpp"

namespace {

using Stored = std::map<std::string, std::vector<int64_t>>;

// The fuzz input lives in a memory file, read through its /proc path like any stored object.
struct MemoryFile {
  int fd = ::memfd_create("strata-fuzz-object", 0);
  std::string path = "/proc/self/fd/" + std::to_string(fd);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemoryFile file;
  if (::ftruncate(file.fd, 0) != 0 || ::pwrite(file.fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  const strata::TypeInfo& type = strata::type_of<Stored>();
  try {
    std::shared_ptr<const void> value;
    strata::io::read_stored_object(file.path, {type.codec->format, type.name, 1}, "asset 'fuzzed'",
                                   [&](std::istream& in) { value = type.codec->decode(in); });
  } catch (const strata::StorageError&) {
  }
  return 0;
}
