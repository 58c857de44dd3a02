#include "strata/core/types/type_info.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace strata {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

// Removes ", std::allocator<...> " style default template arguments so that names read as users
// wrote them: std::vector<long> rather than std::vector<long, std::allocator<long> >.
void strip_default_argument(std::string& text, const std::string& marker) {
  for (size_t pos = text.find(marker); pos != std::string::npos; pos = text.find(marker, pos)) {
    size_t depth = 1;  // the marker ends with the '<' that opens the argument
    size_t end = pos + marker.size();
    for (; end < text.size(); ++end) {
      if (text[end] == '<') ++depth;
      if (text[end] == '>') {
        if (depth == 1) break;
        --depth;
      }
    }
    if (end >= text.size()) return;
    ++end;
    while (end < text.size() && text[end] == ' ') ++end;
    text.erase(pos, end - pos);
  }
}

}  // namespace

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> raw(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string name = status == 0 && raw ? raw.get() : mangled;
  replace_all(name, "std::__cxx11::", "std::");
  replace_all(name, "std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string");
  for (const char* marker : {", std::allocator<", ", std::less<", ", std::hash<", ", std::equal_to<"}) {
    strip_default_argument(name, marker);
  }
  replace_all(name, "> >", ">>");
  replace_all(name, "> >", ">>");
  return name;
}

}  // namespace strata
