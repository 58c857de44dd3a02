#include "strata/daemon/daemon.hpp"

#include <unistd.h>

#include <sstream>

#include "strata/core/types/event.hpp"

namespace strata {
namespace {

std::atomic<uint64_t> daemon_counter{0};

std::string make_daemon_id() {
  int64_t pid = ::getpid();
  return Instance::host_name() + ":" + std::to_string(pid) + ":" + std::to_string(Instance::process_start_ticks(pid)) +
         ":" + std::to_string(daemon_counter.fetch_add(1));
}

// Whether `holder` ("host:pid:start-ticks:n") is a daemon on this host whose process is gone.
bool holder_process_gone(const std::string& holder) {
  std::vector<std::string> parts;
  std::stringstream in(holder);
  for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
  if (parts.size() != 4 || parts[0] != Instance::host_name()) return false;
  try {
    int64_t pid = std::stoll(parts[1]);
    int64_t ticks = std::stoll(parts[2]);
    int64_t now_ticks = Instance::process_start_ticks(pid);
    return now_ticks == 0 || now_ticks != ticks;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

const char* daemon_state_name(Daemon::State state) {
  switch (state) {
    case Daemon::State::kActive:
      return "active";
    case Daemon::State::kStandby:
      return "standby";
    default:
      return "stopped";
  }
}

Daemon::Daemon(std::shared_ptr<Instance> instance, std::vector<std::unique_ptr<DaemonLoop>> loops,
               DaemonOptions options)
    : instance_(std::move(instance)),
      loops_(std::move(loops)),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : std::make_shared<SystemClock>()),
      id_(options_.daemon_id.empty() ? make_daemon_id() : options_.daemon_id) {
  for (size_t i = 0; i < loops_.size(); ++i) passes_.push_back(std::make_unique<std::atomic<uint64_t>>(0));
}

Daemon::~Daemon() { stop(); }

void Daemon::start() {
  {
    std::lock_guard lock(mutex_);
    if (!threads_.empty()) return;
    stopping_ = false;
  }
  threads_.emplace_back([this] { lease_thread(); });
  for (size_t i = 0; i < loops_.size(); ++i) threads_.emplace_back([this, i] { loop_thread(i); });
}

void Daemon::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
  bool was_active = state_.load() == State::kActive;
  threads_.clear();
  state_ = State::kStopped;
  if (was_active) {
    try {
      instance_->storage().release_daemon_lease(id_);
    } catch (const std::exception&) {
      // The lease expires by itself.
    }
  }
}

std::string Daemon::holder() const {
  std::lock_guard lock(mutex_);
  return holder_;
}

std::string Daemon::last_lease_error() const {
  std::lock_guard lock(mutex_);
  return lease_error_;
}

bool Daemon::wait_for(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [this] { return stopping_; });
  return !stopping_;
}

void Daemon::set_state(State state, const std::string& holder) {
  State previous = state_.exchange(state);
  {
    std::lock_guard lock(mutex_);
    holder_ = holder;
  }
  if (previous != state) {
    wake_.notify_all();
    if (options_.on_state_change) options_.on_state_change(state == State::kActive, holder);
  }
}

bool Daemon::try_take_lease() {
  Storage& storage = instance_->storage();
  int64_t now = now_unix_us();
  int64_t ttl = std::chrono::duration_cast<std::chrono::microseconds>(options_.lease_ttl).count();
  if (storage.acquire_daemon_lease(id_, now, ttl)) return true;
  auto lease = storage.daemon_lease();
  if (lease && holder_process_gone(lease->holder)) {
    storage.release_daemon_lease(lease->holder);  // its process is gone: free it for whoever is first
    return storage.acquire_daemon_lease(id_, now, ttl);
  }
  return false;
}

void Daemon::lease_thread() {
  auto renew_every = std::max(options_.lease_ttl / 3, std::chrono::milliseconds(1));
  while (true) {
    bool active = false;
    std::string holder;
    try {
      active = try_take_lease();
      if (!active) {
        auto lease = instance_->storage().daemon_lease();
        holder = lease ? lease->holder : "";
      }
      std::lock_guard lock(mutex_);
      lease_error_.clear();
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex_);
      lease_error_ = e.what();
      active = state_.load() == State::kActive;  // keep going until the lease would have expired
    }
    set_state(active ? State::kActive : State::kStandby, active ? id_ : holder);
    if (!wait_for(active ? renew_every : options_.standby_poll)) return;
  }
}

void Daemon::loop_thread(size_t index) {
  DaemonLoop& loop = *loops_[index];
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || state_.load() == State::kActive; });
      if (stopping_) return;
    }
    std::string error;
    try {
      loop.run_once(clock_->now());
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "error without a message";
    } catch (...) {
      error = "non-standard exception";
    }
    try {
      instance_->storage().record_daemon_heartbeat({loop.name(), id_, now_unix_us(), error, 0});
    } catch (const std::exception&) {
      // The next pass records it.
    }
    passes_[index]->fetch_add(1);
    wake_.notify_all();
    if (!wait_for(loop.interval())) return;
  }
}

}  // namespace strata
