#include "file_checksum.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "strata/core/resources/staged_files.hpp"
#include "strata/core/util/error.hpp"

namespace strata::arrow_detail {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  throw StorageError(what + " '" + path + "': " + std::strerror(err));
}

std::optional<FileChecksum> read_checksum_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  FileChecksum checksum;
  if (std::sscanf(line.c_str(), "xxh3:%" SCNx64 " size:%" SCNu64 " inode:%" SCNu64, &checksum.xxh3, &checksum.size,
                  &checksum.inode) != 3) {
    return std::nullopt;
  }
  return checksum;
}

}  // namespace

FileChecksum checksum_of(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open", path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail("cannot stat", path, errno);
  FileChecksum checksum{0, static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
  if (checksum.size == 0) {
    checksum.xxh3 = XXH3_64bits(nullptr, 0);
    return checksum;
  }
  void* map = ::mmap(nullptr, checksum.size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED) fail("cannot map", path, errno);
  checksum.xxh3 = XXH3_64bits(map, checksum.size);
  ::munmap(map, checksum.size);
  return checksum;
}

void write_checksum_file(const std::string& target, const FileChecksum& checksum) {
  char line[96];
  int length = std::snprintf(line, sizeof line, "xxh3:%016" PRIx64 " size:%" PRIu64 " inode:%" PRIu64 "\n",
                             checksum.xxh3, checksum.size, checksum.inode);
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", target, errno);
  ssize_t written = ::write(fd, line, static_cast<size_t>(length));
  int err = errno;
  bool ok = written == length && ::fsync(fd) == 0;
  if (!ok && written == length) err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(target.c_str());
    fail("cannot write", target, err == 0 ? EIO : err);
  }
}

void verify_checksum(const std::string& path, const std::string& what) {
  std::string sidecar = checksum_file_for(path).string();
  auto recorded = read_checksum_file(sidecar);
  if (!recorded) return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_ino) != recorded->inode) return;
  FileChecksum now = checksum_of(path);
  if (now.inode != recorded->inode) return;  // replaced in between
  if (now.size != recorded->size || now.xxh3 != recorded->xxh3) {
    throw StorageError(what + ": corrupted table file '" + path + "' (it no longer matches its checksum in '" +
                       sidecar + "')");
  }
}

}  // namespace strata::arrow_detail
