#include "strata/core/executor_kind.hpp"

namespace strata {

const char* executor_kind_name(ExecutorKind kind) {
  return kind == ExecutorKind::kMultiprocess ? "multiprocess" : "in_process";
}

std::optional<ExecutorKind> executor_kind_from_name(const std::string& name) {
  if (name == "in_process") return ExecutorKind::kInProcess;
  if (name == "multiprocess") return ExecutorKind::kMultiprocess;
  return std::nullopt;
}

}  // namespace strata
