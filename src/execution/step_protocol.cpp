#include "step_protocol.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>

#include "strata/core/definitions/retry_policy.hpp"
#include "strata/core/types/type_info.hpp"
#include "strata/storage/instance.hpp"

namespace strata::detail {
namespace {

using json = nlohmann::json;

constexpr const char* kAssetJob = "__ASSET_JOB";

json event_to_json(const Event& event) {
  json out = {{"type", event_type_name(event.type)},  {"step", event.step_key},   {"time", event.timestamp_us},
              {"level", log_level_name(event.level)}, {"message", event.message}, {"name", event.name},
              {"error_type", event.error_type}};
  if (event.asset_key) out["asset"] = event.asset_key->path();
  if (event.partition) out["partition"] = *event.partition;
  if (!event.metadata.empty()) out["metadata"] = metadata_to_json(event.metadata);
  return out;
}

Event event_from_json(const json& in, const std::string& run_id) {
  Event event;
  auto type = event_type_from_name(in.at("type").get<std::string>());
  if (!type) throw Error("a step worker sent an event of unknown type '" + in.at("type").get<std::string>() + "'");
  event.type = *type;
  event.run_id = run_id;
  event.step_key = in.at("step").get<std::string>();
  event.timestamp_us = in.at("time").get<int64_t>();
  event.level = log_level_from_name(in.at("level").get<std::string>()).value_or(LogLevel::kInfo);
  event.message = in.at("message").get<std::string>();
  event.name = in.at("name").get<std::string>();
  event.error_type = in.at("error_type").get<std::string>();
  if (in.contains("asset")) event.asset_key = AssetKey(in.at("asset").get<std::vector<std::string>>());
  if (in.contains("partition")) event.partition = in.at("partition").get<std::string>();
  if (in.contains("metadata")) event.metadata = metadata_from_json(in.at("metadata").get<std::string>());
  return event;
}

// The worker's side of the socket.
class SocketChannel : public StepChannel {
 public:
  SocketChannel(LineSocket& socket, bool records, std::filesystem::path instance_home)
      : socket_(socket), records_(records), instance_home_(std::move(instance_home)) {}

  bool records_events() const override { return records_; }
  void send(const Event& event) override { socket_.write_line({{"event", event_to_json(event)}}); }
  void commit() override {
    std::string line;
    if (!socket_.write_line({{"commit", true}}) || !socket_.read_line(line)) {
      throw StorageError("the run that started this step is gone; its events could not be recorded");
    }
    json reply = json::parse(line);
    if (reply.contains("commit_error")) throw StorageError(reply.at("commit_error").get<std::string>());
  }
  std::string latest_materialization_run(const AssetKey& asset, const std::optional<std::string>& partition) override {
    if (instance_home_.empty()) return "";
    if (!instance_) instance_ = Instance::open(instance_home_);
    auto latest = instance_->storage().latest_materialization(asset, partition);
    return latest ? latest->event.run_id : std::string();
  }

 private:
  LineSocket& socket_;
  bool records_;
  std::filesystem::path instance_home_;
  std::shared_ptr<Instance> instance_;
};

ExecutionPlan worker_plan(const Definitions& defs, const json& request) {
  std::string job_name = request.at("job").get<std::string>();
  const JobDefinition* job = job_name == kAssetJob ? nullptr : &defs.job(job_name);
  if (job && job->kind() == JobDefinition::Kind::kOps) return ExecutionPlan::for_job(defs, *job);
  std::vector<AssetKey> keys;
  for (const auto& path : request.at("assets")) keys.emplace_back(path.get<std::vector<std::string>>());
  return ExecutionPlan::for_assets(defs, keys, job);
}

// In a step process: a cancellation that SIGTERM (from the run, when it is canceled) triggers.
std::shared_ptr<RunCancellation> cancel_on_sigterm() {
  auto cancellation = std::make_shared<RunCancellation>();
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &term, nullptr);  // before any thread of the step exists
  std::thread([cancellation, term] {
    int signal = 0;
    while (::sigwait(&term, &signal) != 0) {
    }
    cancellation->cancel("the run was canceled");
  }).detach();
  return cancellation;
}

}  // namespace

bool LineSocket::read_line(std::string& line) {
  for (;;) {
    size_t newline = buffer_.find('\n', scanned_);
    if (newline != std::string::npos) {
      line.assign(buffer_, 0, newline);
      buffer_.erase(0, newline + 1);
      scanned_ = 0;
      return true;
    }
    scanned_ = buffer_.size();
    if (on_idle_) {
      pollfd entry{fd_, POLLIN, 0};
      int ready = ::poll(&entry, 1, static_cast<int>(every_.count()));
      if (ready == 0) on_idle_();
      if (ready <= 0) continue;
    }
    char chunk[65536];
    ssize_t got = ::read(fd_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(got));
  }
}

