#include "cli_session.hpp"

namespace strata::cli {

std::shared_ptr<Instance> CliSession::shared_instance() {
  if (!instance_) instance_ = Instance::open(home.empty() ? Instance::default_home() : home);
  return instance_;
}

Instance& CliSession::instance() { return *shared_instance(); }

AssetKey known_asset_key(const Definitions& defs, const std::string& text) {
  if (text.empty()) throw UsageError("the asset key is empty", "'list assets' shows the assets");
  AssetKey key(text);
  const AssetGraph& graph = defs.asset_graph();
  if (graph.find(key) >= 0) return key;
  std::string message = "unknown asset '" + text + "'";
  if (auto guess = graph.nearest(key)) message += "; did you mean '" + guess->to_string() + "'?";
  throw UsageError(message, "'list assets' shows the assets");
}

}  // namespace strata::cli
