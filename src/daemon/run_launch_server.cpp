#include "strata/daemon/run_launch_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "strata/core/util/error.hpp"
#include "strata/execution/program_command.hpp"

namespace strata {
namespace {

constexpr int kServerFd = 3;
constexpr int kReportFd = 3;
constexpr size_t kMaxRequest = 1 << 20;

// A message header over `io` with room for two descriptors in `control`.
msghdr two_fd_header(iovec& io, char* control, size_t control_size) {
  msghdr header{};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  header.msg_control = control;
  header.msg_controllen = control_size;
  return header;
}

// One request: the arguments joined by NUL bytes, after their total length; two descriptors.
bool send_request(int socket, const std::vector<std::string>& args, int log_fd, int report_fd) {
  std::string payload;
  for (const auto& arg : args) payload.append(arg).push_back('\0');
  uint64_t size = payload.size();
  std::string message(reinterpret_cast<const char*>(&size), sizeof size);
  message += payload;
  iovec io{message.data(), message.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  msghdr header = two_fd_header(io, control, sizeof control);
  cmsghdr* fds = CMSG_FIRSTHDR(&header);
  fds->cmsg_level = SOL_SOCKET;
  fds->cmsg_type = SCM_RIGHTS;
  fds->cmsg_len = CMSG_LEN(2 * sizeof(int));
  int both[2] = {log_fd, report_fd};
  std::memcpy(CMSG_DATA(fds), both, sizeof both);
  ssize_t sent;
  do {
    sent = ::sendmsg(socket, &header, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return false;
  // The rest, without descriptors (a stream socket may take a long message in parts).
  for (size_t done = static_cast<size_t>(sent); done < message.size();) {
    ssize_t more = ::send(socket, message.data() + done, message.size() - done, MSG_NOSIGNAL);
    if (more < 0 && errno == EINTR) continue;
    if (more <= 0) return false;
    done += static_cast<size_t>(more);
  }
  return true;
}

bool read_exactly(int socket, char* data, size_t size) {
  for (size_t done = 0; done < size;) {
    ssize_t got = ::recv(socket, data + done, size - done, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

// Receives one request; false when the socket closed (or sent something malformed).
bool receive_request(int socket, std::vector<std::string>& args, int& log_fd, int& report_fd) {
  uint64_t size = 0;
  iovec io{&size, sizeof size};
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
  msghdr header = two_fd_header(io, control, sizeof control);
  ssize_t got;
  do {
    got = ::recvmsg(socket, &header, MSG_CMSG_CLOEXEC | MSG_WAITALL);
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof size)) return false;
  cmsghdr* fds = CMSG_FIRSTHDR(&header);
  if (!fds || fds->cmsg_type != SCM_RIGHTS || fds->cmsg_len != CMSG_LEN(2 * sizeof(int))) return false;
  int both[2];
  std::memcpy(both, CMSG_DATA(fds), sizeof both);
  log_fd = both[0];
  report_fd = both[1];
  if (size > kMaxRequest) return false;
  std::string payload(size, '\0');
  if (!read_exactly(socket, payload.data(), payload.size())) return false;
  args.clear();
  for (size_t start = 0; start < payload.size();) {
    size_t end = payload.find('\0', start);
    if (end == std::string::npos) return false;
    args.push_back(payload.substr(start, end - start));
    start = end + 1;
  }
  return true;
}

}  // namespace

RunLaunchServer::RunLaunchServer(std::vector<std::string> program) : program_(std::move(program)) {}

RunLaunchServer::~RunLaunchServer() { stop_server(); }

void RunLaunchServer::start_server() {
  std::vector<std::string> words = program_.empty() ? program_command() : program_;
  words.push_back("__launch-server");
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    throw Error(std::string("cannot create the launch server's socket: ") + std::strerror(errno));
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(pair[1], kServerFd);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  if (null_fd >= 0) ::close(null_fd);
  ::close(pair[1]);
  if (pid < 0) {
    ::close(pair[0]);
    throw Error(std::string("cannot start the launch server: ") + std::strerror(errno));
  }
  pid_ = pid;
  socket_ = pair[0];
}

void RunLaunchServer::stop_server() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(static_cast<pid_t>(pid_), &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = 0;
}

bool RunLaunchServer::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t done = ::waitpid(static_cast<pid_t>(pid_), &status, WNOHANG);
  if (done == 0) return true;
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
  pid_ = 0;  // reaped (or not ours any more)
  return false;
}

void RunLaunchServer::start(const std::vector<std::string>& args, int log_fd, int report_fd) {
  if (socket_ < 0) start_server();
  if (!send_request(socket_, args, log_fd, report_fd)) {
    int error = errno;
    stop_server();
    throw Error(std::string("the launch server is gone: ") + std::strerror(error));
  }
}

int serve_run_launches(int socket_fd, const std::function<int(const std::vector<std::string>& args)>& run) {
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args;
  int log_fd = -1, report_fd = -1;
  while (receive_request(socket_fd, args, log_fd, report_fd)) {
    pid_t first = ::fork();
    if (first == 0) {
      ::setsid();
      pid_t second = ::fork();
      if (second != 0) ::_exit(second < 0 ? 1 : 0);
      // The run's process: the request's descriptors in place of the server's.
      ::signal(SIGPIPE, SIG_DFL);
      int null_fd = ::open("/dev/null", O_RDONLY);
      if (null_fd >= 0) ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::dup2(report_fd, kReportFd);  // also replaces the server's socket (fd 3)
      for (int fd : {null_fd, log_fd, report_fd, socket_fd}) {
        if (fd > kReportFd) ::close(fd);
      }
      int code = run(args);
      std::fflush(nullptr);
      ::_exit(code);
    }
    ::close(log_fd);
    ::close(report_fd);
    if (first > 0) {
      int status = 0;
      while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  return 0;
}

}  // namespace strata
