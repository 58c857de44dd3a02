#include "slurm_cluster.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "free_port.hpp"
#include "subprocess.hpp"

namespace fs = std::filesystem;

namespace strata::testing {
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// 80% of the machine's memory in MB (slurmd drains a node configured with more than it has).
int64_t usable_memory_mb() {
  std::ifstream meminfo("/proc/meminfo");
  std::string name;
  int64_t kb = 0;
  while (meminfo >> name >> kb) {
    if (name == "MemTotal:") return kb / 1024 * 8 / 10;
    meminfo.ignore(256, '\n');
  }
  return 1024;
}

int64_t pid_in(const fs::path& file) {
  std::ifstream in(file);
  int64_t pid = 0;
  in >> pid;
  return pid;
}

// Waits (bounded) for the process in `pid_file` to end; SIGKILL when it does not.
void wait_gone(const fs::path& pid_file) {
  int64_t pid = pid_in(pid_file);
  if (pid <= 0) return;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (::kill(static_cast<pid_t>(pid), 0) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a process we do not own
  }
  if (::kill(static_cast<pid_t>(pid), 0) == 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
}

// The job step daemons (slurmstepd) of the cluster in `dir`: they hold its slurmd log open. They
// outlive `scontrol shutdown`, and one left over would talk to the next cluster on a reused port.
std::vector<pid_t> step_daemons_of(const fs::path& dir) {
  std::vector<pid_t> pids;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/proc", ignored)) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string comm = read_file(entry.path() / "comm");
    if (comm.rfind("slurmstepd", 0) != 0) continue;
    for (const auto& fd : fs::directory_iterator(entry.path() / "fd", ignored)) {
      std::string target = fs::read_symlink(fd.path(), ignored).string();
      if (target.rfind(dir.string() + "/", 0) == 0) {
        pids.push_back(static_cast<pid_t>(std::stol(name)));
        break;
      }
    }
  }
  return pids;
}

}  // namespace

