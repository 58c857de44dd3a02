// A tiny pipeline on embedded defaults: three assets stored by the default filesystem I/O manager
// under $STRATA_HOME/storage (./.strata unless STRATA_HOME is set).
//
//   readings  (list of sensor readings)
//     └─ stats     (min / max / mean per sensor)
//          └─ report    (a text summary; also recorded as markdown metadata)
#include <iostream>
#include <map>
#include <numeric>
#include <strata/strata.hpp>

namespace s = strata;

struct Reading {
  std::string sensor;
  double value = 0;
};
STRATA_SERIALIZABLE(Reading, sensor, value)

struct Stats {
  double min = 0;
  double max = 0;
  double mean = 0;
  int64_t count = 0;
};
STRATA_SERIALIZABLE(Stats, min, max, mean, count)

int main() {
  auto readings =
      s::asset("readings", {.group = "sensors", .description = "Raw sensor readings"}, [](s::AssetContext& ctx) {
        std::vector<Reading> out;
        for (int i = 0; i < 1000; ++i) {
          out.push_back({"sensor-" + std::to_string(i % 4), 20.0 + (i % 17) * 0.5 + (i % 4)});
        }
        ctx.log().info("generated " + std::to_string(out.size()) + " readings");
        ctx.add_output_metadata({{"num_records", static_cast<int64_t>(out.size())}});
        return out;
      });

  auto stats = s::asset("stats", {.ins = {"readings"}, .group = "sensors"}, [](const std::vector<Reading>& rows) {
    std::map<std::string, Stats> out;
    for (const auto& r : rows) {
      Stats& st = out[r.sensor];
      st.min = st.count == 0 ? r.value : std::min(st.min, r.value);
      st.max = st.count == 0 ? r.value : std::max(st.max, r.value);
      st.mean += r.value;
      ++st.count;
    }
    for (auto& [_, st] : out) st.mean /= static_cast<double>(st.count);
    return out;
  });

  auto report = s::asset("report", {.ins = {"stats"}, .group = "sensors"},
                         [](s::AssetContext& ctx, const std::map<std::string, Stats>& per_sensor) {
                           std::string table = "| sensor | min | max | mean |\n|---|---|---|---|\n";
                           for (const auto& [sensor, st] : per_sensor) {
                             table += "| " + sensor + " | " + std::to_string(st.min) + " | " + std::to_string(st.max) +
                                      " | " + std::to_string(st.mean) + " |\n";
                           }
                           ctx.add_output_metadata({{"preview", s::markdown(table)}});
                           return table;
                         });

  s::Definitions defs(
      {.assets = {readings, stats, report}, .jobs = {s::define_asset_job("sensors_job", s::AssetSelection::all())}});

  // The instance ($STRATA_HOME, default ./.strata) records the run, its events and the asset catalog.
  auto instance = s::Instance::open(s::Instance::default_home());
  s::RunOptions options{.instance = instance};
  options.on_event = [](const s::Event& event) {
    if (event.type == s::EventType::kLog || event.type == s::EventType::kStepSuccess ||
        event.type == s::EventType::kStepFailure || event.type == s::EventType::kMaterialization) {
      std::cout << "[" << s::event_type_name(event.type) << "] "
                << (event.step_key.empty() ? "" : event.step_key + ": ") << event.message << "\n";
    }
  };
  auto result = s::execute_job(defs, "sensors_job", options);
  if (!result.success()) {
    std::cerr << "run " << result.run_id() << " failed: " << result.failure_message() << "\n";
    return 1;
  }
  std::cout << "\nrun " << result.run_id() << " succeeded in " << result.duration_ms() << " ms\n";
  for (const auto& m : result.materializations()) {
    std::cout << "  " << m.asset_key.to_string() << " -> " << m.metadata.at("path").as_text() << "\n";
  }
  std::cout << "\n" << result.asset_value<std::string>("report");
  auto history = instance->storage().materialization_history(s::AssetKey("report"));
  std::cout << "\n'report' has " << history.size() << " materialization(s) in " << instance->storage().describe()
            << "\n";
  return 0;
}
