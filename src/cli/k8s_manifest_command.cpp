#include "k8s_manifest_command.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "strata/core/util/nearest_name.hpp"
#include "strata/execution/plan.hpp"

namespace strata::cli {
namespace {

// A Kubernetes object name: lowercase alphanumerics and '-', at most 63 characters.
std::string object_name(const std::string& text) {
  std::string name;
  for (char c : text) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    name += std::isalnum(static_cast<unsigned char>(lower)) ? lower : '-';
  }
  while (name.find("--") != std::string::npos) name.replace(name.find("--"), 2, "-");
  if (name.size() > 63) name.resize(63);
  while (!name.empty() && name.back() == '-') name.pop_back();
  while (!name.empty() && name.front() == '-') name.erase(0, 1);
  return name.empty() ? "step" : name;
}

// Slurm's memory ("512M", "8G", "1024" in MB) as a Kubernetes quantity ("512Mi", "8Gi", "1024Mi").
std::string memory_quantity(const std::string& mem) {
  char unit = mem.back();
  if (std::isdigit(static_cast<unsigned char>(unit))) return mem + "Mi";
  return mem.substr(0, mem.size() - 1) + std::string(1, unit) + "i";
}

// Slurm's time limit ("30", "10:00", "2:00:00", "1-12", "1-12:30:00") in seconds.
int64_t time_limit_seconds(const std::string& time) {
  int64_t days = 0;
  std::string rest = time;
  size_t dash = rest.find('-');
  if (dash != std::string::npos) {
    days = std::stoll(rest.substr(0, dash));
    rest = rest.substr(dash + 1);
  }
  std::vector<int64_t> parts;
  std::stringstream fields(rest);
  std::string part;
  while (std::getline(fields, part, ':')) parts.push_back(std::stoll(part));
  int64_t seconds = 0;
  if (dash != std::string::npos) {  // D-HH[:MM[:SS]]
    int64_t scale[] = {3600, 60, 1};
    for (size_t i = 0; i < parts.size() && i < 3; ++i) seconds += parts[i] * scale[i];
  } else if (parts.size() == 1) {  // minutes
    seconds = parts[0] * 60;
  } else if (parts.size() == 2) {  // MM:SS
    seconds = parts[0] * 60 + parts[1];
  } else {  // HH:MM:SS
    seconds = parts[0] * 3600 + parts[1] * 60 + parts[2];
  }
  return days * 86400 + seconds;
}

}  // namespace

