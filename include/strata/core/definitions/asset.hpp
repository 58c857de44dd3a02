// Assets: named pieces of data that a function produces.
//
//   auto topstory_ids = strata::asset("topstory_ids", [] { return std::vector<int64_t>{1, 2, 3}; });
//   auto topstories = strata::asset(
//       "topstories", {.ins = {"topstory_ids"}, .group = "hackernews", .io_manager_key = "database_io_manager"},
//       [](strata::AssetContext& ctx, const std::vector<int64_t>& ids) { ... return table; });
//
// The function may take an AssetContext& first, then a config struct (config_schema.hpp: a type
// declaring STRATA_CONFIG_FIELDS, set per run under ops.<step>.config); every further parameter is
// one input, named in `ins` in the same order (by value or const&). Its return type is what gets
// stored (void stores nothing; Output<T> adds metadata). Types are read from the signature and
// checked against the upstream assets when Definitions are built.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/core/config/config_schema.hpp"
#include "strata/core/contexts/execution_context.hpp"
#include "strata/core/definitions/node.hpp"
#include "strata/core/definitions/output.hpp"
#include "strata/core/detail/callable_traits.hpp"
#include "strata/core/partitions/per_partition.hpp"
#include "strata/core/types/typed.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

// A data dependency, loaded through an I/O manager and passed as an argument.
struct AssetIn {
  std::string name{};                       // the argument's name
  std::optional<AssetKey> key{};            // the upstream asset; defaults to AssetKey(name)
  Metadata metadata{};                      // visible to the I/O manager as InputContext::metadata()
  std::string input_manager_key{};          // load with this input manager instead of the upstream's
  PartitionMappingPtr partition_mapping{};  // which upstream partitions to load (null: the default)
};

class AssetsDefinition;

// One entry of `ins`: a plain name ("topstory_ids"), the upstream asset's definition itself (the
// argument is named after the last component of its key), or a full AssetIn.
class InSpec {
 public:
  // Throws DefinitionError when `upstream` defines several assets (name one with AssetIn::key).
  InSpec(const AssetsDefinition& upstream);
  InSpec(const char* name) : in_{.name = name, .key = {}, .metadata = {}, .input_manager_key = {}} {}
  InSpec(std::string name) : in_{.name = std::move(name), .key = {}, .metadata = {}, .input_manager_key = {}} {}
  InSpec(AssetIn in) : in_(std::move(in)) {}
  const AssetIn& get() const { return in_; }

 private:
  AssetIn in_;
};

struct AssetOptions {
  std::vector<InSpec> ins{};
  std::vector<AssetKey> deps{};  // ordering only: nothing is loaded
  std::vector<std::string> key_prefix{};
  std::string group{};
  std::string description{};
  Metadata metadata{};
  std::string code_version{};
  std::string io_manager_key{};
  std::vector<std::string> required_resource_keys{};
  PartitionsPtr partitions{};                       // e.g. strata::daily_partitions("2024-01-01")
  std::optional<BackfillPolicy> backfill_policy{};  // how backfills split into runs
  std::optional<RetryPolicy> retry_policy{};        // retries of a failed step (null: the job's default)
  std::string pool{};         // concurrency pool of the step (strata.yaml concurrency.pools limits it)
  StepResources resources{};  // CPUs, memory, GPUs, time, partition on a cluster (the Slurm executor)
};

// A typed output of a multi-asset: strata::out<T>("name", {...}).
struct AssetOutOptions {
  std::optional<AssetKey> key{};  // defaults to the output name (with the multi-asset's key_prefix)
  std::string io_manager_key{};
  bool is_required = true;
  Metadata metadata{};
  std::string description{};
  std::string group{};
  std::string code_version{};
};

struct AssetOut {
  std::string name{};
  const TypeInfo* type = nullptr;
  AssetOutOptions options{};
};

template <class T>
AssetOut out(std::string name, AssetOutOptions options = {}) {
  return AssetOut{std::move(name), &type_of<T>(), std::move(options)};
}

struct MultiAssetOptions {
  std::string name{};  // the step's name
  std::vector<AssetOut> outs{};
  std::vector<InSpec> ins{};
  std::vector<AssetKey> deps{};
  std::vector<std::string> key_prefix{};
  std::string group{};
  std::string description{};
  std::vector<std::string> required_resource_keys{};
  PartitionsPtr partitions{};
  std::optional<BackfillPolicy> backfill_policy{};
  std::optional<RetryPolicy> retry_policy{};
  std::string pool{};         // concurrency pool of the step
  StepResources resources{};  // what the step asks of a cluster node (the Slurm executor)
};

struct SourceAssetOptions {
  std::string io_manager_key{};
  PartitionsPtr partitions{};
  Metadata metadata{};
  std::string description{};
  std::string group{};
};

