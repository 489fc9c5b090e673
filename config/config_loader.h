// Loading a Colony / workerd config: text or binary, command-line overrides, validation, and the
// canonical binary message handed to runtime processes. No V8 here.
//
// How to use:
//
//   colony::config::LoadOptions options;
//   options.path = "config.capnp";            // text config (or a binary one with binary = true;
//   options.constName = "";                   //   "-" reads it from stdin); "" picks the only
//                                             //   const of type Config
//   options.importPaths = {"/usr/share/x"};   // -I: searched for imports starting with '/'
//   options.compiledCacheDirectory = configCacheDirectoryFromEnvironment();  // config_cache.h
//   options.socketAddressOverrides = {"http=*:9000"};   // -s NAME=ADDRESS
//   options.socketFdOverrides = {"http=3"};             // -S NAME=FD
//   options.directoryPathOverrides = {"files=/srv"};    // -d NAME=PATH
//   options.externalAddressOverrides = {"api=10.0.0.2:80"};  // -e NAME=ADDRESS
//   try {
//     LoadedConfig loaded = loadConfig(options);
//     Config::Reader config = loaded.get();   // colony::config::Config, see config/workerd.capnp
//     auto bytes = loaded.canonicalBytes();   // ship to a runtime process...
//     LoadedConfig again(bytes, loaded.socketFds());   // ...which rebuilds it from the bytes
//   } catch (const colony::config::ConfigError& e) {
//     // e.what(): every problem, one per line, "file:line:col: message"; e.problems() for each.
//   }
//
// Text configs are parsed with the file's directory as base for relative imports and `embed`;
// "/workerd/workerd.capnp" (and "/capnp/c++.capnp") come from copies compiled into the binary.
// Embedded files end up inside the message, so runtimes never read the config's files.
// Overrides are applied to the message (addresses, paths), except socket FDs which stay in
// LoadedConfig::socketFds(). Everything Colony does not implement yet is refused (see
// config_validator.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <capnp/message.h>
#include <kj/array.h>

#include "config/config_error.h"
#include "config/workerd.capnp.h"

namespace colony::config {

struct LoadOptions {
  std::string path;       // text config file; with `binary`, a binary message file or "-" (stdin)
  std::string constName;  // const to use; empty: the only const of type Config in the file
  bool binary = false;    // `path` holds a binary (unpacked, segment-framed) Config message
  std::vector<std::string> importPaths;
  // Where compiled text configs are kept for reuse (config/config_cache.h); empty: nowhere.
  std::string compiledCacheDirectory;

  std::vector<std::string> socketAddressOverrides;    // "NAME=ADDRESS"
  std::vector<std::string> socketFdOverrides;         // "NAME=FD"
  std::vector<std::string> directoryPathOverrides;    // "NAME=PATH"
  std::vector<std::string> externalAddressOverrides;  // "NAME=ADDRESS"

  // Compatibility date for every worker (workers must then not set their own), as given to
  // `colony test --compat-date`. "0000-00-00" / "9999-12-31" mean oldest / newest behaviour.
  std::string compatDateOverride;
  bool allowExperimental = false;  // accept experimental compatibility flags
  std::string today;               // "YYYY-MM-DD" to compare dates against; empty: today (UTC)
};

class LoadedConfig {
 public:
  // Rebuilds a config from canonicalBytes() of another LoadedConfig (e.g. received over IPC).
  // Throws ConfigError if the bytes are not a canonical Config message.
  explicit LoadedConfig(kj::ArrayPtr<const kj::byte> canonicalBytes,
                        std::map<std::string, int> socketFds = {});

  LoadedConfig(LoadedConfig&&) = default;
  LoadedConfig& operator=(LoadedConfig&&) = default;

  Config::Reader get() const { return message->root; }

  // The config as one canonical segment (root pointer first); a multiple of 8 bytes.
  kj::ArrayPtr<const kj::byte> canonicalBytes() const { return message->words.asBytes(); }

  // Sockets to take from inherited descriptors instead of binding their address (`-S`).
  const std::map<std::string, int>& socketFds() const { return fds; }

  // The compiled-config cache entry the text config was taken from instead of compiling it;
  // empty if it was compiled (or was binary).
  const std::string& reusedCompiledEntry() const { return reusedEntry; }

 private:
  LoadedConfig(kj::Array<capnp::word> canonicalWords, std::map<std::string, int> socketFds);
  friend LoadedConfig loadConfig(const LoadOptions& options);

  // Kept on the heap so the reader's segment table stays put when a LoadedConfig moves.
  struct Message {
    kj::Array<capnp::word> words;
    kj::ArrayPtr<const capnp::word> segments[1];
    kj::Own<capnp::SegmentArrayMessageReader> reader;
    Config::Reader root;
  };
  std::unique_ptr<Message> message;
  std::map<std::string, int> fds;
  std::string reusedEntry;
};

// Loads, overrides and validates. Throws ConfigError with every problem found.
LoadedConfig loadConfig(const LoadOptions& options);

}  // namespace colony::config
