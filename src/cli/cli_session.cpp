#include "cli_session.hpp"

#include <algorithm>
#include <cctype>

namespace strata::cli {

std::shared_ptr<Instance> CliSession::shared_instance() {
  if (!instance_) instance_ = Instance::open(home.empty() ? Instance::default_home() : home);
  return instance_;
}

Instance& CliSession::instance() { return *shared_instance(); }

AssetKey known_asset_key(const Definitions& defs, const std::string& text) {
  if (text.empty()) throw UsageError("the asset key is empty", "'list assets' shows the assets");
  AssetKey key(text);
  try {
    (void)defs.asset_graph().at(key, "");
  } catch (const DefinitionError& e) {
    throw UsageError(e.what(), "'list assets' shows the assets");
  }
  return key;
}

std::string upper_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

}  // namespace strata::cli
