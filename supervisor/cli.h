// The `colony` command line: parses it and runs the chosen subcommand.
#pragma once

namespace colony {

// Returns the process exit code: 0 success, 1 a failure the command reports (bad config, a worker
// that fails to start, failed tests), 2 a usage error.
int runCli(int argc, char** argv);

}  // namespace colony
