// Config loading: read (text or binary), apply command-line overrides, validate, canonicalize.
#include "config/config_loader.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include <capnp/serialize.h>
#include <kj/filesystem.h>
#include <kj/io.h>

#include "config/config_cache.h"
#include "config/config_validator.h"
#include "config/text_config_parser.h"

namespace colony::config {

namespace {

constexpr uint64_t kMinTraversalLimitWords = 8 * 1024 * 1024;

capnp::ReaderOptions readerOptionsFor(size_t words) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = std::max<uint64_t>(kMinTraversalLimitWords, uint64_t(words) * 4);
  return options;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

kj::Array<capnp::word> copyToWords(kj::ArrayPtr<const kj::byte> bytes) {
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.begin(), words.size() * sizeof(capnp::word));
  return words;
}

// Reads a binary Config message (segment table + segments, unpacked) and canonicalizes it.
kj::Array<capnp::word> readBinaryConfig(const std::string& path, const std::string& display) {
  kj::Array<kj::byte> bytes;
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&] {
    if (path == "-") {
      kj::FdInputStream input(STDIN_FILENO);
      bytes = input.readAllBytes();
    } else {
      auto fs = kj::newDiskFilesystem();
      bytes = fs->getRoot().openFile(fs->getCurrentPath().eval(path.c_str()))->readAllBytes();
    }
  })) {
    throw ConfigError({{display, 0, 0, std::string("cannot read the binary config: ") +
                                           exception->getDescription().cStr()}});
  }
  if (bytes.size() == 0 || bytes.size() % sizeof(capnp::word) != 0) {
    throw ConfigError({{display, 0, 0,
                        "not a binary Cap'n Proto message (its size, " +
                            std::to_string(bytes.size()) +
                            " bytes, is not a positive multiple of 8); for a text config leave "
                            "out -b/--binary"}});
  }
  auto words = copyToWords(bytes);
  kj::Array<capnp::word> canonical;
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&] {
    capnp::FlatArrayMessageReader reader(words, readerOptionsFor(words.size()));
    canonical = capnp::canonicalize(reader.getRoot<Config>());
  })) {
    throw ConfigError({{display, 0, 0, std::string("not a valid binary Config message: ") +
                                           exception->getDescription().cStr()}});
  }
  return canonical;
}

struct Override {
  std::string flag;  // "-s" ...
  std::string text;  // as given
  std::string name;
  std::string value;
};

std::optional<Override> splitOverride(const std::string& flag, const std::string& text,
                                      const std::string& valueWord,
                                      std::vector<ConfigProblem>& problems) {
  auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    problems.push_back({"", 0, 0, flag + " " + quoted(text) + ": expected NAME=" + valueWord});
    return std::nullopt;
  }
  return Override{flag, text, text.substr(0, equals), text.substr(equals + 1)};
}

std::string joinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Applies -s/-d/-e to the message and gathers -S; problems for anything that names nothing.
std::map<std::string, int> applyOverrides(const LoadOptions& options, Config::Builder config,
                                          std::vector<ConfigProblem>& problems) {
  std::vector<std::string> socketNames;
  for (auto socket : config.getSockets()) socketNames.emplace_back(socket.getName().cStr());
  auto findSocket = [&](const Override& o) -> std::optional<Socket::Builder> {
    for (auto socket : config.getSockets()) {
      if (socket.getName() == o.name.c_str()) return socket;
    }
    problems.push_back({"", 0, 0, o.flag + " " + quoted(o.text) + ": the config has no socket " +
                                      quoted(o.name) + " (sockets: " + joinNames(socketNames) +
                                      ")"});
    return std::nullopt;
  };
  auto findService = [&](const Override& o, Service::Which kind,
                         const std::string& kindName) -> std::optional<Service::Builder> {
    std::string withArticle = (kindName[0] == 'e' ? "an " : "a ") + kindName;
    std::vector<std::string> candidates;
    for (auto service : config.getServices()) {
      if (service.which() == kind) candidates.emplace_back(service.getName().cStr());
      if (service.getName() != o.name.c_str()) continue;
      if (service.which() == kind) return service;
      problems.push_back({"", 0, 0, o.flag + " " + quoted(o.text) + ": service " +
                                        quoted(o.name) + " is not " + withArticle + " service"});
      return std::nullopt;
    }
    problems.push_back({"", 0, 0, o.flag + " " + quoted(o.text) + ": the config has no " +
                                      kindName + " service " + quoted(o.name) + " (" + kindName +
                                      " services: " + joinNames(candidates) + ")"});
    return std::nullopt;
  };

  for (const auto& text : options.socketAddressOverrides) {
    if (auto o = splitOverride("-s", text, "ADDRESS", problems)) {
      if (auto socket = findSocket(*o)) socket->setAddress(o->value);
    }
  }
  std::map<std::string, int> fds;
  for (const auto& text : options.socketFdOverrides) {
    auto o = splitOverride("-S", text, "FD", problems);
    if (!o) continue;
    bool numeric = o->value.size() <= 9 &&
                   std::all_of(o->value.begin(), o->value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric) {
      problems.push_back({"", 0, 0, "-S " + quoted(text) + ": " + quoted(o->value) +
                                        " is not a file descriptor number"});
      continue;
    }
    if (findSocket(*o)) fds[o->name] = std::stoi(o->value);
  }
  for (const auto& text : options.directoryPathOverrides) {
    if (auto o = splitOverride("-d", text, "PATH", problems)) {
      if (auto service = findService(*o, Service::DISK, "disk")) {
        service->getDisk().setPath(o->value);
      }
    }
  }
  for (const auto& text : options.externalAddressOverrides) {
    if (auto o = splitOverride("-e", text, "ADDRESS", problems)) {
      if (auto service = findService(*o, Service::EXTERNAL, "external")) {
        service->getExternal().setAddress(o->value);
      }
    }
  }
  return fds;
}

}  // namespace

