// The Slurm executor: each step of a run is a Slurm job running this same program's step worker,
// which connects back to the run over TCP and speaks the step protocol (step_protocol.hpp) — the
// run records every event itself, as with the multi-process executor.
//
// A job is started with srun by default (SlurmSettings::Launch): srun asks for an allocation at
// once and launches the worker as soon as it is granted (about 30 ms on a quiet cluster), where a
// batch job waits for slurmctld's scheduler pass (about a second per job, which dominates short
// steps). srun keeps a process on the run's machine per running step, which costs little: the
// worker needs the run alive anyway to report to it. `launch: sbatch` submits batch jobs instead,
// for sites that want steps queued by Slurm alone. Either way the job's id (from sbatch, or what
// `srun -v` says) is logged, job states come from squeue, polled for all of the run's jobs
// together every SlurmSettings::poll_ms (accounting may be off), and how a job ended from
// `scontrol show job`.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "slurm_process.hpp"
#include "step_launcher.hpp"
#include "step_protocol.hpp"
#include "strata/core/resources/io_manager.hpp"
#include "strata/core/types/type_info.hpp"
#include "strata/execution/executor.hpp"
#include "strata/execution/program_command.hpp"
#include "strata/execution/slurm_client.hpp"
#include "strata/storage/instance.hpp"

namespace strata::detail {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kTokenEnv = "STRATA_STEP_TOKEN";
// How long a step of a canceled run has to stop after SIGTERM before its job is cancelled.
constexpr std::chrono::seconds kCancelGrace{10};
// How long a job that lost its connection may take to reach a final state in Slurm.
constexpr std::chrono::seconds kEndWait{90};
// How long a worker that connected may take to say which step it is.
constexpr int kHelloTimeoutMs = 5000;

std::string random_token() {
  std::random_device random;
  std::string token;
  const char* digits = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) token += digits[random() % 16];
  return token;
}

