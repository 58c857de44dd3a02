// type_of<T>(): the single TypeInfo of T, with its codec when T is storable.
#pragma once

#include <map>
#include <string>
#include <type_traits>
#include <typeinfo>

#include "strata/core/types/codec.hpp"
#include "strata/core/types/type_info.hpp"

namespace strata {

template <class T>
const TypeInfo& type_of();

namespace typed_detail {

template <class T>
struct partition_map : std::false_type {};
template <class V, class C, class A>
struct partition_map<std::map<std::string, V, C, A>> : std::true_type {
  using mapped = V;
};

template <class M>
std::shared_ptr<const void> make_map(const std::vector<std::pair<std::string, std::shared_ptr<const void>>>& parts) {
  auto map = std::make_shared<M>();
  for (const auto& [key, object] : parts)
    map->emplace(key, *static_cast<const typename partition_map<M>::mapped*>(object.get()));
  return map;
}

template <class U>
TypeInfo make_type_info() {
  TypeInfo info{std::type_index(typeid(U)), demangle(typeid(U).name()), codec_of<U>()};
  if constexpr (partition_map<U>::value) {
    info.partition_map_value = &type_of<typename partition_map<U>::mapped>();
    info.make_partition_map = &make_map<U>;
  }
  return info;
}

}  // namespace typed_detail

template <class T>
const TypeInfo& type_of() {
  using U = std::remove_cvref_t<T>;
  static const TypeInfo info = typed_detail::make_type_info<U>();
  return info;
}

}  // namespace strata
