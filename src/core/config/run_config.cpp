#include "strata/core/config/run_config.hpp"

#include <nlohmann/json.hpp>

#include "strata/core/config/config_document.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

using json = nlohmann::json;

RunConfig::RunConfig() : doc_(std::make_shared<const json>(json::object())) {}

RunConfig RunConfig::parse(const std::string& text, bool is_json, const std::string& source) {
  json doc = parse_config_document(text, is_json, source);
  check_sections(doc, source);
  return RunConfig(std::make_shared<const json>(std::move(doc)));
}

RunConfig RunConfig::from_yaml(const std::string& text) { return parse(text, false, "run config"); }

RunConfig RunConfig::from_json(const std::string& text) { return parse(text, true, "run config"); }

RunConfig RunConfig::from_file(const std::filesystem::path& path) {
  std::string source = "config file '" + path.string() + "'";
  json doc = read_config_document(path, source);
  check_sections(doc, source);
  return RunConfig(std::make_shared<const json>(std::move(doc)));
}

bool RunConfig::empty() const { return doc_->empty(); }

namespace {

// The `config` mapping of <section>.<key>, or null.
const json* entry_config(const json& doc, const char* section, const std::string& key) {
  auto entries = doc.find(section);
  if (entries == doc.end() || !entries->is_object()) return nullptr;
  auto entry = entries->find(key);
  if (entry == entries->end()) return nullptr;
  std::string where = std::string("run config: ") + section + "." + key;
  if (!entry->is_object()) throw ConfigError(where + " must be a mapping with 'config'");
  for (const auto& [name, _] : entry->items()) {
    if (name != "config") throw ConfigError(where + ": unknown entry '" + name + "' (only 'config' is read)");
  }
  auto config = entry->find("config");
  if (config == entry->end() || config->is_null()) return nullptr;
  if (!config->is_object()) throw ConfigError(where + ".config must be a mapping");
  return &*config;
}

std::vector<std::string> entry_keys(const json& doc, const char* section) {
  std::vector<std::string> keys;
  auto entries = doc.find(section);
  if (entries != doc.end() && entries->is_object()) {
    for (const auto& [key, _] : entries->items()) keys.push_back(key);
  }
  return keys;
}

}  // namespace

const json* RunConfig::resource_config(const std::string& key) const { return entry_config(*doc_, "resources", key); }

std::vector<std::string> RunConfig::configured_resource_keys() const { return entry_keys(*doc_, "resources"); }

const json* RunConfig::op_config(const std::string& step_key) const { return entry_config(*doc_, "ops", step_key); }

std::vector<std::string> RunConfig::configured_op_names() const { return entry_keys(*doc_, "ops"); }

void RunConfig::validate_sections() const { check_sections(*doc_, "run config"); }

std::optional<ExecutorKind> RunConfig::executor() const {
  auto execution = doc_->find("execution");
  if (execution == doc_->end() || !execution->contains("executor")) return std::nullopt;
  return executor_kind_from_name(execution->at("executor").get<std::string>());
}

SlurmSettings RunConfig::slurm_settings(SlurmSettings base) const {
  auto execution = doc_->find("execution");
  if (execution == doc_->end() || !execution->contains("slurm")) return base;
  const json& slurm = execution->at("slurm");
  if (slurm.contains("launch")) {
    const json& launch = slurm.at("launch");
    base.launch = launch == "sbatch"       ? SlurmSettings::Launch::kSbatch
                  : launch == "allocation" ? SlurmSettings::Launch::kAllocation
                                           : SlurmSettings::Launch::kSrun;
  }
  if (slurm.contains("allocation")) base.allocation = slurm.at("allocation").get<std::vector<std::string>>();
  if (slurm.contains("partition")) base.partition = slurm.at("partition").get<std::string>();
  for (const char* key : {"job_options", "sbatch_options"}) {  // sbatch_options: the older name
    if (slurm.contains(key)) base.job_options = slurm.at(key).get<std::vector<std::string>>();
  }
  if (slurm.contains("coordinator_host")) base.coordinator_host = slurm.at("coordinator_host").get<std::string>();
  if (slurm.contains("poll_ms")) base.poll_ms = slurm.at("poll_ms").get<int>();
  if (slurm.contains("output")) base.output = slurm.at("output").get<std::string>();
  return base;
}

// `execution.slurm`: the fields of SlurmSettings, each of its type.
static void check_slurm_section(const json& value, const std::string& source) {
  if (!value.is_object())
    throw ConfigError(source + ": execution.slurm must be a mapping (core/config/slurm_settings.hpp)");
  for (const auto& [key, field] : value.items()) {
    std::string where = source + ": execution.slurm." + key;
    if (key == "partition" || key == "coordinator_host" || key == "output") {
      if (!field.is_string()) throw ConfigError(where + " must be a string");
    } else if (key == "poll_ms") {
      if (!field.is_number_integer() || field.get<int64_t>() < 1 || field.get<int64_t>() > 60000) {
        throw ConfigError(where + " must be a whole number of milliseconds from 1 to 60000");
      }
    } else if (key == "launch") {
      if (field != "srun" && field != "sbatch" && field != "allocation") {
        throw ConfigError(where + " must be srun, sbatch or allocation");
      }
    } else if (key == "job_options" || key == "sbatch_options" || key == "allocation") {
      bool options = field.is_array();
      for (const auto& option : field)
        options = options && option.is_string() && option.get<std::string>().rfind("--", 0) == 0;
      if (!options) throw ConfigError(where + " must be a list of long options such as \"--account=NAME\"");
    } else {
      throw ConfigError(
          where +
          " is not a setting; use launch, allocation, partition, job_options, coordinator_host, poll_ms or "
          "output");
    }
  }
}

// `execution: {executor: NAME, slurm: {...}}` with a known NAME.
static void check_execution_section(const json& value, const std::string& source) {
  const std::string shape =
      source + ": 'execution' must be {executor: in_process | multiprocess | slurm, slurm: {...}}";
  if (!value.is_object()) throw ConfigError(shape);
  for (const auto& [key, field] : value.items()) {
    if (key == "slurm") {
      check_slurm_section(field, source);
      continue;
    }
    if (key != "executor")
      throw ConfigError(source + ": execution." + key + " is not a setting; " + shape.substr(source.size() + 2));
    if (!field.is_string())
      throw ConfigError(source + ": execution.executor must be a name (in_process, multiprocess or slurm)");
    if (!executor_kind_from_name(field.get<std::string>())) {
      throw ConfigError(source + ": unknown executor '" + field.get<std::string>() +
                        "' in execution.executor; use in_process, multiprocess or slurm");
    }
  }
}

void RunConfig::check_sections(const json& doc, const std::string& source) {
  for (const auto& [section, value] : doc.items()) {
    if (section == "execution") {
      check_execution_section(value, source);
      continue;
    }
    if (section != "resources" && section != "ops") {
      throw ConfigError(source + ": section '" + section +
                        "' is not supported; run config configures resources (resources.<key>.config), "
                        "assets and ops (ops.<step>.config) and the executor (execution.executor)");
    }
    if (!value.is_object()) throw ConfigError(source + ": '" + section + "' must be a mapping");
  }
}

}  // namespace strata
