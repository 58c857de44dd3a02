// libFuzzer target: the run-config reader (fuzz_run_config: YAML, fuzz_run_config_json: JSON, by
// STRATA_FUZZ_JSON). Any text must either give a RunConfig or throw strata::Error (ConfigError
// naming the line or position); anything else escaping (a YAML or JSON library exception, a crash, a
// hang, unbounded memory) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/core/config/run_config.hpp"
#include "strata/core/util/error.hpp"

namespace {

void exercise(const strata::RunConfig& config) {
  config.validate_sections();
  for (const auto& key : config.configured_resource_keys()) (void)config.resource_config(key);
  for (const auto& name : config.configured_op_names()) (void)config.op_config(name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
#ifdef STRATA_FUZZ_JSON
    exercise(strata::RunConfig::from_json(text));
#else
    exercise(strata::RunConfig::from_yaml(text));
#endif
  } catch (const strata::Error&) {
  }
  return 0;
}
