#include "strata/core/definitions/asset_key.hpp"

#include "strata/core/resources/storage_location.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

AssetKey::AssetKey(std::string_view slash_separated) {
  size_t start = 0;
  while (start <= slash_separated.size()) {
    size_t slash = slash_separated.find('/', start);
    if (slash == std::string_view::npos) slash = slash_separated.size();
    path_.emplace_back(slash_separated.substr(start, slash - start));
    start = slash + 1;
  }
  if (path_.size() == 1 && path_[0].empty()) path_.clear();
}

const std::string& AssetKey::name() const {
  if (path_.empty()) throw DefinitionError("empty asset key has no name");
  return path_.back();
}

AssetKey AssetKey::with_prefix(const std::vector<std::string>& prefix) const {
  std::vector<std::string> path = prefix;
  path.insert(path.end(), path_.begin(), path_.end());
  return AssetKey(std::move(path));
}

std::string AssetKey::to_string() const {
  std::string out;
  for (size_t i = 0; i < path_.size(); ++i) {
    if (i) out += '/';
    out += path_[i];
  }
  return out;
}

std::string AssetKey::to_python_identifier() const {
  std::string out;
  for (size_t i = 0; i < path_.size(); ++i) {
    if (i) out += "__";
    out += path_[i];
  }
  return out;
}

void AssetKey::validate_components() const {
  if (path_.empty()) throw DefinitionError("asset key is empty");
  for (const auto& component : path_) {
    if (std::string problem = storage_component_problem(component); !problem.empty()) {
      throw DefinitionError("asset key '" + printable(to_string()) + "': component '" + printable(component) + "' " +
                            problem + "; key components name files, directories and tables");
    }
  }
}

std::ostream& operator<<(std::ostream& out, const AssetKey& key) { return out << key.to_string(); }

}  // namespace strata

size_t std::hash<strata::AssetKey>::operator()(const strata::AssetKey& key) const noexcept {
  size_t h = 0xcbf29ce484222325ULL;
  for (const auto& component : key.path()) {
    h ^= std::hash<std::string>{}(component) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}
