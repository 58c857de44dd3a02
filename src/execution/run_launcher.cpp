#include "strata/execution/run_launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "strata/core/util/error.hpp"
#include "strata/execution/executor.hpp"
#include "strata/execution/program_command.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

constexpr int kNotifyFd = 3;

// The last non-empty lines of `file` (what the process said before it ended).
std::string last_lines(const fs::path& file, size_t count) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::string text;
  for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
    text += (text.empty() ? "" : "\n") + lines[i];
  }
  return text;
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;
    done += static_cast<size_t>(wrote);
  }
}

// Reads the launcher pipe until a whole line arrives, the writer closes it, or the deadline passes.
std::string read_report(int fd, int timeout_ms) {
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (text.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd entry{fd, POLLIN, 0};
    int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char chunk[256];
    ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(chunk, static_cast<size_t>(got));
  }
  return text.substr(0, text.find('\n'));
}

// Starts `words` (`executable` runs with them as its argv) in a session of its own, double forked (it
// outlives the caller and is nobody's child), with `log_fd` as stdout/stderr and `report_fd` as fd 3.
void start_detached_process(const std::string& executable, const std::vector<std::string>& words, int log_fd,
                            int report_fd) {
  std::vector<std::string> copy = words;
  std::vector<char*> argv;
  for (auto& word : copy) argv.push_back(word.data());
  argv.push_back(nullptr);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) throw Error(std::string("cannot open /dev/null: ") + std::strerror(errno));
  // Only async-signal-safe calls between fork and exec.
  pid_t first = ::fork();
  if (first == 0) {
    // Nothing the caller blocked (a command line blocks SIGINT/SIGTERM to watch for Ctrl-C) stays
    // blocked in the run's process.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::setsid();
    pid_t second = ::fork();
    if (second != 0) ::_exit(second < 0 ? 1 : 0);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::dup2(report_fd, kNotifyFd);
    ::execv(executable.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(null_fd);
  if (first < 0) throw Error(std::string("cannot start a process for the run: ") + std::strerror(errno));
  int status = 0;
  while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

DetachedRun launch_run_detached(const DetachedRunRequest& request) {
  DetachedRun run;
  run.run_id = request.run_id.empty() ? new_run_id() : request.run_id;
  fs::path home = fs::absolute(request.home);
  fs::create_directories(home / "logs");
  run.log_file = home / "logs" / (run.run_id + ".log");

  std::vector<std::string> args{"__detached-run", run.run_id};
  args.insert(args.end(), request.command.begin(), request.command.end());
  args.push_back("--home");
  args.push_back(home.string());

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  // Above the standard descriptors, so that dup2 onto fd 3 in the child clears close-on-exec.
  int report_end = ::fcntl(pipe_fds[1], F_DUPFD_CLOEXEC, 10);
  ::close(pipe_fds[1]);
  int log_fd = ::open(run.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0 || report_end < 0) {
    int error = errno;
    for (int fd : {pipe_fds[0], report_end, log_fd}) {
      if (fd >= 0) ::close(fd);
    }
    throw Error("cannot open the run's log file " + run.log_file.string() + ": " + std::strerror(error));
  }
  try {
    if (request.start) {
      request.start(args, log_fd, report_end);
    } else {
      std::vector<std::string> words = request.program.empty() ? program_command() : request.program;
      // This program again (its binary, whatever argv[0] says), or the program the request names.
      std::string executable = request.program.empty() ? "/proc/self/exe" : request.program.front();
      words.insert(words.end(), args.begin(), args.end());
      start_detached_process(executable, words, log_fd, report_end);
    }
  } catch (...) {
    for (int fd : {pipe_fds[0], report_end, log_fd}) ::close(fd);
    throw;
  }
  ::close(report_end);
  ::close(log_fd);
  std::string report = read_report(pipe_fds[0], request.start_timeout_ms);
  ::close(pipe_fds[0]);
  if (report.rfind("started ", 0) == 0) {
    run.pid = std::stoll(report.substr(8));
    return run;
  }
  std::string said = last_lines(run.log_file, 3);
  if (report.rfind("exit ", 0) == 0) {
    int code = std::stoi(report.substr(5));
    throw DetachedRunError(said.empty() ? "the run's process exited with status " + std::to_string(code) : said,
                           code == 0 ? 1 : code);
  }
  throw DetachedRunError("run " + run.run_id + " did not start" + (report.empty() && said.empty() ? "" : ": " + said) +
                             " (log: " + run.log_file.string() + ")",
                         1);
}

void report_detached_started(int fd) { write_all(fd, "started " + std::to_string(::getpid()) + "\n"); }

void report_detached_exit(int fd, int exit_code) { write_all(fd, "exit " + std::to_string(exit_code) + "\n"); }

}  // namespace strata
