// CancelWatcher: a thread that, every 20 ms while a run goes on, cancels the run once its instance
// records it as CANCELING (`runs cancel` from any process), and calls `on_canceled` once when the
// run is canceled by any means, then ends. Owned by the Run; start and stop are called from the
// run's own thread (the destructor stops it too). Throws nothing but std::system_error from start.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "strata/execution/run_cancellation.hpp"
#include "strata/storage/instance.hpp"

namespace strata::detail {

class CancelWatcher {
 public:
  // `instance` may be null (then only `cancellation` is watched); `cancellation` outlives this object.
  CancelWatcher(std::shared_ptr<Instance> instance, std::string run_id, RunCancellation& cancellation,
                std::function<void()> on_canceled)
      : instance_(std::move(instance)),
        run_id_(std::move(run_id)),
        cancellation_(cancellation),
        on_canceled_(std::move(on_canceled)) {}
  ~CancelWatcher() { stop(); }
  CancelWatcher(const CancelWatcher&) = delete;
  CancelWatcher& operator=(const CancelWatcher&) = delete;

  void start();
  void stop();

 private:
  void loop();

  std::shared_ptr<Instance> instance_;
  std::string run_id_;
  RunCancellation& cancellation_;
  std::function<void()> on_canceled_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace strata::detail
