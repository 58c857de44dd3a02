// RunResources: the resources of one run (or of one step in a worker process). setup() instantiates
// them from their definitions and the run config, sets them up in order (an I/O manager factory's
// manager too) and teardown() tears them down in reverse. Owned by the Run; setup and teardown are
// called from the run's own thread while no step runs, resources() from every step thread once set
// up. Neither throws: a failure is logged as an event and returned as the run's error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "run_events.hpp"
#include "strata/core/resources/resource.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/run_options.hpp"

namespace strata::detail {

class RunResources {
 public:
  // Every argument outlives this object.
  RunResources(const ExecutionPlan& plan, const RunOptions& options, const RunResult::Data& data, RunEvents& events)
      : plan_(plan), options_(options), data_(data), events_(events) {}

  // An error when the run config configures a resource that is not defined, else "".
  std::string check_configured();
  // Instantiates, configures and sets up the resources `keys`; returns an error or "".
  std::string setup(const std::vector<std::string>& keys);
  // Tears down what setup() set up, last first; returns the first error or "".
  std::string teardown();

  const Resources& resources() const { return resources_; }
  // The error type (error_type_of: a Strata error's code) of the failure the last check_configured()
  // or setup() returned; empty when it returned "".
  const std::string& failure_type() const { return failure_type_; }

 private:
  const ExecutionPlan& plan_;
  const RunOptions& options_;
  const RunResult::Data& data_;
  RunEvents& events_;
  Resources resources_;
  std::vector<std::shared_ptr<Resource>> set_up_;
  std::string failure_type_;
};

}  // namespace strata::detail
