// A throw-away one-node Slurm cluster for tests: munged with a private key and socket, slurmctld and
// slurmd as root on free loopback ports, every state, spool and log file in a temporary directory,
// a partition "debug" of one node "localhost" with 2 CPUs (two one-CPU jobs run at once). The
// cluster's slurm.conf is exported as SLURM_CONF into this process (so the Slurm commands it runs,
// and the jobs they submit, talk to this cluster). Everything is stopped, jobs first, when the
// object dies. Real Slurm daemons (Debian's slurmctld/slurmd/munge), no mock. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace strata::testing {

class SlurmCluster {
 public:
  // The Slurm and munge programs that are not installed ("" when all are).
  static std::string missing_programs();

  // Starts the cluster and returns once `scontrol ping` reports slurmctld up and `sinfo` the node
  // idle (bounded: 60 s); throws std::runtime_error naming the command that failed, with its output
  // and the daemons' logs.
  SlurmCluster();
  ~SlurmCluster();
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  const std::string& conf() const { return conf_; }
  std::string partition() const { return "debug"; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  // `squeue --states=all` and `scontrol show job` of every job: what the cluster did, for logs.
  std::string job_report() const;
  // The daemons' logs (slurmctld, slurmd, munged), for failure messages.
  std::string logs() const;

 private:
  void stop();

  TempDir dir_{"strata-slurm"};
  std::string conf_;
  std::optional<std::string> previous_conf_;
  bool munge_started_ = false;
  bool slurm_started_ = false;
};

}  // namespace strata::testing
