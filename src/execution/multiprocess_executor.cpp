// The multi-process executor: each step of a run in a process of its own.
//
// A run starts its step server once, on its first step: this program again (`<program>
// __step-worker`, the hidden worker command of run_cli; no second program) with a control socket
// on fd 3. For each step the run hands the server one end of a new socket; the server forks a
// process for the step (so exec, dynamic linking and building the Definitions are paid once per
// run, not per step), reports its pid, and reports how it ended (its wait status) when it does.
//
// The step talks with the run over its socket in the step protocol (step_protocol.hpp). The run
// records every event itself (one EventWriter per run, live progress, a complete
// RunResult), so a worker never opens the instance's storage for writing; a worker that dies
// before "end" fails its step with how it died.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "step_launcher.hpp"
#include "step_protocol.hpp"
#include "strata/core/contexts/shutdown.hpp"
#include "strata/core/definitions/definitions.hpp"
#include "strata/core/definitions/retry_policy.hpp"
#include "strata/core/resources/io_manager.hpp"
#include "strata/core/types/type_info.hpp"
#include "strata/execution/program_command.hpp"
#include "strata/storage/instance.hpp"
#include "strata/storage/staged_output_recovery.hpp"

extern char** environ;

namespace strata::detail {
namespace {

using json = nlohmann::json;

constexpr int kWorkerFd = 3;
constexpr const char* kServerEnv = "STRATA_STEP_SERVER";
// How long a step of a canceled run has to stop after SIGTERM before it is killed.
constexpr std::chrono::seconds kCancelGrace{10};

// Why `manager_key` cannot serve the multi-process executor, or "" when it can.
std::string process_local_manager(const ExecutionPlan& plan, const std::string& manager_key) {
  auto it = plan.resources().find(manager_key);
  if (it == plan.resources().end()) return "";  // the built-in filesystem default
  const Resource& prototype = it->second.prototype();
  bool shares = true;
  if (const auto* manager = dynamic_cast<const InputManager*>(&prototype)) shares = manager->shares_across_processes();
  if (const auto* factory = dynamic_cast<const IOManagerFactory*>(&prototype)) {
    shares = factory->shares_across_processes();
  }
  if (shares) return "";
  return "I/O manager '" + manager_key + "' (" + demangle(typeid(prototype).name()) +
         ") keeps values in the memory of one process, and the multi-process executor runs each step in a process "
         "of its own, so the step that reads it could not load it; use a filesystem, table or database I/O manager "
         "for it, or run with the in_process executor";
}

// Sends `text` as one packet on `socket`, with `fd` attached (SCM_RIGHTS) when >= 0.
bool send_packet(int socket, const std::string& text, int fd = -1) {
  iovec data{const_cast<char*>(text.data()), text.size()};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  }
  for (;;) {
    ssize_t sent = ::sendmsg(socket, &message, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    return sent == static_cast<ssize_t>(text.size());
  }
}

// Receives one packet (and the descriptor attached to it, else -1); false at end of stream.
bool receive_packet(int socket, std::string& text, int& fd) {
  char buffer[512];
  iovec data{buffer, sizeof buffer};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) return false;
  text.assign(buffer, static_cast<size_t>(got));
  fd = -1;
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
    std::memcpy(&fd, CMSG_DATA(header), sizeof(int));
  }
  return true;
}

