// AssetGraph: the assets of a Definitions object indexed by key, with their edges (from `ins` and
// `deps`). Built once, in time linear in the number of assets and edges.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "strata/core/definitions/asset_key.hpp"
#include "strata/core/definitions/node.hpp"

namespace strata {

class AssetGraph {
 public:
  struct Entry {
    AssetKey key;
    NodePtr node;
    int output_index = 0;         // which output of `node` produces this asset
    std::vector<int> upstream;    // indices of assets this one reads or depends on
    std::vector<int> downstream;  // indices of assets that read or depend on this one
    bool is_source = false;
  };

  AssetGraph() = default;
  // Adds every output of `node` that has an asset key; throws DefinitionError on a duplicate key or
  // when another node runs as the same step (asset `a/b` and asset `a__b` are both step `a__b`).
  void add(const NodePtr& node);
  // Wires edges from inputs and deps; throws DefinitionError on unknown upstream keys or a cycle.
  void link();

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry& entry(int index) const { return entries_[static_cast<size_t>(index)]; }
  // Index of `key`, or -1.
  int find(const AssetKey& key) const;
  // Index of `key`; throws DefinitionError naming the key and the nearest existing one.
  int at(const AssetKey& key, const std::string& context) const;
  // Asset indices in dependency order (upstream first); valid after link().
  const std::vector<int>& topological_order() const { return topo_; }
  // The existing key closest to `key` by edit distance, if any is close.
  std::optional<AssetKey> nearest(const AssetKey& key) const;

 private:
  std::vector<Entry> entries_;
  std::unordered_map<AssetKey, int> index_;
  std::unordered_map<std::string, const NodeDef*> steps_;  // step key (node name) -> node
  std::vector<int> topo_;
};

}  // namespace strata
