#include "config_render.hpp"

#include "strata/core/config/config_schema.hpp"
#include "text_table.hpp"

namespace strata::cli {

void print_config_schema(std::ostream& out, const NodeDef& node, const std::string& indent) {
  if (!node.config) return;
  out << indent << "config (run config: ops." << node.name << ".config):\n";
  TextTable fields({"FIELD", "TYPE", "DEFAULT"});
  for (const auto& field : node.config->fields()) fields.add({field.name, field.type, field.default_value});
  fields.print(out, indent + "  ");
}

}  // namespace strata::cli
