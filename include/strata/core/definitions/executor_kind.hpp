// ExecutorKind: where a run's steps execute. kInProcess runs them on threads of the process that
// started the run; kMultiprocess runs each step in a child process of the same program (a crash
// fails only that step); kSlurm submits each step as a job of a Slurm cluster (execution/slurm_launcher,
// docs/cluster.md). Chosen per job in code (JobOptions::executor), per run in run config
// (`execution: {executor: multiprocess}`) or RunOptions::executor (the CLI's --executor); the
// narrower choice wins.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace strata {

enum class ExecutorKind { kInProcess, kMultiprocess, kSlurm };

// "in_process", "multiprocess", "slurm".
const char* executor_kind_name(ExecutorKind kind);
// The kind named `name`, or nullopt when no executor has that name.
std::optional<ExecutorKind> executor_kind_from_name(const std::string& name);
// Every executor name, for messages and suggestions.
const std::vector<std::string>& executor_kind_names();

}  // namespace strata
