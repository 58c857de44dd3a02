#include "strata/core/definitions/asset_selection.hpp"

#include <algorithm>
#include <cctype>

#include "strata/core/definitions/asset_graph.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

struct AssetSelection::Node {
  enum class Kind { kAll, kKeys, kGroups, kUpstream, kDownstream, kUnion, kIntersection, kDifference };
  Kind kind;
  std::vector<AssetKey> keys;
  std::vector<std::string> groups;
  int depth = -1;
  std::shared_ptr<const Node> left;
  std::shared_ptr<const Node> right;
};

namespace {

using Node = AssetSelection::Node;

std::vector<char> evaluate(const Node& node, const AssetGraph& graph);

// Marks everything reachable from `seed` within `depth` steps along upstream or downstream edges.
std::vector<char> expand(std::vector<char> seed, const AssetGraph& graph, int depth, bool upstream) {
  std::vector<int> frontier;
  for (size_t i = 0; i < seed.size(); ++i) {
    if (seed[i]) frontier.push_back(static_cast<int>(i));
  }
  for (int level = 0; !frontier.empty() && (depth < 0 || level < depth); ++level) {
    std::vector<int> next;
    for (int index : frontier) {
      const auto& entry = graph.entry(index);
      for (int neighbour : upstream ? entry.upstream : entry.downstream) {
        if (!seed[static_cast<size_t>(neighbour)]) {
          seed[static_cast<size_t>(neighbour)] = 1;
          next.push_back(neighbour);
        }
      }
    }
    frontier.swap(next);
  }
  return seed;
}

std::vector<char> evaluate(const Node& node, const AssetGraph& graph) {
  const size_t n = graph.entries().size();
  switch (node.kind) {
    case Node::Kind::kAll: {
      std::vector<char> all(n, 1);
      for (size_t i = 0; i < n; ++i) all[i] = !graph.entry(static_cast<int>(i)).is_source;
      return all;
    }
    case Node::Kind::kKeys: {
      std::vector<char> out(n, 0);
      for (const auto& key : node.keys) out[static_cast<size_t>(graph.at(key, "selection: "))] = 1;
      return out;
    }
    case Node::Kind::kGroups: {
      std::vector<char> out(n, 0);
      for (const auto& group : node.groups) {
        bool found = false;
        for (size_t i = 0; i < n; ++i) {
          const auto& entry = graph.entry(static_cast<int>(i));
          if (entry.node->outputs[static_cast<size_t>(entry.output_index)].group == group) {
            out[i] = 1;
            found = true;
          }
        }
        if (!found) throw DefinitionError("selection: no asset is in group '" + group + "'");
      }
      return out;
    }
    case Node::Kind::kUpstream:
    case Node::Kind::kDownstream:
      return expand(evaluate(*node.left, graph), graph, node.depth, node.kind == Node::Kind::kUpstream);
    case Node::Kind::kUnion:
    case Node::Kind::kIntersection:
    case Node::Kind::kDifference: {
      std::vector<char> a = evaluate(*node.left, graph);
      std::vector<char> b = evaluate(*node.right, graph);
      for (size_t i = 0; i < n; ++i) {
        if (node.kind == Node::Kind::kUnion) a[i] = a[i] || b[i];
        if (node.kind == Node::Kind::kIntersection) a[i] = a[i] && b[i];
        if (node.kind == Node::Kind::kDifference) a[i] = a[i] && !b[i];
      }
      return a;
    }
  }
  return {};
}

std::shared_ptr<const Node> make(Node node) { return std::make_shared<const Node>(std::move(node)); }

[[noreturn]] void syntax_error(std::string_view text, size_t position, const std::string& what) {
  throw DefinitionError(
      "bad selection '" + std::string(text) + "' at character " + std::to_string(position + 1) + ": " + what +
      " (syntax: '*', 'key', 'a/b', '+key', 'key+', '*key', 'key*', 'group:name', terms joined by ',')");
}

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/';
}

}  // namespace

AssetSelection AssetSelection::all() { return AssetSelection(make({Node::Kind::kAll, {}, {}, -1, nullptr, nullptr})); }

AssetSelection AssetSelection::keys(std::vector<AssetKey> keys) {
  return AssetSelection(make({Node::Kind::kKeys, std::move(keys), {}, -1, nullptr, nullptr}));
}

AssetSelection AssetSelection::groups(std::vector<std::string> groups) {
  return AssetSelection(make({Node::Kind::kGroups, {}, std::move(groups), -1, nullptr, nullptr}));
}