// The definition of one asset or of the several assets of a multi-asset.
class AssetsDefinition {
 public:
  explicit AssetsDefinition(NodePtr node) : node_(std::move(node)) {}
  const NodeDef& node() const { return *node_; }
  const NodePtr& node_ptr() const { return node_; }
  // The key of a single-asset definition; throws DefinitionError for multi-assets.
  const AssetKey& key() const;
  std::vector<AssetKey> keys() const;
  bool is_source() const { return node_->kind == NodeKind::kSourceAsset; }

 private:
  NodePtr node_;
};

namespace detail {

template <class Tuple>
struct first_is_context : std::false_type {};
template <class First, class... Rest>
struct first_is_context<std::tuple<First, Rest...>> : std::is_same<First, ExecutionContext&> {};

template <class Tuple>
struct first_is_config : std::false_type {};
template <class First, class... Rest>
struct first_is_config<std::tuple<First, Rest...>> : std::bool_constant<HasConfigFields<std::remove_cvref_t<First>>> {};

// Args without its first element when `DropFirst`.
template <bool DropFirst, class Args>
struct inputs_of {
  using type = Args;
};
template <class Args>
struct inputs_of<true, Args> {
  using type = typename drop_first<Args>::type;
};

template <bool HasConfig, class Args>
struct config_of {
  using type = void;
};
template <class Args>
struct config_of<true, Args> {
  using type = std::remove_cvref_t<std::tuple_element_t<0, Args>>;
};

// The parts of a user function's signature: optional leading context, optional config struct
// (a type declaring STRATA_CONFIG_FIELDS), inputs, result.
template <class F>
struct Signature {
  using all_args = typename callable_traits<F>::args;
  static constexpr bool has_context = first_is_context<all_args>::value;
  using after_context = typename inputs_of<has_context, all_args>::type;
  static constexpr bool has_config = first_is_config<after_context>::value;
  using config = typename config_of<has_config, after_context>::type;  // void when none
  using inputs = typename inputs_of<has_config, after_context>::type;
  static constexpr size_t input_count = std::tuple_size_v<inputs>;
  using result = typename callable_traits<F>::result;
};

template <class R>
struct stored_type {
  using type = R;
};
template <class T>
struct stored_type<Output<T>> {
  using type = T;
};
template <class T>
struct stored_type<PerPartition<T>> {
  using type = T;
};

// One Value per partition, in partition key order.
template <class T>
std::vector<std::pair<std::string, Value>> partition_values(PerPartition<T>&& result) {
  std::vector<std::pair<std::string, Value>> values;
  values.reserve(result.values().size());
  for (auto& [partition, value] : result.values()) values.emplace_back(partition, Value::of(std::move(value)));
  return values;
}

template <class Arg>
constexpr void check_input_parameter() {
  static_assert(!(std::is_lvalue_reference_v<Arg> && !std::is_const_v<std::remove_reference_t<Arg>>),
                "asset/op inputs are shared, immutable values: take them by value or by const reference");
}

template <class Arg>
constexpr void check_not_config() {
  static_assert(!HasConfigFields<std::remove_cvref_t<Arg>>,
                "a config struct (STRATA_CONFIG_FIELDS) is taken right after the optional context, before the inputs");
}

template <class Sig, size_t... I>
std::vector<const TypeInfo*> input_types(std::index_sequence<I...>) {
  (check_input_parameter<std::tuple_element_t<I, typename Sig::inputs>>(), ...);
  (check_not_config<std::tuple_element_t<I, typename Sig::inputs>>(), ...);
  return {&type_of<std::remove_cvref_t<std::tuple_element_t<I, typename Sig::inputs>>>()...};
}

// The schema of the function's config parameter, or null when it takes none.
template <class Sig>
ConfigSchemaPtr config_schema() {
  if constexpr (Sig::has_config) {
    using C = typename Sig::config;
    check_input_parameter<std::tuple_element_t<0, typename Sig::after_context>>();
    static_assert(std::is_default_constructible_v<C>,
                  "a config struct needs defaults: it must be default-constructible");
    return ConfigSchema::of<C>();
  } else {
    return nullptr;
  }
}

// Calls `fn` with the context and the config (if it takes them) and the loaded inputs.
template <class Sig, class F, size_t... I>
decltype(auto) invoke_with_inputs(F& fn, ExecutionContext& ctx, std::index_sequence<I...>) {
  auto call = [&](auto&... leading) -> decltype(auto) {
    return fn(leading...,
              ctx.input_value(I).template get<std::remove_cvref_t<std::tuple_element_t<I, typename Sig::inputs>>>()...);
  };
  if constexpr (Sig::has_config) {
    const auto& config = ctx.step_config().template get<typename Sig::config>();
    if constexpr (Sig::has_context) {
      return call(ctx, config);
    } else {
      return call(config);
    }
  } else if constexpr (Sig::has_context) {
    return call(ctx);
  } else {
    return call();
  }
}

// Builds the compute function of a node with one output (index 0): the return value is yielded.
template <class F>
ComputeFn single_output_compute(F fn) {
  using Sig = Signature<F>;
  using R = typename Sig::result;
  return [fn = std::move(fn)](ExecutionContext& ctx) mutable {
    constexpr auto seq = std::make_index_sequence<Sig::input_count>();
    if constexpr (std::is_void_v<R>) {
      invoke_with_inputs<Sig>(fn, ctx, seq);
      ctx.runtime().yield_output(0, Value(), {});
    } else if constexpr (is_output<R>::value) {
      R result = invoke_with_inputs<Sig>(fn, ctx, seq);
      ctx.runtime().yield_output(0, Value::of(std::move(result.value)), std::move(result.metadata));
    } else if constexpr (is_per_partition<R>::value) {
      ctx.runtime().yield_per_partition(0, partition_values(invoke_with_inputs<Sig>(fn, ctx, seq)), {});
    } else {
      ctx.runtime().yield_output(0, Value::of(invoke_with_inputs<Sig>(fn, ctx, seq)), {});
    }
  };
}

// Builds the compute function of a multi-output node: the body yields through the context, or
// returns a std::tuple whose elements are the outputs in declaration order.
template <class F>
ComputeFn multi_output_compute(F fn) {
  using Sig = Signature<F>;
  using R = typename Sig::result;
  return [fn = std::move(fn)](ExecutionContext& ctx) mutable {
    constexpr auto seq = std::make_index_sequence<Sig::input_count>();
    if constexpr (std::is_void_v<R>) {
      invoke_with_inputs<Sig>(fn, ctx, seq);
    } else {
      R results = invoke_with_inputs<Sig>(fn, ctx, seq);
      [&]<size_t... O>(std::index_sequence<O...>) {
        (ctx.runtime().yield_output(O, Value::of(std::move(std::get<O>(results))), {}), ...);
      }
      (std::make_index_sequence<std::tuple_size_v<R>>());
    }
  };
}

template <class T>
struct tuple_types;
template <class... T>
struct tuple_types<std::tuple<T...>> {
  static std::vector<const TypeInfo*> get() { return {&type_of<T>()...}; }
};

// Non-template halves, in asset.cpp.
AssetsDefinition make_asset(AssetKey key, AssetOptions options, std::vector<const TypeInfo*> input_types,
                            const TypeInfo& output_type, ComputeFn compute, ConfigSchemaPtr config,
                            bool per_partition = false);
AssetsDefinition make_multi_asset(MultiAssetOptions options, std::vector<const TypeInfo*> input_types,
                                  std::optional<std::vector<const TypeInfo*>> returned_types, ComputeFn compute,
                                  ConfigSchemaPtr config);

}  // namespace detail