int k8s_manifest_command(CliSession& session, const K8sManifestOptions& options) {
  const JobDefinition* job = nullptr;
  std::vector<std::string> names;
  for (const auto& definition : session.defs.jobs()) {
    names.push_back(definition.name());
    if (definition.name() == options.job) job = &definition;
  }
  if (job == nullptr) {
    throw UsageError("unknown job '" + options.job + "'" + did_you_mean(options.job, names),
                     "'" + session.program + " list jobs' lists the jobs");
  }
  static const std::regex image(R"([A-Za-z0-9][A-Za-z0-9._/:@-]{0,254})");
  if (!std::regex_match(options.image, image)) {
    throw UsageError("--image '" + options.image + "' is not a container image reference",
                     "e.g. registry.example.org/team/pipeline:1.4");
  }
  ExecutionPlan plan = ExecutionPlan::for_job(session.defs, *job);
  std::string program = options.program.empty() ? "/app/" + session.program : options.program;
  std::string base = "strata-" + object_name(options.job);

  YAML::Emitter out;
  // The instance's configuration, as every step process needs it (secrets stay {env: ...} references).
  std::string instance_yaml;
  {
    std::ifstream in(session.instance().home() / "strata.yaml");
    instance_yaml.assign(std::istreambuf_iterator<char>(in), {});
  }
  out << YAML::BeginDoc << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "ConfigMap";
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
      << "strata-config" << YAML::EndMap;
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap << YAML::Key << "strata.yaml" << YAML::Value
      << YAML::Literal << (instance_yaml.empty() ? "{}\n" : instance_yaml) << YAML::EndMap;
  out << YAML::EndMap;

  for (const auto& step : plan.steps()) {
    const StepResources& resources = step.node->resources;
    std::string upstream;
    for (int up : step.upstream) upstream += (upstream.empty() ? "" : ",") + plan.steps()[static_cast<size_t>(up)].key;
    out << YAML::BeginDoc << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "batch/v1";
    out << YAML::Key << "kind" << YAML::Value << "Job";
    out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "generateName" << YAML::Value << base + "-" + object_name(step.key) + "-";
    out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap << YAML::Key << "app.kubernetes.io/part-of"
        << YAML::Value << "strata" << YAML::Key << "strata.io/job" << YAML::Value << object_name(options.job)
        << YAML::EndMap;
    out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap << YAML::Key << "strata.io/step" << YAML::Value
        << step.key << YAML::Key << "strata.io/upstream" << YAML::Value << upstream << YAML::EndMap;
    out << YAML::EndMap;
    out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    // Retries are the run's (RetryPolicy), each attempt a Job of its own, as on Slurm.
    out << YAML::Key << "backoffLimit" << YAML::Value << 0;
    if (!resources.time.empty()) {
      out << YAML::Key << "activeDeadlineSeconds" << YAML::Value << time_limit_seconds(resources.time);
    }
    out << YAML::Key << "template" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "restartPolicy" << YAML::Value << "Never";
    out << YAML::Key << "containers" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << "step";
    out << YAML::Key << "image" << YAML::Value << options.image;
    out << YAML::Key << "command" << YAML::Value << YAML::Flow << YAML::BeginSeq << program << "__step-worker"
        << "--connect" << options.coordinator << YAML::EndSeq;
    out << YAML::Key << "env" << YAML::Value << YAML::BeginSeq;
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "STRATA_HOME" << YAML::Key << "value" << YAML::Value
        << "/etc/strata" << YAML::EndMap;
    // The per-attempt token the coordinator hands the Job when it creates it (as sbatch --export does).
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "STRATA_STEP_TOKEN" << YAML::Key << "value"
        << YAML::Value << "set-by-the-coordinator-per-attempt" << YAML::EndMap;
    out << YAML::EndSeq;
    out << YAML::Key << "envFrom" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key << "secretRef"
        << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "strata-secrets" << YAML::EndMap
        << YAML::EndMap << YAML::EndSeq;
    out << YAML::Key << "volumeMounts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key << "name"
        << YAML::Value << "strata-config" << YAML::Key << "mountPath" << YAML::Value << "/etc/strata" << YAML::EndMap
        << YAML::EndSeq;
    if (!resources.empty()) {
      out << YAML::Key << "resources" << YAML::Value << YAML::BeginMap;
      for (const char* kind : {"requests", "limits"}) {
        out << YAML::Key << kind << YAML::Value << YAML::BeginMap;
        if (resources.cpus > 0) out << YAML::Key << "cpu" << YAML::Value << std::to_string(resources.cpus);
        if (!resources.mem.empty()) out << YAML::Key << "memory" << YAML::Value << memory_quantity(resources.mem);
        if (resources.gpus > 0) out << YAML::Key << "nvidia.com/gpu" << YAML::Value << std::to_string(resources.gpus);
        out << YAML::EndMap;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndMap << YAML::EndSeq;  // the container, the containers
    out << YAML::Key << "volumes" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key << "name"
        << YAML::Value << "strata-config" << YAML::Key << "configMap" << YAML::Value << YAML::BeginMap << YAML::Key
        << "name" << YAML::Value << "strata-config" << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
    out << YAML::EndMap << YAML::EndMap;  // template.spec, template
    out << YAML::EndMap << YAML::EndMap;  // spec, the Job
  }
  session.out << out.c_str() << "\n";
  return kExitSuccess;
}

}  // namespace strata::cli
