#include "strata/core/types/value_display.hpp"

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

namespace strata {
namespace {

struct Printers {
  std::mutex mutex;
  std::map<std::type_index, ValuePrinter> by_type;
};

Printers& printers() {
  static Printers instance;
  return instance;
}

}  // namespace

void register_value_printer(std::type_index type, ValuePrinter printer) {
  Printers& registry = printers();
  std::lock_guard lock(registry.mutex);
  registry.by_type.insert_or_assign(type, printer);
}

std::optional<std::string> display_value(const Value& value) {
  const TypeInfo& type = value.type();
  if (type.codec != nullptr && type.codec->to_json != nullptr) {
    nlohmann::json document;
    type.codec->to_json(value.raw(), document);
    return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  ValuePrinter printer = nullptr;
  {
    Printers& registry = printers();
    std::lock_guard lock(registry.mutex);
    auto it = registry.by_type.find(type.id);
    if (it != registry.by_type.end()) printer = it->second;
  }
  if (printer == nullptr) return std::nullopt;
  std::string text = printer(value);
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

}  // namespace strata