// `word` quoted for /bin/sh.
std::string shell_quoted(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// A job name Slurm shows as is: the step key with anything but [A-Za-z0-9_.-] replaced.
std::string job_name(const std::string& step_key) {
  std::string name = "strata:";
  for (char c : step_key.substr(0, 100))
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ? c : '_';
  return name;
}

// Why the manager `key` of `plan` cannot be reached from other nodes, or "".
std::string node_local_manager(const ExecutionPlan& plan, const RunOptions& options, const std::string& key) {
  auto it = plan.resources().find(key);
  if (it == plan.resources().end()) {
    std::string base = options.instance ? options.instance->config().storage_base_dir.string() : "";
    std::string why = local_location_reason(base.empty() ? "$STRATA_HOME/storage" : base, false);
    return why.empty() ? ""
                       : "the default I/O manager (strata::FilesystemIOManager) " + why.substr(3) + "; define '" + key +
                             "' as an S3 or shared-filesystem I/O manager";
  }
  std::shared_ptr<Resource> configured;
  try {
    configured = it->second.instantiate(key, options.run_config);  // as the run will configure it
  } catch (const std::exception&) {
    // A config the run refuses later with its own message; judge the code's definition meanwhile.
  }
  const Resource& resource = configured ? *configured : it->second.prototype();
  std::string why;
  if (const auto* manager = dynamic_cast<const InputManager*>(&resource)) why = manager->local_to_this_machine();
  if (const auto* factory = dynamic_cast<const IOManagerFactory*>(&resource)) why = factory->local_to_this_machine();
  if (why.empty()) return "";
  return "I/O manager '" + key + "' (" + demangle(typeid(resource).name()) +
         ") cannot be reached from the nodes that " + "run the steps: " + why;
}

// The TCP socket workers connect back to; hands each connection to the step whose token it shows.
class ConnectionDesk {
 public:
  ConnectionDesk() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw Error(std::string("the Slurm executor cannot open a socket: ") + std::strerror(errno));
    int yes = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 128) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      int error = errno;
      ::close(fd_);
      throw Error(std::string("the Slurm executor cannot listen for its steps: ") + std::strerror(error));
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ConnectionDesk() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    thread_.join();
    ::close(fd_);
    for (auto& [token, fd] : arrived_) ::close(fd);
  }
  ConnectionDesk(const ConnectionDesk&) = delete;
  ConnectionDesk& operator=(const ConnectionDesk&) = delete;

  int port() const { return port_; }
  // The connection of the worker that showed `token`, or -1 when none yet.
  int take(const std::string& token) {
    std::lock_guard lock(mutex_);
    auto it = arrived_.find(token);
    if (it == arrived_.end()) return -1;
    int fd = it->second;
    arrived_.erase(it);
    return fd;
  }
  void expect(const std::string& token) {
    std::lock_guard lock(mutex_);
    expected_.insert(token);
  }
  void forget(const std::string& token) {
    std::lock_guard lock(mutex_);
    expected_.erase(token);
    auto it = arrived_.find(token);
    if (it != arrived_.end()) {
      ::close(it->second);
      arrived_.erase(it);
    }
  }
  // Called (under no lock of the desk) when a connection arrived.
  std::function<void()> on_arrival;

 private:
  void serve() {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (stop_) return;
      }
      pollfd entry{fd_, POLLIN, 0};
      if (::poll(&entry, 1, 50) <= 0) continue;
      int connection = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      int yes = 1;
      ::setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      // The first line is {"hello": TOKEN}; anything else, or nothing in time, is dropped.
      std::string line;
      char c = 0;
      while (line.size() < 256) {
        pollfd ready{connection, POLLIN, 0};
        if (::poll(&ready, 1, kHelloTimeoutMs) <= 0 || ::read(connection, &c, 1) != 1 || c == '\n') break;
        line += c;
      }
      std::string token;
      try {
        token = json::parse(line).at("hello").get<std::string>();
      } catch (const std::exception&) {
      }
      bool wanted = false;
      {
        std::lock_guard lock(mutex_);
        wanted = c == '\n' && expected_.erase(token) > 0;
        if (wanted) arrived_[token] = connection;
      }
      if (!wanted) {
        ::close(connection);
        continue;
      }
      if (on_arrival) on_arrival();
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  bool stop_ = false;
  std::set<std::string> expected_;
  std::map<std::string, int> arrived_;
};

