// InProcessRunQueueLoop: a daemon loop ("run_queue") that starts queued runs under the instance's
// run_queue limits (RunQueueCoordinator) and executes each claimed run in this process, one after
// another, on the loop's thread. The `daemon` command uses it so that the runs schedules and
// sensors queue get executed; a loop launching every run as a process of its own replaces it where
// available. Holds the definitions and the instance; run_once from one thread at a time; a run that
// fails is recorded as such, run_once throws only StorageError.
#pragma once

#include <chrono>
#include <memory>

#include "strata/core/definitions/definitions.hpp"
#include "strata/daemon/definitions_loop.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

class InProcessRunQueueLoop final : public DefinitionsLoop {
 public:
  InProcessRunQueueLoop(std::shared_ptr<const Definitions> defs, std::shared_ptr<Instance> instance,
                        std::chrono::milliseconds interval = std::chrono::milliseconds(500));

  std::string name() const override { return "run_queue"; }
  void run_once(Clock::time_point now) override;
};

}  // namespace strata
