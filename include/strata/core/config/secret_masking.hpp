// Secret masking: what Strata replaces with "***" before configuration is stored (the run record's
// run config) or printed (`list resources`). A value is secret when
//   - its key names a secret: password, passwd, passphrase, secret, token, api key, access key,
//     private key, credential(s), authorization (case and '_'/'-' ignored: DB_PASSWORD, apiKey,
//     X-Api-Key), or
//   - the resource, or the config struct of an asset or op, declares the field secret (Secret<T>, or
//     a Setting given an EnvVar in code; see ConfigSchema::record for the latter), or
//   - it is the password of a URL (postgres://user:pw@host/db -> postgres://user:***@host/db).
// A secret given as {env: NAME} stays as it is: it names a variable, not a value.
// Pure functions, thread-safe; they never throw but for std::bad_alloc.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace strata {

class RunConfig;
class ResourceDefinition;

inline constexpr const char* kMaskedValue = "***";

// Whether a config key names a secret (see above).
bool is_secret_name(std::string_view name);

// `text` with the password of every URL in it ("scheme://user:password@host") replaced by "***".
std::string mask_url_passwords(std::string_view text);

// A copy of `doc` with values under secret names and URL passwords masked. Bounded: whatever is
// nested deeper than RunConfig::kMaxDepth is masked whole instead of being walked.
nlohmann::json mask_secrets(const nlohmann::json& doc);

// The run config as a run record stores it: mask_secrets, and every field that `resources`
// declare secret (ResourceDefinition::secret_fields) masked under resources.<key>.config. Under
// ops.<step>.config, fields are masked by name (the executor records the config of steps itself,
// through ConfigSchema::record, which knows their secret fields).
nlohmann::json masked_run_config(const RunConfig& config, const std::map<std::string, ResourceDefinition>& resources);

}  // namespace strata
