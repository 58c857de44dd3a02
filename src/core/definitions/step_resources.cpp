#include "strata/core/definitions/step_resources.hpp"

#include <regex>

#include "strata/core/util/error.hpp"

namespace strata {

void StepResources::validate(const std::string& owner) const {
  auto refuse = [&](const std::string& field, const std::string& value, const std::string& expected) {
    throw DefinitionError(owner + ": resources." + field + " '" + value + "' is not valid; expected " + expected);
  };
  if (cpus < 0) refuse("cpus", std::to_string(cpus), "a count of 0 or more");
  if (gpus < 0) refuse("gpus", std::to_string(gpus), "a count of 0 or more");
  static const std::regex memory(R"([1-9][0-9]{0,11}[KMGT]?)");
  if (!mem.empty() && !std::regex_match(mem, memory)) refuse("mem", mem, "a size such as 512M, 8G or 1024 (MB)");
  static const std::regex limit(R"(([0-9]{1,4}-)?[0-9]{1,6}(:[0-9]{1,2}){0,2})");
  if (!time.empty() && !std::regex_match(time, limit)) {
    refuse("time", time, "minutes, MM:SS, HH:MM:SS, D-HH or D-HH:MM:SS");
  }
  static const std::regex name(R"([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})");
  if (!partition.empty() && !std::regex_match(partition, name)) refuse("partition", partition, "a partition name");
}

std::vector<std::string> StepResources::slurm_options() const {
  std::vector<std::string> options;
  if (cpus > 0) options.push_back("--cpus-per-task=" + std::to_string(cpus));
  if (!mem.empty()) options.push_back("--mem=" + mem);
  if (gpus > 0) options.push_back("--gres=gpu:" + std::to_string(gpus));
  if (!time.empty()) options.push_back("--time=" + time);
  if (!partition.empty()) options.push_back("--partition=" + partition);
  return options;
}

}  // namespace strata
