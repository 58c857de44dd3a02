#include "strata/core/util/shared_library.hpp"

#include <dlfcn.h>

#include "strata/core/util/error.hpp"

namespace strata {

SharedLibrary::SharedLibrary(std::initializer_list<const char*> candidates, const std::string& purpose) {
  std::string tried;
  for (const char* candidate : candidates) {
    handle_ = ::dlopen(candidate, RTLD_NOW | RTLD_LOCAL);
    if (handle_ != nullptr) {
      name_ = candidate;
      return;
    }
    const char* error = ::dlerror();
    tried += std::string(tried.empty() ? "" : "; ") + (error != nullptr ? error : candidate);
  }
  throw StorageError("cannot load " + purpose + ": " + tried);
}

void* SharedLibrary::symbol(const char* name) const {
  void* address = ::dlsym(handle_, name);
  if (address == nullptr) throw StorageError("the library '" + name_ + "' has no function " + name);
  return address;
}

}  // namespace strata
