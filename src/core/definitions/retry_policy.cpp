#include "strata/core/definitions/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace strata {

std::chrono::milliseconds RetryPolicy::delay_before(int retry, double unit_random) const {
  double base = static_cast<double>(delay.count());
  double d = base;
  if (backoff == Backoff::kLinear) d = base * retry;
  if (backoff == Backoff::kExponential) d = base * (std::pow(2.0, std::min(retry, 40)) - 1.0);
  if (jitter == Jitter::kFull) d = unit_random * d;
  if (jitter == Jitter::kPlusMinus) d = d + (unit_random * 2.0 - 1.0) * base;
  d = std::clamp(d, 0.0, 7.0 * 24 * 3600 * 1000);  // at most a week
  return std::chrono::milliseconds(static_cast<int64_t>(d));
}

void RetryPolicy::validate(const std::string& owner) const {
  if (max_retries < 0) {
    throw DefinitionError(owner + ": retry policy max_retries is " + std::to_string(max_retries) +
                          "; it must be 0 or more");
  }
  if (delay.count() < 0) {
    throw DefinitionError(owner + ": retry policy delay is " + std::to_string(delay.count()) +
                          " ms; it must be 0 or more");
  }
}

}  // namespace strata
