// Validation of a Config: references, names, addresses, compatibility dates and flags, and
// refusal of everything Colony does not implement yet (the feature table in
// config_validator.cc is the one place that says what is implemented).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "config/text_config_parser.h"
#include "config/workerd.capnp.h"

namespace colony::config {

struct ValidationOptions {
  // When set, the date every worker gets (`colony test --compat-date`); workers must then not set
  // compatibilityDate themselves. "0000-00-00" and "9999-12-31" mean oldest and newest.
  std::string compatDateOverride;
  std::string today;                       // "YYYY-MM-DD"; empty means the current UTC date
  std::set<std::string> socketsGivenByFd;  // sockets whose address comes from `-S NAME=FD`
  bool allowExperimental = false;          // accept experimental compatibility flags
};

// Every problem of `config`. `sources` (may be empty, e.g. for binary configs) are used to find
// the line and column of each problem; `fallbackFile` names the config when they give none.
std::vector<ConfigProblem> validateConfig(Config::Reader config, const ValidationOptions& options,
                                          const std::vector<ConfigSourceFile>& sources,
                                          const std::string& fallbackFile);

// Syntax check of a socket address; returns an explanation when it is not valid, else "".
std::string checkSocketAddress(std::string_view address);

}  // namespace colony::config
