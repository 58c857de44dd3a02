// StepScheduler: runs a plan's steps in dependency order on up to max_concurrency threads (the
// calling thread included): a step is handed to `execute` once all its upstream steps have been,
// and a thread continues inline with one newly ready successor, so a chain runs without hand-offs.
// One scheduler serves one run() call; `execute` is called from several threads at once and must
// not throw. Throws nothing itself (std::system_error if no thread can be started).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "strata/execution/plan.hpp"

namespace strata::detail {

class StepScheduler {
 public:
  // `plan` outlives this object; max_concurrency 0 means the machine's cores.
  StepScheduler(const ExecutionPlan& plan, int max_concurrency);

  // Returns once `execute(index)` has returned for every step of the plan.
  void run(const std::function<void(int index)>& execute);

 private:
  void work(const std::function<void(int)>& execute);
  // Executes step `index`, queues its successors that became ready; returns one to run inline or -1.
  int process(int index, const std::function<void(int)>& execute);

  const ExecutionPlan& plan_;
  int max_concurrency_;
  std::vector<std::atomic<int>> pending_;  // per step: upstream steps not yet executed
  std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::deque<int> ready_;
  size_t unfinished_ = 0;
};

}  // namespace strata::detail
