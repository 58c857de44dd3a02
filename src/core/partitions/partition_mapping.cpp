#include "strata/core/partitions/partition_mapping.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "strata/core/util/error.hpp"

namespace strata {
namespace {

// Keeps `wanted` in the order of `all` (upstream partition order), without duplicates.
std::vector<std::string> in_upstream_order(const std::vector<std::string>& all,
                                           const std::unordered_set<std::string>& wanted) {
  std::vector<std::string> out;
  for (const auto& key : all) {
    if (wanted.count(key)) out.push_back(key);
  }
  return out;
}

class IdentityMapping : public PartitionMapping {
 public:
  std::vector<std::string> upstream_keys(const std::vector<std::string>& keys, const PartitionsDefinition*,
                                         const PartitionsDefinition& upstream,
                                         DynamicPartitionsStore* store) const override {
    for (const auto& key : keys) upstream.validate_key(key, "upstream", store);
    return keys;
  }
  std::string describe() const override { return "identity"; }
};

class AllPartitions : public PartitionMapping {
 public:
  std::vector<std::string> upstream_keys(const std::vector<std::string>&, const PartitionsDefinition*,
                                         const PartitionsDefinition& upstream,
                                         DynamicPartitionsStore* store) const override {
    return upstream.keys(store);
  }
  std::string describe() const override { return "all partitions"; }
};

class LastPartition : public PartitionMapping {
 public:
  std::vector<std::string> upstream_keys(const std::vector<std::string>&, const PartitionsDefinition*,
                                         const PartitionsDefinition& upstream,
                                         DynamicPartitionsStore* store) const override {
    auto all = upstream.keys(store);
    if (all.empty()) throw PartitionError("the upstream asset has no partitions yet");
    return {all.back()};
  }
  std::string describe() const override { return "last partition"; }
};

class TimeWindowMapping : public PartitionMapping {
 public:
  TimeWindowMapping(int start_offset, int end_offset) : start_offset_(start_offset), end_offset_(end_offset) {}
  std::vector<std::string> upstream_keys(const std::vector<std::string>& keys, const PartitionsDefinition* downstream,
                                         const PartitionsDefinition& upstream, DynamicPartitionsStore*) const override {
    if (downstream == nullptr || downstream->kind() != PartitionsDefinition::Kind::kTimeWindow ||
        upstream.kind() != PartitionsDefinition::Kind::kTimeWindow) {
      throw PartitionError("a time window mapping needs time-window partitions on both sides");
    }
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& key : keys) {
      auto window = downstream->time_window(key);
      if (!window) throw PartitionError("'" + key + "' is not a time-window partition key");
      auto length = window->end - window->start;
      TimeWindow shifted{window->start + start_offset_ * length, window->end + end_offset_ * length};
      for (auto& up : time_keys_overlapping(upstream, shifted)) {
        if (seen.insert(up).second) out.push_back(std::move(up));
      }
    }
    return out;
  }
  std::string describe() const override {
    return "time window (offsets " + std::to_string(start_offset_) + ", " + std::to_string(end_offset_) + ")";
  }

 private:
  int start_offset_;
  int end_offset_;
};

class StaticMapping : public PartitionMapping {
 public:
  explicit StaticMapping(std::map<std::string, std::vector<std::string>> upstream_to_downstream)
      : mapping_(std::move(upstream_to_downstream)) {}
  std::vector<std::string> upstream_keys(const std::vector<std::string>& keys, const PartitionsDefinition*,
                                         const PartitionsDefinition& upstream,
                                         DynamicPartitionsStore* store) const override {
    std::unordered_set<std::string> wanted;
    for (const auto& key : keys) {
      bool found = false;
      for (const auto& [up, downs] : mapping_) {
        if (std::find(downs.begin(), downs.end(), key) != downs.end()) {
          wanted.insert(up);
          found = true;
        }
      }
      if (!found) throw PartitionError("the static partition mapping maps no upstream partition to '" + key + "'");
    }
    return in_upstream_order(upstream.keys(store), wanted);
  }
  std::string describe() const override { return "static mapping"; }

