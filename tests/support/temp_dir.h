// A temporary directory removed (recursively) when the object dies.
#pragma once

#include <string>

namespace mlvc::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + relpath
  std::string Sub(const std::string& relpath) const { return path_ + "/" + relpath; }

 private:
  std::string path_;
};

}  // namespace mlvc::testing
