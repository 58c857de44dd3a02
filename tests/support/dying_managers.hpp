// I/O managers that die (SIGKILL) at a chosen point of a two-phase write, for tests of runs killed
// mid-write: DiesAfterStaging<M> right after M staged an output (before the run recorded it),
// DiesBeforePublishing<M> when M would publish an output the run recorded. The kill point is in the
// step's own thread, so it is exact (an event listener runs on a thread of its own and races the
// record). Header-only; the test links M's library.
#pragma once

#include <signal.h>

#include <strata/core/resources/io_manager.hpp>

namespace strata::testing {

template <class Manager>
class DiesAfterStaging : public Manager {
 public:
  using Manager::Manager;
  void handle_output(OutputContext& context, const Value& value) override {
    Manager::handle_output(context, value);
    ::raise(SIGKILL);
  }
};

template <class Manager>
class DiesBeforePublishing : public Manager {
 public:
  using Manager::Manager;
  void publish_output(OutputContext&) override { ::raise(SIGKILL); }
};

}  // namespace strata::testing
