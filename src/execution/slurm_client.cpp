#include "strata/execution/slurm_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>

#include "strata/execution/program_command.hpp"

extern char** environ;

namespace strata {
namespace {

struct Output {
  int status = 0;
  std::string out;
  std::string err;
};

std::string command_line(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& word : argv) text += (text.empty() ? "" : " ") + word;
  return text;
}

// Runs `argv` (found on PATH) with `input` on its standard input; what it printed and its status.
Output run(const std::vector<std::string>& argv, const std::string& input = "",
           const std::vector<std::string>& extra_env = {}) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw SlurmError("cannot run '" + argv.front() + "': " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  ::posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  ::posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char*> args;
  std::vector<std::string> words = argv;
  for (auto& word : words) args.push_back(word.data());
  args.push_back(nullptr);
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
  environment.insert(environment.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int spawned = ::posix_spawnp(&pid, words.front().c_str(), &actions, nullptr, args.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  for (int fd : {in[0], out[1], err[1]}) ::close(fd);
  if (spawned != 0) {
    for (int fd : {in[1], out[0], err[0]}) ::close(fd);
    if (spawned == ENOENT) {
      throw SlurmError("Slurm is not installed here: '" + argv.front() + "' is not on PATH (install slurm-client)");
    }
    throw SlurmError("cannot run '" + argv.front() + "': " + std::strerror(spawned));
  }
  size_t written = 0;
  if (input.empty()) {
    ::close(in[1]);
    in[1] = -1;
  }
  Output result;
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
  int open_reads = 2;
  while (open_reads > 0 || in[1] >= 0) {
    fds[2].fd = in[1];
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char chunk[4096];
      ssize_t got = ::read(fds[i].fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_reads;
        continue;
      }
      (i == 0 ? result.out : result.err).append(chunk, static_cast<size_t>(got));
    }
    if (in[1] >= 0 && fds[2].revents != 0) {
      ssize_t wrote = (fds[2].revents & POLLOUT) ? ::write(in[1], input.data() + written, input.size() - written) : -1;
      if (wrote > 0) written += static_cast<size_t>(wrote);
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote <= 0 || written == input.size()) {
        ::close(in[1]);
        in[1] = -1;
      }
    }
  }
  while (::waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Runs `argv`; throws SlurmError naming it with what it printed unless it exits 0.
std::string run_checked(const std::vector<std::string>& argv, const std::string& input = "",
                        const std::vector<std::string>& extra_env = {}) {
  Output output = run(argv, input, extra_env);
  if (WIFEXITED(output.status) && WEXITSTATUS(output.status) == 0) return output.out;
  std::string said = trimmed(output.err.empty() ? output.out : output.err);
  throw SlurmError("'" + command_line(argv) + "' " + describe_exit_status(output.status) +
                   (said.empty() ? "" : ": " + said));
}

const char* kSqueueFormat = "%i|%T|%r|%j|%k";

std::vector<SlurmJob> parse_squeue(const std::string& text) {
  std::vector<SlurmJob> jobs;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (int i = 0; i < 4; ++i) {
      size_t bar = line.find('|', start);
      if (bar == std::string::npos) break;
      fields.push_back(line.substr(start, bar - start));
      start = bar + 1;
    }
    if (fields.size() != 4) continue;
    fields.push_back(trimmed(line.substr(start)));
    jobs.push_back(SlurmJob{fields[0], fields[1], fields[2], fields[3], fields[4], ""});
  }
  return jobs;
}

// The value of `Key=` in scontrol's one-line output ("" when absent); values end at a space.
std::string field(const std::string& line, const std::string& key) {
  std::string needle = key + "=";
  size_t at = line.rfind(needle, 0) == 0 ? 0 : line.find(" " + needle);
  if (at == std::string::npos) return "";
  size_t start = line.find('=', at) + 1;
  size_t end = line.find(' ', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

bool SlurmJob::finished() const {
  static const std::set<std::string> ended = {"COMPLETED", "FAILED",    "CANCELLED", "TIMEOUT",  "OUT_OF_MEMORY",
                                              "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT"};
  return ended.count(state) > 0;
}

bool SlurmJob::unrunnable() const {
  static const std::set<std::string> never = {"PartitionConfig",    "BadConstraints",    "PartitionNodeLimit",
                                              "PartitionTimeLimit", "InvalidAccount",    "InvalidQOS",
                                              "PartitionDown",      "PartitionInactive", "ReqNodeNotAvail"};
  return state == "PENDING" && never.count(reason) > 0;
}

std::string SlurmJob::describe() const {
  std::string because = reason.empty() || reason == "None" ? "" : ", reason " + reason;
  if (state == "PENDING")
    return "cannot run (PENDING, reason " + reason +
           ": no node of its partition can satisfy the request, or the partition refuses it)";
  if (state == "TIMEOUT") return "hit its time limit (TIMEOUT)";
  if (state == "OUT_OF_MEMORY") return "ran out of memory (OUT_OF_MEMORY)";
  if (state == "NODE_FAIL") return "was lost with its node (NODE_FAIL" + because + ")";
  if (state == "CANCELLED") return "was cancelled (CANCELLED" + because + ")";
  if (state == "PREEMPTED") return "was preempted (PREEMPTED)";
  if (state == "BOOT_FAIL") return "could not boot its node (BOOT_FAIL)";
  if (state == "DEADLINE") return "missed its deadline (DEADLINE)";
  if (state == "FAILED" || state == "COMPLETED") {
    size_t colon = exit_code.find(':');
    std::string code = exit_code.substr(0, colon);
    std::string signal = colon == std::string::npos ? "0" : exit_code.substr(colon + 1);
    std::string how = signal != "0" && !signal.empty() ? "was killed by signal " + signal
                      : code.empty()                   ? "ended"
                                                       : "ended with exit code " + code;
    return how + " (" + state + because + ")";
  }
  return "is " + state + because;
}

std::string SlurmClient::submit(const std::vector<std::string>& options, const std::string& script,
                                const std::vector<std::string>& extra_env) const {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), options.begin(), options.end());
  std::string out;
  try {
    out = run_checked(argv, script, extra_env);
  } catch (const SlurmError& e) {
    std::string message = e.what();
    throw SlurmError("Slurm refused the job: " + message);
  }
  std::string id = trimmed(out);
  id = id.substr(0, id.find(';'));  // "ID;cluster" on a federation
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    throw SlurmError("sbatch printed no job id: '" + trimmed(out) + "'");
  }
  return id;
}

std::map<std::string, SlurmJob> SlurmClient::jobs(const std::vector<std::string>& ids) const {
  std::map<std::string, SlurmJob> found;
  if (ids.empty()) return found;
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
  Output output = run({"squeue", "--noheader", "--states=all", "--format", kSqueueFormat, "--jobs", list});
  if (!WIFEXITED(output.status) || WEXITSTATUS(output.status) != 0) {
    // squeue refuses a list naming a job it no longer knows: ask for each job on its own.
    if (ids.size() == 1) {
      std::string said = trimmed(output.err);
      if (said.find("Invalid job id") != std::string::npos) return found;
      throw SlurmError("'squeue --jobs " + list + "' " + describe_exit_status(output.status) + ": " + said);
    }
    for (const auto& id : ids) {
      auto one = jobs({id});
      found.insert(one.begin(), one.end());
    }
    return found;
  }
  for (auto& job : parse_squeue(output.out)) found[job.id] = job;
  return found;
}

std::vector<SlurmJob> SlurmClient::jobs_with_comment(const std::string& comment) const {
  std::vector<SlurmJob> matching;
  for (auto& job : parse_squeue(run_checked({"squeue", "--noheader", "--states=all", "--format", kSqueueFormat}))) {
    if (job.comment == comment) matching.push_back(job);
  }
  return matching;
}

std::optional<SlurmJob> SlurmClient::show(const std::string& id) const {
  Output output = run({"scontrol", "--oneliner", "show", "job", id});
  if (!WIFEXITED(output.status) || WEXITSTATUS(output.status) != 0) {
    if (output.err.find("Invalid job id") != std::string::npos) return std::nullopt;
    throw SlurmError("'scontrol show job " + id + "' " + describe_exit_status(output.status) + ": " +
                     trimmed(output.err));
  }
  std::string line = trimmed(output.out);
  SlurmJob job{id,
               field(line, "JobState"),
               field(line, "Reason"),
               field(line, "JobName"),
               field(line, "Comment"),
               field(line, "ExitCode")};
  return job;
}

void SlurmClient::cancel(const std::string& id, const std::string& signal, SignalTarget target) const {
  std::vector<std::string> argv = {"scancel"};
  if (!signal.empty() && target == SignalTarget::kBatchScript) argv.push_back("--batch");
  if (!signal.empty()) argv.push_back("--signal=" + signal);
  argv.push_back(id);
  run_checked(argv);
}

void SlurmClient::ping() const {
  Output output = run({"scontrol", "ping"});
  std::string said = trimmed(output.out + output.err);
  bool up = WIFEXITED(output.status) && WEXITSTATUS(output.status) == 0 && said.find("is UP") != std::string::npos;
  if (!up)
    throw SlurmError("Slurm is not running: 'scontrol ping' " + describe_exit_status(output.status) + ": " + said);
}

}  // namespace strata
