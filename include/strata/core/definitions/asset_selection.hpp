// AssetSelection: which assets a job or a materialize call covers.
//
//   AssetSelection::all(), ::keys({"a", "b"}), ::groups({"hackernews"}),
//   sel.upstream(), sel.downstream(), a | b, a & b, a - b
//   AssetSelection::parse("+topstories")   text syntax, as on the command line:
//     "*"            every asset
//     "key", "a/b"   one asset (key components separated by '/')
//     "+key"         the asset and its direct parents ("++key": two levels; "*key": all ancestors)
//     "key+"         the asset and its direct children ("key++", "key*" likewise)
//     "group:name"   every asset of a group
//     "a,b"          union of comma-separated terms
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/definitions/asset_key.hpp"

namespace strata {

class AssetGraph;

class AssetSelection {
 public:
  static AssetSelection all();
  static AssetSelection keys(std::vector<AssetKey> keys);
  static AssetSelection groups(std::vector<std::string> groups);
  // Throws DefinitionError with the position and a hint on bad syntax.
  static AssetSelection parse(std::string_view text);

  // depth -1: all levels.
  AssetSelection upstream(int depth = -1) const;
  AssetSelection downstream(int depth = -1) const;
  AssetSelection operator|(const AssetSelection& other) const;
  AssetSelection operator&(const AssetSelection& other) const;
  AssetSelection operator-(const AssetSelection& other) const;

  // The selected keys in topological order; throws DefinitionError naming an unknown key (with the
  // nearest existing key as a suggestion) or group.
  std::vector<AssetKey> resolve(const AssetGraph& graph) const;
  std::string to_string() const;

  struct Node;

 private:
  explicit AssetSelection(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const Node> node_;
};

}  // namespace strata
