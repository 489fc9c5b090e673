// The one exception type of config loading: every problem found, each with its source location.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace colony::config {

struct ConfigProblem {
  std::string file;      // file the problem is in; empty when no file is involved
  uint32_t line = 0;     // 1-based; 0 when the position is not known
  uint32_t column = 0;   // 1-based; 0 when not known
  std::string message;   // what is wrong, in config terms

  // "file:line:col: message", leaving out the parts that are unknown.
  std::string toString() const {
    std::string out;
    if (!file.empty()) {
      out += file;
      if (line != 0) {
        out += ":" + std::to_string(line);
        if (column != 0) out += ":" + std::to_string(column);
      }
      out += ": ";
    }
    return out + message;
  }
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigProblem> problems)
      : std::runtime_error(join(problems)), list(std::move(problems)) {}

  const std::vector<ConfigProblem>& problems() const { return list; }

 private:
  static std::string join(const std::vector<ConfigProblem>& problems) {
    std::string out;
    for (const auto& problem : problems) {
      if (!out.empty()) out += "\n";
      out += problem.toString();
    }
    return out;
  }

  std::vector<ConfigProblem> list;
};

}  // namespace colony::config
