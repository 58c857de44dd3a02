// AssetKey: the name of an asset, a path of components such as ["analytics", "topstories"].
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class AssetKey {
 public:
  AssetKey() = default;
  // "a/b/c" is the key ["a","b","c"]; a plain "topstories" is a one-component key.
  AssetKey(const char* slash_separated) : AssetKey(std::string_view(slash_separated)) {}
  AssetKey(std::string_view slash_separated);
  AssetKey(const std::string& slash_separated) : AssetKey(std::string_view(slash_separated)) {}
  AssetKey(std::vector<std::string> path) : path_(std::move(path)) {}
  AssetKey(std::initializer_list<std::string> path) : path_(path) {}

  const std::vector<std::string>& path() const { return path_; }
  bool empty() const { return path_.empty(); }
  // The last component: what Dagster calls the asset's name.
  const std::string& name() const;
  // The key with `prefix` in front (key_prefix of an asset definition).
  AssetKey with_prefix(const std::vector<std::string>& prefix) const;

  // "a/b/c": the form users type on the command line.
  std::string to_string() const;
  // A form usable as a step key or file stem: components joined by "__".
  std::string to_python_identifier() const;

  // Throws DefinitionError when a component cannot be a storage location component (see
  // core/resources/storage_location.hpp: empty, '.'-leading, path separators, control characters, invalid UTF-8,
  // over 255 bytes): such a key could escape a base directory or take the place of Strata's own files.
  void validate_components() const;

  auto operator<=>(const AssetKey&) const = default;
  bool operator==(const AssetKey&) const = default;

 private:
  std::vector<std::string> path_;
};

std::ostream& operator<<(std::ostream& out, const AssetKey& key);

}  // namespace strata

template <>
struct std::hash<strata::AssetKey> {
  size_t operator()(const strata::AssetKey& key) const noexcept;
};
