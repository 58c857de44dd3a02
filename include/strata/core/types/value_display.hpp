// How a loaded value is shown to a person (the CLI's `asset value`): a storable value as its JSON
// form (core/types/codec_json.hpp), indented; any other type through a printer registered for it — the
// table integrations register a preview of Arrow tables. The registry is process-wide and
// thread-safe; registering twice for one type keeps the last printer.
#pragma once

#include <optional>
#include <string>
#include <typeindex>

#include "strata/core/types/value.hpp"

namespace strata {

// Returns the text of a value of the registered type (e.g. a table preview); may throw.
using ValuePrinter = std::string (*)(const Value& value);

void register_value_printer(std::type_index type, ValuePrinter printer);

// The value as text ending in a newline, or nullopt when its type has neither a JSON form nor a
// printer. Text that is not UTF-8 is shown with U+FFFD in its place.
std::optional<std::string> display_value(const Value& value);

}  // namespace strata