bool LineSocket::write_line(const json& document) {
  std::string text = document.dump(-1, ' ', false, json::error_handler_t::replace);
  text += '\n';
  size_t done = 0;
  while (done < text.size()) {
    ssize_t wrote = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    done += static_cast<size_t>(wrote);
  }
  return true;
}

json step_request_base(const ExecutionPlan& plan, const RunOptions& options) {
  json request = {{"job", plan.job_name()},
                  {"partitions", options.partition_keys},
                  {"run_config", options.run_config.document()},
                  {"instance_home", options.instance ? options.instance->home().string() : std::string()}};
  json assets = json::array();
  for (const auto& key : plan.asset_keys()) assets.push_back(key.path());
  request["assets"] = std::move(assets);
  return request;
}

json step_request(const json& base, const StepLaunch& launch) {
  json request = base;
  request["run_id"] = launch.run_id;
  request["strata_home"] = launch.strata_home.string();
  request["records_events"] = launch.records_events;
  request["step"] = launch.step.key;
  return request;
}

StepConversation converse_with_step(LineSocket& socket, const json& request, StepLaunch& launch) {
  socket.write_line({{"request", request}});  // a process that is gone shows below
  StepConversation conversation;
  std::string line;
  while (!conversation.end && conversation.protocol_error.empty() && socket.read_line(line)) {
    try {
      json message = json::parse(line);
      if (message.contains("event")) {
        launch.record(event_from_json(message.at("event"), launch.run_id));
      } else if (message.contains("commit")) {
        try {
          launch.commit();
          socket.write_line({{"committed", true}});
        } catch (const std::exception& e) {
          socket.write_line({{"commit_error", e.what()}});
        }
      } else if (message.contains("end")) {
        conversation.end = message.at("end");
      }
    } catch (const json::exception& e) {
      conversation.protocol_error = e.what();
    }
  }
  return conversation;
}

void finish_step(const json& end, StepLaunch& launch) {
  std::vector<int> yielded = end.at("yielded").get<std::vector<int>>();
  for (size_t i = 0; i < yielded.size() && i < launch.yielded.size(); ++i) launch.yielded[i] = yielded[i] ? 1 : 0;
  if (!end.at("success").get<bool>() && end.contains("retry")) {
    const json& retry = end.at("retry");
    throw RetryRequested(end.at("message").get<std::string>(), retry.at("max_retries").get<int>(),
                         std::chrono::milliseconds(retry.at("wait_ms").get<int64_t>()));
  }
  if (!end.at("success").get<bool>()) {
    throw RemoteStepError(end.at("message").get<std::string>(), end.at("error_type").get<std::string>());
  }
}

int serve_step_request(const Definitions& defs, int fd) {
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // not inherited by whatever the step starts
  LineSocket socket(fd);
  std::string line;
  if (!socket.read_line(line)) return 3;  // no run to report to
  WorkerOutcome outcome;
  try {
    json request = json::parse(line).at("request");
    ExecutionPlan plan = worker_plan(defs, request);
    std::string step_key = request.at("step").get<std::string>();
    int index = -1;
    for (size_t i = 0; i < plan.steps().size(); ++i) {
      if (plan.steps()[i].key == step_key) index = static_cast<int>(i);
    }
    if (index < 0) throw DefinitionError("step '" + step_key + "' is not part of this program's plan for the run");
    RunOptions options;
    options.cancellation = cancel_on_sigterm();
    options.run_id = request.at("run_id").get<std::string>();
    options.strata_home = request.at("strata_home").get<std::string>();
    options.run_config = RunConfig::from_json(request.at("run_config").dump());
    options.partition_keys = request.at("partitions").get<std::vector<std::string>>();
    std::string instance_home = request.at("instance_home").get<std::string>();
    SocketChannel channel(socket, request.at("records_events").get<bool>(), instance_home);
    // Partition mappings may need the instance's dynamic partitions; other steps never open it.
    const PlanStep& step = plan.steps()[static_cast<size_t>(index)];
    bool partitioned = step.node->partitions != nullptr;
    for (const auto& input : step.inputs) partitioned = partitioned || input.mapping != nullptr;
    if (partitioned && !instance_home.empty()) options.instance = Instance::open(instance_home);
    outcome = execute_step_in_worker(plan, std::move(options), index, channel);
  } catch (const std::exception& e) {
    outcome.success = false;
    outcome.error_type = error_type_of(e);
    outcome.error_message = std::string("the step's process could not run it: ") + e.what();
  }
  std::vector<int> yielded(outcome.yielded.begin(), outcome.yielded.end());
  json end = {{"success", outcome.success},
              {"error_type", outcome.error_type},
              {"message", outcome.error_message},
              {"yielded", yielded}};
  if (outcome.retry_requested) {
    end["retry"] = {{"max_retries", outcome.retry_requested->first}, {"wait_ms", outcome.retry_requested->second}};
  }
  bool sent = socket.write_line({{"end", std::move(end)}});
  return sent ? 0 : 3;
}

}  // namespace strata::detail
