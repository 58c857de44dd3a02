#include "progress_display.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "terminal_text.hpp"
#include "text_table.hpp"

namespace strata::cli {
namespace {

std::string clock_time(int64_t unix_us) {
  std::time_t seconds = static_cast<std::time_t>(unix_us / 1000000);
  std::tm local{};
  localtime_r(&seconds, &local);
  return fmt::format("{:02}:{:02}:{:02}.{:03}", local.tm_hour, local.tm_min, local.tm_sec, (unix_us / 1000) % 1000);
}

// Events that are part of a step's life but not worth a line unless asked for (--log-level debug).
bool is_routine(EventType type) { return type == EventType::kLoadedInput || type == EventType::kHandledOutput; }

}  // namespace

ProgressDisplay::ProgressDisplay(std::ostream& out, bool terminal, LogLevel min_level)
    : out_(out), terminal_(terminal), min_level_(min_level) {
  if (terminal_) redraw_ = std::thread([this] { redraw_loop(); });
}

ProgressDisplay::~ProgressDisplay() { finish(); }

void ProgressDisplay::expect_run(size_t total_steps, std::string label) {
  std::lock_guard lock(mutex_);
  total_ = total_steps;
  done_ = failed_ = 0;
  running_.clear();
  label_ = std::move(label);
  run_start_us_ = now_unix_us();
}

std::string ProgressDisplay::format_line(const Event& event) {
  std::string where = event.step_key.empty() ? "run " + event.run_id.substr(0, 8) : event.step_key;
  if (event.partition) where += "[" + *event.partition + "]";
  // One line per event, whatever the message holds (user code and stored events are data).
  return fmt::format("{} {:<7} {:<20} {:<21} {}", clock_time(event.timestamp_us), log_level_name(event.level),
                     terminal_line(where), event_type_name(event.type), terminal_line(event.message));
}

void ProgressDisplay::on_event(const Event& event) {
  std::lock_guard lock(mutex_);
  switch (event.type) {
    case EventType::kRunStart:
      run_start_us_ = event.timestamp_us;
      break;
    case EventType::kStepStart:
      running_.insert(event.step_key);
      break;
    case EventType::kStepSuccess:
      running_.erase(event.step_key);
      ++done_;
      break;
    case EventType::kStepFailure:
      running_.erase(event.step_key);
      ++failed_;
      break;
    case EventType::kStepSkipped:
      ++done_;
      break;
    default:
      break;
  }
  LogLevel level = is_routine(event.type) ? LogLevel::kDebug : event.level;
  if (level >= min_level_ || event.type == EventType::kStepFailure || event.type == EventType::kRunFailure) {
    print_line_locked(format_line(event));
  } else if (terminal_) {
    draw_status_locked();
  }
}

void ProgressDisplay::print_line_locked(const std::string& line) {
  clear_status_locked();
  out_ << line << '\n';
  if (terminal_ && !stopping_) draw_status_locked();
  out_.flush();
}

void ProgressDisplay::clear_status_locked() {
  if (status_shown_) out_ << "\r\033[K";
  status_shown_ = false;
}

void ProgressDisplay::draw_status_locked() {
  if (!terminal_ || stopping_ || total_ == 0) return;
  std::string running;
  for (const auto& key : running_) running += (running.empty() ? "" : ", ") + key;
  std::string line =
      fmt::format("{}{}/{} steps done · {} running · {} failed · {}{}", label_.empty() ? "" : label_ + ": ", done_,
                  total_, running_.size(), failed_, format_duration_us(now_unix_us() - run_start_us_),
                  running.empty() ? "" : " · " + running);
  out_ << "\r\033[K" << shorten(terminal_line(line), 110) << std::flush;
  status_shown_ = true;
}

void ProgressDisplay::redraw_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(250));
    if (!stopping_ && (status_shown_ || !running_.empty())) draw_status_locked();
  }
}

void ProgressDisplay::finish() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    clear_status_locked();
    out_.flush();
  }
  wake_.notify_all();
  if (redraw_.joinable()) redraw_.join();
}

}  // namespace strata::cli
