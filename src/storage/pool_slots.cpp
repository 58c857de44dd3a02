#include "strata/storage/pool_slots.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "strata/storage/instance.hpp"

namespace strata {

std::optional<int64_t> PoolLimits::limit_for(const std::string& pool) const {
  auto it = pools.find(pool);
  if (it != pools.end()) return it->second;
  return default_limit;
}

PoolSlotLease PoolSlotLease::acquire(Instance* instance, const std::string& pool, const std::string& run_id,
                                     const std::string& step_key, const std::function<void(int64_t limit)>& on_wait) {
  PoolSlotLease lease;
  if (instance == nullptr || pool.empty()) return lease;
  std::optional<int64_t> limit = instance->config().pools.limit_for(pool);
  if (!limit) return lease;
  PoolSlot slot{pool, run_id, step_key};
  auto delay = std::chrono::milliseconds(1);
  bool told = false;
  while (!instance->storage().claim_pool_slot(slot, *limit)) {
    if (!told && on_wait) on_wait(*limit);
    told = true;
    // Not busy: each look at the storage is followed by a longer wait, up to 200 ms.
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(200));
  }
  lease.instance_ = instance;
  lease.pool_ = pool;
  lease.run_id_ = run_id;
  lease.step_key_ = step_key;
  return lease;
}

PoolSlotLease::~PoolSlotLease() { release(); }

PoolSlotLease::PoolSlotLease(PoolSlotLease&& other) noexcept
    : instance_(std::exchange(other.instance_, nullptr)),
      pool_(std::move(other.pool_)),
      run_id_(std::move(other.run_id_)),
      step_key_(std::move(other.step_key_)) {}

PoolSlotLease& PoolSlotLease::operator=(PoolSlotLease&& other) noexcept {
  if (this != &other) {
    release();
    instance_ = std::exchange(other.instance_, nullptr);
    pool_ = std::move(other.pool_);
    run_id_ = std::move(other.run_id_);
    step_key_ = std::move(other.step_key_);
  }
  return *this;
}

void PoolSlotLease::release() noexcept {
  if (instance_ == nullptr) return;
  try {
    instance_->storage().release_pool_slot({pool_, run_id_, step_key_});
  } catch (...) {
    // Storage that cannot be written now: the reaper frees the slot once the run is gone.
  }
  instance_ = nullptr;
}

}  // namespace strata
