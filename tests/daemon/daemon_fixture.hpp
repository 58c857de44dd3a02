// Definitions the daemon-loop tests drive, in-process and behind run_cli in a real program
// (daemon_test_program.cpp):
//
//   days        daily partitions from 2024-01-01, one run per partition (multi_run(1)); returns its
//               partition key; waits while $STRATA_TEST_GATE names a file that does not exist (or
//               until its run is canceled); fails for the partition named by $STRATA_TEST_FAIL
//   customers   dynamic partitions "customers"; returns its partition key
//   plain       not partitioned; returns 1
#pragma once

#include <filesystem>

#include "strata/core/definitions/definitions.hpp"

namespace strata::testing {

Definitions daemon_test_definitions(const std::filesystem::path& data_dir);

}  // namespace strata::testing
