// Logger: what user code and I/O managers log through (`ctx.log().info(...)`). Each line becomes
// a LOG event of the run, with its level and step key.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "strata/core/types/event.hpp"

namespace strata {

class Logger {
 public:
  using Sink = std::function<void(LogLevel, std::string_view)>;

  Logger() = default;  // discards everything
  explicit Logger(Sink sink) : sink_(std::move(sink)) {}

  void log(LogLevel level, std::string_view message) const {
    if (sink_) sink_(level, message);
  }
  void debug(std::string_view message) const { log(LogLevel::kDebug, message); }
  void info(std::string_view message) const { log(LogLevel::kInfo, message); }
  void warning(std::string_view message) const { log(LogLevel::kWarning, message); }
  void error(std::string_view message) const { log(LogLevel::kError, message); }

 private:
  Sink sink_;
};

}  // namespace strata