 private:
  std::map<std::string, std::vector<std::string>> mapping_;
};

size_t dimension_index(const PartitionsDefinition& multi, const std::string& dimension) {
  auto dims = partition_dimensions(multi);
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i].first == dimension) return i;
  }
  throw PartitionError("multi partitions have no dimension '" + dimension + "'");
}

class DimensionMapping : public PartitionMapping {
 public:
  explicit DimensionMapping(std::string dimension) : dimension_(std::move(dimension)) {}
  std::vector<std::string> upstream_keys(const std::vector<std::string>& keys, const PartitionsDefinition* downstream,
                                         const PartitionsDefinition& upstream,
                                         DynamicPartitionsStore* store) const override {
    if (upstream.kind() == PartitionsDefinition::Kind::kMulti) {
      // Downstream partitioned like one dimension: every upstream key whose dimension matches.
      size_t index = dimension_index(upstream, dimension_);
      std::unordered_set<std::string> wanted(keys.begin(), keys.end());
      std::vector<std::string> out;
      for (const auto& key : upstream.keys(store)) {
        if (wanted.count(split_multi_key(key)[index])) out.push_back(key);
      }
      return out;
    }
    if (downstream != nullptr && downstream->kind() == PartitionsDefinition::Kind::kMulti) {
      // Downstream multi-partitioned: its key's component in this dimension.
      size_t index = dimension_index(*downstream, dimension_);
      std::vector<std::string> out;
      std::set<std::string> seen;
      for (const auto& key : keys) {
        std::string part = split_multi_key(key).at(index);
        if (seen.insert(part).second) out.push_back(part);
      }
      return out;
    }
    throw PartitionError("a dimension mapping needs multi partitions on one side");
  }
  std::string describe() const override { return "dimension '" + dimension_ + "'"; }

 private:
  std::string dimension_;
};

}  // namespace

PartitionMappingPtr identity_mapping() { return std::make_shared<IdentityMapping>(); }
PartitionMappingPtr time_window_mapping(int start_offset, int end_offset) {
  return std::make_shared<TimeWindowMapping>(start_offset, end_offset);
}
PartitionMappingPtr all_partitions_mapping() { return std::make_shared<AllPartitions>(); }
PartitionMappingPtr last_partition_mapping() { return std::make_shared<LastPartition>(); }
PartitionMappingPtr static_mapping(std::map<std::string, std::vector<std::string>> upstream_to_downstream) {
  return std::make_shared<StaticMapping>(std::move(upstream_to_downstream));
}
PartitionMappingPtr dimension_mapping(std::string dimension) {
  return std::make_shared<DimensionMapping>(std::move(dimension));
}

PartitionMappingPtr default_partition_mapping(const PartitionsDefinition* downstream,
                                              const PartitionsDefinition& upstream, const std::string& owner) {
  using Kind = PartitionsDefinition::Kind;
  if (downstream == nullptr) return all_partitions_mapping();
  if (downstream->same_as(upstream)) return identity_mapping();
  if (downstream->kind() == Kind::kTimeWindow && upstream.kind() == Kind::kTimeWindow) return time_window_mapping();
  auto fitting_dimension = [&](const PartitionsDefinition& multi,
                               const PartitionsDefinition& single) -> PartitionMappingPtr {
    std::vector<std::string> fits;
    for (const auto& [name, dimension] : partition_dimensions(multi)) {
      if (dimension->same_as(single)) fits.push_back(name);
    }
    if (fits.size() == 1) return dimension_mapping(fits.front());
    return nullptr;
  };
  if (upstream.kind() == Kind::kMulti && downstream->kind() != Kind::kMulti) {
    if (auto mapping = fitting_dimension(upstream, *downstream)) return mapping;
  }
  if (downstream->kind() == Kind::kMulti && upstream.kind() != Kind::kMulti) {
    if (auto mapping = fitting_dimension(*downstream, upstream)) return mapping;
  }
  throw DefinitionError(owner + ": no default partition mapping from " + upstream.describe() + " to " +
                        downstream->describe() + "; set AssetIn::partition_mapping");
}

}  // namespace strata
