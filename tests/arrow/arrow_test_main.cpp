// The Arrow tests' main: S3 must be shut down before main returns (see strata::finalize_s3).
#include <gtest/gtest.h>

#include <strata/arrow/path_io_manager.hpp>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int status = RUN_ALL_TESTS();
  strata::finalize_s3();
  return status;
}
