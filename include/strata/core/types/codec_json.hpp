// The JSON form of storable values (core/types/codec.hpp): what `asset value` prints and what the
// filesystem I/O manager writes with format "json". Every storable type has one, and reads back to
// an equal value:
//   bool, integers, floats   JSON booleans and numbers (NaN, Infinity, -Infinity as those strings)
//   enums                    their underlying integer
//   std::string              a string (must be UTF-8: JSON holds no other text)
//   Bytes                    a base64 string
//   nlohmann::json           itself
//   sequences, sets, array   arrays; std::pair and std::tuple are arrays too
//   maps with string keys    objects; other maps are arrays of [key, value] pairs
//   std::optional            null or the value
//   std::variant             {"index": alternative, "value": value}
//   STRATA_SERIALIZABLE      an object of its fields by name (reading refuses missing and unknown fields)
// Reading throws StorageError naming the JSON location ("value.points[2].x") and what was expected.
#pragma once

#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "strata/core/util/error.hpp"

namespace strata::codec_json {

using Json = nlohmann::json;

std::string base64_encode(const std::vector<std::byte>& bytes);
// Throws StorageError naming `where` when `text` is not base64.
std::vector<std::byte> base64_decode(const std::string& text, const std::string& where);
[[noreturn]] void mismatch(const std::string& where, const std::string& expected, const Json& found);

template <class T>
concept has_fields = requires(const T& value) {
  strata_visit_fields(value, [](const char*, const auto&) {});
};

// Declarations first: the definitions below call one another for nested types.
template <class T>
void write(const T& value, Json& out);
template <class T, class A>
void write(const std::vector<T, A>& value, Json& out);
template <class T, class A>
void write(const std::deque<T, A>& value, Json& out);
template <class T, class A>
void write(const std::list<T, A>& value, Json& out);
template <class T, size_t N>
void write(const std::array<T, N>& value, Json& out);
template <class K, class C, class A>
void write(const std::set<K, C, A>& value, Json& out);
template <class K, class H, class E, class A>
void write(const std::unordered_set<K, H, E, A>& value, Json& out);
template <class K, class V, class C, class A>
void write(const std::map<K, V, C, A>& value, Json& out);
template <class K, class V, class H, class E, class A>
void write(const std::unordered_map<K, V, H, E, A>& value, Json& out);
template <class T>
void write(const std::optional<T>& value, Json& out);
template <class A, class B>
void write(const std::pair<A, B>& value, Json& out);
template <class... Ts>
void write(const std::tuple<Ts...>& value, Json& out);
template <class... Ts>
void write(const std::variant<Ts...>& value, Json& out);

template <class T>
void read(const Json& in, T& value, const std::string& where);
template <class T, class A>
void read(const Json& in, std::vector<T, A>& value, const std::string& where);
template <class T, class A>
void read(const Json& in, std::deque<T, A>& value, const std::string& where);
template <class T, class A>
void read(const Json& in, std::list<T, A>& value, const std::string& where);
template <class T, size_t N>
void read(const Json& in, std::array<T, N>& value, const std::string& where);
template <class K, class C, class A>
void read(const Json& in, std::set<K, C, A>& value, const std::string& where);
template <class K, class H, class E, class A>
void read(const Json& in, std::unordered_set<K, H, E, A>& value, const std::string& where);
template <class K, class V, class C, class A>
void read(const Json& in, std::map<K, V, C, A>& value, const std::string& where);
template <class K, class V, class H, class E, class A>
void read(const Json& in, std::unordered_map<K, V, H, E, A>& value, const std::string& where);
template <class T>
void read(const Json& in, std::optional<T>& value, const std::string& where);
template <class A, class B>
void read(const Json& in, std::pair<A, B>& value, const std::string& where);
template <class... Ts>
void read(const Json& in, std::tuple<Ts...>& value, const std::string& where);
template <class... Ts>
void read(const Json& in, std::variant<Ts...>& value, const std::string& where);

// --- writing -------------------------------------------------------------------------------------

template <class Range>
void write_array(const Range& range, Json& out) {
  out = Json::array();
  for (const auto& item : range) write(item, out.emplace_back());
}

template <class Map>
void write_map(const Map& map, Json& out) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    out = Json::object();
    for (const auto& [key, item] : map) write(item, out[key]);
  } else {
    out = Json::array();
    for (const auto& [key, item] : map) {
      Json& pair = out.emplace_back(Json::array());
      write(key, pair.emplace_back());
      write(item, pair.emplace_back());
    }
  }
}

