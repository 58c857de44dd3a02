#include "strata/core/definitions/executor_kind.hpp"

namespace strata {

const char* executor_kind_name(ExecutorKind kind) {
  switch (kind) {
    case ExecutorKind::kMultiprocess:
      return "multiprocess";
    case ExecutorKind::kSlurm:
      return "slurm";
    case ExecutorKind::kInProcess:
      break;
  }
  return "in_process";
}

std::optional<ExecutorKind> executor_kind_from_name(const std::string& name) {
  if (name == "in_process") return ExecutorKind::kInProcess;
  if (name == "multiprocess") return ExecutorKind::kMultiprocess;
  if (name == "slurm") return ExecutorKind::kSlurm;
  return std::nullopt;
}

const std::vector<std::string>& executor_kind_names() {
  static const std::vector<std::string> names = {"in_process", "multiprocess", "slurm"};
  return names;
}

}  // namespace strata
