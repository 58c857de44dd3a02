#include "strata/core/definitions/asset_graph.hpp"

#include <algorithm>
#include <functional>

#include "strata/core/util/error.hpp"
#include "strata/core/util/nearest_name.hpp"

namespace strata {

void AssetGraph::add(const NodePtr& node) {
  for (size_t i = 0; i < node->outputs.size(); ++i) {
    const OutputDef& out = node->outputs[i];
    if (!out.asset_key) continue;
    auto [it, inserted] = index_.emplace(*out.asset_key, static_cast<int>(entries_.size()));
    if (!inserted) {
      const Entry& other = entries_[static_cast<size_t>(it->second)];
      throw DefinitionError("asset key '" + out.asset_key->to_string() + "' is defined twice: by " +
                            node_kind_name(other.node->kind) + " '" + other.node->name + "' and by " +
                            node_kind_name(node->kind) + " '" + node->name + "'");
    }
    entries_.push_back({*out.asset_key, node, static_cast<int>(i), {}, {}, node->kind == NodeKind::kSourceAsset});
  }
  if (node->kind == NodeKind::kSourceAsset) return;  // loaded, never run as a step
  auto [step, new_step] = steps_.emplace(node->name, node.get());
  if (!new_step && step->second != node.get()) {
    auto keys_of = [](const NodeDef& n) {
      std::string keys;
      for (const auto& out : n.outputs) {
        if (out.asset_key) keys += (keys.empty() ? "'" : ", '") + out.asset_key->to_string() + "'";
      }
      return keys.empty() ? "'" + n.name + "'" : keys;
    };
    throw DefinitionError(std::string(node_kind_name(step->second->kind)) + " " + keys_of(*step->second) + " and " +
                          node_kind_name(node->kind) + " " + keys_of(*node) + " would both run as step '" + node->name +
                          "'; rename one of them");
  }
}

int AssetGraph::find(const AssetKey& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? -1 : it->second;
}

std::optional<AssetKey> AssetGraph::nearest(const AssetKey& key) const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& entry : entries_) names.push_back(entry.key.to_string());
  auto guess = nearest_name(key.to_string(), names);
  if (!guess) return std::nullopt;
  return AssetKey(*guess);
}

int AssetGraph::at(const AssetKey& key, const std::string& context) const {
  int index = find(key);
  if (index >= 0) return index;
  std::string message = context + "unknown asset '" + key.to_string() + "'";
  if (auto guess = nearest(key)) message += "; did you mean '" + guess->to_string() + "'?";
  throw DefinitionError(message);
}

void AssetGraph::link() {
  for (auto& entry : entries_) {
    entry.upstream.clear();
    entry.downstream.clear();
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    Entry& entry = entries_[i];
    const NodeDef& node = *entry.node;
    std::string who = std::string(node_kind_name(node.kind)) + " '" + entry.key.to_string() + "': ";
    auto add_edge = [&](int up) {
      if (std::find(entry.upstream.begin(), entry.upstream.end(), up) != entry.upstream.end()) return;
      entry.upstream.push_back(up);
      entries_[static_cast<size_t>(up)].downstream.push_back(static_cast<int>(i));
    };
    for (const auto& in : node.inputs) {
      if (!in.asset_key) continue;
      int up = find(*in.asset_key);
      if (up < 0) {
        if (!in.input_manager_key.empty()) continue;  // external data loaded by an input manager
        at(*in.asset_key, who + "input '" + in.name + "' reads ");
      }
      add_edge(up);
    }
    for (const auto& dep : node.deps) add_edge(at(dep, who + "deps names "));
  }

  // Kahn's algorithm; whatever remains is on or behind a cycle.
  std::vector<int> pending(entries_.size());
  topo_.clear();
  topo_.reserve(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) {
    pending[i] = static_cast<int>(entries_[i].upstream.size());
    if (pending[i] == 0) topo_.push_back(static_cast<int>(i));
  }
  for (size_t next = 0; next < topo_.size(); ++next) {
    for (int down : entries_[static_cast<size_t>(topo_[next])].downstream) {
      if (--pending[static_cast<size_t>(down)] == 0) topo_.push_back(down);
    }
  }
  if (topo_.size() == entries_.size()) return;

  // Walk upstream from a blocked asset until an asset repeats: that loop is a cycle.
  int start = 0;
  while (pending[static_cast<size_t>(start)] == 0) ++start;
  std::vector<int> path;
  std::vector<int> position(entries_.size(), -1);
  int current = start;
  while (position[static_cast<size_t>(current)] < 0) {
    position[static_cast<size_t>(current)] = static_cast<int>(path.size());
    path.push_back(current);
    for (int up : entries_[static_cast<size_t>(current)].upstream) {
      if (pending[static_cast<size_t>(up)] > 0) {
        current = up;
        break;
      }
    }
  }
  std::vector<int> cycle(path.begin() + position[static_cast<size_t>(current)], path.end());
  std::reverse(cycle.begin(), cycle.end());  // upstream → downstream
  std::string text;
  for (int index : cycle) text += entries_[static_cast<size_t>(index)].key.to_string() + " -> ";
  text += entries_[static_cast<size_t>(cycle.front())].key.to_string();
  throw DefinitionError("assets form a cycle: " + text);
}

}  // namespace strata
