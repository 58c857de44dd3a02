#include "subprocess.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <system_error>
#include <utility>

namespace strata::testing {

std::string find_on_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return std::filesystem::exists(name) ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

namespace {

// Starts argv with stdout+stderr on a pipe; returns the pid and the read end.
std::pair<int, int> spawn(const std::vector<std::string>& argv, const CommandOptions& options) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");

  // Resolve the user before fork: getpwnam is not async-signal-safe.
  const passwd* pw = nullptr;
  uid_t uid = 0;
  gid_t gid = 0;
  if (options.user && ::geteuid() == 0) {
    pw = ::getpwnam(options.user->c_str());
    if (pw == nullptr) throw std::runtime_error("no such system user: " + *options.user);
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_storage;
  auto overridden = [&](const char* entry) {  // an extra_env entry of the same name replaces it
    for (const auto& e : options.extra_env) {
      size_t eq = e.find('=');
      if (eq != std::string::npos && std::strncmp(entry, e.c_str(), eq + 1) == 0) return true;
    }
    return false;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) env_storage.emplace_back(*e);
  }
  for (const auto& e : options.extra_env) env_storage.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string program = find_on_path(argv.at(0));
  if (program.empty()) program = argv.at(0);

  pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (pw != nullptr) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(126);
    }
    ::execve(program.c_str(), args.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  return {pid, pipe_fds[0]};
}

int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  auto [pid, fd] = spawn(argv, options);
  CommandResult result;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = decode_status(status);
  return result;
}

Child::Child(const std::vector<std::string>& argv, const CommandOptions& options) {
  auto [pid, fd] = spawn(argv, options);
  pid_ = pid;
  fd_ = fd;
}

Child::~Child() {
  if (!reaped_) kill_and_wait(SIGKILL);
  if (drain_.joinable()) drain_.join();
  if (fd_ >= 0) ::close(fd_);
}

void Child::discard_output() {
  drain_ = std::thread([fd = fd_] {
    char chunk[4096];
    for (;;) {
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n == 0 || (n < 0 && errno != EINTR)) return;
    }
  });
}

std::optional<std::string> Child::read_line() {
  for (;;) {
    size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    char chunk[4096];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, std::string());
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

int Child::kill_and_wait(int signal) {
  if (!reaped_) ::kill(pid_, signal);
  return wait();
}

int Child::wait() {
  if (!reaped_) {
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  return decode_status(status_);
}

}  // namespace strata::testing
