#include "strata/storage/sqlite_failure.hpp"

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace strata {

SqliteFailureKind classify_sqlite_failure(int code, int system_errno) {
  switch (system_errno) {
    case ENOSPC:
    case EDQUOT:
      return SqliteFailureKind::kDiskFull;
    case EFBIG:
      return SqliteFailureKind::kFileTooLarge;
    case EROFS:
      return SqliteFailureKind::kReadOnlyFileSystem;
    case EACCES:
    case EPERM:
      return SqliteFailureKind::kPermissionDenied;
    default:
      break;
  }
  switch (code & 0xFF) {
    case SQLITE_FULL:
      return SqliteFailureKind::kDiskFull;
    case SQLITE_PERM:
      return SqliteFailureKind::kPermissionDenied;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return SqliteFailureKind::kBusy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return SqliteFailureKind::kCorrupt;
    case SQLITE_IOERR:
      return SqliteFailureKind::kIo;
    default:
      return SqliteFailureKind::kOther;
  }
}

int write_failure_errno(const std::string& path) {
  std::filesystem::path file(path);
  std::string dir = file.parent_path().empty() ? "." : file.parent_path().string();
  struct statvfs disk {};
  if (::statvfs(dir.c_str(), &disk) == 0) {
    if (disk.f_flag & ST_RDONLY) return EROFS;
    constexpr unsigned long long kMinimumFree = 1 << 20;
    if (static_cast<unsigned long long>(disk.f_bavail) * disk.f_frsize < kMinimumFree || disk.f_favail == 0) {
      return ENOSPC;
    }
  }
  if (::access(path.c_str(), W_OK) != 0 && errno != ENOENT) return errno;
  if (::access(dir.c_str(), W_OK) != 0) return errno;
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) return EFBIG;
  return 0;
}

bool blocks_only_writing(SqliteFailureKind kind) {
  return kind == SqliteFailureKind::kDiskFull || kind == SqliteFailureKind::kFileTooLarge ||
         kind == SqliteFailureKind::kReadOnlyFileSystem || kind == SqliteFailureKind::kPermissionDenied;
}

std::string sqlite_failure_message(SqliteFailureKind kind, const std::string& path, const std::string& detail) {
  const std::string file = "'" + path + "'";
  const std::string intact = " — the history is intact";
  switch (kind) {
    case SqliteFailureKind::kDiskFull:
      return "the disk holding " + file + " is full; free space and retry" + intact;
    case SqliteFailureKind::kFileTooLarge:
      return file + " cannot grow: this process's file size limit (ulimit -f) is reached; raise it and retry" + intact;
    case SqliteFailureKind::kReadOnlyFileSystem:
      return file + " is on a read-only file system; remount it read-write (or point strata.yaml elsewhere) and retry" +
             intact;
    case SqliteFailureKind::kPermissionDenied:
      return "permission denied writing " + file + " or its directory (" + detail +
             "); give this user write access and retry" + intact;
    case SqliteFailureKind::kBusy:
      return file + " stayed locked by another process past the 30 s busy timeout (" + detail +
             "); retry when it is done" + intact;
    case SqliteFailureKind::kCorrupt:
      return file + " is not a usable SQLite database (" + detail +
             "); the file was left untouched — move it away or point strata.yaml at another file";
    case SqliteFailureKind::kIo:
      return "I/O error on " + file + " (" + detail + "); the file was left as it was — check the disk and retry";
    case SqliteFailureKind::kOther:
      break;
  }
  return "SQLite error on " + file + ": " + detail;
}

}  // namespace strata
