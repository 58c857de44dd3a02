// The command line facing hostile input: config files that are not regular files, too big, too
// deep, alias bombs, duplicate keys; arguments and data with control characters or invalid UTF-8;
// secrets in run config and resource listings. Bad input is one escaped `error:` line, one `hint:`
// line and exit code 2; nothing reaches the terminal unescaped; no secret is stored or printed.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "cli_test_base.hpp"
#include "strata/strata.hpp"

namespace s = strata;
using s::testing::CliOutcome;
using s::testing::CliTest;
using s::testing::run_cli_in_process;

namespace {

// Bytes a terminal would act on: C0 controls but newline, DEL, and invalid UTF-8 (here: 0xff).
bool has_raw_control(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\n') || byte == 0x7f || byte == 0xff;
  });
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

class CliInputTest : public CliTest {
 protected:
  std::string config_path(const std::string& name) const { return (dir_ / name).string(); }
  CliOutcome with_config(const std::string& path, const std::string& fragment) {
    auto outcome = expect_usage_error(defs(), {"materialize", "--select", "*", "--config", path}, fragment);
    EXPECT_NE(outcome.err.find(path), std::string::npos) << "names the file: " << outcome.err;
    return outcome;
  }
};

TEST_F(CliInputTest, ConfigThatIsNotARegularFileIsRefused) {
  with_config("/dev/zero", "not a regular file");
  ASSERT_EQ(::mkfifo(config_path("fifo.yaml").c_str(), 0600), 0);
  with_config(config_path("fifo.yaml"), "not a regular file");  // must not block
  std::filesystem::create_directory(dir_ / "config.d");
  with_config(config_path("config.d"), "is a directory");
}

TEST_F(CliInputTest, HostileConfigFilesAreRefused) {
  write("deep.json", R"({"resources": {"settings": {"config": {"factor": )" + std::string(50000, '[') +
                         std::string(50000, ']') + "}}}}");
  with_config(config_path("deep.json"), "nested deeper than 64 levels");
  write("deep.yaml", "resources: " + std::string(50000, '[') + std::string(50000, ']') + "\n");
  with_config(config_path("deep.yaml"), "nested deeper than 64 levels");
  std::string bomb = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    bomb += std::string(1, level) + ": &" + level + " [";
    for (int i = 0; i < 9; ++i) bomb += (i ? ",*" : "*") + std::string(1, static_cast<char>(level - 1));
    bomb += "]\n";
  }
  write("bomb.yaml", bomb);
  with_config(config_path("bomb.yaml"), "aliases expand to more than");
  write("dup.yaml", "resources:\n  settings:\n    config:\n      factor: 3\n      factor: 4\n");
  with_config(config_path("dup.yaml"), "line 5: duplicate key 'factor'");
  write("latin1.yaml", "resources:\n  settings:\n    config:\n      factor: \"caf\xe9\"\n");
  auto latin1 = with_config(config_path("latin1.yaml"), "not valid UTF-8");
  EXPECT_FALSE(has_raw_control(latin1.err)) << latin1.err;
  write("big.yaml", "resources: {}\n#" + std::string(16 * 1024 * 1024, ' ') + "\n");
  with_config(config_path("big.yaml"), "larger than 16 MiB");
}

TEST_F(CliInputTest, ControlCharactersInErrorsAreEscaped) {
  auto d = defs();
  auto outcome = expect_usage_error(d, {"materialize", "--select", "x\x1b]0;PWNED\a"}, "x\\x1b]0;PWNED\\x07");
  EXPECT_FALSE(has_raw_control(outcome.err)) << outcome.err;
  auto asset = expect_usage_error(d, {"asset", "show", "a\x1b[2Jb"}, "a\\x1b[2Jb");
  EXPECT_FALSE(has_raw_control(asset.err)) << asset.err;
  auto run = expect_usage_error(d, {"logs", "r\r\x1b[1A"}, "r\\x0d\\x1b[1A");
  EXPECT_FALSE(has_raw_control(run.err)) << run.err;
  auto option = expect_usage_error(d, {"materialize", "--select", "*", "--bogus\x1b[2J"}, "--bogus\\x1b[2J");
  EXPECT_FALSE(has_raw_control(option.err)) << option.err;
}

