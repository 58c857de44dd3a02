// The default codec: which C++ types Strata can store as bytes, built on cereal's binary archive.
//
// Storable: arithmetic types, enums, std::string, std::vector<std::byte> (bytes), nlohmann::json,
// and std::vector/deque/list/array/map/unordered_map/set/unordered_set/optional/pair/tuple/variant
// of storable types, nested to any depth; plus any user struct declared with one line:
//
//   struct Point { double x; double y; std::string label; };
//   STRATA_SERIALIZABLE(Point, x, y, label)      // at namespace scope, next to the struct
//
// Every storable value also has a JSON form (core/codec_json.hpp), read back to an equal value.
// `is_storable_v<T>` says whether a type is storable; it is checked when an asset or op is defined,
// so the filesystem I/O manager can refuse an unstorable output type before anything runs.
#pragma once

#include <algorithm>
#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/common.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "strata/core/codec_json.hpp"
#include "strata/core/detail/for_each.hpp"
#include "strata/core/type_info.hpp"

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

template <class T>
void encode(const void* object, std::ostream& out) {
  cereal::BinaryOutputArchive archive(out);
  archive(*static_cast<const T*>(object));
}

template <class T>
std::shared_ptr<const void> decode(std::istream& in) {
  auto value = std::make_shared<T>();
  cereal::BinaryInputArchive archive(in);
  archive(*value);
  return value;
}

template <class T>
void to_json(const void* object, nlohmann::json& out) {
  codec_json::write(*static_cast<const T*>(object), out);
}

template <class T>
std::shared_ptr<const void> from_json(const nlohmann::json& in, const std::string& where) {
  auto value = std::make_shared<T>();
  codec_json::read(in, *value, where);
  return value;
}

// Flat: cereal's binary archive writes these as a u64 size tag and the elements' raw bytes.
template <class T>
struct flat_element {
  using type = void;
};
template <class E, class A>
requires(std::is_arithmetic_v<E> && !std::is_same_v<E, bool>) ||
    std::is_same_v<E, std::byte> struct flat_element<std::vector<E, A>> {
  using type = E;
};
template <>
struct flat_element<std::string> {
  using type = char;
};
template <class T>
inline constexpr bool is_flat_v = !std::is_void_v<typename flat_element<T>::type>;

// Resizes range by range (the zeroing a resize does stays in cache right before `fill` overwrites it).
template <class T>
std::shared_ptr<const void> decode_flat(uint64_t count, const FlatFill& fill) {
  using E = typename flat_element<T>::type;
  constexpr uint64_t kStep = (uint64_t{256} << 10) / sizeof(E);
  auto value = std::make_shared<T>();
  value->reserve(static_cast<size_t>(count));
  for (uint64_t done = 0; done < count;) {
    uint64_t step = std::min(kStep, count - done);
    value->resize(static_cast<size_t>(done + step));
    fill.fill(fill.context, reinterpret_cast<char*>(value->data() + done), static_cast<size_t>(step * sizeof(E)));
    done += step;
  }
  return value;
}

inline constexpr const char* kFormat = "cereal-binary/1";

template <class T>
constexpr Codec make_codec() {
  if constexpr (is_flat_v<T>) {
    return {kFormat,        &encode<T>, &decode<T>, &to_json<T>, &from_json<T>, sizeof(typename flat_element<T>::type),
            &decode_flat<T>};
  } else {
    return {kFormat, &encode<T>, &decode<T>, &to_json<T>, &from_json<T>};
  }
}

template <class T>
inline const Codec codec_for = make_codec<T>();

}  // namespace codec_detail

template <class T>
inline constexpr bool is_storable_v = codec_detail::storable_v<std::remove_cvref_t<T>>;

// The codec of T, or null when T is not storable.
template <class T>
const Codec* codec_of() {
  if constexpr (is_storable_v<T>) {
    return &codec_detail::codec_for<std::remove_cvref_t<T>>;
  } else {
    return nullptr;
  }
}

}  // namespace strata

// Bytes and JSON documents: stored as length-prefixed binary (JSON as its MessagePack form).
namespace cereal {
void save(BinaryOutputArchive& archive, const std::vector<std::byte>& bytes);
void load(BinaryInputArchive& archive, std::vector<std::byte>& bytes);
// Templates constrained to exactly nlohmann::json: a plain overload would also accept every type
// that converts to json implicitly (pairs, tuples, enums...) and make cereal's lookup ambiguous.
template <class Json>
requires std::is_same_v<Json, nlohmann::json>
void save(BinaryOutputArchive& archive, const Json& document);
template <class Json>
requires std::is_same_v<Json, nlohmann::json>
void load(BinaryInputArchive& archive, Json& document);
}  // namespace cereal

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
