#include "error_report.hpp"

#include "cli_session.hpp"
#include "strata/core/util/error.hpp"
#include "terminal_text.hpp"

namespace strata::cli {

std::string error_code_of(const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return error->code();
  return "internal";
}

int exit_code_for(std::string_view code) {
  if (code == "usage_error" || code == "definition_error" || code == "config_error" || code == "partition_error") {
    return kExitUsage;
  }
  if (code == "storage_error" || code == "missing_data" || code == "type_mismatch") return kExitStorage;
  if (code == "internal") return kExitInternal;
  return kExitFailure;
}

void print_error(std::ostream& err, std::string_view code, const std::string& message) {
  err << "error[" << code << "]: " << terminal_line(message) << "\n";
}

int report_error(std::ostream& err, const std::exception& e) {
  std::string code = error_code_of(e);
  print_error(err, code, e.what());
  return exit_code_for(code);
}

int report_unknown_exception(std::ostream& err) {
  print_error(err, "internal", "a value that is not a std::exception was thrown");
  return kExitInternal;
}

}  // namespace strata::cli
