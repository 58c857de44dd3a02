#include "yaml_json_reader.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "strata/core/util/error.hpp"
#include "strata/core/util/utf8.hpp"

namespace strata::detail {
namespace {

using json = nlohmann::json;

// YAML scalars become JSON booleans, integers, floats or strings, as a YAML 1.2 reader would type them.
json scalar_to_json(const std::string& tag, const std::string& text) {
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;  // quoted, or tagged !!str: a string
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  try {
    size_t used = 0;
    long long integer = std::stoll(text, &used);
    if (used == text.size()) return integer;
    double real = std::stod(text, &used);
    if (used == text.size()) return real;
  } catch (const std::exception&) {
  }
  return text;
}

// Builds the JSON value bottom-up on an explicit stack of open mappings and sequences.
class JsonBuilder : public YAML::EventHandler {
 public:
  JsonBuilder(const std::string& source, const YamlLimits& limits) : source_(source), limits_(limits) {}

  json take() { return root_ ? std::move(*root_) : json(); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (documents_++ > 0) fail(mark, "holds more than one YAML document ('---'); a run config is one document");
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (expects_key()) fail(mark, "a key is empty; keys must be strings");
    add(mark, json(nullptr), anchor);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!utf8::is_valid(value)) {
      fail(mark, expects_key() ? "a key in " + path() + " is not valid UTF-8"
                               : "the value of " + path() + " is not valid UTF-8");
    }
    if (expects_key()) {
      set_key(mark, value);
      if (anchor) anchors_[anchor] = {json(value), 1, 0};
      return;
    }
    add(mark, scalar_to_json(tag, value), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto found = anchors_.find(anchor);
    if (found == anchors_.end()) fail(mark, "an alias refers to the node that contains it");
    const Anchored& target = found->second;
    if (expects_key()) {
      if (!target.value.is_string()) fail(mark, "a key is an alias to a mapping or sequence; keys must be strings");
      set_key(mark, target.value.get<std::string>());
      return;
    }
    if (values_ + target.values > limits_.max_values) {
      fail(mark, "aliases expand to more than " + std::to_string(limits_.max_values) + " values");
    }
    if (depth() + target.height > limits_.max_depth) too_deep(mark);
    values_ += target.values;
    attach(json(target.value), target.height);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, json::array(), anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, json::object(), anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    json value;
    YAML::anchor_t anchor;
    YAML::Mark mark;
    size_t values_before;              // values_ when this node opened: what it holds is the difference
    int height = 1;                    // levels of nesting from this node down
    std::optional<std::string> key{};  // a mapping's key waiting for its value
  };
  struct Anchored {
    json value;
    size_t values;
    int height;
  };

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& problem) const {
    throw ConfigError(source_ + ": line " + std::to_string(mark.line + 1) + ": " + problem);
  }
  [[noreturn]] void too_deep(const YAML::Mark& mark) const {
    fail(mark, "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
  }

  int depth() const { return static_cast<int>(stack_.size()); }

  // Where the parser is, as keys and indices: "resources.api.config.tags[2]" ("the top level" at first).
  std::string path() const {
    std::string out;
    for (const Open& open : stack_) {
      if (open.value.is_array()) {
        out += "[" + std::to_string(open.value.size()) + "]";
      } else if (open.key) {
        out += (out.empty() ? "" : ".") + *open.key;
      }
    }
    return out.empty() ? "the top level" : out;
  }
  bool expects_key() const { return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key; }

  void count(const YAML::Mark& mark) {
    if (++values_ > limits_.max_values) fail(mark, "holds more than " + std::to_string(limits_.max_values) + " values");
  }

  void set_key(const YAML::Mark& mark, const std::string& key) {
    if (stack_.back().value.contains(key)) fail(mark, "duplicate key '" + key + "'");
    stack_.back().key = key;
  }

  void add(const YAML::Mark& mark, json value, YAML::anchor_t anchor) {
    count(mark);
    if (anchor) remember(mark, anchor, value, 1, 0);
    attach(std::move(value), 0);
  }

  void open(const YAML::Mark& mark, json container, YAML::anchor_t anchor) {
    if (expects_key()) fail(mark, "a key is a mapping or sequence; keys must be strings");
    if (depth() + 1 > limits_.max_depth) too_deep(mark);
    count(mark);
    stack_.push_back({std::move(container), anchor, mark, values_ - 1});
  }

  void close() {
    Open done = std::move(stack_.back());
    stack_.pop_back();
    if (done.anchor) remember(done.mark, done.anchor, done.value, values_ - done.values_before, done.height);
    attach(std::move(done.value), done.height);
  }

  // Keeps a copy of an anchored node for its aliases; the copy counts against the value budget.
  void remember(const YAML::Mark& mark, YAML::anchor_t anchor, const json& value, size_t values, int height) {
    if (values > 1) {
      if (values_ + values > limits_.max_values) {
        fail(mark, "anchors and aliases expand to more than " + std::to_string(limits_.max_values) + " values");
      }
      values_ += values;
    }
    anchors_[anchor] = {value, values, height};
  }

  void attach(json value, int height) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Open& parent = stack_.back();
    parent.height = std::max(parent.height, height + 1);
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
    } else {
      parent.value[*parent.key] = std::move(value);
      parent.key.reset();
    }
  }

  const std::string& source_;
  const YamlLimits& limits_;
  std::vector<Open> stack_;
  std::optional<json> root_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  size_t values_ = 0;
  int documents_ = 0;
};

}  // namespace

json read_yaml_as_json(const std::string& text, const std::string& source, const YamlLimits& limits) {
  std::istringstream in(text);
  JsonBuilder builder(source, limits);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
  }
  return builder.take();
}

}  // namespace strata::detail
