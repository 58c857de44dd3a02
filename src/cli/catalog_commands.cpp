#include "catalog_commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <istream>
#include <map>

#include "config_render.hpp"
#include "metadata_render.hpp"
#include "strata/core/types/type_info.hpp"
#include "strata/core/util/nearest_name.hpp"
#include "strata/execution/backfill.hpp"
#include "text_table.hpp"

namespace strata::cli {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::vector<std::string> key_names(const AssetGraph& graph, const std::vector<int>& indices) {
  std::vector<std::string> names;
  for (int index : indices) names.push_back(graph.entry(index).key.to_string());
  return names;
}

std::string manager_key(const OutputDef& output) {
  return output.io_manager_key.empty() ? std::string(kDefaultIOManagerKey) : output.io_manager_key;
}

int list_assets(CliSession& session) {
  const AssetGraph& graph = session.defs.asset_graph();
  TextTable table({"ASSET", "GROUP", "IO MANAGER", "PARTITIONS", "UPSTREAM"});
  for (int index : graph.topological_order()) {
    const auto& entry = graph.entry(index);
    const OutputDef& output = entry.node->outputs[static_cast<size_t>(entry.output_index)];
    std::string key = entry.key.to_string() + (entry.is_source ? " (source)" : "");
    table.add({key, output.group.empty() ? "default" : output.group, manager_key(output),
               entry.node->partitions ? entry.node->partitions->describe() : "-",
               entry.upstream.empty() ? "-" : join(key_names(graph, entry.upstream), ", ")});
  }
  table.print(session.out);
  return kExitSuccess;
}

// A string in Graphviz's quoted form: quotes and backslashes escaped, line breaks as \n.
std::string dot_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// The asset graph for `dot -Tsvg`: one cluster per group, sources dashed, an edge per dependency.
int list_assets_dot(CliSession& session) {
  const AssetGraph& graph = session.defs.asset_graph();
  std::map<std::string, std::vector<int>> groups;
  for (int index : graph.topological_order()) {
    const auto& entry = graph.entry(index);
    const OutputDef& output = entry.node->outputs[static_cast<size_t>(entry.output_index)];
    groups[output.group.empty() ? "default" : output.group].push_back(index);
  }
  std::string out = "digraph assets {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  for (const auto& [group, members] : groups) {
    out += "  subgraph " + dot_quoted("cluster_" + group) + " {\n    label=" + dot_quoted(group) + ";\n";
    for (int index : members) {
      const auto& entry = graph.entry(index);
      out += "    " + dot_quoted(entry.key.to_string()) + (entry.is_source ? " [style=dashed]" : "") + ";\n";
    }
    out += "  }\n";
  }
  for (int index : graph.topological_order()) {
    for (int upstream : graph.entry(index).upstream) {
      out += "  " + dot_quoted(graph.entry(upstream).key.to_string()) + " -> " +
             dot_quoted(graph.entry(index).key.to_string()) + ";\n";
    }
  }
  session.out << out << "}\n";
  return kExitSuccess;
}

int list_jobs(CliSession& session) {
  TextTable table({"JOB", "KIND", "RUNS", "DESCRIPTION"});
  for (const auto& job : session.defs.jobs()) {
    bool assets = job.kind() == JobDefinition::Kind::kAssets;
    std::string runs;
    if (assets) {
      runs = job.selection().to_string();
    } else {
      for (const auto& invocation : job.invocations()) runs += (runs.empty() ? "" : ", ") + invocation.step_key;
    }
    table.add({job.name(), assets ? "assets" : "ops", shorten(runs, 60), job.description()});
  }
  if (table.empty()) session.out << "(no jobs defined)\n";
  table.print(session.out);
  return kExitSuccess;
}

int list_schedules(CliSession& session) {
  TextTable table({"SCHEDULE", "JOB", "CRON", "TIMEZONE"});
  for (const auto& schedule : session.defs.schedules()) {
    table.add({schedule.name, schedule.job_name, schedule.cron_schedule, schedule.timezone});
  }
  if (table.empty()) session.out << "(no schedules defined)\n";
  table.print(session.out);
  if (!table.empty()) {
    session.out << "('" << session.program << " schedule list' shows their status and ticks; '" << session.program
                << " daemon' fires them)\n";
  }
  return kExitSuccess;
}

