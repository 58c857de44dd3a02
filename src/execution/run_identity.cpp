#include "run_identity.hpp"

#include <unistd.h>

#include "strata/core/util/error.hpp"
#include "strata/storage/run_record.hpp"

namespace strata::detail {

namespace {

namespace fs = std::filesystem;

// A temporary STRATA_HOME, removed with everything in it when the last RunResult holding it goes.
std::shared_ptr<void> make_temporary_home(fs::path& path) {
  std::string pattern = (fs::temp_directory_path() / "strata-home-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw StorageError("cannot create a temporary STRATA_HOME in /tmp");
  path = pattern;
  return std::shared_ptr<void>(nullptr, [path](void*) {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  });
}

}  // namespace

std::shared_ptr<RunResult::Data> new_run_data(const ExecutionPlan& plan, RunOptions& options) {
  auto data = std::make_shared<RunResult::Data>();
  data->run_id = options.run_id.empty() ? new_run_id() : options.run_id;
  data->job_name = plan.job_name();
  if (options.strata_home.empty() && options.instance) options.strata_home = options.instance->home();
  if (options.strata_home.empty()) {
    data->temporary_home = make_temporary_home(data->strata_home);
  } else {
    data->strata_home = options.strata_home;
  }
  data->steps.resize(plan.steps().size());
  for (size_t i = 0; i < plan.steps().size(); ++i) data->steps[i].key = plan.steps()[i].key;
  return data;
}

}  // namespace strata::detail
