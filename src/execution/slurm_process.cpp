#include "slurm_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <regex>
#include <sstream>
#include <thread>

#include "strata/execution/slurm_client.hpp"

extern char** environ;

namespace strata::detail {

SlurmProcess::SlurmProcess(const std::string& program, const std::vector<std::string>& options,
                           const std::vector<std::string>& command, const std::vector<std::string>& extra_env) {
  std::vector<std::string> argv = {program, "-v"};
  argv.insert(argv.end(), options.begin(), options.end());
  if (!command.empty()) argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  for (const auto& word : argv) command_line_ += (command_line_.empty() ? "" : " ") + word;

  said_fd_ = ::memfd_create("strata-srun", MFD_CLOEXEC);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (said_fd_ < 0 || null_fd < 0) {
    int error = errno;
    if (said_fd_ >= 0) ::close(said_fd_);
    if (null_fd >= 0) ::close(null_fd);
    throw SlurmError("cannot run '" + program + "': " + std::string(std::strerror(error)));
  }
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
  environment.insert(environment.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> args, envp;
  for (auto& word : argv) args.push_back(word.data());
  args.push_back(nullptr);
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, null_fd, 0);
  ::posix_spawn_file_actions_adddup2(&actions, null_fd, 1);
  ::posix_spawn_file_actions_adddup2(&actions, said_fd_, 2);
  posix_spawnattr_t attributes;
  ::posix_spawnattr_init(&attributes);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  ::posix_spawnattr_setpgroup(&attributes, 0);
  int spawned = ::posix_spawnp(&pid_, program.c_str(), &actions, &attributes, args.data(), envp.data());
  ::posix_spawnattr_destroy(&attributes);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(null_fd);
  if (spawned != 0) {
    ::close(said_fd_);
    pid_ = -1;
    if (spawned == ENOENT)
      throw SlurmError("Slurm is not installed here: 'srun' is not on PATH (install slurm-client)");
    throw SlurmError("cannot run 'srun': " + std::string(std::strerror(spawned)));
  }
}

SlurmProcess::~SlurmProcess() {
  if (pid_ > 0 && !exit_status()) {
    // SIGTERM first: srun and salloc then revoke a pending allocation or end their step. One killed
    // outright would leave its job queued in Slurm.
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!exit_status() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // another process's exit
    }
    if (!status_) ::kill(pid_, SIGKILL);
    wait();
  }
  if (said_fd_ >= 0) ::close(said_fd_);
}

std::string SlurmProcess::said() {
  std::string text;
  char chunk[4096];
  off_t offset = 0;
  for (;;) {
    ssize_t got = ::pread(said_fd_, chunk, sizeof chunk, offset);
    if (got <= 0) break;
    text.append(chunk, static_cast<size_t>(got));
    offset += got;
  }
  return text;
}

std::string SlurmProcess::job_id() {
  if (!job_id_.empty()) return job_id_;
  // "srun: jobid 40: nodes(1):..." once allocated; "srun: job 41 queued and waiting for resources";
  // "salloc: Granted job allocation 42", "salloc: Pending job allocation 43".
  static const std::regex allocated(
      R"((?:srun|salloc): (?:jobid |job |Granted job allocation |Pending job allocation )([0-9]+))");
  std::string text = said();
  std::smatch found;
  if (std::regex_search(text, found, allocated)) job_id_ = found[1].str();
  return job_id_;
}

std::string SlurmProcess::step_id() {
  // "srun: launching StepId=11.3 on host localhost, 1 tasks: 0"
  static const std::regex launched(R"(StepId=([0-9]+\.[0-9]+))");
  std::string text = said();
  std::smatch found;
  return std::regex_search(text, found, launched) ? found[1].str() : "";
}

bool SlurmProcess::queued() {
  std::string text = said();
  size_t queued = text.rfind("queued and waiting for resources");
  return queued != std::string::npos && text.find("has been allocated resources", queued) == std::string::npos;
}

std::optional<int> SlurmProcess::exit_status() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) status_ = status;
  return status_;
}

int SlurmProcess::wait() {
  if (status_) return *status_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  return status;
}

void SlurmProcess::signal(int signal) const {
  if (pid_ > 0 && !status_) ::kill(pid_, signal);
}

std::string SlurmProcess::errors() {
  std::istringstream lines(said());
  std::string line, errors, last;
  while (std::getline(lines, line)) {
    if (line.find("error:") != std::string::npos) errors += (errors.empty() ? "" : "; ") + line;
    if (!line.empty()) last = line;
  }
  return errors.empty() ? last : errors;
}

}  // namespace strata::detail
