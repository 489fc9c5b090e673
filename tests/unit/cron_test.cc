// Cron expressions (config/cron_expression.h) and the cron planner (config/cron_schedule.h), on a
// clock the tests pass in.
#include <gtest/gtest.h>

#include <stdexcept>

#include "config/cron_expression.h"
#include "config/cron_schedule.h"

namespace colony {
namespace {

using config::CronExpression;

std::time_t at(int year, int month, int day, int hour, int minute) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  return timegm(&tm);
}

std::time_t next(const char* expression, std::time_t after) {
  auto result = CronExpression::parse(expression).next(after);
  EXPECT_TRUE(result.has_value()) << expression;
  return result.value_or(0);
}

TEST(CronExpression, EveryMinute) {
  EXPECT_EQ(next("* * * * *", at(2026, 1, 1, 0, 0)), at(2026, 1, 1, 0, 1));
  EXPECT_EQ(next("* * * * *", at(2026, 1, 1, 0, 0) + 59), at(2026, 1, 1, 0, 1));
  EXPECT_EQ(next("* * * * *", at(2026, 12, 31, 23, 59)), at(2027, 1, 1, 0, 0));
}

TEST(CronExpression, StepsRangesLists) {
  EXPECT_EQ(next("*/15 * * * *", at(2026, 3, 4, 10, 7)), at(2026, 3, 4, 10, 15));
  EXPECT_EQ(next("*/15 * * * *", at(2026, 3, 4, 10, 45)), at(2026, 3, 4, 11, 0));
  EXPECT_EQ(next("5-10/2 * * * *", at(2026, 3, 4, 10, 7)), at(2026, 3, 4, 10, 9));
  EXPECT_EQ(next("0 9-17 * * *", at(2026, 3, 4, 17, 30)), at(2026, 3, 5, 9, 0));
  EXPECT_EQ(next("0,30 8,20 * * *", at(2026, 3, 4, 8, 30)), at(2026, 3, 4, 20, 0));
  EXPECT_EQ(next("10/20 * * * *", at(2026, 3, 4, 10, 31)), at(2026, 3, 4, 10, 50));
}

TEST(CronExpression, NamesAndWeekdays) {
  // 2026-03-04 is a Wednesday.
  EXPECT_EQ(next("0 3 * * MON", at(2026, 3, 4, 0, 0)), at(2026, 3, 9, 3, 0));
  EXPECT_EQ(next("0 3 * * mon-fri", at(2026, 3, 6, 4, 0)), at(2026, 3, 9, 3, 0));
  EXPECT_EQ(next("0 0 * * 7", at(2026, 3, 4, 0, 0)), at(2026, 3, 8, 0, 0));
  EXPECT_EQ(next("0 0 * * SUN", at(2026, 3, 4, 0, 0)), at(2026, 3, 8, 0, 0));
  EXPECT_EQ(next("0 0 1 JAN,jul *", at(2026, 3, 4, 0, 0)), at(2026, 7, 1, 0, 0));
  EXPECT_EQ(next("@monthly", at(2026, 3, 4, 0, 0)), at(2026, 4, 1, 0, 0));
  EXPECT_EQ(next("@hourly", at(2026, 3, 4, 0, 0)), at(2026, 3, 4, 1, 0));
}

TEST(CronExpression, DayOfMonthOrDayOfWeek) {
  // Both restricted: either matches (the 13th, or a Friday).
  EXPECT_EQ(next("0 0 13 * FRI", at(2026, 3, 4, 0, 0)), at(2026, 3, 6, 0, 0));
  EXPECT_EQ(next("0 0 13 * FRI", at(2026, 3, 6, 0, 0)), at(2026, 3, 13, 0, 0));
  // Only the day of month restricted.
  EXPECT_EQ(next("0 0 31 * *", at(2026, 4, 1, 0, 0)), at(2026, 5, 31, 0, 0));
  EXPECT_EQ(next("0 0 29 2 *", at(2026, 3, 1, 0, 0)), at(2028, 2, 29, 0, 0));
  EXPECT_FALSE(CronExpression::parse("0 0 30 2 *").next(at(2026, 1, 1, 0, 0)).has_value());
}

TEST(CronExpression, Errors) {
  auto message = [](const char* text) {
    try {
      CronExpression::parse(text);
    } catch (std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(parsed)");
  };
  EXPECT_EQ(message("* * * *"),
            "cron expression \"* * * *\" has 4 fields; write five: minute hour day-of-month month "
            "day-of-week");
  EXPECT_EQ(message("60 * * * *"), "cron expression \"60 * * * *\": minute field \"60\" is out of range 0-59");
  EXPECT_EQ(message("* * * FOO *"),
            "cron expression \"* * * FOO *\": month field \"FOO\" is not a number or a name (JAN-DEC)");
  EXPECT_EQ(message("*/0 * * * *"), "cron expression \"*/0 * * * *\": minute field \"*/0\" has a step of 0");
  EXPECT_EQ(message("5-1 * * * *"),
            "cron expression \"5-1 * * * *\": minute field \"5-1\" is a range that ends before it starts");
  EXPECT_EQ(message("1, * * * *").find("has an empty list item") != std::string::npos, true);
  EXPECT_EQ(message("@often").find("unknown macro") != std::string::npos, true);
}

TEST(CronPlanner, FiresEachTickOnce) {
  CronPlanner planner;
  std::vector<CronTrigger> triggers;
  triggers.push_back({"app", CronExpression::parse("*/5 * * * *")});
  std::time_t start = at(2026, 3, 4, 10, 2) + 30;
  planner.setTriggers(triggers, start);
  EXPECT_TRUE(planner.due(start).empty());
  EXPECT_TRUE(planner.due(at(2026, 3, 4, 10, 4) + 59).empty());
  auto due = planner.due(at(2026, 3, 4, 10, 5));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].service, "app");
  EXPECT_EQ(due[0].cron, "*/5 * * * *");
  EXPECT_EQ(due[0].scheduledTime, at(2026, 3, 4, 10, 5));
  EXPECT_EQ(due[0].skipped, 0u);
  // Checked again within the same minute: nothing more.
  EXPECT_TRUE(planner.due(at(2026, 3, 4, 10, 5) + 30).empty());
  // A reload keeps the state of triggers that stay: no second firing of 10:05.
  planner.setTriggers(triggers, at(2026, 3, 4, 10, 5) + 40);
  EXPECT_TRUE(planner.due(at(2026, 3, 4, 10, 5) + 50).empty());
  EXPECT_EQ(planner.due(at(2026, 3, 4, 10, 10)).size(), 1u);
}

