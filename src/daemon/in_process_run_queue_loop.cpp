#include "strata/daemon/in_process_run_queue_loop.hpp"

#include "strata/execution/run_queue_coordinator.hpp"

namespace strata {

InProcessRunQueueLoop::InProcessRunQueueLoop(std::shared_ptr<const Definitions> defs,
                                             std::shared_ptr<Instance> instance, std::chrono::milliseconds interval)
    : DefinitionsLoop(std::move(defs), std::move(instance), interval) {}

void InProcessRunQueueLoop::run_once(Clock::time_point) {
  RunQueueCoordinator coordinator(instance_, [this](const QueuedRun& claimed) {
    try {
      execute_queued_run(*defs_, claimed, RunOptions{.instance = instance_});
    } catch (const StorageError&) {
      throw;
    } catch (const std::exception&) {
      // execute_queued_run recorded the run as failed with the reason.
    }
  });
  while (!coordinator.dequeue().empty()) {
  }
}

}  // namespace strata