int list_resources(CliSession& session) {
  TextTable table({"RESOURCE", "TYPE", "CONFIG"});
  const auto& resources = session.defs.resources();
  for (const auto& [key, definition] : resources) {
    std::string config;
    for (const auto& [field, value] : definition.describe())
      config += (config.empty() ? "" : ", ") + field + "=" + value;
    table.add({key, demangle(typeid(definition.prototype()).name()), config.empty() ? "-" : config});
  }
  if (!resources.count(kDefaultIOManagerKey)) {
    table.add(
        {kDefaultIOManagerKey, "strata::FilesystemIOManager (built-in default)", "base_dir=$STRATA_HOME/storage"});
  }
  table.print(session.out);
  return kExitSuccess;
}

void print_definition(CliSession& session, const AssetGraph::Entry& entry) {
  const AssetGraph& graph = session.defs.asset_graph();
  const NodeDef& node = *entry.node;
  const OutputDef& output = node.outputs[static_cast<size_t>(entry.output_index)];
  std::ostream& out = session.out;
  out << "Asset " << entry.key.to_string() << (entry.is_source ? " (source asset)" : "") << "\n";
  TextTable facts;
  std::string description = output.description.empty() ? node.description : output.description;
  if (!description.empty()) facts.add({"description", description});
  facts.add({"group", output.group.empty() ? "default" : output.group});
  facts.add({"type", output.type ? output.type->name : "-"});
  facts.add({"io manager", manager_key(output)});
  facts.add({"upstream", entry.upstream.empty() ? "-" : join(key_names(graph, entry.upstream), ", ")});
  facts.add({"downstream", entry.downstream.empty() ? "-" : join(key_names(graph, entry.downstream), ", ")});
  if (node.partitions) facts.add({"partitions", node.partitions->describe()});
  facts.print(out, "  ");
  if (!output.metadata.empty()) {
    out << "  definition metadata:\n";
    print_metadata(out, output.metadata, "    ");
  }
  print_config_schema(out, node, "  ");
}

// Prints the partition counts and the failed partitions; returns the status.
AssetPartitionStatus print_partition_status(CliSession& session, const AssetKey& key) {
  AssetPartitionStatus status = asset_partition_status(session.defs, key, session.instance().storage());
  session.out << fmt::format("\nPartitions: {} total, {} materialized, {} failed, {} missing\n", status.keys.size(),
                             status.materialized, status.failed, status.missing);
  std::vector<std::string> failed;
  for (size_t i = 0; i < status.keys.size(); ++i) {
    if (status.states[i] == PartitionState::kFailed) failed.push_back(status.keys[i]);
  }
  if (!failed.empty()) session.out << "  failed: " << shorten(join(failed, ", "), 200) << "\n";
  return status;
}

// `text` as one word of a POSIX shell command line: as it is when that is safe, else single-quoted.
std::string shell_word(const std::string& text) {
  bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c != '\0' && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_-.,:/=+@%", c) != nullptr);
  });
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The partition a user most likely wants to materialize next: the first failed one, else the first
// missing one, else the first one.
std::string partition_to_suggest(const AssetPartitionStatus& status) {
  for (PartitionState wanted : {PartitionState::kFailed, PartitionState::kMissing}) {
    for (size_t i = 0; i < status.keys.size(); ++i) {
      if (status.states[i] == wanted) return status.keys[i];
    }
  }
  return status.keys.empty() ? std::string() : status.keys.front();
}

// An asset without a successful materialization: its partitions' state (failures included) and a
// command that materializes it (naming a partition when the asset is partitioned).
void print_not_materialized(CliSession& session, const AssetKey& key, bool partitioned) {
  std::ostream& out = session.out;
  Storage& storage = session.instance().storage();
  std::string command = session.program + " materialize --select " + key.to_string();
  if (!partitioned) {
    out << "\nNever materialized (in " << storage.describe() << ").\n";
    out << "  materialize it with: " << command << "\n";
    return;
  }
  AssetPartitionStatus status = asset_partition_status(session.defs, key, storage);
  if (status.failed > 0) {
    out << "\nNo successful materialization (in " << storage.describe() << "); the latest attempt of " << status.failed
        << " partition" << (status.failed == 1 ? "" : "s") << " failed.\n";
  } else {
    out << "\nNever materialized (in " << storage.describe() << ").\n";
  }
  print_partition_status(session, key);
  std::string partition = partition_to_suggest(status);
  if (partition.empty()) {
    out << "  the asset has no partitions yet\n";
    return;
  }
  out << "  materialize a partition with: " << command << " --partition " << shell_word(partition) << "\n";
  if (status.failed > 0) out << "  see why it failed with: " << session.program << " runs --status failure\n";
}

}  // namespace

