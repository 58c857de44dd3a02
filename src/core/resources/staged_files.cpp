#include "strata/core/resources/staged_files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "strata/core/util/error.hpp"

namespace strata {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& path, int err) {
  throw StorageError(what + " '" + path.string() + "': " + std::strerror(err));
}

void sync_path(const fs::path& path, int flags, const char* what) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) fail(std::string("cannot open ") + what, path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) fail(std::string("cannot fsync ") + what, path, err);
}

// "<pid>" of ".<name>.tmp.<pid>.<n>" or ".<name>.staged.<pid>.<run id>", or -1 for any other name.
int64_t writer_pid(const std::string& name) {
  if (name.empty() || name.front() != '.') return -1;
  for (const char* marker : {".tmp.", ".staged."}) {
    size_t at = name.rfind(marker);
    while (at != std::string::npos && at > 0) {
      size_t start = at + std::strlen(marker);
      size_t end = name.find('.', start);
      if (end != std::string::npos && end > start && end - start < 12) {
        int64_t pid = 0;
        bool digits = true;
        for (size_t i = start; i < end; ++i) {
          if (name[i] < '0' || name[i] > '9') digits = false;
          pid = pid * 10 + (name[i] - '0');
        }
        if (digits && pid > 0) return pid;
      }
      at = at == 0 ? std::string::npos : name.rfind(marker, at - 1);
    }
  }
  return -1;
}

}  // namespace

fs::path temporary_file_for(const fs::path& final_path) {
  static std::atomic<uint64_t> counter{0};
  return final_path.parent_path() / ("." + final_path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                                     std::to_string(counter.fetch_add(1)));
}

fs::path staged_file_for(const fs::path& final_path, const std::string& run_id, int64_t pid) {
  if (pid < 0) pid = ::getpid();
  return final_path.parent_path() /
         ("." + final_path.filename().string() + ".staged." + std::to_string(pid) + "." + run_id);
}

fs::path checksum_file_for(const fs::path& final_path) {
  return final_path.parent_path() / ("." + final_path.filename().string() + ".xxh3");
}

void sync_file(const fs::path& path) { sync_path(path, O_RDONLY, "file"); }

void sync_directory(const fs::path& dir) { sync_path(dir, O_RDONLY | O_DIRECTORY, "directory"); }

void publish_staged_file(const fs::path& staged, const fs::path& final_path) {
  if (::rename(staged.c_str(), final_path.c_str()) != 0) {
    fail("cannot rename '" + staged.string() + "' onto", final_path, errno);
  }
  sync_directory(final_path.parent_path());
}

bool process_alive(int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

size_t sweep_abandoned_files(const fs::path& dir) {
  static std::mutex mutex;
  static std::set<std::string> swept;
  static pid_t swept_by = 0;
  {
    std::lock_guard lock(mutex);
    if (swept_by != ::getpid()) {  // a forked child sweeps for itself
      swept.clear();
      swept_by = ::getpid();
    }
    if (!swept.insert(dir.string()).second) return 0;
  }
  size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    int64_t pid = writer_pid(name);
    if (pid <= 0 || pid == ::getpid() || process_alive(pid)) continue;
    std::error_code ignored;
    if (fs::remove_all(it->path(), ignored) > 0) ++removed;
  }
  return removed;
}

}  // namespace strata
