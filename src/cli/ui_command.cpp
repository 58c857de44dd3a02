#include "ui_command.hpp"

#include "daemon_commands.hpp"
#include "interrupt_watcher.hpp"
#include "strata/web/ui_server.hpp"

namespace strata::cli {
namespace {

// The UI server of `session`'s program on `options`, started, its address printed. Refuses a bad
// port and a non-loopback host without an access token (UsageError).
std::unique_ptr<web::UiServer> start_ui_server(CliSession& session, const UiCommandOptions& options) {
  if (options.port < 0 || options.port > 65535) {
    throw UsageError("--port must be from 0 to 65535, got " + std::to_string(options.port), "0 picks a free port");
  }
  auto instance = session.shared_instance();
  std::string token = web::configured_ui_token(instance->config());
  if (token.empty() && !web::is_loopback_host(options.host)) {
    throw UsageError("refusing to serve the UI on '" + options.host + "' without an access token",
                     "set STRATA_UI_TOKEN (or ui.access_token in strata.yaml), or keep --host 127.0.0.1");
  }
  auto server = std::make_unique<web::UiServer>(
      session.defs, instance, web::UiServerOptions{.host = options.host, .port = options.port, .access_token = token});
  server->start();
  session.out << "Strata UI: " << server->url() << "\n";
  if (!token.empty()) session.out << "  access token required: open " << server->url() << "?token=<your token>\n";
  session.out << "  instance: " << instance->home().string() << " (" << instance->storage().describe() << ")\n";
  return server;
}

}  // namespace

int ui_command(CliSession& session, const UiCommandOptions& options) {
  // Signals are read by the watcher's thread from here on, in every thread started afterwards.
  auto stop = std::make_shared<RunCancellation>();
  InterruptWatcher interrupts(stop);
  auto server = start_ui_server(session, options);
  session.out << "  press Ctrl-C to stop\n";
  session.out.flush();
  while (!stop->wait_for(std::chrono::seconds(3600))) {
  }
  server->stop();
  session.out << "Strata UI stopped\n";
  return kExitSuccess;
}

int dev_command(CliSession& session, const UiCommandOptions& options) {
  auto stop = std::make_shared<RunCancellation>();
  InterruptWatcher interrupts(stop);
  auto output = std::make_shared<std::mutex>();
  std::unique_ptr<web::UiServer> server;
  {
    std::lock_guard lock(*output);
    server = start_ui_server(session, options);
    session.out.flush();
  }
  std::unique_ptr<Daemon> daemon = make_daemon(session, output);
  daemon->start();
  while (!stop->wait_for(std::chrono::seconds(1))) {
  }
  {
    std::lock_guard lock(*output);
    session.out << "Stopping (" << stop->reason() << ")\n";
    session.out.flush();
  }
  daemon->stop();
  server->stop();
  session.out << "Daemon and UI stopped\n";
  return kExitSuccess;
}

}  // namespace strata::cli