template <class F>
AssetsDefinition asset(AssetKey key, AssetOptions options, F fn) {
  using Sig = detail::Signature<F>;
  using Stored = typename detail::stored_type<typename Sig::result>::type;
  auto inputs = detail::input_types<Sig>(std::make_index_sequence<Sig::input_count>());
  return detail::make_asset(std::move(key), std::move(options), std::move(inputs), type_of<Stored>(),
                            detail::single_output_compute(std::move(fn)), detail::config_schema<Sig>(),
                            is_per_partition<typename Sig::result>::value);
}

template <class F>
AssetsDefinition asset(AssetKey key, F fn) {
  return asset(std::move(key), AssetOptions{}, std::move(fn));
}

template <class F>
AssetsDefinition multi_asset(MultiAssetOptions options, F fn) {
  using Sig = detail::Signature<F>;
  using R = typename Sig::result;
  auto inputs = detail::input_types<Sig>(std::make_index_sequence<Sig::input_count>());
  std::optional<std::vector<const TypeInfo*>> returned;
  if constexpr (!std::is_void_v<R>) returned = detail::tuple_types<R>::get();
  return detail::make_multi_asset(std::move(options), std::move(inputs), std::move(returned),
                                  detail::multi_output_compute(std::move(fn)), detail::config_schema<Sig>());
}

// An asset produced outside Strata: loadable by downstream assets through its I/O manager, never
// materialized by Strata.
template <class T>
AssetsDefinition source_asset(AssetKey key, SourceAssetOptions options = {});

namespace detail {
AssetsDefinition make_source_asset(AssetKey key, SourceAssetOptions options, const TypeInfo& type);
}

template <class T>
AssetsDefinition source_asset(AssetKey key, SourceAssetOptions options) {
  return detail::make_source_asset(std::move(key), std::move(options), type_of<T>());
}

}  // namespace strata
