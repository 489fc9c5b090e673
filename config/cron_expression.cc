#include "config/cron_expression.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace colony::config {

namespace {

struct Field {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] stands for min + i (or nullptr)
};

const char* const kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", nullptr};
const char* const kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr};

const Field kFields[] = {
    {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},
    {"day-of-month", 1, 31, nullptr},
    {"month", 1, 12, kMonthNames},
    {"day-of-week", 0, 7, kDayNames},
};

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

[[noreturn]] void fail(const std::string& expression, const Field& field, const std::string& item,
                       const std::string& why) {
  throw std::invalid_argument("cron expression \"" + expression + "\": " + field.name +
                              " field \"" + item + "\" " + why);
}

int parseValue(const std::string& expression, const Field& field, const std::string& item,
               const std::string& text) {
  if (text.empty()) fail(expression, field, item, "is missing a number");
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 3) fail(expression, field, item, "is out of range");
    int value = std::stoi(text);
    if (value < field.min || value > field.max) {
      fail(expression, field, item,
           "is out of range " + std::to_string(field.min) + "-" + std::to_string(field.max));
    }
    return value;
  }
  if (field.names != nullptr) {
    auto name = upper(text);
    for (int i = 0; field.names[i] != nullptr; ++i) {
      if (name == field.names[i]) return field.min + i;
    }
  }
  fail(expression, field, item,
       field.names != nullptr
           ? "is not a number or a name (" + std::string(field.names == kMonthNames ? "JAN-DEC" : "SUN-SAT") + ")"
           : "is not a number");
}

// Sets the bits of one field; returns whether the field is restricted (not "*").
bool parseField(const std::string& expression, const Field& field, const std::string& text,
                std::vector<bool>& bits) {
  bits.assign(field.max + 1, false);
  bool restricted = true;
  std::stringstream items(text);
  std::string item;
  bool any = false;
  while (std::getline(items, item, ',')) {
    any = true;
    std::string range = item;
    int step = 1;
    auto slash = item.find('/');
    if (slash != std::string::npos) {
      range = item.substr(0, slash);
      auto stepText = item.substr(slash + 1);
      if (stepText.empty() || stepText.size() > 3 ||
          !std::all_of(stepText.begin(), stepText.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        fail(expression, field, item, "has a step that is not a number");
      }
      step = std::stoi(stepText);
      if (step == 0) fail(expression, field, item, "has a step of 0");
    }
    int low, high;
    if (range == "*") {
      low = field.min;
      high = field.max == 7 ? 6 : field.max;
      if (slash == std::string::npos && text == "*") restricted = false;
    } else {
      auto dash = range.find('-');
      if (dash != std::string::npos) {
        low = parseValue(expression, field, item, range.substr(0, dash));
        high = parseValue(expression, field, item, range.substr(dash + 1));
        if (high < low) fail(expression, field, item, "is a range that ends before it starts");
      } else {
        low = parseValue(expression, field, item, range);
        high = slash == std::string::npos ? low : (field.max == 7 ? 6 : field.max);
      }
    }
    for (int v = low; v <= high; v += step) bits[v] = true;
  }
  if (!any || text.back() == ',') fail(expression, field, text, "has an empty list item");
  return restricted;
}

std::string expandMacro(const std::string& text) {
  static const std::pair<const char*, const char*> kMacros[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"},
  };
  for (auto& [name, expansion] : kMacros) {
    if (text == name) return expansion;
  }
  return text;
}

}  // namespace

CronExpression CronExpression::parse(const std::string& text) {
  CronExpression out;
  out.text_ = text;
  std::string expanded = expandMacro(text);
  if (!expanded.empty() && expanded[0] == '@') {
    throw std::invalid_argument("cron expression \"" + text +
                                "\": unknown macro; use @yearly, @monthly, @weekly, @daily or "
                                "@hourly, or five fields");
  }
  std::stringstream in(expanded);
  std::vector<std::string> fields;
  std::string field;
  while (in >> field) fields.push_back(field);
  if (fields.size() != 5) {
    throw std::invalid_argument("cron expression \"" + text + "\" has " +
                                std::to_string(fields.size()) +
                                " fields; write five: minute hour day-of-month month day-of-week");
  }
  std::vector<bool> bits;
  parseField(text, kFields[0], fields[0], bits);
  for (int i = 0; i < 60; ++i) out.minutes_[i] = bits[i];
  parseField(text, kFields[1], fields[1], bits);
  for (int i = 0; i < 24; ++i) out.hours_[i] = bits[i];
  out.daysRestricted_ = parseField(text, kFields[2], fields[2], bits);
  for (int i = 1; i <= 31; ++i) out.days_[i] = bits[i];
  parseField(text, kFields[3], fields[3], bits);
  for (int i = 1; i <= 12; ++i) out.months_[i] = bits[i];
  out.weekdaysRestricted_ = parseField(text, kFields[4], fields[4], bits);
  for (int i = 0; i < 7; ++i) out.weekdays_[i] = bits[i];
  if (bits[7]) out.weekdays_[0] = true;
  return out;
}

bool CronExpression::dayMatches(const std::tm& tm) const {
  bool day = days_[tm.tm_mday];
  bool weekday = weekdays_[tm.tm_wday];
  if (daysRestricted_ && weekdaysRestricted_) return day || weekday;
  return day && weekday;
}

bool CronExpression::matches(std::time_t time) const {
  std::tm tm;
  gmtime_r(&time, &tm);
  return minutes_[tm.tm_min] && hours_[tm.tm_hour] && months_[tm.tm_mon + 1] && dayMatches(tm);
}

std::optional<std::time_t> CronExpression::next(std::time_t after) const {
  std::time_t t = (after / 60) * 60 + 60;  // the next whole minute
  std::time_t limit = after + std::time_t(5) * 366 * 24 * 3600;
  while (t <= limit) {
    std::tm tm;
    gmtime_r(&t, &tm);
    if (!months_[tm.tm_mon + 1]) {  // first minute of the next month
      tm.tm_mon += 1;
      tm.tm_mday = 1;
      tm.tm_hour = 0;
      tm.tm_min = 0;
      tm.tm_sec = 0;
      t = timegm(&tm);
      continue;
    }
    if (!dayMatches(tm)) {  // first minute of the next day
      tm.tm_mday += 1;
      tm.tm_hour = 0;
      tm.tm_min = 0;
      tm.tm_sec = 0;
      t = timegm(&tm);
      continue;
    }
    if (!hours_[tm.tm_hour]) {  // first minute of the next hour
      t = (t / 3600) * 3600 + 3600;
      continue;
    }
    for (int m = tm.tm_min; m < 60; ++m) {
      if (minutes_[m]) return t + (m - tm.tm_min) * 60;
    }
    t = (t / 3600) * 3600 + 3600;
  }
  return std::nullopt;
}

}  // namespace colony::config
