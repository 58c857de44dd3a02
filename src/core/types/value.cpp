#include "strata/core/types/value.hpp"

namespace strata {

void Value::check(const TypeInfo& wanted) const {
  if (!has_value()) throw TypeMismatchError("expected a value of type " + wanted.name + " but there is no value");
  if (!(*type_ == wanted)) {
    throw TypeMismatchError("expected a value of type " + wanted.name + " but it holds " + type_->name);
  }
}

}  // namespace strata
