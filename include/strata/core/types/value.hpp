// Value: a type-erased, immutable, shared value that remembers its C++ type. Assets and ops return
// plain C++ values; Strata wraps them in Values to hand them to I/O managers and downstream steps
// without copying (a Value copy shares the object).
#pragma once

#include <memory>
#include <utility>

#include "strata/core/types/typed.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

class Value {
 public:
  Value() = default;

  template <class T>
  static Value of(T&& object) {
    using U = std::remove_cvref_t<T>;
    return Value(std::make_shared<const U>(std::forward<T>(object)), type_of<U>());
  }
  // Wraps an object already owned by a shared_ptr (no copy).
  template <class T>
  static Value share(std::shared_ptr<const T> object) {
    return Value(std::move(object), type_of<T>());
  }
  // For codecs and managers that produce an object of a known TypeInfo.
  Value(std::shared_ptr<const void> object, const TypeInfo& type) : object_(std::move(object)), type_(&type) {}

  bool has_value() const { return object_ != nullptr; }
  // The type of the held object; only meaningful when has_value().
  const TypeInfo& type() const { return *type_; }
  template <class T>
  bool holds() const {
    return has_value() && *type_ == type_of<T>();
  }

  // The held object as T; throws TypeMismatchError naming both types when it is not a T.
  template <class T>
  const T& get() const {
    check(type_of<T>());
    return *static_cast<const T*>(object_.get());
  }
  const void* raw() const { return object_.get(); }
  const std::shared_ptr<const void>& shared() const { return object_; }

 private:
  void check(const TypeInfo& wanted) const;

  std::shared_ptr<const void> object_;
  const TypeInfo* type_ = nullptr;
};

}  // namespace strata