TEST(CronPlanner, MissedTicksFireOnce) {
  CronPlanner planner;
  planner.setTriggers({{"app", CronExpression::parse("* * * * *")}}, at(2026, 3, 4, 10, 0));
  auto due = planner.due(at(2026, 3, 4, 10, 5) + 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].scheduledTime, at(2026, 3, 4, 10, 5));
  EXPECT_EQ(due[0].skipped, 4u);
}

TEST(CronPlanner, NewAndRemovedTriggers) {
  CronPlanner planner;
  planner.setTriggers({{"a", CronExpression::parse("* * * * *")}}, at(2026, 3, 4, 10, 0));
  // Added at 10:00:30: its 10:00 tick is before it existed and does not fire.
  planner.setTriggers({{"a", CronExpression::parse("* * * * *")},
                       {"b", CronExpression::parse("* * * * *")}},
                      at(2026, 3, 4, 10, 0) + 30);
  auto due = planner.due(at(2026, 3, 4, 10, 1));
  ASSERT_EQ(due.size(), 2u);
  planner.setTriggers({{"b", CronExpression::parse("* * * * *")}}, at(2026, 3, 4, 10, 1) + 5);
  due = planner.due(at(2026, 3, 4, 10, 2));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].service, "b");
  planner.setTriggers({}, at(2026, 3, 4, 10, 2));
  EXPECT_TRUE(planner.empty());
}

}  // namespace
}  // namespace colony
