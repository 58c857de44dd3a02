// RetryPolicy: how often, and after what delay, a failed step is tried again.
//
//   auto fetch = strata::asset("fetch", {.retry_policy = strata::RetryPolicy{
//                                            .max_retries = 3,
//                                            .delay = std::chrono::milliseconds(200),
//                                            .backoff = strata::Backoff::kExponential,
//                                            .jitter = strata::Jitter::kPlusMinus}},
//                              [] { return call_flaky_service(); });
//
// Set on an asset, a multi-asset or an op, or as a job's default (JobOptions::op_retry_policy).
// The delay before retry n (n = 1 for the first retry) is `delay` (no backoff), `delay * n`
// (linear) or `delay * (2^n - 1)` (exponential); jitter then draws it uniformly from [0, d] (full)
// or from [d - delay, d + delay] (plus/minus), never below zero. A step may also throw
// RetryRequested to ask for another attempt itself. Plain values: not synchronized.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "strata/core/util/error.hpp"

namespace strata {

enum class Backoff { kNone, kLinear, kExponential };
enum class Jitter { kNone, kFull, kPlusMinus };

struct RetryPolicy {
  int max_retries = 1;  // attempts after the first; 0 = never retry
  std::chrono::milliseconds delay{0};
  Backoff backoff = Backoff::kNone;
  Jitter jitter = Jitter::kNone;

  // The delay before retry `retry` (1-based), with `unit_random` in [0, 1) for the jitter.
  std::chrono::milliseconds delay_before(int retry, double unit_random) const;
  // Throws DefinitionError naming `owner` when max_retries or delay is negative.
  void validate(const std::string& owner) const;
};

// Thrown by a step to be tried again: up to `max_retries` retries after `wait` each, counted
// together with the step's RetryPolicy (the larger maximum applies). `what()` is recorded as the
// attempt's error.
class RetryRequested : public Error {
 public:
  const char* code() const noexcept override { return "retry_requested"; }
  explicit RetryRequested(std::string why = "retry requested", int max_retries = 1,
                          std::chrono::milliseconds wait = std::chrono::milliseconds(0))
      : Error(std::move(why)), max_retries_(max_retries), wait_(wait) {}
  int max_retries() const { return max_retries_; }
  std::chrono::milliseconds wait() const { return wait_; }

 private:
  int max_retries_;
  std::chrono::milliseconds wait_;
};

}  // namespace strata
