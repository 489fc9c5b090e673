// Log set-up for every subcommand: spdlog to stderr, each line tagged with the process's role
// (supervisor, runtime#N, or the subcommand), its pid and the config generation it serves, as
// text or as one JSON object per line (--log-format json).
#pragma once

#include "ipc/control_fd.h"

#include <cstdint>
#include <optional>
#include <string>

#include <kj/exception.h>

namespace colony::logging {

enum class Format { kText, kJson };

// "text" or "json"; nullopt for anything else.
std::optional<Format> parseFormat(const std::string& text);

// Installs the default logger. `role` names the process in every line.
void setUp(bool verbose, Format format, const std::string& role);

// The generation shown in every line from now on (0: none yet).
void setGeneration(uint64_t generation);

// While alive, KJ's own log lines (KJ_LOG, warnings from Cap'n Proto) go through spdlog too, so
// that every line has the same tags and format.
class KjLogRedirect final : public kj::ExceptionCallback {
 public:
  void logMessage(kj::LogSeverity severity, const char* file, int line, int contextDepth,
                  kj::String&& text) override;
};

using colony::jsonEscape;

}  // namespace colony::logging
