// libFuzzer target: the selection parser (AssetSelection::parse, the --select syntax). Any text must
// either parse (and then print and resolve against a small graph, or be refused with a
// DefinitionError naming the unknown key or group) or throw DefinitionError; anything else escaping,
// a crash or a hang is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/core/definitions/asset.hpp"
#include "strata/core/definitions/asset_selection.hpp"
#include "strata/core/definitions/definitions.hpp"
#include "strata/core/util/error.hpp"
#include "strata/io/codec.hpp"  // the graph's assets return ints: their TypeInfo carries the codec

namespace {

// a -> b -> c, a -> d (group "g"), analytics/e
const strata::Definitions& graph() {
  static const strata::Definitions defs = [] {
    namespace s = strata;
    return s::Definitions(
        {.assets = {s::asset("a", [] { return 1; }), s::asset("b", {.ins = {"a"}}, [](int a) { return a; }),
                    s::asset("c", {.ins = {"b"}}, [](int b) { return b; }),
                    s::asset("d", {.ins = {"a"}, .group = "g"}, [](int a) { return a; }),
                    s::asset("e", {.key_prefix = {"analytics"}}, [] { return 2; })}});
  }();
  return defs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto selection = strata::AssetSelection::parse(text);
    (void)selection.to_string();
    (void)selection.resolve(graph().asset_graph());
  } catch (const strata::DefinitionError&) {
  }
  return 0;
}
