// RetryDelays: whether a failed step attempt is tried again and after how long, from the step's
// RetryPolicy (with random jitter) and what the step asked for by throwing RetryRequested. One per
// run; after() may be called from every run thread at once and throws nothing.
#pragma once

#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <random>

#include "strata/execution/plan.hpp"

namespace strata::detail {

class RetryDelays {
 public:
  // The delay before another attempt of `step` after attempt `attempt` failed with `error`, or none
  // when it is not retried (no policy or request, retries used up, the run `canceled`).
  std::optional<std::chrono::milliseconds> after(const PlanStep& step, const std::exception& error, int attempt,
                                                 bool canceled);

 private:
  std::mutex mutex_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace strata::detail