class SlurmLauncher : public StepLauncher {
 public:
  SlurmLauncher(const ExecutionPlan& plan, const RunOptions& options)
      : settings_(options.run_config.slurm_settings(options.slurm)), request_(step_request_base(plan, options)) {
    std::vector<std::string> words = program_command();
    std::error_code ignored;
    fs::path exe = fs::read_symlink("/proc/self/exe", ignored);
    command_words_ = words;
    if (!exe.empty()) command_words_.front() = exe.string();
    for (const auto& word : command_words_) command_ += (command_.empty() ? "" : " ") + shell_quoted(word);
    if (settings_.coordinator_host.empty()) settings_.coordinator_host = Instance::host_name();
    desk_.on_arrival = [this] { changed_.notify_all(); };
    allocation_size_ = settings_.allocation.empty() ? default_allocation(plan, options) : settings_.allocation;
    poller_ = std::thread([this] { poll_states(); });
  }
  ~SlurmLauncher() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    poller_.join();
    if (!allocation_.empty()) {
      try {
        client_.cancel(allocation_);  // the run is over: its allocation goes back to the cluster
      } catch (const SlurmError&) {
        // Ended already (time limit, an administrator); `runs reconcile` finds any left over.
      }
    }
  }

  void set_output_dir(const fs::path& home) { output_dir_ = home / "logs"; }

  void run_step(StepLaunch& launch) override {
    const std::string& key = launch.step.key;
    std::string token = random_token();
    desk_.expect(token);
    StepJob job;
    try {
      if (settings_.launch == SlurmSettings::Launch::kSbatch) {
        job.id = submit(launch, token);
        submitted(launch, job.id);
      } else if (settings_.launch == SlurmSettings::Launch::kAllocation) {
        job.allocation = allocation(launch);
        job.srun = start_step_in(job.allocation, launch, token);
      } else {
        job.srun = start_srun(launch, token);
      }
    } catch (const SlurmError& e) {
      desk_.forget(token);
      throw RemoteStepError("step '" + key + "': " + e.what(),
                            launch.cancellation.canceled() ? CanceledError("").code() : "SlurmSubmitError");
    }
    struct Untrack {
      SlurmLauncher& launcher;
      const StepJob& job;
      std::string token;
      ~Untrack() {
        launcher.desk_.forget(token);
        std::lock_guard lock(launcher.mutex_);
        launcher.jobs_.erase(job.id);
      }
    } untrack{*this, job, token};
    int fd = wait_for_connection(launch, job, token);
    const std::string& id = job.id;
    StepConversation conversation;
    {
      LineSocket socket(fd);
      std::optional<std::chrono::steady_clock::time_point> asked;
      socket.set_idle(
          [&] {
            if (!launch.cancellation.canceled()) return;
            try {
              if (!asked) {
                // The worker turns SIGTERM into ExecutionContext::is_canceled.
                client_.cancel(id, "TERM",
                               job.srun ? SlurmClient::SignalTarget::kSteps : SlurmClient::SignalTarget::kBatchScript);
                asked = std::chrono::steady_clock::now();
              } else if (std::chrono::steady_clock::now() - *asked > kCancelGrace) {
                client_.cancel(id);
              }
            } catch (const SlurmError&) {
              // The job may have ended meanwhile; its connection closes.
            }
          },
          std::chrono::milliseconds(20));
      conversation = converse_with_step(socket, step_request(request_, launch), launch);
      ::close(fd);
    }
    // The task has closed its connection: it is ending, and srun with it. srun releases the job's
    // allocation as it exits; a step started before that would find the CPUs still taken and wait
    // for slurmctld's next scheduling pass (up to a second), so the step ends with its srun.
    if (job.srun) job.srun->wait();
    bool succeeded = conversation.end && conversation.end->at("success").get<bool>();
    if (!conversation.protocol_error.empty()) {
      throw RemoteStepError("step '" + key + "': its Slurm job " + id +
                                " sent a message that is not understood: " + conversation.protocol_error,
                            "ProtocolError");
    }
    if (succeeded) {
      finish_step(*conversation.end, launch);
      return;
    }
    // The step failed, or its job's connection closed first: when Slurm ended the job (cancelled it,
    // a time limit, its node), that is the step's error.
    if (!launch.cancellation.canceled() && !job.allocation.empty()) {
      // A job step leaves no state behind once it ended (accounting may be off): srun says how.
      std::string worker =
          conversation.end ? "; the step reported: " + conversation.end->at("message").get<std::string>() : "";
      throw RemoteStepError("step '" + key + "': its Slurm job step " + id + " (srun " +
                                describe_exit_status(job.srun->wait()) + ": " + job.srun->errors() + ")" +
                                (conversation.end ? "" : " ended before the step finished") + worker,
                            "SlurmJobFailure");
    }
    if (!launch.cancellation.canceled()) {
      SlurmJob ended = final_state(id);
      bool slurm_ended_it = ended.state != "COMPLETED" && ended.state != "FAILED";
      if (!conversation.end || slurm_ended_it) {
        std::string worker =
            conversation.end ? "; the step reported: " + conversation.end->at("message").get<std::string>() : "";
        throw RemoteStepError("step '" + key + "': its Slurm job " + id + " " + ended.describe() +
                                  (conversation.end ? "" : " before the step finished") + worker,
                              "SlurmJobFailure");
      }
    }
    if (!conversation.end) {
      throw RemoteStepError("step '" + key + "': the run was canceled and its Slurm job " + id + " was stopped",
                            CanceledError("").code());
    }
    finish_step(*conversation.end, launch);
  }

 private:
  // One step's Slurm job while the run waits for it: its id (known at once from sbatch; from srun
  // once Slurm has given it one) and, with srun, the srun process.
  struct StepJob {
    std::string id{};                      // "12", or the job step "12.3" in the run's allocation
    std::string allocation{};              // the run's allocation the step runs in, if any
    std::unique_ptr<SlurmProcess> srun{};  // srun, unless submitted with sbatch
  };

  // The options every job of the run gets, then the step's own resources and the run's job options.
  std::vector<std::string> job_options(const StepLaunch& launch) {
    const StepResources& resources = launch.step.node->resources;
    std::vector<std::string> options = {"--job-name=" + job_name(launch.step.key),
                                        "--comment=strata_run=" + launch.run_id, "--output=" + output_pattern(launch)};
    if (resources.partition.empty() && !settings_.partition.empty())
      options.push_back("--partition=" + settings_.partition);
    for (const auto& option : resources.slurm_options()) options.push_back(option);
    for (const auto& option : settings_.job_options) options.push_back(option);
    return options;
  }

  // Where a job's own output goes (%j: its id; %s: the step's, in an allocation), the directory created.
  std::string output_pattern(const StepLaunch& launch) const {
    if (!settings_.output.empty()) return settings_.output;
    fs::path dir = output_dir_.empty() ? launch.strata_home / "logs" : output_dir_;
    std::error_code ignored;
    fs::create_directories(dir, ignored);
    bool steps = settings_.launch == SlurmSettings::Launch::kAllocation;
    return (dir / (steps ? "slurm-%j.%s.log" : "slurm-%j.log")).string();
  }

  std::string connect_address() const { return settings_.coordinator_host + ":" + std::to_string(desk_.port()); }

  std::string submit(const StepLaunch& launch, const std::string& token) {
    std::vector<std::string> options = job_options(launch);
    options.push_back("--export=ALL");
    std::string script =
        "#!/bin/sh\nexec " + command_ + " __step-worker --connect " + shell_quoted(connect_address()) + "\n";
    std::string id = client_.submit(options, script, {std::string(kTokenEnv) + "=" + token});
    std::lock_guard lock(mutex_);
    jobs_[id] = SlurmJob{id, "PENDING", "", "", "", ""};
    return id;
  }

  std::unique_ptr<SlurmProcess> start_srun(const StepLaunch& launch, const std::string& token) {
    std::vector<std::string> options = job_options(launch);
    options.insert(options.end(), {"--ntasks=1", "--export=ALL"});
    return srun_worker(options, token);
  }

  // `srun <options> -- <this program> __step-worker ...`, the token in its environment.
  std::unique_ptr<SlurmProcess> srun_worker(const std::vector<std::string>& options, const std::string& token) {
    std::vector<std::string> command = command_words_;
    command.insert(command.end(), {"__step-worker", "--connect", connect_address()});
    return std::make_unique<SlurmProcess>("srun", options, command,
                                          std::vector<std::string>{std::string(kTokenEnv) + "=" + token});
  }

  // The run's allocation: the one it holds, or a new one (salloc) that this step waits for.
  std::string allocation(StepLaunch& launch) {
    std::lock_guard hold(allocation_mutex_);
    if (!allocation_.empty()) return allocation_;
    std::vector<std::string> options = {"--no-shell", "--job-name=strata-run:" + launch.run_id.substr(0, 60),
                                        "--comment=strata_run=" + launch.run_id};
    if (!settings_.partition.empty()) options.push_back("--partition=" + settings_.partition);
    for (const auto& option : settings_.job_options) options.push_back(option);
    for (const auto& option : allocation_size_) options.push_back(option);
    SlurmProcess salloc("salloc", options, {}, {});
    std::string id;
    for (;;) {
      if (id.empty()) id = salloc.job_id();
      if (auto status = salloc.exit_status()) {
        if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0 && !id.empty()) break;
        throw SlurmError("Slurm refused the run's allocation: '" + salloc.command_line() + "' " +
                         describe_exit_status(*status) + ": " + salloc.errors());
      }
      std::optional<SlurmJob> waiting;
      if (!id.empty() && salloc.queued()) waiting = client_.jobs({id})[id];
      if (launch.cancellation.canceled() || (waiting && waiting->unrunnable())) {
        salloc.signal(SIGTERM);  // revokes the pending allocation
        salloc.wait();
        if (launch.cancellation.canceled()) {
          throw SlurmError("the run was canceled while it waited for its allocation (Slurm job " + id + ")");
        }
        throw SlurmError("the run's allocation, Slurm job " + id + ", " + waiting->describe() + "; it was cancelled");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(settings_.poll_ms));  // salloc's own progress
    }
    allocation_ = id;
    Event event;
    event.type = EventType::kLog;
    event.run_id = launch.run_id;
    event.timestamp_us = now_unix_us();
    event.message = "The run holds Slurm allocation " + id + " (" + salloc.command_line() + ")";
    event.metadata = {{"slurm_job_id", id}};
    launch.record(std::move(event));
    return id;
  }

  // Forgets the run's allocation `id` (it ended): the next step asks for a new one.
  void allocation_ended(const std::string& id) {
    std::lock_guard hold(allocation_mutex_);
    if (allocation_ == id) allocation_.clear();
  }

  std::unique_ptr<SlurmProcess> start_step_in(const std::string& allocation, const StepLaunch& launch,
                                              const std::string& token) {
    const StepResources& resources = launch.step.node->resources;
    std::vector<std::string> options = {"--jobid=" + allocation, "--exact", "--ntasks=1",
                                        "--job-name=" + job_name(launch.step.key),
                                        "--output=" + output_pattern(launch)};
    for (const auto& option : resources.slurm_options()) {
      if (option.rfind("--partition=", 0) != 0) options.push_back(option);
    }
    return srun_worker(options, token);
  }

  // Records that the step's attempt is Slurm job `id`.
  void submitted(StepLaunch& launch, const std::string& id) {
    Event event;
    event.type = EventType::kLog;
    event.run_id = launch.run_id;
    event.step_key = launch.step.key;
    event.timestamp_us = now_unix_us();
    event.message =
        "Step '" + launch.step.key + "' submitted as Slurm job " +
        (settings_.launch == SlurmSettings::Launch::kSbatch       ? id + " (sbatch)"
         : settings_.launch == SlurmSettings::Launch::kAllocation ? "step " + id + " (srun, in the run's allocation)"
                                                                  : id + " (srun)");
    event.metadata = {{"slurm_job_id", id}};
    launch.record(std::move(event));
  }

  // The worker's connection; throws RemoteStepError when its job ended, cannot run, was refused, or
  // the run was canceled first.
  int wait_for_connection(StepLaunch& launch, StepJob& job, const std::string& token) {
    const std::string& key = launch.step.key;
    std::unique_lock lock(mutex_);
    for (;;) {
      if (job.srun && job.id.empty()) {
        // Said before the worker starts, so known once it connects.
        job.id = job.allocation.empty() ? job.srun->job_id() : job.srun->step_id();
        if (!job.id.empty()) {
          lock.unlock();
          submitted(launch, job.id);
          lock.lock();
        }
      }
      // squeue is asked only about jobs that wait: a batch job until its worker connects, an srun
      // job once srun says it is queued (one that got its allocation at once needs no polling).
      if (job.srun && !job.id.empty() && !jobs_.count(job.id) && job.srun->queued())
        jobs_[job.id] = SlurmJob{job.id, "PENDING", "", "", "", ""};
      int fd = desk_.take(token);
      if (fd >= 0) {
        jobs_.erase(job.id);
        return fd;
      }
      auto tracked = jobs_.find(job.id);
      SlurmJob state = tracked == jobs_.end() ? SlurmJob{} : tracked->second;
      bool srun_ended = job.srun && job.srun->exit_status().has_value();
      bool canceled = launch.cancellation.canceled();
      if (canceled || state.finished() || state.unrunnable() || srun_ended) {
        lock.unlock();
        if (canceled || state.unrunnable()) {
          if (job.srun) job.srun->signal(SIGTERM);  // revokes a pending allocation
          try {
            if (!job.id.empty()) client_.cancel(job.id);
          } catch (const SlurmError&) {
          }
        }
        std::string id = job.id.empty() ? "" : " " + job.id;
        if (canceled) {
          throw RemoteStepError("step '" + key + "': the run was canceled before its Slurm job" + id + " started",
                                CanceledError("").code());
        }
        if (state.unrunnable()) {
          throw RemoteStepError("step '" + key + "': Slurm job" + id + " " + state.describe() + "; it was cancelled",
                                "SlurmJobFailure");
        }
        if (job.id.empty() || !job.allocation.empty()) {
          int status = job.srun->wait();
          std::string said =
              "'" + job.srun->command_line() + "' " + describe_exit_status(status) + ": " + job.srun->errors();
          if (!job.id.empty()) {
            throw RemoteStepError("step '" + key + "': its Slurm job step " + job.id +
                                      " ended before its worker connected to the run (" + said +
                                      "; job output: " + output_hint(job.id) + ")",
                                  "SlurmJobFailure");
          }
          if (!job.allocation.empty()) allocation_ended(job.allocation);  // the next attempt asks anew
          throw RemoteStepError("step '" + key + "': Slurm refused the job" +
                                    (job.allocation.empty() ? "" : " step in allocation " + job.allocation) + ": " +
                                    said,
                                "SlurmSubmitError");
        }
        SlurmJob ended = final_state(job.id);
        throw RemoteStepError("step '" + key + "': its Slurm job" + id + " " + ended.describe() +
                                  " before its worker connected to the run (job output: " + output_hint(job.id) + ")",
                              "SlurmJobFailure");
      }
      changed_.wait_for(lock, std::chrono::milliseconds(settings_.poll_ms));
    }
  }

  // The output file of job `id` ("12", or the job step "12.3").
  std::string output_hint(const std::string& id) const {
    size_t dot = id.find('.');
    std::string pattern = settings_.output.empty()
                              ? (output_dir_ / (dot == std::string::npos ? "slurm-%j.log" : "slurm-%j.%s.log")).string()
                              : settings_.output;
    for (auto [field, value] : {std::pair<std::string, std::string>{"%j", id.substr(0, dot)},
                                {"%s", dot == std::string::npos ? "" : id.substr(dot + 1)}}) {
      size_t at = pattern.find(field);
      if (at != std::string::npos) pattern.replace(at, 2, value);
    }
    return pattern;
  }

  // How job `id` ended, once Slurm says it has (bounded by kEndWait).
  SlurmJob final_state(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + kEndWait;
    for (;;) {
      std::optional<SlurmJob> job = client_.show(id);
      if (!job) return SlurmJob{id, "UNKNOWN", "Slurm no longer knows the job", "", "", ""};
      if (job->finished() || std::chrono::steady_clock::now() > deadline) return *job;
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::milliseconds(settings_.poll_ms));
    }
  }

  // Every poll_ms while the run has jobs that wait: their states, from one squeue.
  void poll_states() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      std::vector<std::string> ids;
      for (const auto& [id, job] : jobs_) {
        if (!job.finished()) ids.push_back(id);
      }
      if (!ids.empty()) {
        lock.unlock();
        std::map<std::string, SlurmJob> states;
        try {
          states = client_.jobs(ids);
        } catch (const SlurmError&) {
          // slurmctld busy or restarting: the next poll asks again.
        }
        lock.lock();
        for (auto& [id, job] : states) {
          auto it = jobs_.find(id);
          if (it != jobs_.end()) it->second = job;
        }
        changed_.notify_all();
      }
      changed_.wait_for(lock, std::chrono::milliseconds(settings_.poll_ms), [&] { return stop_; });
    }
  }

  // --ntasks=<the run's concurrency>, each task the most CPUs and GPUs one step asks for.
  static std::vector<std::string> default_allocation(const ExecutionPlan& plan, const RunOptions& options) {
    int cpus = 0, gpus = 0;
    for (const auto& step : plan.steps()) {
      cpus = std::max(cpus, step.node->resources.cpus);
      gpus = std::max(gpus, step.node->resources.gpus);
    }
    size_t tasks = options.max_concurrency > 0 ? static_cast<size_t>(options.max_concurrency)
                                               : std::max(1u, std::thread::hardware_concurrency());
    tasks = std::max<size_t>(1, std::min(tasks, plan.steps().size()));
    std::vector<std::string> size = {"--ntasks=" + std::to_string(tasks)};
    if (cpus > 0) size.push_back("--cpus-per-task=" + std::to_string(cpus));
    if (gpus > 0) size.push_back("--gres=gpu:" + std::to_string(gpus * static_cast<int>(tasks)));
    return size;
  }

  SlurmSettings settings_;
  std::vector<std::string> allocation_size_;
  std::mutex allocation_mutex_;  // held while the allocation is asked for, so it is asked for once
  std::string allocation_;       // the run's allocation (Launch::kAllocation), once granted
  json request_;
  std::vector<std::string> command_words_;  // the program with the words its main consumed
  std::string command_;                     // the same, quoted for sh
  fs::path output_dir_;
  SlurmClient client_;
  ConnectionDesk desk_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, SlurmJob> jobs_;  // the run's jobs waiting for their workers, by id
  bool stop_ = false;
  std::thread poller_;
};

}  // namespace