TEST_F(CliInputTest, SelectionErrorsNameTheSelectionOnce) {
  auto d = defs();
  for (const char* selection : {"numbers,,total", "group:", "numbrs", "group:mth"}) {
    auto outcome = expect_usage_error(d, {"materialize", "--select", selection}, selection);
    std::string error_line = outcome.err.substr(0, outcome.err.find('\n'));
    EXPECT_EQ(occurrences(error_line, "selection"), 1u) << error_line;
    EXPECT_EQ(occurrences(error_line, std::string("selection '") + selection + "'"), 1u) << error_line;
    EXPECT_EQ(error_line.find("(syntax:"), std::string::npos) << "the hint line gives the syntax: " << error_line;
  }
}

TEST_F(CliInputTest, InvalidUtf8ArgumentsAreRefusedNamingTheOption) {
  auto d = defs();
  auto tag = expect_usage_error(d, {"materialize", "--select", "*", "--tag", "k=\xff"}, "--tag");
  EXPECT_NE(tag.err.find("not valid UTF-8"), std::string::npos) << tag.err;
  EXPECT_NE(tag.err.find("k=\\xff"), std::string::npos) << tag.err;
  EXPECT_FALSE(has_raw_control(tag.err)) << tag.err;
  expect_usage_error(d, {"materialize", "--select", "*", "--tag=\xff=v"}, "--tag");
  expect_usage_error(d, {"materialize", "--select", "\xff"}, "--select");
  expect_usage_error(d, {"materialize", "-s", "numbers\xc3"}, "-s");
  expect_usage_error(defs(false, true), {"materialize", "--select", "regions", "--partition", "e\xffu"}, "--partition");
  expect_usage_error(d, {"job", "execute", "math\xff"}, "not valid UTF-8");
}

// Assets, jobs and logs whose text carries terminal escapes.
s::Definitions hostile_definitions(const std::filesystem::path& data_dir) {
  auto loud = s::asset("loud", {.description = "describes \x1b[5mblinking\x1b[0m"}, [](s::AssetContext& ctx) {
    ctx.log().info(
        "title \x1b]0;PWNED\a then \x1b[2J clear \xc2\x9b"
        "31m and \xe2\x80\xae reversed");
    ctx.add_output_metadata({{"note", "\x1b[31mred\x1b[0m"}, {"doc", s::markdown("# Title\n\n\x1b[2Jbody\r\n")}});
    return int64_t{1};
  });
  auto broken = s::asset("broken", {.ins = {"loud"}},
                         [](int64_t) -> int64_t { throw std::runtime_error("failed \x1b[2J here"); });
  return s::Definitions(
      {.assets = {loud, broken},
       .jobs = {s::define_asset_job("loud_job", s::AssetSelection::all(), {.description = "job \x1b[1mbold\x1b[0m"})},
       .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = data_dir.string()})}}});
}

