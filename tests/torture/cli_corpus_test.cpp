// The config/CLI fuzz corpus (corpus/cli/cases.txt): malformed run configs, instance configs and
// command lines, each run through a real CLI program (strata_cli_test_program) as a separate
// process under `timeout` and a memory limit. Every case must end with its exit code (2 for bad
// input: exactly one `error[CODE]:` line, at most `hint:` lines besides, no control characters; 0 for
// valid input), never with a signal or the time limit. Each case is its own CTest test; the
// manifest's DISABLED_ cases form the disabled suite DISABLED_KnownFailures/CliCorpus.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using strata::testing::TempDir;

namespace {

const fs::path kCorpus = fs::path(STRATA_TORTURE_CORPUS) / "cli";
constexpr const char* kTimeLimitSeconds = "20";
// Enough for any sane config; a reader that slurps /dev/zero hits it instead of the machine's memory.
constexpr const char* kMemoryLimitBytes = "4294967296";

struct Case {
  std::string name;
  int exit_code = 0;
  std::vector<std::string> args;  // as written, placeholders unexpanded
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

// The cases of the manifest; `known_failures`: those whose name starts with DISABLED_ (without it).
std::vector<Case> load_cases(bool known_failures) {
  std::ifstream in(kCorpus / "cases.txt");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    Case c;
    words >> c.name >> c.exit_code;
    for (std::string word; words >> word;) c.args.push_back(word);
    bool disabled = c.name.rfind("DISABLED_", 0) == 0;
    if (disabled) c.name.erase(0, 9);
    if (disabled == known_failures) cases.push_back(c);
  }
  return cases;
}

// \xNN, \s, \n, \r and \\ in a word of the manifest.
std::string unescape(const std::string& word) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '\\' || i + 1 == word.size()) {
      out += word[i];
    } else if (word[i + 1] == 'x' && i + 3 < word.size()) {
      out += static_cast<char>(std::stoi(word.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      char c = word[++i];
      out += c == 's' ? ' ' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
    }
  }
  return out;
}

std::string generated(const std::string& kind) {
  constexpr int kDepth = 100000;
  std::string text;
  if (kind == "deep-yaml-flow" || kind == "deep-json") {
    text = std::string(kDepth, '[') + std::string(kDepth, ']');
  } else if (kind == "deep-yaml-map") {
    for (int i = 0; i < kDepth; ++i) text += "{a: ";
    text += "1" + std::string(kDepth, '}');
  } else if (kind == "deep-yaml-block") {
    for (int i = 0; i < 2000; ++i) text += std::string(static_cast<size_t>(i), ' ') + "a:\n";
    text += std::string(2000, ' ') + "b: 1\n";
  } else if (kind == "long-line") {
    text = "resources: " + std::string(16 << 20, 'x') + "\n";
  } else {
    ADD_FAILURE() << "unknown generated file kind " << kind;
  }
  return text;
}

// One case, in its own temporary directory (data dir, home, generated files), removed afterwards.
class CliCorpus : public ::testing::TestWithParam<Case> {
 protected:
  // The argument with its placeholders replaced; {home:...} writes strata.yaml and yields nothing.
  std::optional<std::string> expand(const std::string& word) {
    std::string out = unescape(word);
    for (size_t open; (open = out.find('{')) != std::string::npos;) {
      size_t close = out.find('}', open);
      if (close == std::string::npos) break;
      std::string token = out.substr(open + 1, close - open - 1);
      std::string value;
      if (token.rfind("file:", 0) == 0) {
        value = (kCorpus / token.substr(5)).string();
      } else if (token.rfind("home:", 0) == 0) {
        fs::create_directories(home());
        fs::copy_file(kCorpus / token.substr(5), home() / "strata.yaml");
        return std::nullopt;
      } else if (token.rfind("gen:", 0) == 0) {
        value = (dir_ / ("generated-" + token.substr(4))).string();
        std::ofstream(value, std::ios::binary) << generated(token.substr(4));
      } else if (token.rfind("repeat:", 0) == 0) {
        size_t colon = token.rfind(':');
        std::string text = token.substr(7, colon - 7);
        for (int n = std::stoi(token.substr(colon + 1)); n > 0; --n) value += text;
      } else if (token == "dev-zero") {
        value = "/dev/zero";
      } else if (token == "fifo") {
        value = (dir_ / "fifo").string();
        ::mkfifo(value.c_str(), 0600);
      } else if (token == "dir") {
        value = (dir_ / "a-directory").string();
        fs::create_directories(value);
      } else if (token == "missing") {
        value = (dir_ / "no-such-file.yaml").string();
      }
      out.replace(open, close - open + 1, value);
    }
    return out;
  }

  fs::path home() const { return dir_ / "home"; }

  TempDir dir_{"strata-torture-cli"};
};

bool has_control_character(const std::string& line) {
  for (unsigned char c : line) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

TEST_P(CliCorpus, EndsWithItsExitCodeAndOneErrorLine) {
  const Case& c = GetParam();
  // In the case's directory, so that relative paths a config names (base_dir: elsewhere) land there.
  std::vector<std::string> command = {"env", "-C", dir_.path().string(), "timeout", "-s", "KILL", kTimeLimitSeconds};
#if !defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of address space: no address-space limit under it.
  command.insert(command.end(), {"prlimit", std::string("--as=") + kMemoryLimitBytes, "--"});
#endif
  command.push_back(STRATA_CLI_TEST_PROGRAM);
  command.push_back((dir_ / "data").string());
  bool has_home = false;
  for (const auto& word : c.args) {
    if (auto arg = expand(word)) {
      has_home = has_home || *arg == "--home";
      command.push_back(*arg);
    }
  }
  if (!has_home) {
    command.push_back("--home");
    command.push_back(home().string());
  }
  auto result = strata::testing::run_command(command);
  std::string shown = result.output.substr(0, 2000);
  ASSERT_LT(result.exit_code, 128) << "killed by signal " << result.exit_code - 128
                                   << (result.exit_code == 137 ? " (the time limit, or memory)" : "") << "\n"
                                   << shown;
  EXPECT_EQ(result.exit_code, c.exit_code) << shown;
  int errors = 0;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    bool error = line.rfind("error[", 0) == 0 && line.find("]: ") != std::string::npos;
    errors += error;
    if (c.exit_code == 2) {
      EXPECT_TRUE(error || line.rfind("hint:", 0) == 0 || line.empty()) << "a line besides error and hint: " << line;
      EXPECT_FALSE(has_control_character(line)) << "a control character in: " << line;
    }
  }
  EXPECT_EQ(errors, c.exit_code == 2 ? 1 : 0) << shown;
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) { return param.param.name; }

INSTANTIATE_TEST_SUITE_P(Corpus, CliCorpus, ::testing::ValuesIn(load_cases(false)), case_name);
// Cases named DISABLED_ in the manifest: known failures, each waiting for the fix named above it
// there. A DISABLED_ suite is skipped by GoogleTest and marked disabled in CTest.
INSTANTIATE_TEST_SUITE_P(DISABLED_KnownFailures, CliCorpus, ::testing::ValuesIn(load_cases(true)), case_name);

}  // namespace
