// A uniquely named directory under $TMPDIR, removed with everything in it when the object dies.
#pragma once

#include <filesystem>
#include <string_view>

namespace strata::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "strata-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

}  // namespace strata::testing
