#include "strata/core/codec.hpp"

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

void save(BinaryOutputArchive& archive, const nlohmann::json& document) {
  std::vector<std::uint8_t> packed = nlohmann::json::to_msgpack(document);
  archive(make_size_tag(static_cast<size_type>(packed.size())));
  archive(binary_data(packed.data(), packed.size()));
}

void load(BinaryInputArchive& archive, nlohmann::json& document) {
  size_type size = 0;
  archive(make_size_tag(size));
  std::vector<std::uint8_t> packed(static_cast<size_t>(size));
  archive(binary_data(packed.data(), packed.size()));
  document = nlohmann::json::from_msgpack(packed);
}

}  // namespace cereal
