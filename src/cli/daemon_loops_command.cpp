#include "daemon_loops_command.hpp"

#include <thread>

#include "error_report.hpp"
#include "strata/daemon/backfill_daemon_loop.hpp"
#include "strata/daemon/run_queue_daemon_loop.hpp"
#include "terminal_text.hpp"

namespace strata::cli {

int daemon_loops_command(CliSession& session, std::chrono::milliseconds interval) {
  if (interval.count() <= 0) throw UsageError("--interval-ms must be positive");
  std::shared_ptr<Instance> instance = session.shared_instance();
  BackfillLoopOptions backfill_options;
  backfill_options.interval = interval;
  backfill_options.on_run_created = [&session](const std::string& backfill_id, int64_t chunk,
                                               const std::string& run_id) {
    session.out << "Backfill " << backfill_id << ": queued run " << run_id << " (chunk " << chunk + 1 << ")\n";
    session.out.flush();
  };
  RunQueueLoopOptions queue_options;
  queue_options.interval = interval;
  queue_options.on_run_launched = [&session](const std::string& run_id, int64_t pid) {
    session.out << "Started run " << run_id << " (pid " << pid << ")\n";
    session.out.flush();
  };
  BackfillDaemonLoop backfills(session.defs, instance, backfill_options);
  RunQueueDaemonLoop queue(instance, queue_options);
  std::vector<DaemonLoop*> loops{&backfills, &queue};
  SystemClock clock;
  session.out << "Daemon loops running on " << instance->storage().describe() << " (pid " << ::getpid() << ")\n";
  session.out.flush();
  for (;;) {
    for (DaemonLoop* loop : loops) {
      try {
        loop->run_once(clock.now());
      } catch (const std::exception& e) {
        print_error(session.err, error_code_of(e), loop->name() + ": " + e.what());
        session.err.flush();
      }
    }
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace strata::cli
