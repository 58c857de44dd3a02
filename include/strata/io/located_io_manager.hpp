// LocatedIOManager: the base of the I/O managers that store every output at its own place under a
// base directory or URI, one file or object per asset partition (FilesystemIOManager,
// ObjectStoreIOManager, the Arrow table managers). It turns an output or an input into that place
// once for all of them: the asset's location (of its one partition) or the op output's, built and
// checked by core/resources/storage_location.hpp, so that every such manager refuses a hostile key ("..", '/',
// a control character, a leading '.') alike and distinct outputs never share a place. Asset outputs
// of recorded runs are staged and published (stages()). Stateless: the helpers are thread-safe.
#pragma once

#include <string>

#include "strata/core/resources/io_manager.hpp"
#include "strata/core/resources/storage_location.hpp"

namespace strata {

class LocatedIOManager : public IOManager {
 public:
  // What the locations below say when one output or input spans several partitions, e.g.
  // {"filesystem I/O manager", "file"}.
  struct OnePartitionPer {
    const char* manager;
    const char* place;
  };

  bool stages_outputs() const override { return true; }
  bool stores_partition_ranges() const override { return false; }  // one file or object per partition

  // How messages name an output: "asset 'a/b'" or "output 'step.name'".
  static std::string describe(const OutputContext& context);
  // How messages name an input: "asset 'a/b'" or "input 'x' of step 's'", then " partition 'p'" when
  // it loads one partition.
  static std::string describe(const InputContext& context);

 protected:
  // Whether an output is staged until publish_output: an asset's, in a run an instance records (op
  // outputs live under their run's own prefix: no other run reads them).
  static bool stages(const OutputContext& context);

  // The location of an output: its asset's (of its one partition) or its op output's. Throws
  // StorageError naming the output when it spans several partitions, DefinitionError,
  // PartitionError or StorageError (core/resources/storage_location.hpp) for a key that cannot be a location.
  static StorageLocation output_location(const OutputContext& context, OnePartitionPer one);
  // The location an input loads from: its asset's (of its one partition) or its upstream output's.
  // Throws as output_location, and StorageError when it has neither an asset nor an upstream output.
  static StorageLocation input_location(const InputContext& context, OnePartitionPer one);
  // `root` + "/" + the location's components joined by '/' + `suffix`.
  static std::string path_under(const std::string& root, const StorageLocation& location,
                                const std::string& suffix = "");
};

}  // namespace strata
