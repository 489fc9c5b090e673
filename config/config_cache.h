// The compiled-config cache: compiling a text config means compiling workerd's schema with it,
// several milliseconds of every start and every reload. The compiled form is kept in a cache
// directory together with every file lookup the compilation made (the config, what it imports
// and embeds, and the import paths it searched in vain), and reused while all of them give the
// same answer: the same files with byte-for-byte the same content, and still no file where there
// was none. Any difference, a different Colony build, or an entry that cannot be read means
// compiling again (and replacing the entry). Errors are never cached: a config that does not
// compile is compiled, and reported, every time.
//
// Entries are owned by the user, mode 0600, in a directory made with mode 0700; an entry owned by
// another user or writable by others is ignored. At most kMaxEntries are kept (the oldest go).
#pragma once

#include <string>
#include <vector>

#include "config/text_config_parser.h"

namespace colony::config {

constexpr size_t kMaxConfigCacheEntries = 64;

// Where the cache is, from the environment: COLONY_CONFIG_CACHE (a directory, or "off" for none),
// else $CACHE_DIRECTORY/configs (systemd's CacheDirectory=), else $XDG_CACHE_HOME/colony/configs,
// else $HOME/.cache/colony/configs. Empty: no cache.
std::string configCacheDirectoryFromEnvironment();

// parseTextConfig(), through the cache in `cacheDir` (no cache when empty). When the result comes
// from the cache, `reusedEntry` (if given) is set to the entry's path, else cleared. Problems with
// the cache itself (a directory that cannot be made, a full disk) only mean no cache.
ParsedTextConfig parseTextConfigCached(const std::string& cacheDir, const std::string& path,
                                       const std::string& constName,
                                       const std::vector<std::string>& importPaths,
                                       std::string* reusedEntry = nullptr);

}  // namespace colony::config
