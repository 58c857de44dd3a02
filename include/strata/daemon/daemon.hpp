// Daemon: the long-running part of a Strata program (the `daemon` command, and `dev` beside the web
// server). It owns its loops (schedules, sensors, the run queue, backfills...) and runs each on a
// thread of its own: one pass (DaemonLoop::run_once at the clock's time) every interval, a heartbeat
// per loop in the instance after each pass, and what a pass throws recorded on that heartbeat (the
// loop runs again next interval; nothing stops the daemon but stop()).
//
// One daemon is active per instance: the loops run only while this daemon holds the instance's
// daemon lease (Storage::acquire_daemon_lease), renewed every lease_ttl / 3. A second daemon on
// the same instance stands by — state() says kStandby and who holds the lease — and takes over
// when the holder stops (it releases the lease), dies (a holder on this host whose process is gone)
// or stops renewing (the lease expires). Lease times are real time, whatever the clock.
//
// start() and stop() are for one controlling thread; state() and holder() may be called from any.
// The destructor stops the daemon. Construction throws nothing but std::bad_alloc; errors of the
// instance (StorageError) in the lease thread are retried, reported by last_lease_error().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "strata/daemon/clock.hpp"
#include "strata/daemon/daemon_loop.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

struct DaemonOptions {
  std::shared_ptr<const Clock> clock{};  // null: SystemClock
  std::chrono::milliseconds lease_ttl{std::chrono::seconds(30)};
  // How often a standing-by daemon tries to take the lease.
  std::chrono::milliseconds standby_poll{std::chrono::seconds(1)};
  std::string daemon_id{};  // empty: "host:pid:start-ticks:n", unique per Daemon object
  // Called (from the lease thread) when the daemon becomes active or starts standing by.
  std::function<void(bool active, const std::string& holder)> on_state_change{};
};

class Daemon {
 public:
  enum class State { kStopped, kStandby, kActive };

  Daemon(std::shared_ptr<Instance> instance, std::vector<std::unique_ptr<DaemonLoop>> loops,
         DaemonOptions options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts the lease thread and one thread per loop; returns at once.
  void start();
  // Stops every thread (a pass in progress finishes first) and gives the lease up. Idempotent.
  void stop();

  State state() const { return state_.load(); }
  const std::string& id() const { return id_; }
  // The lease holder last seen (this daemon's id when active).
  std::string holder() const;
  std::string last_lease_error() const;
  const std::vector<std::unique_ptr<DaemonLoop>>& loops() const { return loops_; }

  // How many passes the loop at `index` has finished (for tests waiting on progress).
  uint64_t passes(size_t index) const { return passes_[index]->load(); }

 private:
  void lease_thread();
  void loop_thread(size_t index);
  bool try_take_lease();
  void set_state(State state, const std::string& holder);
  bool wait_for(std::chrono::milliseconds duration);  // false when stopping

  std::shared_ptr<Instance> instance_;
  std::vector<std::unique_ptr<DaemonLoop>> loops_;
  DaemonOptions options_;
  std::shared_ptr<const Clock> clock_;
  std::string id_;
  std::atomic<State> state_{State::kStopped};
  std::vector<std::unique_ptr<std::atomic<uint64_t>>> passes_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string holder_;
  std::string lease_error_;
  std::vector<std::thread> threads_;
};

const char* daemon_state_name(Daemon::State state);

}  // namespace strata
