#include "step_scheduler.hpp"

#include <algorithm>
#include <thread>

namespace strata::detail {

StepScheduler::StepScheduler(const ExecutionPlan& plan, int max_concurrency)
    : plan_(plan), max_concurrency_(max_concurrency), pending_(plan.steps().size()) {
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    pending_[i].store(static_cast<int>(plan.steps()[i].upstream.size()), std::memory_order_relaxed);
  }
}

void StepScheduler::run(const std::function<void(int)>& execute) {
  const auto& steps = plan_.steps();
  if (steps.empty()) return;
  unfinished_ = steps.size();
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].upstream.empty()) ready_.push_back(static_cast<int>(i));
  }
  int concurrency =
      max_concurrency_ > 0 ? max_concurrency_ : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  concurrency = std::min<int>(concurrency, static_cast<int>(steps.size()));
  std::vector<std::thread> helpers;
  for (int i = 1; i < concurrency; ++i) helpers.emplace_back([this, &execute] { work(execute); });
  work(execute);
  for (auto& helper : helpers) helper.join();
}

void StepScheduler::work(const std::function<void(int)>& execute) {
  for (;;) {
    int next = -1;
    {
      std::unique_lock lock(mutex_);
      ready_cv_.wait(lock, [&] { return !ready_.empty() || unfinished_ == 0; });
      if (ready_.empty()) return;
      next = ready_.front();
      ready_.pop_front();
    }
    while (next >= 0) next = process(next, execute);
  }
}

int StepScheduler::process(int index, const std::function<void(int)>& execute) {
  execute(index);
  int inline_next = -1;
  size_t queued = 0;
  std::lock_guard lock(mutex_);
  for (int down : plan_.steps()[static_cast<size_t>(index)].downstream) {
    if (pending_[static_cast<size_t>(down)].fetch_sub(1, std::memory_order_acq_rel) == 1) {
      if (inline_next < 0) {
        inline_next = down;
      } else {
        ready_.push_back(down);
        ++queued;
      }
    }
  }
  if (--unfinished_ == 0) {
    ready_cv_.notify_all();
  } else {
    for (size_t i = 0; i < queued; ++i) ready_cv_.notify_one();
  }
  return inline_next;
}

}  // namespace strata::detail
