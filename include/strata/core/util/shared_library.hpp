// A shared library loaded at run time (dlopen) instead of linked, for heavy dependencies only some
// programs use (DuckDB, libpq): a program that never needs one never loads or relocates it. The
// library stays loaded until the process exits. Immutable after construction (thread-safe).
#pragma once

#include <initializer_list>
#include <string>

namespace strata {

class SharedLibrary {
 public:
  // Loads the first of `candidates` (paths or sonames) that loads. Throws StorageError naming
  // `purpose` and every loader message when none does.
  SharedLibrary(std::initializer_list<const char*> candidates, const std::string& purpose);

  // The function `name` as type F (a function pointer type); throws StorageError naming the
  // library and the function when it has none.
  template <class F>
  F function(const char* name) const {
    return reinterpret_cast<F>(symbol(name));
  }

 private:
  void* symbol(const char* name) const;
  void* handle_ = nullptr;
  std::string name_;
};

// A table of a C library's functions, one pointer per name of an X-macro list:
//   #define MY_FUNCTIONS(X) X(lib_open) X(lib_close)
//   struct MyLibrary { MY_FUNCTIONS(STRATA_FUNCTION_POINTER) };
//   const MyLibrary& my_library() {
//     return loaded_functions<MyLibrary>({"libmy.so.1"}, "libmy", [](const SharedLibrary& library, MyLibrary& table) {
//       MY_FUNCTIONS(STRATA_RESOLVE_FUNCTION)
//     });
//   }
#define STRATA_FUNCTION_POINTER(name) decltype(&::name) name = nullptr;
#define STRATA_RESOLVE_FUNCTION(name) table.name = library.function<decltype(&::name)>(#name);

// The table `Table`, filled by `resolve` from the first of `candidates` that loads, once per process
// (the first call loads; a failed load throws StorageError and is retried by the next call).
template <class Table>
const Table& loaded_functions(std::initializer_list<const char*> candidates, const char* purpose,
                              void (*resolve)(const SharedLibrary& library, Table& table)) {
  static const Table table = [&] {
    SharedLibrary library(candidates, purpose);
    Table filled;
    resolve(library, filled);
    return filled;
  }();
  return table;
}

}  // namespace strata
