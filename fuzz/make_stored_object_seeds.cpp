// Writes the stored-object fuzzer's seed corpus: valid objects of the fuzzed type, one to a few keys
// with a few values each. Run once: make_stored_object_seeds <corpus dir>. (No empty string or
// vector: writing one passes memcpy a null pointer, which UBSan reports; see docs/testing.md.)
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "strata/core/types/typed.hpp"
#include "strata/io/codec.hpp"
#include "strata/io/stored_object.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_stored_object_seeds <corpus dir>\n";
    return 2;
  }
  using Stored = std::map<std::string, std::vector<int64_t>>;
  const strata::TypeInfo& type = strata::type_of<Stored>();
  std::vector<Stored> seeds = {{{"a", {1}}},
                               {{"numbers", {1, 2, 3, -4, INT64_MAX, INT64_MIN}}, {"one", {0}}},
                               {{"k1", {10, 20}}, {"k2", {30}}, {"k3", std::vector<int64_t>(64, 7)}}};
  std::filesystem::create_directories(argv[1]);
  for (size_t i = 0; i < seeds.size(); ++i) {
    auto path = std::filesystem::path(argv[1]) / ("valid-" + std::to_string(i));
    strata::io::write_stored_object(path, {type.codec->format, type.name, 1},
                                    [&](std::ostream& out) { type.codec->encode(&seeds[i], out); });
  }
  return 0;
}