LoadedConfig::LoadedConfig(kj::ArrayPtr<const kj::byte> canonicalBytes,
                           std::map<std::string, int> socketFds)
    : LoadedConfig(canonicalBytes.size() % sizeof(capnp::word) == 0
                       ? copyToWords(canonicalBytes)
                       : kj::Array<capnp::word>(),
                   kj::mv(socketFds)) {}

LoadedConfig::LoadedConfig(kj::Array<capnp::word> canonicalWords,
                           std::map<std::string, int> socketFds)
    : message(std::make_unique<Message>()), fds(kj::mv(socketFds)) {
  if (canonicalWords.size() == 0) {
    throw ConfigError({{"", 0, 0, "config message is empty or not a whole number of words"}});
  }
  message->words = kj::mv(canonicalWords);
  message->segments[0] = message->words;
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&] {
    message->reader = kj::heap<capnp::SegmentArrayMessageReader>(
        kj::arrayPtr(message->segments, 1), readerOptionsFor(message->words.size()));
    if (!message->reader->isCanonical()) {
      throw ConfigError({{"", 0, 0, "config message is not in canonical form"}});
    }
    message->root = message->reader->getRoot<Config>();
  })) {
    throw ConfigError({{"", 0, 0, std::string("config message is not readable: ") +
                                      exception->getDescription().cStr()}});
  }
}

LoadedConfig loadConfig(const LoadOptions& options) {
  if (options.path.empty()) throw ConfigError({{"", 0, 0, "no config file given"}});

  kj::Array<capnp::word> canonical;
  std::vector<ConfigSourceFile> sources;
  std::string reusedEntry;
  std::string display = options.path == "-" ? "<stdin>" : options.path;
  if (options.binary) {
    if (!options.constName.empty()) {
      throw ConfigError({{display, 0, 0, "a binary config holds one Config; a const name (\"" +
                                             options.constName + "\") does not apply"}});
    }
    canonical = readBinaryConfig(options.path, display);
  } else {
    ParsedTextConfig parsed = parseTextConfigCached(options.compiledCacheDirectory, options.path,
                                                    options.constName, options.importPaths,
                                                    &reusedEntry);
    canonical = kj::mv(parsed.canonicalConfig);
    sources = kj::mv(parsed.sources);
  }

  kj::ArrayPtr<const capnp::word> segment = canonical;
  capnp::SegmentArrayMessageReader source(kj::arrayPtr(&segment, 1),
                                          readerOptionsFor(canonical.size()));
  capnp::MallocMessageBuilder builder;
  builder.setRoot(source.getRoot<Config>());
  Config::Builder config = builder.getRoot<Config>();

  std::vector<ConfigProblem> problems;
  std::map<std::string, int> fds = applyOverrides(options, config, problems);
  if (!problems.empty()) throw ConfigError(kj::mv(problems));

  ValidationOptions validation;
  validation.compatDateOverride = options.compatDateOverride;
  validation.today = options.today;
  validation.allowExperimental = options.allowExperimental;
  for (auto& [name, fd] : fds) validation.socketsGivenByFd.insert(name);
  problems = validateConfig(config.asReader(), validation, sources, display);
  if (!problems.empty()) throw ConfigError(kj::mv(problems));

  if (!options.compatDateOverride.empty()) {
    for (auto service : config.getServices()) {
      if (service.isWorker()) service.getWorker().setCompatibilityDate(options.compatDateOverride);
    }
  }
  LoadedConfig loaded(capnp::canonicalize(config.asReader()), kj::mv(fds));
  loaded.reusedEntry = kj::mv(reusedEntry);
  return loaded;
}

}  // namespace colony::config
