// `colony-runtime`: the `colony` command line with the commands that run workers in this process
// (supervisor/cli.h). The supervisor starts its runtime processes through its launcher
// (runtime/launcher.h), and `colony` hands it `serve --single-process`, `test` and `check`.
#include "runtime/launcher.h"
#include "runtime/prebound_libraries.h"
#include "runtime/runtime_main.h"
#include "runtime/runtime_process.h"
#include "supervisor/cli.h"

namespace {

int runCommandLine(int argc, char** argv);

int launch(const colony::LauncherOptions& options, int argc, char** argv) {
  return colony::runLauncher(options, argc, argv, &runCommandLine);
}

// Each command runs with logging set up: the place to say which libraries it runs on.
int runtimeProcess(const colony::RuntimeProcessOptions& options) {
  colony::warnAboutStalePreboundCopies();
  return colony::runRuntimeProcess(options);
}

int serve(colony::config::Config::Reader config, colony::ServerOptions options) {
  colony::warnAboutStalePreboundCopies();
  return colony::serveInProcess(config, std::move(options));
}

int test(colony::config::Config::Reader config, colony::ServerOptions options, const std::string& filter,
         bool predictable) {
  colony::warnAboutStalePreboundCopies();
  return colony::testInProcess(config, std::move(options), filter, predictable);
}

int check(colony::config::Config::Reader config) {
  colony::warnAboutStalePreboundCopies();
  return colony::checkInProcess(config);
}

const colony::InProcessCommands kCommands{&runtimeProcess, &serve, &test, &check, &launch};

int runCommandLine(int argc, char** argv) { return colony::runCli(argc, argv, &kCommands); }

}  // namespace

int main(int argc, char** argv) {
  colony::useCurrentLibraries(argv);
  return runCommandLine(argc, argv);
}