template <class T>
void write(const T& value, Json& out) {
  if constexpr (std::is_same_v<T, bool>) {
    out = value;
  } else if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) {
      out = "NaN";
    } else if (std::isinf(value)) {
      out = value > 0 ? "Infinity" : "-Infinity";
    } else {
      out = static_cast<double>(value);
    }
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) {
      out = static_cast<int64_t>(value);
    } else {
      out = static_cast<uint64_t>(value);
    }
  } else if constexpr (std::is_enum_v<T>) {
    write(static_cast<std::underlying_type_t<T>>(value), out);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Json>) {
    out = value;
  } else {
    static_assert(has_fields<T>, "not a storable type (see core/types/codec.hpp)");
    out = Json::object();
    strata_visit_fields(value, [&out](const char* name, const auto& field) { write(field, out[name]); });
  }
}

template <class T, class A>
void write(const std::vector<T, A>& value, Json& out) {
  if constexpr (std::is_same_v<T, std::byte>) {
    out = base64_encode(value);
  } else {
    write_array(value, out);
  }
}
template <class T, class A>
void write(const std::deque<T, A>& value, Json& out) {
  write_array(value, out);
}
template <class T, class A>
void write(const std::list<T, A>& value, Json& out) {
  write_array(value, out);
}
template <class T, size_t N>
void write(const std::array<T, N>& value, Json& out) {
  write_array(value, out);
}
template <class K, class C, class A>
void write(const std::set<K, C, A>& value, Json& out) {
  write_array(value, out);
}
template <class K, class H, class E, class A>
void write(const std::unordered_set<K, H, E, A>& value, Json& out) {
  write_array(value, out);
}
template <class K, class V, class C, class A>
void write(const std::map<K, V, C, A>& value, Json& out) {
  write_map(value, out);
}
template <class K, class V, class H, class E, class A>
void write(const std::unordered_map<K, V, H, E, A>& value, Json& out) {
  write_map(value, out);
}
template <class T>
void write(const std::optional<T>& value, Json& out) {
  if (value) {
    write(*value, out);
  } else {
    out = nullptr;
  }
}
template <class A, class B>
void write(const std::pair<A, B>& value, Json& out) {
  out = Json::array();
  write(value.first, out.emplace_back());
  write(value.second, out.emplace_back());
}
template <class... Ts>
void write(const std::tuple<Ts...>& value, Json& out) {
  out = Json::array();
  std::apply([&out](const auto&... items) { (write(items, out.emplace_back()), ...); }, value);
}
template <class... Ts>
void write(const std::variant<Ts...>& value, Json& out) {
  out = Json::object();
  out["index"] = value.index();
  std::visit([&out](const auto& item) { write(item, out["value"]); }, value);
}

// --- reading -------------------------------------------------------------------------------------

inline std::string at_index(const std::string& where, size_t index) {
  return where + "[" + std::to_string(index) + "]";
}

inline const Json& array_of(const Json& in, const std::string& where, const std::string& expected) {
  if (!in.is_array()) mismatch(where, expected, in);
  return in;
}

template <class Sequence>
void read_sequence(const Json& in, Sequence& value, const std::string& where) {
  value.clear();
  size_t index = 0;
  for (const Json& item : array_of(in, where, "an array")) {
    typename Sequence::value_type element{};
    read(item, element, at_index(where, index++));
    value.insert(value.end(), std::move(element));
  }
}

template <class Map>
void read_map(const Json& in, Map& value, const std::string& where) {
  value.clear();
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    if (!in.is_object()) mismatch(where, "an object", in);
    for (const auto& [key, item] : in.items()) read(item, value[key], where + "." + key);
  } else {
    size_t index = 0;
    for (const Json& pair : array_of(in, where, "an array of [key, value] pairs")) {
      std::string at = at_index(where, index++);
      if (!pair.is_array() || pair.size() != 2) mismatch(at, "a [key, value] pair", pair);
      typename Map::key_type key{};
      read(pair[0], key, at + "[0]");
      read(pair[1], value[key], at + "[1]");
    }
  }
}