int list_command(CliSession& session, const std::string& what, bool dot) {
  if (dot && what != "assets") throw UsageError("--dot draws assets only", "use: list assets --dot");
  if (what == "assets") return dot ? list_assets_dot(session) : list_assets(session);
  if (what == "jobs") return list_jobs(session);
  if (what == "schedules") return list_schedules(session);
  if (what == "resources") return list_resources(session);
  std::vector<std::string> kinds = {"assets", "jobs", "schedules", "resources"};
  throw UsageError("cannot list '" + what + "'" + did_you_mean(what, kinds),
                   "use one of: assets, jobs, schedules, resources");
}

int asset_show_command(CliSession& session, const std::string& key_text, int history_limit) {
  AssetKey key = known_asset_key(session.defs, key_text);
  const AssetGraph& graph = session.defs.asset_graph();
  const auto& entry = graph.entry(graph.find(key));
  print_definition(session, entry);

  Storage& storage = session.instance().storage();
  std::ostream& out = session.out;
  auto latest = storage.latest_materialization(key);
  if (!latest) {
    print_not_materialized(session, key, entry.node->partitions != nullptr);
    return kExitSuccess;
  }
  const Event& event = latest->event;
  out << "\nLatest materialization\n";
  TextTable facts;
  facts.add({"run", event.run_id});
  facts.add({"time", format_time(event.timestamp_us)});
  if (event.partition) facts.add({"partition", *event.partition});
  facts.print(out, "  ");
  if (!event.metadata.empty()) {
    out << "  metadata:\n";
    print_metadata(out, event.metadata, "    ");
  }
  if (entry.node->partitions) print_partition_status(session, key);

  auto history = storage.materialization_history(key, history_limit);
  out << "\nHistory (" << history.size() << (static_cast<int>(history.size()) == history_limit ? "+" : "")
      << " materialization" << (history.size() == 1 ? "" : "s") << ", newest first)\n";
  TextTable table({"TIME", "RUN", "PARTITION", "SUMMARY"});
  for (const auto& record : history) {
    const Event& e = record.event;
    std::string summary;
    for (const auto& [name, value] : e.metadata) {
      if (value.kind() == MetadataValue::Kind::kInt) {
        summary += (summary.empty() ? "" : ", ") + name + "=" + value.to_display_string();
      } else if (value.kind() == MetadataValue::Kind::kFloat) {
        summary += (summary.empty() ? "" : ", ") + name + "=" + fmt::format("{:.6g}", value.as_float());
      }
    }
    table.add({format_time(e.timestamp_us), e.run_id, e.partition.value_or("-"), summary.empty() ? "-" : summary});
  }
  table.print(out, "  ");
  return kExitSuccess;
}

int wipe_command(CliSession& session, const std::vector<std::string>& key_texts, bool confirmed, std::istream& in,
                 bool in_is_terminal) {
  std::vector<AssetKey> keys;
  for (const auto& text : key_texts) keys.push_back(known_asset_key(session.defs, text));
  std::string names;
  for (const auto& key : keys) names += (names.empty() ? "" : ", ") + key.to_string();
  if (!confirmed) {
    if (!in_is_terminal) {
      throw UsageError("wipe needs confirmation", "add --yes to wipe the history of " + names + " without asking");
    }
    session.out << "Wipe the materialization history of " << names
                << "? Stored data is kept, the catalog forgets it. Type 'yes': " << std::flush;
    std::string answer;
    std::getline(in, answer);
    if (answer != "yes") {
      session.out << "Nothing wiped.\n";
      return kExitFailure;
    }
  }
  Storage& storage = session.instance().storage();
  for (const auto& key : keys) {
    storage.wipe_asset(key);
    session.out << "Wiped " << key.to_string() << " (in " << storage.describe() << ")\n";
  }
  return kExitSuccess;
}

}  // namespace strata::cli
