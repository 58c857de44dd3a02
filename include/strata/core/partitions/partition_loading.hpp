// For I/O managers that store one object per partition: loading an input that covers several
// upstream partitions as std::map<partition key, value>.
#pragma once

#include <functional>
#include <string>

#include "strata/core/contexts/input_context.hpp"
#include "strata/core/types/value.hpp"

namespace strata {

// True when the input asks for one value per upstream partition (its type is
// std::map<std::string, V> of the stored type V and the upstream is partitioned).
bool loads_partition_map(const InputContext& context);

// Loads every partition in the input's scope with `load_one(key, value_type)` and returns them as
// the input's map type. Partitions whose `load_one` throws MissingDataError are collected and
// reported together: a StorageError naming the asset and every missing partition.
Value load_partition_map(
    const InputContext& context,
    const std::function<Value(const std::string& partition, const TypeInfo& value_type)>& load_one);

// The error for an input that covers several partitions but is not a map (for managers that can
// only load one partition into one value).
[[noreturn]] void throw_needs_partition_map(const InputContext& context, const std::string& manager);

}  // namespace strata
