// Which C++ types Strata can store as bytes: the storable trait, without the serializer.
//
// Storable: arithmetic types, enums, std::string, std::vector<std::byte> (bytes), nlohmann::json,
// and std::vector/deque/list/array/map/unordered_map/set/unordered_set/optional/pair/tuple/variant
// of storable types, nested to any depth; plus any user struct declared with one line:
//
//   struct Point { double x; double y; std::string label; };
//   STRATA_SERIALIZABLE(Point, x, y, label)      // at namespace scope, next to the struct
//
// Every storable value also has a JSON form (core/types/codec_json.hpp), read back to an equal value.
// `is_storable_v<T>` says whether a type is storable; it is checked when an asset or op is defined,
// so the filesystem I/O manager can refuse an unstorable output type before anything runs.
//
// The codec itself (cereal's binary archive, the flat fast paths) is io's: io/codec.hpp defines
// StorableCodec<T>, and <strata/strata.hpp> includes it. type_of<T>() of a storable T needs it
// visible where it is instantiated, and says so at compile time when it is not; core's own
// translation units never instantiate it for a storable type, so they compile without cereal.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <list>
#include <map>
#include <nlohmann/json_fwd.hpp>
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

#include "strata/core/detail/for_each.hpp"
#include "strata/core/types/type_info.hpp"

namespace strata {

// Raw bytes as a value.
using Bytes = std::vector<std::byte>;

namespace codec_detail {

template <class T>
struct storable : std::false_type {};

// User structs opt in through STRATA_SERIALIZABLE, which declares this marker for ADL to find.
template <class T>
concept declared_serializable = requires(const T* p) {
  { strata_serializable_marker(p) } -> std::same_as<std::true_type>;
};

template <class T>
inline constexpr bool storable_v =
    std::is_arithmetic_v<T> || std::is_enum_v<T> || declared_serializable<T> || storable<T>::value;

template <>
struct storable<std::string> : std::true_type {};
template <>
struct storable<nlohmann::json> : std::true_type {};
template <class T, class A>
struct storable<std::vector<T, A>> : std::bool_constant<storable_v<T> || std::is_same_v<T, std::byte>> {};
template <class T, class A>
struct storable<std::deque<T, A>> : std::bool_constant<storable_v<T>> {};
template <class T, class A>
struct storable<std::list<T, A>> : std::bool_constant<storable_v<T>> {};
template <class T, size_t N>
struct storable<std::array<T, N>> : std::bool_constant<storable_v<T>> {};
template <class K, class V, class C, class A>
struct storable<std::map<K, V, C, A>> : std::bool_constant<storable_v<K> && storable_v<V>> {};
template <class K, class V, class H, class E, class A>
struct storable<std::unordered_map<K, V, H, E, A>> : std::bool_constant<storable_v<K> && storable_v<V>> {};
template <class K, class C, class A>
struct storable<std::set<K, C, A>> : std::bool_constant<storable_v<K>> {};
template <class K, class H, class E, class A>
struct storable<std::unordered_set<K, H, E, A>> : std::bool_constant<storable_v<K>> {};
template <class T>
struct storable<std::optional<T>> : std::bool_constant<storable_v<T>> {};
template <class A, class B>
struct storable<std::pair<A, B>> : std::bool_constant<storable_v<A> && storable_v<B>> {};
template <class... Ts>
struct storable<std::tuple<Ts...>> : std::bool_constant<(storable_v<Ts> && ...)> {};
template <class... Ts>
struct storable<std::variant<Ts...>> : std::bool_constant<(storable_v<Ts> && ...)> {};

}  // namespace codec_detail

template <class T>
inline constexpr bool is_storable_v = codec_detail::storable_v<std::remove_cvref_t<T>>;

// StorableCodec<T>::codec: the Codec of a storable T. Declared here, defined by io/codec.hpp.
template <class T>
struct StorableCodec;

namespace codec_detail {
template <class T>
inline constexpr bool codec_missing = false;
}  // namespace codec_detail

// The codec of T, or null when T is not storable.
template <class T>
const Codec* codec_of() {
  using U = std::remove_cvref_t<T>;
  if constexpr (!is_storable_v<U>) {
    return nullptr;
  } else if constexpr (requires { StorableCodec<U>::codec; }) {
    return &StorableCodec<U>::codec;
  } else {
    static_assert(codec_detail::codec_missing<U>,
                  "strata: this storable type's codec is not visible here: include <strata/strata.hpp> (or "
                  "<strata/io/codec.hpp>) in the file that defines the asset, op or value of this type");
    return nullptr;
  }
}

}  // namespace strata

// --- STRATA_SERIALIZABLE(Type, field...) ---------------------------------------------------------
#define STRATA_DETAIL_ARCHIVE_FIELD(value, field) strata_archive(value.field);
#define STRATA_DETAIL_JSON_FIELD(value, field) strata_visitor(#field, value.field);

// Declares a struct storable by listing its fields (up to 16), at the struct's namespace scope.
#define STRATA_SERIALIZABLE(Type, ...)                                                          \
  [[maybe_unused]] inline std::true_type strata_serializable_marker(const Type*) { return {}; } \
  template <class StrataArchive>                                                                \
  void serialize(StrataArchive& strata_archive, Type& strata_value) {                           \
    STRATA_DETAIL_FOR_EACH(STRATA_DETAIL_ARCHIVE_FIELD, strata_value, __VA_ARGS__)              \
  }                                                                                             \
  template <class StrataVisitor>                                                                \
  void strata_visit_fields(const Type& strata_value, StrataVisitor&& strata_visitor) {          \
    STRATA_DETAIL_FOR_EACH(STRATA_DETAIL_JSON_FIELD, strata_value, __VA_ARGS__)                 \
  }                                                                                             \
  template <class StrataVisitor>                                                                \
  void strata_visit_fields(Type& strata_value, StrataVisitor&& strata_visitor) {                \
    STRATA_DETAIL_FOR_EACH(STRATA_DETAIL_JSON_FIELD, strata_value, __VA_ARGS__)                 \
  }
