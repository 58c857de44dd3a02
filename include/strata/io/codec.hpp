// The default codec: storable types (core/types/codec.hpp) as bytes through cereal's binary archive, and
// as JSON through core/types/codec_json.hpp. Defines StorableCodec<T>, which type_of<T>() of a storable T
// attaches to its TypeInfo, so it must be visible where an asset, op or Value of a storable type is
// defined: <strata/strata.hpp> includes it. Code that only moves Values around (managers, the
// executor) uses the type-erased Codec of the TypeInfo and does not include this header.
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
#include <memory>
#include <type_traits>

#include "strata/core/types/codec.hpp"
#include "strata/core/types/codec_json.hpp"
#include "strata/core/types/type_info.hpp"

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

namespace strata {
namespace codec_detail {

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

}  // namespace codec_detail

// One Codec per storable type (codec_of<T>() of core/types/codec.hpp points at it).
template <class T>
struct StorableCodec {
  static_assert(is_storable_v<T>, "strata: not a storable type (see core/types/codec.hpp)");
  static inline const Codec codec = codec_detail::make_codec<T>();
};

}  // namespace strata
