// Forked children for tests of what a process leaves behind when it dies.
//
// in_forked_child(body) runs `body` in a child created by fork() and returns how the child ended:
// the signal number when it was killed, else its exit status (0 when `body` returns). Call it with
// no other threads running in the test process (fork copies only the calling thread).
// finished_process_pid() is the pid of a child that has exited and been reaped: a process that is
// gone (unless the pid is reused).
#pragma once

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

namespace strata::testing {

template <class F>
int in_forked_child(F&& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
}

inline int64_t finished_process_pid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

}  // namespace strata::testing