template <class T>
void read(const Json& in, T& value, const std::string& where) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!in.is_boolean()) mismatch(where, "a boolean", in);
    value = in.get<bool>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (in.is_number()) {
      value = static_cast<T>(in.get<double>());
    } else if (in == "NaN") {
      value = std::numeric_limits<T>::quiet_NaN();
    } else if (in == "Infinity" || in == "-Infinity") {
      value = in == "Infinity" ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
    } else {
      mismatch(where, "a number", in);
    }
  } else if constexpr (std::is_integral_v<T>) {
    bool fits = false;
    if (in.is_number_unsigned()) {
      auto number = in.get<uint64_t>();
      fits = number <= static_cast<uint64_t>(std::numeric_limits<T>::max());
      value = static_cast<T>(number);
    } else if (in.is_number_integer()) {
      auto number = in.get<int64_t>();
      fits = std::is_signed_v<T> ? number >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                       number <= static_cast<int64_t>(std::numeric_limits<T>::max())
                                 : number >= 0 && static_cast<uint64_t>(number) <= std::numeric_limits<T>::max();
      value = static_cast<T>(number);
    }
    if (!fits) mismatch(where, "an integer in range", in);
  } else if constexpr (std::is_enum_v<T>) {
    std::underlying_type_t<T> number{};
    read(in, number, where);
    value = static_cast<T>(number);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!in.is_string()) mismatch(where, "a string", in);
    value = in.get<std::string>();
  } else if constexpr (std::is_same_v<T, Json>) {
    value = in;
  } else {
    static_assert(has_fields<T>, "not a storable type (see core/types/codec.hpp)");
    if (!in.is_object()) mismatch(where, "an object", in);
    size_t known = 0;
    strata_visit_fields(value, [&](const char* name, auto& field) {
      auto it = in.find(name);
      if (it == in.end()) throw StorageError(where + ": field '" + name + "' is missing");
      read(*it, field, where + "." + name);
      ++known;
    });
    if (known != in.size()) {
      for (const auto& item : in.items()) {
        const std::string& name = item.key();  // not a structured binding: clang 14 cannot capture one
        bool declared = false;
        strata_visit_fields(value, [&](const char* field, const auto&) { declared = declared || name == field; });
        if (!declared) throw StorageError(where + ": unknown field '" + name + "'");
      }
    }
  }
}

template <class T, class A>
void read(const Json& in, std::vector<T, A>& value, const std::string& where) {
  if constexpr (std::is_same_v<T, std::byte>) {
    if (!in.is_string()) mismatch(where, "a base64 string", in);
    value = base64_decode(in.get<std::string>(), where);
  } else {
    read_sequence(in, value, where);
  }
}
template <class T, class A>
void read(const Json& in, std::deque<T, A>& value, const std::string& where) {
  read_sequence(in, value, where);
}
template <class T, class A>
void read(const Json& in, std::list<T, A>& value, const std::string& where) {
  read_sequence(in, value, where);
}
template <class T, size_t N>
void read(const Json& in, std::array<T, N>& value, const std::string& where) {
  if (!in.is_array() || in.size() != N) mismatch(where, "an array of " + std::to_string(N) + " items", in);
  for (size_t i = 0; i < N; ++i) read(in[i], value[i], at_index(where, i));
}
template <class K, class C, class A>
void read(const Json& in, std::set<K, C, A>& value, const std::string& where) {
  read_sequence(in, value, where);
}
template <class K, class H, class E, class A>
void read(const Json& in, std::unordered_set<K, H, E, A>& value, const std::string& where) {
  read_sequence(in, value, where);
}
template <class K, class V, class C, class A>
void read(const Json& in, std::map<K, V, C, A>& value, const std::string& where) {
  read_map(in, value, where);
}
template <class K, class V, class H, class E, class A>
void read(const Json& in, std::unordered_map<K, V, H, E, A>& value, const std::string& where) {
  read_map(in, value, where);
}
template <class T>
void read(const Json& in, std::optional<T>& value, const std::string& where) {
  if (in.is_null()) {
    value.reset();
  } else {
    read(in, value.emplace(), where);
  }
}
template <class A, class B>
void read(const Json& in, std::pair<A, B>& value, const std::string& where) {
  if (!in.is_array() || in.size() != 2) mismatch(where, "an array of 2 items", in);
  read(in[0], value.first, where + "[0]");
  read(in[1], value.second, where + "[1]");
}
template <class... Ts>
void read(const Json& in, std::tuple<Ts...>& value, const std::string& where) {
  if (!in.is_array() || in.size() != sizeof...(Ts)) {
    mismatch(where, "an array of " + std::to_string(sizeof...(Ts)) + " items", in);
  }
  size_t index = 0;
  std::apply([&](auto&... items) { ((read(in[index], items, at_index(where, index)), ++index), ...); }, value);
}
template <class Variant, size_t... I>
void read_alternative(const Json& in, Variant& value, size_t index, const std::string& where,
                      std::index_sequence<I...>) {
  ((index == I ? (read(in, value.template emplace<I>(), where), 0) : 0), ...);
}
template <class... Ts>
void read(const Json& in, std::variant<Ts...>& value, const std::string& where) {
  if (!in.is_object() || !in.contains("index") || !in.contains("value") || !in["index"].is_number_unsigned()) {
    mismatch(where, "an object {\"index\": alternative, \"value\": value}", in);
  }
  auto index = in["index"].get<size_t>();
  if (index >= sizeof...(Ts)) mismatch(where + ".index", "an alternative below " + std::to_string(sizeof...(Ts)), in);
  read_alternative(in["value"], value, index, where + ".value", std::index_sequence_for<Ts...>{});
}

}  // namespace strata::codec_json