AssetSelection AssetSelection::upstream(int depth) const {
  return AssetSelection(make({Node::Kind::kUpstream, {}, {}, depth, node_, nullptr}));
}

AssetSelection AssetSelection::downstream(int depth) const {
  return AssetSelection(make({Node::Kind::kDownstream, {}, {}, depth, node_, nullptr}));
}

AssetSelection AssetSelection::operator|(const AssetSelection& other) const {
  return AssetSelection(make({Node::Kind::kUnion, {}, {}, -1, node_, other.node_}));
}

AssetSelection AssetSelection::operator&(const AssetSelection& other) const {
  return AssetSelection(make({Node::Kind::kIntersection, {}, {}, -1, node_, other.node_}));
}

AssetSelection AssetSelection::operator-(const AssetSelection& other) const {
  return AssetSelection(make({Node::Kind::kDifference, {}, {}, -1, node_, other.node_}));
}

namespace {

// The union of terms[first, last), as a balanced tree: evaluating it (and destroying it) recurses
// log2(terms) deep however many terms a selection lists.
AssetSelection union_of(const std::vector<AssetSelection>& terms, size_t first, size_t last) {
  if (last - first == 1) return terms[first];
  size_t middle = first + (last - first) / 2;
  return union_of(terms, first, middle) | union_of(terms, middle, last);
}

}  // namespace

AssetSelection AssetSelection::parse(std::string_view text) {
  std::vector<AssetSelection> terms;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    size_t begin = start;
    size_t end = comma;
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    if (begin == end) syntax_error(text, begin, "empty term");
    std::string_view term = text.substr(begin, end - begin);
    AssetSelection selected = all();
    if (term != "*") {
      if (term.rfind("group:", 0) == 0) {
        std::string group(term.substr(6));
        if (group.empty()) syntax_error(text, begin + 6, "group name missing after 'group:'");
        selected = groups({group});
      } else {
        size_t lead = 0;
        int up_depth = 0;
        while (lead < term.size() && (term[lead] == '+' || term[lead] == '*')) {
          up_depth = term[lead] == '*' ? -1 : (up_depth < 0 ? -1 : up_depth + 1);
          ++lead;
        }
        size_t trail = term.size();
        int down_depth = 0;
        while (trail > lead && (term[trail - 1] == '+' || term[trail - 1] == '*')) {
          down_depth = term[trail - 1] == '*' ? -1 : (down_depth < 0 ? -1 : down_depth + 1);
          --trail;
        }
        std::string_view key = term.substr(lead, trail - lead);
        if (key.empty()) syntax_error(text, begin + lead, "asset key missing");
        for (size_t i = 0; i < key.size(); ++i) {
          if (!is_key_char(key[i])) {
            syntax_error(text, begin + lead + i, std::string("unexpected character '") + key[i] + "'");
          }
        }
        AssetSelection base = keys({AssetKey(key)});
        selected = base;
        if (up_depth != 0) selected = selected | base.upstream(up_depth);
        if (down_depth != 0) selected = selected | base.downstream(down_depth);
      }
    }
    terms.push_back(std::move(selected));
    start = comma + 1;
  }
  return union_of(terms, 0, terms.size());
}

std::vector<AssetKey> AssetSelection::resolve(const AssetGraph& graph) const {
  std::vector<char> chosen = evaluate(*node_, graph);
  std::vector<AssetKey> keys;
  for (int index : graph.topological_order()) {
    if (chosen[static_cast<size_t>(index)]) keys.push_back(graph.entry(index).key);
  }
  return keys;
}

std::string AssetSelection::to_string() const {
  std::function<std::string(const Node&)> render = [&](const Node& node) -> std::string {
    switch (node.kind) {
      case Node::Kind::kAll:
        return "*";
      case Node::Kind::kKeys: {
        std::string out;
        for (const auto& key : node.keys) out += (out.empty() ? "" : ",") + key.to_string();
        return out;
      }
      case Node::Kind::kGroups: {
        std::string out;
        for (const auto& group : node.groups) out += (out.empty() ? "" : ",") + ("group:" + group);
        return out;
      }
      case Node::Kind::kUpstream:
        return "upstream(" + render(*node.left) + ")";
      case Node::Kind::kDownstream:
        return "downstream(" + render(*node.left) + ")";
      case Node::Kind::kUnion:
        return render(*node.left) + "," + render(*node.right);
      case Node::Kind::kIntersection:
        return "(" + render(*node.left) + " & " + render(*node.right) + ")";
      case Node::Kind::kDifference:
        return "(" + render(*node.left) + " - " + render(*node.right) + ")";
    }
    return "";
  };
  return render(*node_);
}

}  // namespace strata