std::string SlurmCluster::missing_programs() {
  std::string missing;
  for (const char* program :
       {"munged", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scontrol", "scancel", "sinfo"}) {
    bool found = !find_on_path(program).empty() || fs::exists(std::string("/usr/sbin/") + program);
    if (!found) missing += (missing.empty() ? "" : ", ") + std::string(program);
  }
  return missing;
}

SlurmCluster::SlurmCluster() {
  if (::geteuid() != 0) throw std::runtime_error("the test Slurm cluster starts its daemons as root; run as root");
  const fs::path& dir = dir_.path();
  ::chmod(dir.c_str(), 0700);
  for (const char* sub : {"state", "spool", "log"}) fs::create_directories(dir / sub);
  // munged: a private key and socket, so it never meets the machine's own munge.
  fs::path key = dir / "munge.key";
  {
    std::ofstream out(key, std::ios::binary);
    std::random_device random;
    for (int i = 0; i < 1024; ++i) out.put(static_cast<char>(random() & 0xff));
  }
  ::chmod(key.c_str(), 0400);
  fs::path socket = dir / "munge.socket";
  CommandResult munge =
      run_command({"/usr/sbin/munged", "--force", "--socket=" + socket.string(), "--key-file=" + key.string(),
                   "--log-file=" + (dir / "log/munged.log").string(), "--pid-file=" + (dir / "munged.pid").string(),
                   "--seed-file=" + (dir / "munged.seed").string()});
  if (munge.exit_code != 0) throw std::runtime_error("munged did not start:\n" + munge.output + logs());
  munge_started_ = true;

  int controller_port = free_loopback_port();
  int node_port = free_loopback_port();
  while (node_port == controller_port) node_port = free_loopback_port();
  conf_ = (dir / "slurm.conf").string();
  std::ofstream conf(conf_);
  conf << "ClusterName=strata-test\n"
       << "SlurmctldHost=localhost\n"
       << "SlurmctldPort=" << controller_port << "\n"
       << "SlurmdPort=" << node_port << "\n"
       << "AuthType=auth/munge\nCredType=cred/munge\n"
       << "AuthInfo=socket=" << socket.string() << "\n"
       << "SlurmUser=root\nSlurmdUser=root\n"
       << "StateSaveLocation=" << (dir / "state").string() << "\n"
       << "SlurmdSpoolDir=" << (dir / "spool").string() << "\n"
       << "SlurmctldPidFile=" << (dir / "slurmctld.pid").string() << "\n"
       << "SlurmdPidFile=" << (dir / "slurmd.pid").string() << "\n"
       << "SlurmctldLogFile=" << (dir / "log/slurmctld.log").string() << "\n"
       << "SlurmdLogFile=" << (dir / "log/slurmd.log").string()
       << "\n"
       // No cgroups: processes are tracked by process group, tasks are not bound.
       << "ProctrackType=proctrack/pgid\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/none\n"
       << "AccountingStorageType=accounting_storage/none\n"
       << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core_Memory\n"
       << "DefMemPerCPU=256\n"
       // A test cluster: schedule at once on every event, look at the whole queue, short intervals.
       << "SchedulerType=sched/builtin\n"
       << "SchedulerParameters=sched_interval=1,batch_sched_delay=0,sched_min_interval=0,default_queue_depth=1000\n"
       << "MpiDefault=none\nReturnToService=2\nSlurmctldTimeout=30\nSlurmdTimeout=30\nInactiveLimit=0\n"
       << "KillWait=2\nWaittime=0\nMinJobAge=600\nMessageTimeout=10\n"
       << "NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=" << usable_memory_mb()
       << " State=UNKNOWN\n"
       << "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n";
  conf.close();
  if (const char* previous = std::getenv("SLURM_CONF")) previous_conf_ = previous;
  ::setenv("SLURM_CONF", conf_.c_str(), 1);

  CommandResult controller = run_command({"/usr/sbin/slurmctld", "-i"});
  slurm_started_ = true;
  if (controller.exit_code != 0) {
    throw std::runtime_error("'slurmctld -i' failed (exit " + std::to_string(controller.exit_code) + "):\n" +
                             controller.output + logs());
  }
  CommandResult node = run_command({"/usr/sbin/slurmd"});
  if (node.exit_code != 0) {
    throw std::runtime_error("'slurmd' failed (exit " + std::to_string(node.exit_code) + "):\n" + node.output + logs());
  }
  // Up once slurmctld answers and the node is idle (its slurmd registered).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  CommandResult ping, info;
  for (;;) {
    ping = run_command({"scontrol", "ping"});
    info = run_command({"sinfo", "--noheader", "--format=%T"});
    if (ping.exit_code == 0 && ping.output.find("is UP") != std::string::npos &&
        info.output.find("idle") != std::string::npos) {
      return;
    }
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling daemons we do not control
  }
  throw std::runtime_error("the Slurm cluster did not come up in 60 s: 'scontrol ping' printed:\n" + ping.output +
                           "'sinfo' printed:\n" + info.output + logs());
}

SlurmCluster::~SlurmCluster() { stop(); }

void SlurmCluster::stop() {
  const fs::path& dir = dir_.path();
  if (slurm_started_) {
    run_command({"scancel", "--full", "--user=root"});
    run_command({"scontrol", "shutdown"});
    wait_gone(dir / "slurmctld.pid");
    wait_gone(dir / "slurmd.pid");
    for (pid_t pid : step_daemons_of(dir)) ::kill(pid, SIGKILL);
    slurm_started_ = false;
  }
  if (munge_started_) {
    run_command({"/usr/sbin/munged", "--stop", "--socket=" + (dir / "munge.socket").string()});
    wait_gone(dir / "munged.pid");
    munge_started_ = false;
  }
  if (previous_conf_) {
    ::setenv("SLURM_CONF", previous_conf_->c_str(), 1);
  } else {
    ::unsetenv("SLURM_CONF");
  }
}

std::string SlurmCluster::job_report() const {
  std::string report = "$ squeue --states=all\n" + run_command({"squeue", "--states=all"}).output;
  report += "$ scontrol show job\n" + run_command({"scontrol", "show", "job"}).output;
  return report;
}

std::string SlurmCluster::logs() const {
  std::string text;
  for (const char* name : {"slurmctld.log", "slurmd.log", "munged.log"}) {
    std::string log = read_file(dir_.path() / "log" / name);
    if (log.size() > 6000) log = "..." + log.substr(log.size() - 6000);
    text += std::string("\n--- ") + name + " ---\n" + log;
  }
  return text;
}

}  // namespace strata::testing
