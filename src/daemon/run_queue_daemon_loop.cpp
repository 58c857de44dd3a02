#include "strata/daemon/run_queue_daemon_loop.hpp"

#include "strata/core/util/error.hpp"
#include "strata/execution/run_launcher.hpp"
#include "strata/execution/run_queue_coordinator.hpp"

namespace strata {

RunQueueDaemonLoop::RunQueueDaemonLoop(std::shared_ptr<Instance> instance, RunQueueLoopOptions options)
    : instance_(std::move(instance)), options_(std::move(options)) {}

int64_t RunQueueDaemonLoop::launch(const std::string& run_id) {
  DetachedRunRequest request;
  request.command = {"runs", "dequeue", run_id};
  request.home = instance_->home();
  request.run_id = run_id;
  request.program = options_.program;
  request.start_timeout_ms = options_.start_timeout_ms;
  if (options_.use_launch_server) {
    if (!server_) server_ = std::make_unique<RunLaunchServer>(options_.program);
    DetachedRunRequest through_server = request;
    through_server.start = [this](const std::vector<std::string>& args, int log_fd, int report_fd) {
      server_->start(args, log_fd, report_fd);
    };
    try {
      return launch_run_detached(through_server).pid;
    } catch (const DetachedRunError&) {
      // The run's process said why it did not start; unless the server died with the request.
      if (server_->alive()) throw;
    } catch (const Error&) {
      // The server is gone (a new one starts with the next launch): this run starts by exec.
    }
  }
  return launch_run_detached(request).pid;
}

void RunQueueDaemonLoop::run_once(Clock::time_point) {
  instance_->reap_dead_runs();
  RunQueueCoordinator coordinator(instance_, {});
  std::exception_ptr first_error;
  for (const QueuedRun& queued : coordinator.runs_that_may_start()) {
    const std::string& run_id = queued.run.run_id;
    try {
      int64_t pid = launch(run_id);
      if (options_.on_run_launched) options_.on_run_launched(run_id, pid);
    } catch (const DetachedRunError& e) {
      // Not an error when the run was canceled, or started by another process, meanwhile.
      if (fail_unlaunchable(run_id, e.what()) && !first_error) first_error = std::current_exception();
    } catch (const StorageError&) {
      throw;
    } catch (const std::exception&) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

bool RunQueueDaemonLoop::fail_unlaunchable(const std::string& run_id, const std::string& why) {
  Storage& storage = instance_->storage();
  const RunQueueConfig& config = instance_->config().run_queue;
  // Claimed here (only when still queued and no limit holds it back), then failed: it cannot run.
  auto decide = [&](const std::vector<QueuedRun>& queued, const std::vector<RunRecord>& in_progress) {
    std::vector<size_t> chosen;
    for (size_t i = 0; i < queued.size(); ++i) {
      if (queued[i].run.run_id == run_id && why_run_waits(config, queued[i].run, in_progress).empty()) {
        chosen.push_back(i);
      }
    }
    return chosen;
  };
  if (storage.dequeue_runs(decide, RunOwner::this_process(), now_unix_us()).empty()) return false;
  Event event;
  event.type = EventType::kRunFailure;
  event.run_id = run_id;
  event.timestamp_us = now_unix_us();
  event.level = LogLevel::kError;
  event.message = "Run " + run_id + " could not be launched: " + why;
  return storage.fail_run_if_status(run_id, RunStatus::kStarted, event);
}

}  // namespace strata
