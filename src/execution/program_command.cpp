#include "strata/execution/program_command.hpp"

#include <sys/wait.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>

namespace strata {
namespace {

std::mutex& command_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::vector<std::string>& recorded_command() {
  static std::vector<std::string> words;
  return words;
}

std::vector<std::string> own_command_line() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), {});
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

}  // namespace

std::vector<std::string> program_command() {
  {
    std::lock_guard lock(command_mutex());
    if (!recorded_command().empty()) return recorded_command();
  }
  std::vector<std::string> words = own_command_line();
  if (words.size() > 1) words.resize(1);
  if (words.empty()) words.push_back("strata");
  return words;
}

void set_program_command(std::vector<std::string> words) {
  std::lock_guard lock(command_mutex());
  recorded_command() = std::move(words);
}

std::vector<std::string> program_command_before(const std::vector<std::string>& cli_args) {
  std::vector<std::string> words = own_command_line();
  if (words.empty()) return {cli_args.empty() ? std::string("strata") : cli_args.front()};
  size_t given = cli_args.empty() ? 0 : cli_args.size() - 1;
  if (words.size() >= given + 1 && std::equal(cli_args.begin() + (cli_args.empty() ? 0 : 1), cli_args.end(),
                                              words.end() - static_cast<std::ptrdiff_t>(given))) {
    words.resize(words.size() - given);
  } else {
    words.resize(1);
  }
  return words;
}

std::string describe_exit_status(int status) {
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(signal);
    return "was killed by signal " + std::to_string(signal) + (abbrev ? " (SIG" + std::string(abbrev) + ")" : "");
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

}  // namespace strata
