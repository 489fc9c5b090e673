// `colony-runtime`: the `colony` command line with the commands that run workers in this process
// (supervisor/cli.h). The supervisor starts its runtime processes through its launcher
// (runtime/launcher.h), and `colony` hands it `serve --single-process`, `test` and `check`.
#include "runtime/launcher.h"
#include "runtime/runtime_main.h"
#include "runtime/runtime_process.h"
#include "supervisor/cli.h"

namespace {

int runCommandLine(int argc, char** argv);

int launch(const colony::LauncherOptions& options, int argc, char** argv) {
  return colony::runLauncher(options, argc, argv, &runCommandLine);
}

const colony::InProcessCommands kCommands{&colony::runRuntimeProcess, &colony::serveInProcess,
                                          &colony::testInProcess, &colony::checkInProcess,
                                          &launch};

int runCommandLine(int argc, char** argv) { return colony::runCli(argc, argv, &kCommands); }

}  // namespace

int main(int argc, char** argv) { return runCommandLine(argc, argv); }
