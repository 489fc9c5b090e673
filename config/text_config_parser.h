// Parsing of text (.capnp) configs into a canonical binary Config message.
//
// Beyond what capnp::SchemaParser does on its own, this accepts every config the published
// workerd format accepts:
//  - files without a file ID (`@0x...;`) get one derived from their path;
//  - a plain string where a struct is expected (`service = "main"`) means the struct with only
//    its first field set (`service = (name = "main")`).
// "/workerd/workerd.capnp" and "/capnp/c++.capnp" resolve to copies compiled into the binary.
#pragma once

#include <string>
#include <vector>

#include <capnp/common.h>
#include <kj/array.h>

#include "config/config_error.h"

namespace colony::config {

// A .capnp file read while parsing, kept so later errors can be given a line and column.
struct ConfigSourceFile {
  std::string displayName;
  std::string text;
};

// A path the parse looked for or read, outside the schemas compiled into Colony: what must be
// found unchanged for the result to hold (config/config_cache.h).
struct ConfigFileLookup {
  std::string path;  // absolute
  bool exists = false;
  bool read = false;
  std::string content;  // the whole file, when `read`
};

struct ParsedTextConfig {
  kj::Array<capnp::word> canonicalConfig;  // one segment, canonical form
  std::string constName;                   // the const that was chosen
  std::vector<ConfigSourceFile> sources;   // the config's own .capnp files, the main one first
  std::vector<ConfigFileLookup> lookups;   // in the order the last pass made them
};

// Parses `path` (relative to the current directory or absolute) and evaluates the Config const
// named `constName`, or the only Config const when `constName` is empty. `importPaths` are
// searched for imports starting with '/', after the built-in schemas.
// Throws ConfigError listing every problem found.
ParsedTextConfig parseTextConfig(const std::string& path, const std::string& constName,
                                 const std::vector<std::string>& importPaths);

}  // namespace colony::config
