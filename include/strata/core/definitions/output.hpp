// Output<T>: a returned value with metadata for its materialization, the C++ form of Dagster's
// `Output(value, metadata=...)`.
#pragma once

#include <type_traits>

#include "strata/core/types/metadata.hpp"

namespace strata {

template <class T>
struct Output {
  T value;
  Metadata metadata;
};

template <class T>
struct is_output : std::false_type {};
template <class T>
struct is_output<Output<T>> : std::true_type {};

}  // namespace strata
