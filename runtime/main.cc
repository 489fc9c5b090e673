// `colony-runtime`: the `colony` command line with the commands that run workers in this process
// (supervisor/cli.h). The supervisor starts its runtime processes from it, and `colony` hands it
// `serve --single-process`, `test` and `check`.
#include "runtime/runtime_main.h"
#include "runtime/runtime_process.h"
#include "supervisor/cli.h"

int main(int argc, char** argv) {
  static const colony::InProcessCommands commands{&colony::runRuntimeProcess, &colony::serveInProcess,
                                                  &colony::testInProcess, &colony::checkInProcess};
  return colony::runCli(argc, argv, &commands);
}
