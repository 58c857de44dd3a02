// DefinitionsLoop: the common part of the daemon loops that work on a program's Definitions and an
// instance (schedules, sensors, the run queue): holds both (shared) and a fixed interval.
#pragma once

#include <chrono>
#include <memory>

#include "strata/core/definitions/definitions.hpp"
#include "strata/daemon/daemon_loop.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

class DefinitionsLoop : public DaemonLoop {
 public:
  DefinitionsLoop(std::shared_ptr<const Definitions> defs, std::shared_ptr<Instance> instance,
                  std::chrono::milliseconds interval)
      : defs_(std::move(defs)), instance_(std::move(instance)), interval_(interval) {}

  std::chrono::milliseconds interval() const override { return interval_; }

 protected:
  std::shared_ptr<const Definitions> defs_;
  std::shared_ptr<Instance> instance_;
  std::chrono::milliseconds interval_;
};

}  // namespace strata