// The run's step server: one process of this program (`<program> __step-worker`, started once per
// run, so the program's start-up and Definitions are paid once) that forks a process for each step.
// The step processes are the server's children; it reports their pids and how they ended over a
// control socket (packets "started ID PID", "exited ID STATUS"). Thread-safe.
class StepServer {
 public:
  explicit StepServer(const std::vector<std::string>& command) {
    if (std::getenv(kServerEnv) != nullptr) {
      throw Error(
          "this process was started as a step server of the multi-process executor but runs a multi-process run "
          "itself: the program's main() must hand its arguments to strata::run_cli, which serves the step "
          "server (or use the in_process executor)");
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
      throw Error(std::string("cannot create a socket for the step processes: ") + std::strerror(errno));
    }
    control_ = fds[0];
    // Above the standard descriptors, so the dup2 onto fd 3 in the child always clears close-on-exec.
    int child_end = ::fcntl(fds[1], F_DUPFD_CLOEXEC, 10);
    ::close(fds[1]);
    std::vector<std::string> words = command;
    words.push_back("__step-worker");
    std::vector<char*> argv;
    for (auto& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, child_end, kWorkerFd);
    // The server's environment marks it, so that a program that does not serve the worker command
    // (its main never reaches run_cli) cannot start servers of its own, over and over.
    std::vector<std::string> environment = {std::string(kServerEnv) + "=1"};
    for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
    std::vector<char*> envp;
    for (auto& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);
    int error = ::posix_spawn(&pid_, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(child_end);
    if (error != 0) {
      ::close(control_);
      throw Error(std::string("cannot start this program for the step processes: ") + std::strerror(error));
    }
    reader_ = std::thread([this] { read_reports(); });
  }
  // Ends the server (it kills step processes still running) and waits for it.
  ~StepServer() {
    ::shutdown(control_, SHUT_RDWR);
    reader_.join();
    ::close(control_);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  StepServer(const StepServer&) = delete;
  StepServer& operator=(const StepServer&) = delete;

  // Has the server fork a process that serves `step_fd`; its request id.
  uint64_t start(int step_fd) {
    uint64_t id = 0;
    {
      std::lock_guard lock(mutex_);  // registered first: its reports may come at once
      id = ++last_id_;
      children_[id];
    }
    std::lock_guard sending(send_mutex_);  // not mutex_: the reader must go on while this sends
    if (!send_packet(control_, std::to_string(id), step_fd)) {
      std::lock_guard lock(mutex_);
      children_.erase(id);
      throw Error(gone_message());
    }
    return id;
  }
  // Waits until the process of request `id` ended: its wait status, or nullopt when the server
  // ended first. `pid` is the step process's pid (0 when it never started).
  std::optional<int> wait(uint64_t id, int64_t& pid) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return children_[id].status.has_value() || gone_; });
    Child child = children_[id];
    children_.erase(id);
    pid = child.pid;
    return child.status;
  }
  // Why a step cannot run when this server ended first (before or after it was asked to start it).
  std::string gone_message() const {
    return "the step server process (pid " + std::to_string(pid_) +
           ") ended before the step finished (the program's main() must hand its arguments to strata::run_cli, "
           "which serves it)";
  }
  // The pid of request `id`'s process while it runs: 0 until the server reported it, and again once
  // the server reported it ended (its pid may then belong to another process).
  int64_t pid_of(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = children_.find(id);
    return it == children_.end() || it->second.status ? 0 : it->second.pid;
  }

 private:
  struct Child {
    int64_t pid = 0;
    std::optional<int> status;
  };

  void read_reports() {
    std::string text;
    int unused = -1;
    while (receive_packet(control_, text, unused)) {
      char kind[16] = {};
      unsigned long long id = 0;
      long long value = 0;
      if (std::sscanf(text.c_str(), "%15s %llu %lld", kind, &id, &value) != 3) continue;
      std::lock_guard lock(mutex_);
      auto it = children_.find(id);
      if (it == children_.end()) continue;
      if (std::strcmp(kind, "started") == 0) it->second.pid = value;
      if (std::strcmp(kind, "exited") == 0) it->second.status = static_cast<int>(value);
      changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    gone_ = true;
    changed_.notify_all();
  }

  int control_ = -1;
  pid_t pid_ = -1;
  std::thread reader_;
  std::mutex send_mutex_;
  std::mutex mutex_;  // children_, gone_
  std::condition_variable changed_;
  std::map<uint64_t, Child> children_;
  uint64_t last_id_ = 0;
  bool gone_ = false;
};

// One step's socket; the far end goes to the step's process.
struct StepSocket {
  int fd = -1;
  int far = -1;
  explicit StepSocket(const std::string& step_key) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      throw Error("step '" + step_key + "': cannot create a socket for its process: " + std::strerror(errno));
    }
    fd = fds[0];
    far = fds[1];
  }
  ~StepSocket() {
    if (fd >= 0) ::close(fd);
    if (far >= 0) ::close(far);
  }
  StepSocket(const StepSocket&) = delete;
  StepSocket& operator=(const StepSocket&) = delete;
};

class ChildProcessLauncher : public StepLauncher {
 public:
  ChildProcessLauncher(const ExecutionPlan& plan, const RunOptions& options)
      : command_(program_command()), instance_(options.instance), request_(step_request_base(plan, options)) {}

  void run_step(StepLaunch& launch) override {
    const std::string& key = launch.step.key;
    StepServer& steps = server();
    StepSocket step_socket(key);
    uint64_t id = steps.start(step_socket.far);
    ::close(step_socket.far);
    step_socket.far = -1;
    LineSocket socket(step_socket.fd);
    // A canceled run asks the step to stop (SIGTERM: ExecutionContext::is_canceled turns true in the
    // step's process), then stops it (SIGKILL) when it has not after kCancelGrace.
    std::optional<std::chrono::steady_clock::time_point> asked;
    socket.set_idle(
        [&] {
          if (!launch.cancellation.canceled()) return;
          int64_t pid = steps.pid_of(id);
          if (pid <= 0) return;
          if (!asked) {
            ::kill(static_cast<pid_t>(pid), SIGTERM);
            asked = std::chrono::steady_clock::now();
          } else if (std::chrono::steady_clock::now() - *asked > kCancelGrace) {
            ::kill(static_cast<pid_t>(pid), SIGKILL);
          }
        },
        std::chrono::milliseconds(10));
    StepConversation conversation = converse_with_step(socket, step_request(request_, launch), launch);
    const std::optional<json>& end = conversation.end;
    const std::string& protocol_error = conversation.protocol_error;
    ::shutdown(step_socket.fd, SHUT_RDWR);  // a process that is still going stops at its next message
    int64_t pid = 0;
    std::optional<int> status = steps.wait(id, pid);
    std::string process = "its process (pid " + std::to_string(pid) + ")";
    if (!protocol_error.empty()) {
      throw RemoteStepError(
          "step '" + key + "': " + process + " sent a message that is not understood: " + protocol_error,
          "ProtocolError");
    }
    if (!end) {
      if (!status) {
        throw RemoteStepError("step '" + key + "': " + steps.gone_message(), "ProcessCrash");
      }
      throw RemoteStepError("step '" + key + "' " + describe_exit_status(*status) + " (" + process +
                                " ended before the step finished)" + publish_recorded(launch, pid),
                            "ProcessCrash");
    }
    finish_step(*end, launch);
  }

