// Compatibility flags: the table of known flags and the resolver that turns a worker's
// compatibilityDate + compatibilityFlags into the set of behaviours it gets.
//
//   std::vector<std::string> errors;
//   CompatFlags flags = resolveCompatFlags("2024-09-23", {"nodejs_compat"}, errors);
//   if (!errors.empty()) { ...report... }
//   if (flags.enabled("nodejs_compat_v2")) { ... }
//
// The names, dates and implications are the published compatibility flags of Cloudflare Workers.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace colony::config {

struct CompatFlagInfo {
  std::string_view field;        // identifier of the behaviour, e.g. "nodeJsCompatV2"
  std::string_view enableFlag;   // flag turning it on ("" if none)
  std::string_view disableFlag;  // flag turning it off ("" if none)
  std::string_view enableDate;   // "YYYY-MM-DD" from which it is on by default ("" if never)
  bool enableAllDates = false;   // on for every date
  bool experimental = false;     // usable only when experimental features are allowed
  // On by default when one of these behaviours (by field) is on and the date is >= impliedDate.
  std::array<std::string_view, 2> impliedBy = {};  // unused slots are ""
  std::string_view impliedDate = "";
};

// Every known flag, in definition order.
std::span<const CompatFlagInfo> allCompatFlags();

// The entry whose enable or disable flag is `flagName`, or nullptr.
const CompatFlagInfo* findCompatFlag(std::string_view flagName);

// True for "YYYY-MM-DD" with month 1-12 and day 1-31 (the rule the published runtime applies).
bool isWellFormedCompatDate(std::string_view date);

// Today's date in UTC as "YYYY-MM-DD".
std::string todayUtc();

class CompatFlags {
 public:
  // `name` is an enable flag name ("nodejs_compat") or a field name ("nodeJsCompat").
  bool enabled(std::string_view name) const;

  // Field names of every enabled behaviour.
  const std::set<std::string, std::less<>>& enabledFields() const { return fields; }

 private:
  std::set<std::string, std::less<>> fields;
  friend CompatFlags resolveCompatFlags(std::string_view, std::span<const std::string>,
                                        std::vector<std::string>&, bool);
};

// Resolves a worker's flags. `date` must be well formed (the caller reports a bad date).
// Problems (unknown, repeated, contradictory, experimental or redundant flags) are appended to
// `errors`, one message each, naming the flag; the result then covers the valid flags only.
CompatFlags resolveCompatFlags(std::string_view date, std::span<const std::string> flags,
                               std::vector<std::string>& errors, bool allowExperimental = false);

}  // namespace colony::config