std::unique_ptr<StepLauncher> make_slurm_launcher(const ExecutionPlan& plan, const RunOptions& options) {
  if (!options.instance) {
    throw DefinitionError(
        "the Slurm executor needs the run recorded in a PostgreSQL instance that every node reaches; this run has "
        "no instance");
  }
  const InstanceConfig& instance = options.instance->config();
  if (instance.backend == InstanceConfig::Backend::kSqlite) {
    throw DefinitionError("the Slurm executor cannot use the instance at '" + options.instance->home().string() +
                          "': its storage is the SQLite file '" + instance.sqlite_path.string() +
                          "' on this machine, which steps on other nodes cannot reach; configure `storage: postgres` "
                          "in its strata.yaml");
  }
  refuse_managers(plan, "the Slurm executor",
                  [&](const std::string& key) { return node_local_manager(plan, options, key); });
  SlurmSettings settings = options.run_config.slurm_settings(options.slurm);
  if (settings.launch == SlurmSettings::Launch::kAllocation) {
    for (const auto& step : plan.steps()) {
      const std::string& wanted = step.node->resources.partition;
      if (!wanted.empty() && wanted != settings.partition) {
        throw DefinitionError("the Slurm executor cannot run step '" + step.key +
                              "' in the run's allocation: it asks for partition '" + wanted +
                              "', the allocation is in " +
                              (settings.partition.empty() ? "the cluster's default partition"
                                                          : "partition '" + settings.partition + "'") +
                              "; use launch: srun or sbatch, or set execution.slurm.partition");
      }
    }
  }
  SlurmClient().ping();  // Slurm installed and running, before the run is recorded
  auto launcher = std::make_unique<SlurmLauncher>(plan, options);
  launcher->set_output_dir(options.strata_home.empty() ? options.instance->home() : options.strata_home);
  return launcher;
}

}  // namespace strata::detail

namespace strata::detail {

int run_slurm_step_worker(const Definitions& defs, const std::string& address) {
  const char* token = std::getenv(kTokenEnv);
  size_t colon = address.rfind(':');
  if (token == nullptr || colon == std::string::npos) {
    std::fprintf(stderr, "error: a Slurm step worker needs %s and --connect HOST:PORT\n", kTokenEnv);
    return 2;
  }
  std::string hello = json{{"hello", token}}.dump() + "\n";
  ::unsetenv(kTokenEnv);  // not passed on to what the step starts
  std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int error = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0) {
    std::fprintf(stderr, "error: cannot resolve the run's host '%s': %s\n", host.c_str(), ::gai_strerror(error));
    return 3;
  }
  int fd = -1;
  for (addrinfo* entry = found; entry != nullptr && fd < 0; entry = entry->ai_next) {
    fd = ::socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC, entry->ai_protocol);
    if (fd >= 0 && ::connect(fd, entry->ai_addr, entry->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    std::fprintf(stderr, "error: cannot connect to the run at %s: %s\n", address.c_str(), std::strerror(errno));
    return 3;
  }
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  if (::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(hello.size())) return 3;
  return serve_step_request(defs, fd);
}

}  // namespace strata::detail
