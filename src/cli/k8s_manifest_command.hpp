// `k8s manifest --job NAME [--image IMAGE] [--program PATH]`: prints, as multi-document YAML, what
// runs the job's steps on Kubernetes — a ConfigMap `strata-config` holding the instance's
// strata.yaml, and one batch/v1 Job per step running the program's step worker in IMAGE, with the
// step's resources as requests/limits and its time limit as activeDeadlineSeconds. The Jobs read the
// ConfigMap and the Secret `strata-secrets` (PostgreSQL password, S3 keys) by reference; nothing
// secret is printed. docs/cluster.md explains how they are used.
#pragma once

#include <string>

#include "cli_session.hpp"

namespace strata::cli {

struct K8sManifestOptions {
  std::string job{};
  std::string image = "strata-pipeline:latest";
  std::string program{};  // the program's path inside the image; empty: /app/<this program's name>
  std::string coordinator = "strata-coordinator:7070";  // where step workers connect (a Service)
};

int k8s_manifest_command(CliSession& session, const K8sManifestOptions& options);

}  // namespace strata::cli
