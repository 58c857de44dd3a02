// Contexts for calling an I/O manager directly in a test, as in Dagster's build_output_context /
// build_input_context:
//
//   auto out = strata::build_output_context({.asset_key = strata::AssetKey{"test_asset"}});
//   manager.handle_output(out, strata::Value::of(std::vector<int>{1, 2, 3}));
//   auto in = strata::build_input_context({.asset_key = strata::AssetKey{"test_asset"},
//                                          .type = &strata::type_of<std::vector<int>>()});
#pragma once

#include "strata/core/contexts/input_context.hpp"
#include "strata/core/contexts/output_context.hpp"

namespace strata {

inline OutputContext build_output_context(OutputContextFields fields = {}) { return OutputContext(std::move(fields)); }
inline InputContext build_input_context(InputContextFields fields = {}) { return InputContext(std::move(fields)); }

}  // namespace strata
