// Cron expressions for Worker.cronTriggers (a Colony extension of the config): the standard five
// fields `minute hour day-of-month month day-of-week`, each `*`, a number, a range `a-b`, a list
// `a,b-c`, any of them with a step `/n`; months JAN–DEC and weekdays SUN–SAT by name (any case),
// weekday 7 is Sunday too; @yearly @annually @monthly @weekly @daily @midnight @hourly. When both
// day fields are restricted a day matching either one matches (as in Vixie cron and Cloudflare).
// Times are UTC.
#pragma once

#include <bitset>
#include <ctime>
#include <optional>
#include <string>

namespace colony::config {

class CronExpression {
 public:
  // Throws std::invalid_argument with a message naming the field and what is wrong.
  static CronExpression parse(const std::string& text);

  // The first matching minute strictly after `after` (seconds since the epoch), or nullopt when
  // none comes within five years (e.g. "0 0 30 2 *").
  std::optional<std::time_t> next(std::time_t after) const;
  bool matches(std::time_t time) const;

  const std::string& text() const { return text_; }

 private:
  bool dayMatches(const std::tm& tm) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool daysRestricted_ = false;
  bool weekdaysRestricted_ = false;
};

}  // namespace colony::config
