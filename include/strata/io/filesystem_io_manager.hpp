// FilesystemIOManager: the default I/O manager. Stores any storable value (see core/types/codec.hpp) as
// a checksummed file at the locations of core/resources/storage_location.hpp:
//   assets:      <base_dir>/<key component>/.../<last component>[/<partition key>]
//   op outputs:  <base_dir>/.runs/<run id>/<step key>/<output name>   (runs never overwrite each other)
// base_dir defaults to $STRATA_HOME/storage. Writes are atomic (io/stored_object.hpp); in a run
// recorded by an instance, an asset's new file is staged and published only after the
// materialization is durable (core/resources/staged_files.hpp), so a failed run never changes what is loaded.
// Loads check framing, checksum and type before decoding. format "json" stores values as JSON that
// other tools can read (io/stored_value.hpp), as atomically and as checked; loads read either
// format. The object is stateless after setup():
// handle_output/load_input/publish_output may be called from several threads at once.
#pragma once

#include <filesystem>
#include <string>

#include "strata/core/config/config_field.hpp"
#include "strata/io/located_io_manager.hpp"

namespace strata {

class FilesystemIOManager : public LocatedIOManager {
 public:
  struct Options {
    std::string base_dir{};         // empty: $STRATA_HOME/storage
    std::string format = "binary";  // or "json" (io/stored_value.hpp)
    // base_dir is on a filesystem every node of a cluster mounts at the same path (NFS, Lustre,
    // CephFS): executors that run steps on other nodes may use this manager.
    bool shared_filesystem = false;
  };

  FilesystemIOManager() = default;
  explicit FilesystemIOManager(Options options)
      : base_dir(std::move(options.base_dir)),
        format(std::move(options.format)),
        shared_filesystem(options.shared_filesystem) {}

  std::string base_dir;
  std::string format = "binary";
  bool shared_filesystem = false;  // in code only (Options::shared_filesystem)
  STRATA_CONFIG_FIELDS(base_dir, format)

  // Refuses a base_dir this manager cannot address: a URI such as "s3://bucket/prefix" (the manager
  // writes local files only; ObjectStoreIOManager of strata::arrow stores objects on S3) would
  // become a local directory named "s3:". Refuses a format other than "binary" and "json".
  void validate_config() const override;
  void setup(InitContext& context) override;
  void handle_output(OutputContext& context, const Value& value) override;
  void publish_output(OutputContext& context) override;
  void discard_output(OutputContext& context) noexcept override;
  Value load_input(InputContext& context) override;
  bool can_handle(const TypeInfo& type) const override { return type.codec != nullptr; }
  std::string local_to_this_machine() const override {
    return local_location_reason(base_dir.empty() ? "$STRATA_HOME/storage" : base_dir, shared_filesystem);
  }

  // Where an output is (or would be) stored.
  std::filesystem::path path_for(const OutputContext& context) const;
  // Where an input is loaded from (the upstream output's path, or the asset's path).
  std::filesystem::path path_for(const InputContext& context) const;

 private:
  std::filesystem::path base() const;
  Value load_file(const std::filesystem::path& path, const TypeInfo& type, const std::string& what) const;
  std::filesystem::path resolved_base_;
};

}  // namespace strata
