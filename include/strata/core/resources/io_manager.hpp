// I/O managers: the objects that store what a step returns and load what a step takes.
//
//   InputManager   load-only, selected per input with input_manager_key
//   IOManager      handle_output + load_input; the "io_manager" key is the default for all outputs
//   IOManagerFactory  creates a fresh IOManager per run (to hold per-run state, e.g. a cache)
//   TypedIOManager<T> an IOManager for one C++ type, with typed methods
#pragma once

#include <memory>
#include <string>

#include "strata/core/contexts/input_context.hpp"
#include "strata/core/contexts/output_context.hpp"
#include "strata/core/resources/resource.hpp"
#include "strata/core/types/value.hpp"

namespace strata {

// An InputManager loads inputs. One manager serves every step of a run (every run, when given as a
// shared_ptr): load_input may be called from several threads at once, with a context that belongs
// to the calling step and lives for the call; the manager must be safe for concurrent calls.
// can_load and shares_across_processes are called when Definitions and plans are built.
class InputManager : public Resource {
 public:
  // Loads the value for one input. Throws StorageError (naming asset key and location) when it
  // cannot.
  virtual Value load_input(InputContext& context) = 0;
  // Whether this manager can produce a value of `type`; checked when Definitions are built.
  virtual bool can_load(const TypeInfo& /*type*/) const { return true; }
  // Whether what one process stores can be loaded by another (files, databases: true). The
  // multi-process executor refuses, before anything runs, a manager that keeps data in its own
  // process's memory (InMemoryIOManager: false).
  virtual bool shares_across_processes() const { return true; }
  // Why what this manager stores cannot be reached from other machines ("it stores files in the
  // local directory '/data'"), or "" when it can (object stores, database servers, a directory on a
  // shared filesystem). Executors that run steps on other nodes (the Slurm executor) refuse, before
  // anything runs, a manager that gives a reason. Default: a manager that shares across processes is
  // taken to share across machines; a manager of local files overrides it.
  virtual std::string local_to_this_machine() const {
    return shares_across_processes() ? "" : "it keeps values in the memory of one process";
  }
};

// local_to_this_machine for a manager storing under `location` (a directory, a file:// URI, or an
// object store URI such as s3://bucket/prefix): "" for an object store or a directory on a shared
// filesystem, else why the local directory cannot be reached from other nodes.
std::string local_location_reason(const std::string& location, bool shared_filesystem);

// An IOManager stores outputs and loads them back. handle_output and load_input of one manager may
// run at the same time on several threads (different steps; the same asset is never written by two
// steps of one run, but may be read while another asset is written); the context and the value are
// borrowed for the call. A manager must not keep a pointer to the context after the call.
class IOManager : public InputManager {
 public:
  // Stores `value` (its type is value.type() == context.type()).
  virtual void handle_output(OutputContext& context, const Value& value) = 0;
  // Whether this manager can store values of `type`; checked when Definitions are built, so an
  // unsupported type is refused before anything runs.
  virtual bool can_handle(const TypeInfo& /*type*/) const { return true; }
  bool can_load(const TypeInfo& type) const override { return can_handle(type); }

  // Two-phase outputs. A manager whose stages_outputs() is true is given contexts with
  // publish_deferred() set when the run is recorded by an instance: it writes the new data in
  // handle_output() without changing what readers load; Strata then records the materialization
  // durably and calls publish_output() to make the staged data what readers load, or
  // discard_output() when the step fails before the record is durable. Either is called at most
  // once per handled output, from the thread that called handle_output(). Other managers publish in
  // handle_output(); the defaults do nothing. Throw StorageError naming asset and location.
  virtual bool stages_outputs() const { return false; }
  virtual void publish_output(OutputContext& /*context*/) {}
  virtual void discard_output(OutputContext& /*context*/) noexcept {}

  // Where this manager stores an asset, as a name unique within the manager's namespace (e.g.
  // "schema.table" for a database), or "" when it does not store by a name derived from the key.
  // Definitions refuse two assets of one manager with the same name, so no asset can overwrite
  // another. Path-based managers need not override it: every key and partition has its own place in
  // core/resources/storage_location.hpp, which Definitions check for all assets.
  virtual std::string storage_name(const AssetKey& /*key*/) const { return ""; }

  // Whether one handle_output may store several partitions at once (an OutputContext whose
  // partition scope has more than one key, as in a single-run backfill), as a table manager that
  // rewrites the range's rows does. Managers that store one object per partition return false: a
  // run of several partitions then needs the asset to return PerPartition<T> (each partition stored
  // on its own), which Definitions and runs check before anything runs.
  virtual bool stores_partition_ranges() const { return true; }
};

// An IOManagerFactory creates one IOManager per run (the place for per-run state such as a cache);
// create_io_manager is called once per run, before any step, from one thread. The manager it returns
// follows IOManager's contract: a per-run cache is still used by several steps at once.
class IOManagerFactory : public Resource {
 public:
  // Creates the manager one run uses (set up by Strata after creation).
  virtual std::shared_ptr<IOManager> create_io_manager(InitContext& context) = 0;
  // What the created managers can store, as IOManager::can_handle.
  virtual bool can_handle(const TypeInfo& /*type*/) const { return true; }
  // As InputManager::shares_across_processes, for the managers it creates.
  virtual bool shares_across_processes() const { return true; }
  // As InputManager::local_to_this_machine, for the managers it creates.
  virtual std::string local_to_this_machine() const {
    return shares_across_processes() ? "" : "it keeps values in the memory of one process";
  }
};

// An IOManager for values of type T only.
template <class T>
class TypedIOManager : public IOManager {
 public:
  virtual void handle(OutputContext& context, const T& value) = 0;
  virtual T load(InputContext& context) = 0;

  void handle_output(OutputContext& context, const Value& value) final { handle(context, value.get<T>()); }
  Value load_input(InputContext& context) final { return Value::of(load(context)); }
  bool can_handle(const TypeInfo& type) const override { return type == type_of<T>(); }
};

}  // namespace strata
