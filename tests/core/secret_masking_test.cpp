// Secrets in configuration: fields declared secret (Secret<T>, or an EnvVar in code), secret-looking
// key names and passwords inside URLs are masked in the stored run config and in resource listings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <strata/core/config/secret_masking.hpp>
#include <strata/strata.hpp>

#include "temp_dir.hpp"

namespace s = strata;

namespace {

struct Vault : s::Resource {
  std::string password = "password-code";
  std::string api_key = "api-key-code";
  std::string credentials = "credentials-code";
  std::string private_key = "private-key-code";
  std::string db_passphrase = "passphrase-code";
  std::string dsn = "postgres://app:dsn-code@db.example/main";
  s::Secret<std::string> signing = "signing-code";
  s::Setting<std::string> session = s::EnvVar{"STRATA_TEST_VAULT_SESSION"};
  std::map<std::string, std::string> headers = {{"Authorization", "Bearer header-code"}, {"Accept", "text/plain"}};
  std::string region = "eu-west";
  STRATA_CONFIG_FIELDS(password, api_key, credentials, private_key, db_passphrase, dsn, signing, session, headers,
                       region)
};

const std::vector<std::string> kCodeSecrets = {"password-code",    "api-key-code",    "credentials-code",
                                               "private-key-code", "passphrase-code", "dsn-code",
                                               "signing-code",     "header-code"};
const std::vector<std::string> kRunSecrets = {"password-run",    "api-key-run",    "credentials-run",
                                              "private-key-run", "passphrase-run", "dsn-run",
                                              "signing-run",     "session-run",    "header-run"};

const char* kRunConfig = R"(resources:
  vault:
    config:
      password: password-run
      api_key: api-key-run
      credentials: credentials-run
      private_key: private-key-run
      db_passphrase: passphrase-run
      dsn: "postgres://app:dsn-run@db.example/main"
      signing: signing-run
      session: session-run
      headers: {Authorization: Bearer header-run, Accept: text/csv}
      region: us-east
)";

TEST(SecretMasking, SecretNames) {
  for (const char* name : {"password", "DB_PASSWORD", "passwd", "api_key", "apiKey", "X-Api-Key", "credentials",
                           "private_key", "passphrase", "client_secret", "token", "access_key", "Authorization"}) {
    EXPECT_TRUE(s::is_secret_name(name)) << name;
  }
  for (const char* name : {"base_url", "region", "user", "partition_key", "retries", "author", "keys"}) {
    EXPECT_FALSE(s::is_secret_name(name)) << name;
  }
}

TEST(SecretMasking, PasswordsInUrls) {
  EXPECT_EQ(s::mask_url_passwords("postgres://user:pw@host/db"), "postgres://user:***@host/db");
  EXPECT_EQ(s::mask_url_passwords("see https://a:b@x.io and s3://k:s@bucket/p"),
            "see https://a:***@x.io and s3://k:***@bucket/p");
  EXPECT_EQ(s::mask_url_passwords("postgres://user@host/db"), "postgres://user@host/db");
  EXPECT_EQ(s::mask_url_passwords("http://host:8080/path?q=a@b"), "http://host:8080/path?q=a@b");
  EXPECT_EQ(s::mask_url_passwords("no url: just text@host"), "no url: just text@host");
}

TEST(SecretMasking, MaskingDeepDocumentsIsBounded) {
  nlohmann::json doc = "leaf";
  for (int i = 0; i < 100000; ++i) {
    nlohmann::json outer = nlohmann::json::array();
    outer.push_back(std::move(doc));
    doc = std::move(outer);
  }
  nlohmann::json masked = s::mask_secrets(doc);  // must not overflow the stack
  EXPECT_TRUE(masked.is_array());
}

TEST(SecretMasking, ListingShowsNoSecret) {
  s::Definitions defs({.assets = {s::asset("a", [] { return 1; })},
                       .resources = {{"vault", Vault()}, {"io_manager", s::InMemoryIOManager()}}});
  std::string listing;
  for (const auto& [field, value] : defs.resources().at("vault").describe()) listing += field + "=" + value + "\n";
  for (const auto& secret : kCodeSecrets)
    EXPECT_EQ(listing.find(secret), std::string::npos) << secret << "\n" << listing;
  EXPECT_NE(listing.find("signing=***"), std::string::npos) << listing;
  EXPECT_NE(listing.find("session=EnvVar(STRATA_TEST_VAULT_SESSION)"), std::string::npos) << listing;
  EXPECT_NE(listing.find("postgres://app:***@db.example/main"), std::string::npos) << listing;
  EXPECT_NE(listing.find("eu-west"), std::string::npos) << listing;
  EXPECT_NE(listing.find("text/plain"), std::string::npos) << listing;
}

TEST(SecretMasking, StoredRunConfigHoldsNoSecret) {
  s::testing::TempDir home("strata-secret-masking");
  auto vault = s::asset("uses_vault", {.required_resource_keys = {"vault"}},
                        [](s::AssetContext& ctx) { return ctx.resources().get<Vault>("vault").region; });
  s::Definitions defs({.assets = {vault}, .resources = {{"vault", Vault()}, {"io_manager", s::InMemoryIOManager()}}});
  auto instance = s::Instance::open(home.path());
  auto result = s::materialize(defs, s::AssetSelection::all(),
                               {.instance = instance, .run_config = s::RunConfig::from_yaml(kRunConfig)});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<std::string>(s::AssetKey("uses_vault")), "us-east");
  auto runs = instance->storage().runs({});
  ASSERT_EQ(runs.size(), 1u);
  const std::string& stored = runs.front().run_config;
  for (const auto& secret : kRunSecrets) EXPECT_EQ(stored.find(secret), std::string::npos) << secret << "\n" << stored;
  auto doc = nlohmann::json::parse(stored);
  const auto& config = doc["resources"]["vault"]["config"];
  EXPECT_EQ(config["signing"], "***");
  EXPECT_EQ(config["session"], "***");
  EXPECT_EQ(config["dsn"], "postgres://app:***@db.example/main");
  EXPECT_EQ(config["headers"]["Accept"], "text/csv");
  EXPECT_EQ(config["region"], "us-east");
}

TEST(SecretMasking, SharedResourceStaysSecretAfterRunConfigSetsALiteral) {
  // A shared resource takes run config in place: the EnvVar field becomes a literal, still secret.
  auto shared = std::make_shared<Vault>();
  auto vault = s::asset("uses_vault", {.required_resource_keys = {"vault"}},
                        [](s::AssetContext& ctx) { return ctx.resources().get<Vault>("vault").region; });
  s::Definitions defs({.assets = {vault}, .resources = {{"vault", shared}, {"io_manager", s::InMemoryIOManager()}}});
  auto result = s::materialize(defs, s::AssetSelection::all(), {.run_config = s::RunConfig::from_yaml(kRunConfig)});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(shared->session.value(), "session-run");
  for (const auto& [field, value] : defs.resources().at("vault").describe()) {
    EXPECT_EQ(value.find("session-run"), std::string::npos) << field;
  }
  auto secret = defs.resources().at("vault").secret_fields();
  EXPECT_NE(std::find(secret.begin(), secret.end(), "session"), secret.end());
}

}  // namespace
