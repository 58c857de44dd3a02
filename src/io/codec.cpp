#include "strata/io/codec.hpp"

#include <nlohmann/json.hpp>

namespace cereal {

void save(BinaryOutputArchive& archive, const std::vector<std::byte>& bytes) {
  archive(make_size_tag(static_cast<size_type>(bytes.size())));
  archive(binary_data(bytes.data(), bytes.size()));
}

void load(BinaryInputArchive& archive, std::vector<std::byte>& bytes) {
  size_type size = 0;
  archive(make_size_tag(size));
  bytes.resize(static_cast<size_t>(size));
  archive(binary_data(bytes.data(), bytes.size()));
}

template <class Json>
requires std::is_same_v<Json, nlohmann::json>
void save(BinaryOutputArchive& archive, const Json& document) {
  std::vector<std::uint8_t> packed = nlohmann::json::to_msgpack(document);
  archive(make_size_tag(static_cast<size_type>(packed.size())));
  archive(binary_data(packed.data(), packed.size()));
}

template <class Json>
requires std::is_same_v<Json, nlohmann::json>
void load(BinaryInputArchive& archive, Json& document) {
  size_type size = 0;
  archive(make_size_tag(size));
  std::vector<std::uint8_t> packed(static_cast<size_t>(size));
  archive(binary_data(packed.data(), packed.size()));
  document = nlohmann::json::from_msgpack(packed);
}

template void save<nlohmann::json>(BinaryOutputArchive&, const nlohmann::json&);
template void load<nlohmann::json>(BinaryInputArchive&, nlohmann::json&);

}  // namespace cereal
