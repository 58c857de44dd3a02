// InMemoryIOManager: keeps values in memory, shared without copies, keyed like the filesystem
// manager's paths. For tests and for benchmarks of orchestration overhead. Safe to use from
// concurrent steps.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "strata/core/resources/io_manager.hpp"

namespace strata {

class InMemoryIOManager : public IOManager {
 public:
  InMemoryIOManager() = default;
  InMemoryIOManager(const InMemoryIOManager& other);

  void handle_output(OutputContext& context, const Value& value) override;
  Value load_input(InputContext& context) override;
  // Values live in this process only: refused by the multi-process executor.
  bool shares_across_processes() const override { return false; }

  // The storage key of an output/input: "asset:<key>[|<partition>]" or "op:<run>/<step>/<output>".
  static std::string key_for(const OutputContext& context);
  static std::string key_for(const InputContext& context);
  size_t size() const;
  bool contains(const std::string& key) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Value> values_;
};

}  // namespace strata
