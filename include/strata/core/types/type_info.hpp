// TypeInfo: the identity of a C++ type carried by type-erased values, plus what Strata can do with
// the type (encode it to bytes, decode it back). One TypeInfo exists per type, so identity is
// pointer equality; `type_of<T>()` (typed.hpp) returns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

namespace strata {

// Writes the bytes of a flat value in place (see Codec::decode_flat): called for successive ranges
// of the value's storage, in order; throws to abandon the value.
struct FlatFill {
  void* context;
  void (*fill)(void* context, char* bytes, size_t size);
};

// Turns objects of one type into bytes and back. `encode` writes `object` (a T) to `out`;
// `decode` reads one T from `in` and returns it. `to_json` / `from_json` do the same with the
// value's JSON form (core/types/codec_json.hpp); null when the type has none. All throw on failure.
struct Codec {
  const char* format;  // e.g. "cereal-binary/1": recorded in stored files, checked on load
  void (*encode)(const void* object, std::ostream& out);
  std::shared_ptr<const void> (*decode)(std::istream& in);
  void (*to_json)(const void* object, nlohmann::json& out) = nullptr;
  std::shared_ptr<const void> (*from_json)(const nlohmann::json& in, const std::string& where) = nullptr;
  // Flat types (vectors of numbers, strings, bytes) encode as a u64 element count followed by the
  // elements' raw bytes. For them, `decode_flat` builds a value of `count` elements of
  // `flat_element_size` bytes whose storage `fill` writes in place, so a load can read a file
  // straight into the value; null (and 0) for every other type.
  size_t flat_element_size = 0;
  std::shared_ptr<const void> (*decode_flat)(uint64_t count, const FlatFill& fill) = nullptr;
};

struct TypeInfo {
  std::type_index id;
  std::string name;              // readable (demangled) C++ name, as shown in messages
  const Codec* codec = nullptr;  // null when the type has no codec (the filesystem manager refuses it)
  // For std::map<std::string, V>: V's TypeInfo, so an input of this type can receive one V per
  // upstream partition; null for every other type.
  const TypeInfo* partition_map_value = nullptr;
  // For such maps: builds the map from (partition key, V value) pairs.
  std::shared_ptr<const void> (*make_partition_map)(
      const std::vector<std::pair<std::string, std::shared_ptr<const void>>>&) = nullptr;

  bool operator==(const TypeInfo& other) const { return id == other.id; }
};

// The readable name of a mangled C++ type name.
std::string demangle(const char* mangled);

}  // namespace strata
