// Clock: where the daemon and its loops read the time, so that tests can move it by hand instead of
// waiting for real minutes. SystemClock reads the system clock; ManualClock returns what it was set to.
// Both may be called from several threads at once.
#pragma once

#include <atomic>
#include <chrono>

namespace strata {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

// A clock that stands still until set() or advance() moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start) : now_(start.time_since_epoch().count()) {}
  time_point now() const override { return time_point(time_point::duration(now_.load())); }
  void set(time_point t) { now_.store(t.time_since_epoch().count()); }
  void advance(std::chrono::system_clock::duration d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<time_point::rep> now_;
};

}  // namespace strata
