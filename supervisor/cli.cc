#include "supervisor/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "runtime/runtime_main.h"

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

void setUpLogging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("colony");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%P] %v", spdlog::pattern_time_type::utc);
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// Loads and validates the config; prints the problems and returns nullopt on failure.
std::optional<config::LoadedConfig> load(const ConfigArgs& args,
                                         const std::string& compatDateOverride = {}) {
  config::LoadOptions options;
  options.path = args.configPath;
  options.constName = args.constName;
  options.binary = args.binary;
  options.importPaths = args.importPaths;
  options.socketAddressOverrides = args.socketAddrs;
  options.socketFdOverrides = args.socketFds;
  options.directoryPathOverrides = args.directoryPaths;
  options.externalAddressOverrides = args.externalAddrs;
  options.compatDateOverride = compatDateOverride;
  options.allowExperimental = args.experimental;
  try {
    return config::loadConfig(options);
  } catch (config::ConfigError& e) {
    for (auto& problem : e.problems()) fprintf(stderr, "%s\n", problem.toString().c_str());
    return std::nullopt;
  }
}

}  // namespace

int runCli(int argc, char** argv) {
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
                    "Write one JSON line per socket to FD once it listens: "
                    "{\"event\":\"listen\",\"socket\":NAME,\"port\":PORT}")
      ->type_name("FD");

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

  if (serve->parsed()) {
    setUpLogging(serveArgs.verbose);
    auto config = load(serveArgs);
    if (!config) return 1;
    ServerOptions options;
    options.socketFds = config->socketFds();
    options.controlFd = controlFd;
    options.verbose = serveArgs.verbose;
    return serveInProcess(config->get(), std::move(options));
  }
  if (test->parsed()) {
    setUpLogging(testArgs.verbose);
    auto config = load(testArgs, compatDate);
    if (!config) return 1;
    ServerOptions options;
    options.compatDateOverride = compatDate;
    return testInProcess(config->get(), std::move(options), filter, predictable);
  }
  if (check->parsed()) {
    setUpLogging(checkArgs.verbose);
    auto config = load(checkArgs);
    if (!config) return 1;
    int code = checkInProcess(config->get());
    if (code == 0) fprintf(stderr, "%s: OK\n", checkArgs.configPath.c_str());
    return code;
  }
  return 2;
}

}  // namespace colony
