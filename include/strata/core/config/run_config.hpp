// RunConfig: configuration supplied for one run, from YAML or JSON, shaped like Dagster's:
//
//   resources:
//     io_manager:
//       config:
//         base_dir: /data/storage
//   ops:
//     topstories:          # a step: an op's step key, or an asset's step name (key path joined by "__")
//       config:
//         limit: 50
//   execution:
//     executor: multiprocess        # or in_process, or slurm (core/definitions/executor_kind.hpp)
//     slurm: {partition: batch}     # the Slurm executor's settings (core/config/slurm_settings.hpp)
//
// Values given here override the code defaults of a resource, or of an asset's or op's config
// struct (config_schema.hpp), for that run only.
//
// Every run config, however it is given (a file, YAML or JSON text in code), is held to the limits
// below and must be well-formed UTF-8 without duplicate keys; anything else is a ConfigError naming
// the source (the file), the line where known, and the problem. A RunConfig is immutable and cheap
// to copy (the document is shared); it may be read from several threads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/config/config_document.hpp"
#include "strata/core/config/slurm_settings.hpp"
#include "strata/core/definitions/executor_kind.hpp"

namespace strata {

class RunConfig {
 public:
  // The limits of core/config/config_document.hpp, which reads every run config.
  static constexpr size_t kMaxBytes = kConfigMaxBytes;
  static constexpr int kMaxDepth = kConfigMaxDepth;
  static constexpr size_t kMaxValues = kConfigMaxValues;

  RunConfig();  // empty
  // Parse errors are ConfigErrors naming the line (YAML) or position (JSON).
  static RunConfig from_yaml(const std::string& text);
  static RunConfig from_json(const std::string& text);
  // By extension: .json is JSON, anything else YAML. Only regular files are read (a directory,
  // FIFO or device is refused without blocking on it). Errors name the file.
  static RunConfig from_file(const std::filesystem::path& path);

  bool empty() const;
  // The `config` mapping given for resource `key`, or null when the run config has none.
  const nlohmann::json* resource_config(const std::string& key) const;
  // The keys listed under `resources`.
  std::vector<std::string> configured_resource_keys() const;
  // The `config` mapping given for step `step_key` under `ops`, or null when the run config has none.
  // Throws ConfigError when ops.<step_key> is not a mapping holding only `config`.
  const nlohmann::json* op_config(const std::string& step_key) const;
  // The step names listed under `ops`.
  std::vector<std::string> configured_op_names() const;
  const nlohmann::json& document() const { return *doc_; }
  // The executor named by `execution.executor`, when given (checked when parsed).
  std::optional<ExecutorKind> executor() const;
  // `base` with the fields `execution.slurm` sets replaced (checked when parsed).
  SlurmSettings slurm_settings(SlurmSettings base) const;
  // Throws ConfigError on any top-level section but `resources`, `ops` and `execution` (typos such
  // as "resource:", Dagster's loggers section), and on an `execution` section other than
  // {executor: NAME} with a known executor name.
  void validate_sections() const;

 private:
  explicit RunConfig(std::shared_ptr<const nlohmann::json> doc) : doc_(std::move(doc)) {}
  // Parses `text` (YAML, or JSON when `json`); `source` starts every error message.
  static RunConfig parse(const std::string& text, bool json, const std::string& source);
  static void check_sections(const nlohmann::json& doc, const std::string& source);
  std::shared_ptr<const nlohmann::json> doc_;
};

}  // namespace strata
