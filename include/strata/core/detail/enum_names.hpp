// Lookups in constant tables of {enum value, stable name} pairs, for enums that are stored or
// printed by name (event types, log levels, run statuses, metadata kinds).
#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace strata::detail {

template <class Enum, size_t N>
const char* name_of(const std::pair<Enum, const char*> (&table)[N], Enum value, const char* fallback) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return fallback;
}

template <class Enum, size_t N>
std::optional<Enum> value_of(const std::pair<Enum, const char*> (&table)[N], std::string_view name) {
  for (const auto& [v, n] : table) {
    if (name == n) return v;
  }
  return std::nullopt;
}

}  // namespace strata::detail
