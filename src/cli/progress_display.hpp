// ProgressDisplay: what the command line shows while runs go. Every event at or above the chosen
// level becomes one log line (time, level, step, event type, message). On a terminal a status line
// stays at the bottom — steps done / running / failed of the total, elapsed time, running steps —
// redrawn as events arrive and a few times a second; elsewhere (pipes, CI logs) only plain lines.
//
// `out` is the raw terminal stream (the status line draws with its own escape sequences); every
// text the display prints from events is escaped with terminal_line first.
//
// on_event is the run's EventListener; the executor serializes its calls, and a lock guards the
// status line against the redraw thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>

#include "strata/core/types/event.hpp"

namespace strata::cli {

class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, bool terminal, LogLevel min_level);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // The next run has `total_steps` steps; `label` (e.g. "run 2/5") prefixes its status line.
  void expect_run(size_t total_steps, std::string label = "");
  void on_event(const Event& event);
  // Removes the status line (and stops redrawing); call before printing a summary.
  void finish();

  // One event as one terminal-safe line.
  static std::string format_line(const Event& event);

 private:
  void print_line_locked(const std::string& line);
  void draw_status_locked();
  void clear_status_locked();
  void redraw_loop();

  std::ostream& out_;
  const bool terminal_;
  const LogLevel min_level_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool status_shown_ = false;
  size_t total_ = 0;
  size_t done_ = 0;
  size_t failed_ = 0;
  std::set<std::string> running_;
  std::string label_;
  int64_t run_start_us_ = 0;
  std::thread redraw_;
};

}  // namespace strata::cli
