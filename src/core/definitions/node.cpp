#include "strata/core/definitions/node.hpp"

#include "strata/core/types/typed.hpp"

namespace strata {

bool OutputDef::has_value() const { return type != nullptr && !(*type == type_of<void>()); }

const char* node_kind_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::kAsset:
      return "asset";
    case NodeKind::kMultiAsset:
      return "multi-asset";
    case NodeKind::kSourceAsset:
      return "source asset";
    case NodeKind::kOp:
      return "op";
  }
  return "node";
}

int NodeDef::output_index(const std::string& output_name) const {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].name == output_name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace strata
