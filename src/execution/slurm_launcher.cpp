// The Slurm executor: each step of a run is a Slurm batch job (sbatch) running this same program's
// step worker, which connects back to the run over TCP and speaks the step protocol
// (step_protocol.hpp) — the run records every event itself, as with the multi-process executor.
//
// Why sbatch rather than srun: a submitted job needs no process of the run while it waits or runs
// (a fan-out of 1,000 steps is 1,000 queued jobs, not 1,000 srun processes), it survives the run's
// process (so a killed coordinator can be reconciled from Slurm's job states), and its id is known
// at once for scancel. Job states come from squeue, polled for all of the run's jobs together every
// SlurmSettings::poll_ms (accounting may be off); how a job ended from `scontrol show job`.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

#include "step_launcher.hpp"
#include "step_protocol.hpp"
#include "strata/core/io_manager.hpp"
#include "strata/core/type_info.hpp"
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
    command_ = shell_quoted(exe.empty() ? words.front() : exe.string());
    for (size_t i = 1; i < words.size(); ++i) command_ += " " + shell_quoted(words[i]);
    if (settings_.coordinator_host.empty()) settings_.coordinator_host = Instance::host_name();
    desk_.on_arrival = [this] { changed_.notify_all(); };
    poller_ = std::thread([this] { poll_states(); });
  }
  ~SlurmLauncher() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    poller_.join();
  }

  void set_output_dir(const fs::path& home) { output_dir_ = home / "logs"; }

  void run_step(StepLaunch& launch) override {
    const std::string& key = launch.step.key;
    std::string token = random_token();
    desk_.expect(token);
    std::string id;
    try {
      id = submit(launch, token);
    } catch (const SlurmError& e) {
      desk_.forget(token);
      throw RemoteStepError("step '" + key + "': " + e.what(), "SlurmSubmitError");
    }
    Event submitted;
    submitted.type = EventType::kLog;
    submitted.run_id = launch.run_id;
    submitted.step_key = key;
    submitted.timestamp_us = now_unix_us();
    submitted.message = "Step '" + key + "' submitted as Slurm job " + id;
    submitted.metadata = {{"slurm_job_id", id}};
    launch.record(std::move(submitted));
    struct Untrack {
      SlurmLauncher& launcher;
      std::string id, token;
      ~Untrack() {
        launcher.desk_.forget(token);
        std::lock_guard lock(launcher.mutex_);
        launcher.jobs_.erase(id);
      }
    } untrack{*this, id, token};
    int fd = wait_for_connection(launch, id, token);
    StepConversation conversation;
    {
      LineSocket socket(fd);
      std::optional<std::chrono::steady_clock::time_point> asked;
      socket.set_idle(
          [&] {
            if (!launch.cancellation.canceled()) return;
            try {
              if (!asked) {
                client_.cancel(id, "TERM");  // the worker turns SIGTERM into ExecutionContext::is_canceled
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
    if (!conversation.protocol_error.empty()) {
      throw RemoteStepError("step '" + key + "': its Slurm job " + id +
                                " sent a message that is not understood: " + conversation.protocol_error,
                            "ProtocolError");
    }
    if (conversation.end && conversation.end->at("success").get<bool>()) {
      finish_step(*conversation.end, launch);
      return;
    }
    // The step failed, or its job's connection closed first: when Slurm ended the job (cancelled it,
    // a time limit, its node), that is the step's error.
    if (!launch.cancellation.canceled()) {
      SlurmJob job = final_state(id);
      bool slurm_ended_it = job.state != "COMPLETED" && job.state != "FAILED";
      if (!conversation.end || slurm_ended_it) {
        std::string worker =
            conversation.end ? "; the step reported: " + conversation.end->at("message").get<std::string>() : "";
        throw RemoteStepError("step '" + key + "': its Slurm job " + id + " " + job.describe() +
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
  std::string submit(const StepLaunch& launch, const std::string& token) {
    const StepResources& resources = launch.step.node->resources;
    std::vector<std::string> options = {"--job-name=" + job_name(launch.step.key),
                                        "--comment=strata_run=" + launch.run_id,
                                        "--export=ALL," + std::string(kTokenEnv) + "=" + token};
    std::string output = settings_.output;
    if (output.empty()) {
      fs::path dir = output_dir_.empty() ? launch.strata_home / "logs" : output_dir_;
      std::error_code ignored;
      fs::create_directories(dir, ignored);
      output = (dir / "slurm-%j.log").string();
    }
    options.push_back("--output=" + output);
    if (resources.partition.empty() && !settings_.partition.empty())
      options.push_back("--partition=" + settings_.partition);
    for (const auto& option : resources.sbatch_options()) options.push_back(option);
    for (const auto& option : settings_.sbatch_options) options.push_back(option);
    std::string script = "#!/bin/sh\nexec " + command_ + " __step-worker --connect " +
                         shell_quoted(settings_.coordinator_host + ":" + std::to_string(desk_.port())) + "\n";
    std::string id = client_.submit(options, script);
    std::lock_guard lock(mutex_);
    jobs_[id] = SlurmJob{id, "PENDING", "", "", "", ""};
    return id;
  }

  // The worker's connection; throws RemoteStepError when its job ended, cannot run, or the run was
  // canceled first.
  int wait_for_connection(const StepLaunch& launch, const std::string& id, const std::string& token) {
    const std::string& key = launch.step.key;
    std::unique_lock lock(mutex_);
    for (;;) {
      int fd = desk_.take(token);
      if (fd >= 0) return fd;
      SlurmJob job = jobs_[id];
      if (launch.cancellation.canceled() || job.finished() || job.unrunnable()) {
        lock.unlock();
        if (launch.cancellation.canceled() || job.unrunnable()) {
          try {
            client_.cancel(id);
          } catch (const SlurmError&) {
          }
        }
        if (launch.cancellation.canceled()) {
          throw RemoteStepError("step '" + key + "': the run was canceled before its Slurm job " + id + " started",
                                CanceledError("").code());
        }
        if (job.unrunnable()) {
          throw RemoteStepError("step '" + key + "': Slurm job " + id + " " + job.describe() + "; it was cancelled",
                                "SlurmJobFailure");
        }
        SlurmJob ended = final_state(id);
        throw RemoteStepError("step '" + key + "': its Slurm job " + id + " " + ended.describe() +
                                  " before its worker connected to the run (job output: " + output_hint(id) + ")",
                              "SlurmJobFailure");
      }
      changed_.wait_for(lock, std::chrono::milliseconds(settings_.poll_ms));
    }
  }

  std::string output_hint(const std::string& id) const {
    std::string pattern = settings_.output.empty() ? (output_dir_ / "slurm-%j.log").string() : settings_.output;
    size_t at = pattern.find("%j");
    return at == std::string::npos ? pattern : pattern.replace(at, 2, id);
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

  // Every poll_ms while the run has jobs: their states, from one squeue.
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

  SlurmSettings settings_;
  json request_;
  std::string command_;  // the program, quoted for sh, with the words its main consumed
  fs::path output_dir_;
  SlurmClient client_;
  ConnectionDesk desk_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, SlurmJob> jobs_;  // the run's jobs in flight, by id
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
