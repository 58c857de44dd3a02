// SensorLoop: the daemon loop ("sensors") that evaluates the running sensors of a Definitions, each
// no more often than its minimum_interval. A custom sensor's function gets the cursor it returned
// last time; an asset sensor's gets the new materializations of its assets (its cursor is the last
// event id seen: on its first evaluation it starts watching from the newest one); a run-status
// sensor's gets the runs of its job that ended with its status since the last evaluation (cursor:
// the end time of the newest; on its first evaluation it starts from the newest run ended). The run requests are queued
// with their run keys (a key already used by the sensor is not run again), the tick and the cursor recorded in one
// transaction per pass (Storage::commit_ticks), so a cursor survives a daemon restart.
//
// Holds the definitions and the instance; run_once from one thread at a time. A function that
// throws gets a FAILURE tick with the error (cursor unchanged, evaluated again after its interval);
// run_once throws only StorageError.
#pragma once

#include <chrono>
#include <memory>

#include "strata/core/definitions/definitions.hpp"
#include "strata/daemon/definitions_loop.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

class SensorLoop final : public DefinitionsLoop {
 public:
  SensorLoop(std::shared_ptr<const Definitions> defs, std::shared_ptr<Instance> instance,
             std::chrono::milliseconds interval = std::chrono::milliseconds(500));

  std::string name() const override { return "sensors"; }
  void run_once(Clock::time_point now) override;
};

// What `sensor` would request now, without recording or queuing anything (for `sensor preview`):
// the tick it would record (status, skip reason or error, cursor) and its run requests.
struct SensorPreview {
  TickRecord tick{};
  std::vector<TickRunRequest> run_requests{};
};
SensorPreview preview_sensor(const Definitions& defs, Instance& instance, const SensorDefinition& sensor,
                             Clock::time_point now);

}  // namespace strata