TEST_F(CliInputTest, DataTextIsEscapedInEveryCommand) {
  auto d = hostile_definitions(dir_ / "data");
  auto run = cli(d, {"materialize", "--select", "*"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("title \\x1b]0;PWNED\\x07 then \\x1b[2J clear \\xc2\\x9b31m and \\xe2\\x80\\xae reversed"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.err.find("failed \\x1b[2J here"), std::string::npos) << run.err;
  std::string run_id = s::Instance::open(home())->storage().runs({}).front().run_id;
  std::vector<CliOutcome> outcomes = {run,
                                      cli(d, {"logs", run_id}),
                                      cli(d, {"runs"}),
                                      cli(d, {"asset", "show", "loud"}),
                                      cli(d, {"list", "assets"}),
                                      cli(d, {"list", "jobs"}),
                                      cli(d, {"materialize", "--select", "*"}, /*terminal=*/true)};
  EXPECT_NE(outcomes[1].out.find("title \\x1b]0;PWNED\\x07"), std::string::npos) << outcomes[1].out;
  EXPECT_NE(outcomes[3].out.find("\\x1b[31mred"), std::string::npos) << outcomes[3].out;
  EXPECT_NE(outcomes[3].out.find("describes \\x1b[5mblinking"), std::string::npos) << outcomes[3].out;
  EXPECT_NE(outcomes[5].out.find("job \\x1b[1mbold"), std::string::npos) << outcomes[5].out;
  for (size_t i = 0; i + 1 < outcomes.size(); ++i) {
    EXPECT_FALSE(has_raw_control(outcomes[i].out)) << i << "\n" << outcomes[i].out;
    EXPECT_FALSE(has_raw_control(outcomes[i].err)) << i << "\n" << outcomes[i].err;
  }
  // On a terminal the progress line still uses its own escape sequence, and only it.
  std::string live = outcomes.back().out;
  EXPECT_NE(live.find("\r\033[K"), std::string::npos);
  for (size_t at = live.find('\x1b'); at != std::string::npos; at = live.find('\x1b', at + 1)) {
    EXPECT_EQ(live.compare(at, 3, "\033[K"), 0) << live.substr(at > 10 ? at - 10 : 0, 40);
  }
}

struct Vault : s::Resource {
  std::string password = "password-code";
  std::string api_key = "api-key-code";
  std::string dsn = "postgres://app:dsn-code@db.example/main";
  s::Secret<std::string> signing = "signing-code";
  s::Setting<std::string> session = s::EnvVar{"STRATA_TEST_CLI_VAULT_SESSION"};
  std::string region = "eu-west";
  STRATA_CONFIG_FIELDS(password, api_key, dsn, signing, session, region)
};

TEST_F(CliInputTest, SecretsAreNeitherStoredNorListed) {
  auto vault = s::asset("uses_vault", {.required_resource_keys = {"vault"}},
                        [](s::AssetContext& ctx) { return ctx.resources().get<Vault>("vault").region; });
  s::Definitions d({.assets = {vault},
                    .resources = {{"vault", Vault()},
                                  {"io_manager", s::FilesystemIOManager({.base_dir = (dir_ / "data").string()})}}});
  auto listing = cli(d, {"list", "resources"});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  for (const char* secret : {"password-code", "api-key-code", "dsn-code", "signing-code"}) {
    EXPECT_EQ(listing.out.find(secret), std::string::npos) << secret << "\n" << listing.out;
  }
  EXPECT_NE(listing.out.find("postgres://app:***@db.example/main"), std::string::npos) << listing.out;
  EXPECT_NE(listing.out.find("EnvVar(STRATA_TEST_CLI_VAULT_SESSION)"), std::string::npos) << listing.out;

  write("secrets.yaml",
        "resources:\n  vault:\n    config:\n      password: password-run\n      api_key: api-key-run\n"
        "      dsn: postgres://app:dsn-run@db.example/main\n      signing: signing-run\n"
        "      session: session-run\n      region: us-east\n");
  auto run = cli(d, {"materialize", "--select", "*", "--config", config_path("secrets.yaml")});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto runs = s::Instance::open(home())->storage().runs({});
  ASSERT_EQ(runs.size(), 1u);
  const std::string& stored = runs.front().run_config;
  for (const char* secret : {"password-run", "api-key-run", "dsn-run", "signing-run", "session-run"}) {
    EXPECT_EQ(stored.find(secret), std::string::npos) << secret << "\n" << stored;
    EXPECT_EQ(run.out.find(secret), std::string::npos) << secret << "\n" << run.out;
  }
  EXPECT_NE(stored.find("us-east"), std::string::npos) << stored;
  EXPECT_NE(stored.find("postgres://app:***@db.example/main"), std::string::npos) << stored;
}

}  // namespace
