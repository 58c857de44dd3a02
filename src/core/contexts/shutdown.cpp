#include "strata/core/contexts/shutdown.hpp"

#include <mutex>
#include <utility>
#include <vector>

namespace strata {
namespace {

struct Hooks {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::function<void()>>> list;
};

Hooks& hooks() {
  static Hooks instance;
  return instance;
}

}  // namespace

void register_shutdown_hook(const std::string& name, std::function<void()> hook) {
  Hooks& h = hooks();
  std::lock_guard lock(h.mutex);
  for (const auto& entry : h.list) {
    if (entry.first == name) return;
  }
  h.list.emplace_back(name, std::move(hook));
}

void run_shutdown_hooks() {
  std::vector<std::pair<std::string, std::function<void()>>> list;
  {
    Hooks& h = hooks();
    std::lock_guard lock(h.mutex);
    list.swap(h.list);
  }
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    try {
      it->second();
    } catch (...) {
    }
  }
}

}  // namespace strata
