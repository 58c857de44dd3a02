// type_of<T>(): the single TypeInfo of T, with its codec when T is storable.
#pragma once

#include <type_traits>
#include <typeinfo>

#include "strata/core/codec.hpp"
#include "strata/core/type_info.hpp"

namespace strata {

template <class T>
const TypeInfo& type_of() {
  using U = std::remove_cvref_t<T>;
  static const TypeInfo info{std::type_index(typeid(U)), demangle(typeid(U).name()), codec_of<U>()};
  return info;
}

}  // namespace strata