 private:
  // A step process that died between recording a materialization and publishing its staged data
  // (core/resources/staged_files.hpp): publishes it now, as reaping a dead run would, before the files of a
  // process that is gone are swept as abandoned. "" or what went wrong, to add to the step's error.
  std::string publish_recorded(const StepLaunch& launch, int64_t pid) {
    if (!instance_ || !launch.records_events || pid <= 0) return "";
    try {
      launch.commit();
      RunRecord writer;
      writer.run_id = launch.run_id;
      writer.owner_pid = pid;
      publish_recorded_outputs(instance_->storage(), writer);
      return "";
    } catch (const std::exception& e) {
      return std::string("; publishing what it recorded failed: ") + e.what();
    }
  }

  StepServer& server() {
    std::lock_guard lock(server_mutex_);
    if (!server_) server_ = std::make_unique<StepServer>(command_);
    return *server_;
  }

  std::vector<std::string> command_;
  std::shared_ptr<Instance> instance_;
  json request_;
  std::mutex server_mutex_;
  std::unique_ptr<StepServer> server_;
};

}  // namespace

std::unique_ptr<StepLauncher> make_child_process_launcher(const ExecutionPlan& plan, const RunOptions& options) {
  refuse_managers(plan, "the multi-process executor",
                  [&](const std::string& key) { return process_local_manager(plan, key); });
  return std::make_unique<ChildProcessLauncher>(plan, options);
}

int run_step_worker(const Definitions& defs, int control) {
  ::fcntl(control, F_SETFD, FD_CLOEXEC);
  // Ctrl-C on a terminal reaches the whole process group: the server and its step processes leave
  // it to the run, which cancels its steps itself.
  ::signal(SIGINT, SIG_IGN);
  // Step processes are reported as they end: SIGCHLD through a signalfd, waited for in the loop.
  // (Whatever the run had blocked is not inherited: step processes start with no signal blocked.)
  sigset_t child_signal, previous;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  ::sigprocmask(SIG_SETMASK, &child_signal, nullptr);
  sigemptyset(&previous);
  int signals = ::signalfd(-1, &child_signal, SFD_CLOEXEC);
  std::map<pid_t, std::string> running;  // pid -> request id
  auto reap = [&] {
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = running.find(pid);
      if (it == running.end()) continue;
      send_packet(control, "exited " + it->second + " " + std::to_string(status));
      running.erase(it);
    }
  };
  for (;;) {
    pollfd ready[2] = {{control, POLLIN, 0}, {signals, POLLIN, 0}};
    if (::poll(ready, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready[1].revents & POLLIN) {
      signalfd_siginfo info;
      while (::read(signals, &info, sizeof info) < 0 && errno == EINTR) {
      }
      reap();
    }
    if (ready[0].revents == 0) continue;
    std::string id;
    int step_fd = -1;
    if (!receive_packet(control, id, step_fd)) break;  // the run is over (or gone)
    if (step_fd < 0) continue;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(control);
      ::close(signals);
      ::sigprocmask(SIG_SETMASK, &previous, nullptr);
      int code = serve_step_request(defs, step_fd);
      run_shutdown_hooks();
      std::fflush(nullptr);
      ::_exit(code);
    }
    ::close(step_fd);
    if (pid < 0) {
      send_packet(control, "exited " + id + " " + std::to_string(W_EXITCODE(126, 0)));
      continue;
    }
    running.emplace(pid, id);
    send_packet(control, "started " + id + " " + std::to_string(pid));
  }
  for (const auto& [pid, id] : running) ::kill(pid, SIGKILL);
  while (!running.empty()) {
    pid_t pid = ::waitpid(-1, nullptr, 0);
    if (pid < 0 && errno != EINTR) break;
    running.erase(pid);
  }
  return 0;
}

}  // namespace strata::detail
