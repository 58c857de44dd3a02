// StepRunner: the run's side of one attempt of one step (the StepRuntime its ExecutionContext calls):
// loads the step's inputs through their input managers and stores what it yields through its I/O
// managers, recording the events. Made per attempt on the thread that runs it and used from that
// thread only (the Run it points to is shared with other steps). Throws what the managers throw,
// TypeMismatchError for an input of the wrong type, Error for outputs yielded wrongly, CanceledError
// for an output yielded after the run was canceled.
#pragma once

#include <vector>

#include "strata/core/contexts/execution_context.hpp"
#include "strata/execution/plan.hpp"

namespace strata::detail {

class Run;

class StepRunner : public StepRuntime {
 public:
  // `run` outlives this object; `start_us` is when the step started (its materializations' duration).
  StepRunner(Run& run, int index, int64_t start_us);
  void load_inputs();
  void check_required_outputs() const;
  const Value& input(size_t index) override { return inputs_.at(index); }
  void yield_output(size_t index, Value value, Metadata metadata) override;
  void yield_per_partition(size_t index, std::vector<std::pair<std::string, Value>> values, Metadata metadata) override;
  void add_output_metadata(size_t index, const Metadata& metadata) override;
  bool is_canceled() const override;
  bool wait_unless_canceled(std::chrono::milliseconds timeout) const override;
  const Value& config() override;
  const Logger& logger() const { return logger_; }

 private:
  // One object to store: a value and the partitions it covers.
  struct Piece {
    PartitionScope scope;
    Value value;
  };
  // Stores output `index` as `pieces` (one, or one per partition), records the materializations,
  // then publishes what the manager staged (or discards it all when anything fails first).
  void store_output(size_t index, std::vector<Piece> pieces, const Metadata& metadata);

  Run& run_;
  int index_;
  int64_t start_us_;
  const PlanStep& step_;
  Logger logger_;
  std::vector<Value> inputs_;
  std::vector<Metadata> pending_metadata_;
};

}  // namespace strata::detail
