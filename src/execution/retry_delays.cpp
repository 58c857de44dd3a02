#include "retry_delays.hpp"

#include <algorithm>

#include "strata/core/definitions/retry_policy.hpp"
#include "strata/core/util/error.hpp"

namespace strata::detail {

std::optional<std::chrono::milliseconds> RetryDelays::after(const PlanStep& step, const std::exception& error,
                                                            int attempt, bool canceled) {
  if (canceled || dynamic_cast<const CanceledError*>(&error) != nullptr) return std::nullopt;
  const auto* requested = dynamic_cast<const RetryRequested*>(&error);
  int allowed =
      std::max(step.retry_policy ? step.retry_policy->max_retries : 0, requested ? requested->max_retries() : 0);
  if (attempt > allowed) return std::nullopt;
  if (requested && !step.retry_policy) return requested->wait();
  double unit = 0;
  {
    std::lock_guard lock(mutex_);
    unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }
  auto delay = step.retry_policy ? step.retry_policy->delay_before(attempt, unit) : std::chrono::milliseconds(0);
  return requested ? std::max(delay, requested->wait()) : delay;
}

}  // namespace strata::detail
