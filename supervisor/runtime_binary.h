// Where the runtime binary is. `colony`, the command users run, holds the command line and the
// supervisor and never loads V8; the commands that run workers (the supervisor's runtime processes,
// `serve --single-process`, `test`, `check`) run in `colony-runtime`, installed next to it.
#pragma once

#include <string>

namespace colony {

// `colony-runtime` in the directory of the running executable (symbolic links resolved).
std::string runtimeBinaryPath();

// Replaces this process with the runtime binary, passing `argv` on unchanged. Returns only on
// failure, with the error printed: exit code 1.
int execRuntimeBinary(char** argv);

}  // namespace colony
