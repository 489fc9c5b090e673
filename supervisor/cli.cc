#include "supervisor/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "config/config_cache.h"
#include "config/config_loader.h"
#include "supervisor/cpu_count.h"
#include "supervisor/logging.h"
#include "supervisor/runtime_binary.h"
#include "supervisor/supervisor.h"

namespace colony {

namespace {

constexpr const char* kVersion = "colony 0.1.0";

// Options shared by serve, test and check: where the config is and how to read it.
struct ConfigArgs {
  std::string configPath;
  std::string constName;
  bool binary = false;
  std::vector<std::string> importPaths;
  std::vector<std::string> directoryPaths;
  std::vector<std::string> externalAddrs;
  std::vector<std::string> socketAddrs;
  std::vector<std::string> socketFds;
  bool experimental = false;
  bool verbose = false;
};

void addConfigOptions(CLI::App& app, ConfigArgs& args, bool withSockets) {
  app.add_option("-I,--import-path", args.importPaths,
                 "Directory searched for absolute imports in the config (repeatable)")
      ->type_name("DIR");
  app.add_flag("-b,--binary", args.binary,
               "CONFIG is a binary Config message (unpacked, segment-framed); '-' reads stdin");
  app.add_option("-d,--directory-path", args.directoryPaths,
                 "Set the path of a disk service left without one in the config")
      ->type_name("NAME=PATH");
  app.add_option("-e,--external-addr", args.externalAddrs,
                 "Set the address of an external service")
      ->type_name("NAME=ADDR");
  if (withSockets) {
    app.add_option("-s,--socket-addr", args.socketAddrs, "Listen on ADDR for the socket NAME")
        ->type_name("NAME=ADDR");
    app.add_option("-S,--socket-fd", args.socketFds,
                   "Serve the socket NAME on an already-listening file descriptor")
        ->type_name("NAME=FD");
  }
  app.add_flag("--experimental", args.experimental, "Allow experimental compatibility flags");
  app.add_flag("--verbose", args.verbose, "Log more detail (debug level)");
}

config::LoadOptions loadOptions(const ConfigArgs& args, const std::string& compatDateOverride = {}) {
  config::LoadOptions options;
  options.path = args.configPath;
  options.constName = args.constName;
  options.binary = args.binary;
  options.importPaths = args.importPaths;
  options.compiledCacheDirectory = config::configCacheDirectoryFromEnvironment();
  options.socketAddressOverrides = args.socketAddrs;
  options.socketFdOverrides = args.socketFds;
  options.directoryPathOverrides = args.directoryPaths;
  options.externalAddressOverrides = args.externalAddrs;
  options.compatDateOverride = compatDateOverride;
  options.allowExperimental = args.experimental;
  return options;
}

// Loads and validates the config; prints the problems and returns nullopt on failure.
std::optional<config::LoadedConfig> load(const config::LoadOptions& options) {
  try {
    return loadConfigLogged(options);
  } catch (config::ConfigError& e) {
    for (auto& problem : e.problems()) fprintf(stderr, "%s\n", problem.toString().c_str());
    return std::nullopt;
  }
}

}  // namespace

int runCli(int argc, char** argv, const InProcessCommands* inProcess) {
  CLI::App app{"Colony: a multi-process server runtime for Cloudflare Workers applications, "
               "configured with workerd's Cap'n Proto config format.",
               "colony"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);

  ConfigArgs serveArgs;
  std::optional<int> controlFd;
  auto* serve = app.add_subcommand("serve", "Serve the sockets of a config");
  serve->add_option("config", serveArgs.configPath, "Config file (.capnp text, or binary with -b)")
      ->required()
      ->type_name("CONFIG");
  serve->add_option("const", serveArgs.constName,
                    "Name of the Config const to use (default: the only one in the file)")
      ->type_name("CONST");
  addConfigOptions(*serve, serveArgs, true);
  serve->add_option("--control-fd", controlFd,
                    "Write one JSON line per socket to FD once it serves: "
                    "{\"event\":\"listen\",\"socket\":NAME,\"port\":PORT}")
      ->type_name("FD");
  std::optional<unsigned> processes;
  bool singleProcess = false;
  double drainTimeout = 30;
  std::string adminAddr, pidFile, logFormat = "text";
  serve->add_option("--processes", processes,
                    "Runtime processes to run (default: the CPUs this process may use, "
                    "counting affinity and a cgroup CPU quota)")
      ->type_name("N")
      ->check(CLI::Range(1u, 512u));
  serve->add_flag("--single-process", singleProcess,
                  "Serve inside this process: no supervisor, no reload")
      ->excludes("--processes");
  serve->add_option("--drain-timeout", drainTimeout,
                    "On reload and stop, how long requests in flight may take to finish (default 30)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 86400.0));
  serve->add_option("--admin-addr", adminAddr,
                    "Serve GET /healthz, /status (JSON) and /metrics (Prometheus) on ADDR")
      ->type_name("ADDR");
  serve->add_option("--pid-file", pidFile, "Write the supervisor's pid to PATH")->type_name("PATH");
  serve->add_option("--log-format", logFormat, "text (default) or json, one object per line")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json"}));

  // Internal: a runtime process started by the supervisor. Not in --help.
  RuntimeProcessOptions runtimeOptions;
  unsigned runtimeIndex = 0;
  std::string runtimeLogFormat = "text";
  bool runtimeVerbose = false;
  auto* runtimeProcess = app.add_subcommand("runtime-process", "");
  runtimeProcess->group("");
  runtimeProcess->add_option("--control-fd", runtimeOptions.controlFd)->required();
  runtimeProcess->add_option("--supervisor-pid", runtimeOptions.supervisorPid)->required();
  runtimeProcess->add_option("--generation", runtimeOptions.generation)->required();
  runtimeProcess->add_option("--index", runtimeIndex);
  runtimeProcess->add_option("--log-format", runtimeLogFormat);
  runtimeProcess->add_flag("--verbose", runtimeVerbose);

  // Internal: the supervisor's runtime launcher (runtime/launcher.h). Not in --help.
  LauncherOptions launcherOptions;
  auto* launcher = app.add_subcommand("launcher", "");
  launcher->group("");
  launcher->add_option("--control-fd", launcherOptions.channelFd)->required();
  launcher->add_option("--supervisor-pid", launcherOptions.supervisorPid)->required();

  ConfigArgs testArgs;
  std::string filter;
  std::string compatDate;
  bool predictable = false;
  auto* test = app.add_subcommand("test", "Run the test handlers the config's workers export");
  test->add_option("config", testArgs.configPath, "Config file")->required()->type_name("CONFIG");
  test->add_option("filter", filter,
                   "Only tests whose service:name matches this glob (a default export's test is "
                   "named after its service)")
      ->type_name("FILTER");
  addConfigOptions(*test, testArgs, false);
  test->add_option("--compat-date", compatDate, "Use this compatibility date for every worker")
      ->type_name("YYYY-MM-DD");
  test->add_flag("--predictable", predictable, "Make randomness repeatable between runs");

  ConfigArgs checkArgs;
  auto* check = app.add_subcommand(
      "check", "Load the config and start every worker, then exit: 0 if all is well, 1 with the errors");
  check->add_option("config", checkArgs.configPath, "Config file")->required()->type_name("CONFIG");
  check->add_option("const", checkArgs.constName, "Name of the Config const")->type_name("CONST");
  addConfigOptions(*check, checkArgs, true);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fprintf(stderr, "colony: %s\nRun 'colony --help' for usage.\n", e.what());
    return 2;
  }

  bool runsWorkers = runtimeProcess->parsed() || launcher->parsed() || (serve->parsed() && singleProcess) ||
                     test->parsed() || check->parsed();
  if (runsWorkers && inProcess == nullptr) return execRuntimeBinary(argv);

  if (launcher->parsed()) return inProcess->launcher(launcherOptions, argc, argv);
  logging::KjLogRedirect kjLogs;
  if (runtimeProcess->parsed()) {
    logging::setUp(runtimeVerbose, logging::parseFormat(runtimeLogFormat).value_or(logging::Format::kText),
                   "runtime#" + std::to_string(runtimeIndex));
    logging::setGeneration(runtimeOptions.generation);
    return inProcess->runtimeProcess(runtimeOptions);
  }
  if (serve->parsed()) {
    auto format = logging::parseFormat(logFormat).value_or(logging::Format::kText);
    logging::setUp(serveArgs.verbose, format, singleProcess ? "serve" : "supervisor");
    auto options = loadOptions(serveArgs);
    auto config = load(options);
    if (!config) return 1;
    if (singleProcess) {
      ServerOptions serverOptions;
      serverOptions.socketFds = config->socketFds();
      serverOptions.controlFd = controlFd;
      serverOptions.verbose = serveArgs.verbose;
      return inProcess->serve(config->get(), std::move(serverOptions));
    }
    SupervisorOptions supervisorOptions;
    supervisorOptions.load = options;
    supervisorOptions.processes = processes ? *processes : defaultProcessCount();
    supervisorOptions.drainTimeoutMs = static_cast<uint32_t>(drainTimeout * 1000);
    supervisorOptions.controlFd = controlFd;
    supervisorOptions.adminAddress = adminAddr;
    supervisorOptions.pidFile = pidFile;
    supervisorOptions.verbose = serveArgs.verbose;
    supervisorOptions.logFormat = format;
    return runSupervisor(std::move(supervisorOptions), std::move(*config));
  }
  if (test->parsed()) {
    logging::setUp(testArgs.verbose, logging::Format::kText, "test");
    auto config = load(loadOptions(testArgs, compatDate));
    if (!config) return 1;
    ServerOptions options;
    options.compatDateOverride = compatDate;
    return inProcess->test(config->get(), std::move(options), filter, predictable);
  }
  if (check->parsed()) {
    logging::setUp(checkArgs.verbose, logging::Format::kText, "check");
    auto config = load(loadOptions(checkArgs));
    if (!config) return 1;
    int code = inProcess->check(config->get());
    if (code == 0) fprintf(stderr, "%s: OK\n", checkArgs.configPath.c_str());
    return code;
  }
  return 2;
}

}  // namespace colony
