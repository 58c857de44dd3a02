// Concurrency pools: a step that names a pool (AssetOptions::pool, OpOptions::pool) holds one of the
// pool's slots while it runs. The slots are rows in the instance's storage, so the limit holds
// across every run and process sharing the instance (strata.yaml `concurrency:`):
//
//   concurrency:
//     pools:
//       warehouse: 2           # at most 2 steps of pool `warehouse` at once
//     default_pool_limit: 4    # pools not listed (absent: unlimited)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace strata {

class Instance;

struct PoolLimits {
  std::map<std::string, int64_t> pools{};
  std::optional<int64_t> default_limit{};

  // The limit of `pool`, or nothing when unlimited.
  std::optional<int64_t> limit_for(const std::string& pool) const;
};

// A held slot of a concurrency pool. PoolSlotLease::acquire waits, polling the storage with an
// increasing delay (1 ms up to 200 ms), until it claims a slot; the destructor frees it (errors
// then are dropped: the reaper frees the slots of runs that died). Move-only; one thread at a time.
class PoolSlotLease {
 public:
  PoolSlotLease() = default;  // holds nothing
  // Claims a slot of `pool` for (run_id, step_key) in `instance`'s storage, waiting while the pool
  // is full; `on_wait` is called once when it has to wait. Holds nothing (returns at once) when
  // `instance` is null, `pool` is empty or the pool is unlimited. Throws StorageError.
  static PoolSlotLease acquire(Instance* instance, const std::string& pool, const std::string& run_id,
                               const std::string& step_key, const std::function<void(int64_t limit)>& on_wait = {});
  ~PoolSlotLease();
  PoolSlotLease(PoolSlotLease&& other) noexcept;
  PoolSlotLease& operator=(PoolSlotLease&& other) noexcept;
  PoolSlotLease(const PoolSlotLease&) = delete;
  PoolSlotLease& operator=(const PoolSlotLease&) = delete;

  bool held() const { return instance_ != nullptr; }

 private:
  void release() noexcept;
  Instance* instance_ = nullptr;
  std::string pool_, run_id_, step_key_;
};

}  // namespace strata
