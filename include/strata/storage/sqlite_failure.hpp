// How the SQLite backend words a failure: each cause (full disk, file size limit, read-only file
// system, permission denied, lock held too long, corrupt file, other I/O error) gets its own message
// naming the file, and only a truly corrupt file is called unusable. Pure functions, thread-safe.
#pragma once

#include <string>

#include "strata/core/util/error.hpp"

namespace strata {

enum class SqliteFailureKind {
  kDiskFull,            // SQLITE_FULL, ENOSPC, EDQUOT
  kFileTooLarge,        // EFBIG: the process's file size limit (ulimit -f, RLIMIT_FSIZE)
  kReadOnlyFileSystem,  // EROFS
  kPermissionDenied,    // EACCES, EPERM, SQLITE_PERM
  kBusy,                // SQLITE_BUSY, SQLITE_LOCKED: another connection held the lock past the timeout
  kCorrupt,             // SQLITE_CORRUPT, SQLITE_NOTADB
  kIo,                  // any other SQLITE_IOERR
  kOther,
};

// `code` is SQLite's extended result code, `system_errno` the OS error behind it (0 when none).
SqliteFailureKind classify_sqlite_failure(int code, int system_errno);

// The OS's likely reason that writing `path` (an SQLite file) just failed, for when SQLite could not
// tell (its errno is lost once it has rolled back): EROFS for a read-only file system, EACCES when
// this user may not write the file or its directory, ENOSPC when under 1 MiB (or no inode) is free
// for this user, EFBIG when a file size limit (RLIMIT_FSIZE) is set; 0 when none of these holds.
int write_failure_errno(const std::string& path);

// True for the kinds that stop writing but leave what is stored readable (full disk, file size
// limit, read-only file system, permission denied).
bool blocks_only_writing(SqliteFailureKind kind);

// One line for `path`; `detail` is SQLite's own message. Every kind but kCorrupt says the history
// is intact; kCorrupt suggests moving the file away.
std::string sqlite_failure_message(SqliteFailureKind kind, const std::string& path, const std::string& detail);

// A StorageError that knows its cause.
class SqliteError : public StorageError {
 public:
  SqliteError(SqliteFailureKind kind, const std::string& message) : StorageError(message), kind_(kind) {}
  SqliteFailureKind kind() const { return kind_; }

 private:
  SqliteFailureKind kind_;
};

}  // namespace strata
