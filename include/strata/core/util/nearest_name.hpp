// "Did you mean ...?" suggestions: the candidate closest to a mistyped name by edit distance, when
// it is close enough to be a plausible typo (at most a third of the name's length, and at least 2).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace strata {

// Levenshtein distance between two byte strings.
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `wanted`, or nothing when none is close.
std::optional<std::string> nearest_name(const std::string& wanted, const std::vector<std::string>& candidates);

// "; did you mean 'x'?" for the nearest candidate, or "" when none is close.
std::string did_you_mean(const std::string& wanted, const std::vector<std::string>& candidates);

}  // namespace strata
