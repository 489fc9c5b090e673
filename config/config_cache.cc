// The compiled-config cache (config_cache.h): entries are config_cache.capnp messages, one file
// each, named after a hash of what they were compiled for and replaced atomically (kj's
// Directory::replaceFile writes a temporary file and renames it).
#include "config/config_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/filesystem.h>

#include "config/build_id.h"
#include "config/config_cache.capnp.h"

namespace colony::config {

namespace {

constexpr std::string_view kEntrySuffix = ".config";
constexpr off_t kMaxEntryBytes = off_t(1) << 30;

// Everything besides the files that decides the result of parseTextConfig(): the build, and the
// arguments as given together with the directory relative ones are taken from (display names
// in error positions keep the path as given).
std::string configCacheKey(const std::string& buildId, const std::string& path,
                           const std::string& constName,
                           const std::vector<std::string>& importPaths) {
  std::error_code error;
  std::string key = "colony compiled config 1\nbuild " + buildId + "\ncwd " +
                    std::filesystem::current_path(error).string() + "\nconfig " + path +
                    "\nconst " + constName + "\n";
  for (const std::string& importPath : importPaths) key += "import " + importPath + "\n";
  return key;
}

std::string entryName(const std::string& key) {
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a; the entry holds the key to compare in full
  for (unsigned char c : key) hash = (hash ^ c) * 0x100000001b3ull;
  char name[17];
  snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(hash));
  return std::string(name) + std::string(kEntrySuffix);
}

// Reads all of the file open as `fd`; false on an error.
bool readAll(int fd, size_t size, char* into) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, into + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

// Whether `path` has exactly `content`.
bool hasContent(const std::string& path, kj::ArrayPtr<const kj::byte> content) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool same = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && size_t(st.st_size) == content.size();
  if (same && content.size() > 0) {
    std::string now(content.size(), '\0');
    char extra;
    same = readAll(fd, now.size(), now.data()) && ::read(fd, &extra, 1) == 0 &&
           std::memcmp(now.data(), content.begin(), now.size()) == 0;
  }
  ::close(fd);
  return same;
}

bool stillHolds(cache::FileLookup::Reader lookup) {
  std::string path = lookup.getPath().cStr();
  struct stat st;
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists != lookup.getExists()) return false;
  return !lookup.getRead() || hasContent(path, lookup.getContent());
}

// The entry at `file` if it is ours, whole, for `key`, and every lookup it depends on gives the
// same answer now.
std::optional<ParsedTextConfig> readEntry(const std::string& file, const std::string& key) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat st;
  bool usable = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
                (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 && st.st_size > 0 &&
                st.st_size < kMaxEntryBytes && st.st_size % sizeof(capnp::word) == 0;
  kj::Array<capnp::word> words;
  if (usable) {
    words = kj::heapArray<capnp::word>(size_t(st.st_size) / sizeof(capnp::word));
    usable = readAll(fd, size_t(st.st_size), reinterpret_cast<char*>(words.begin()));
  }
  ::close(fd);
  if (!usable) return std::nullopt;

  std::optional<ParsedTextConfig> result;
  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&] {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = words.size() * 2 + 1024;
    capnp::FlatArrayMessageReader reader(words, options);
    auto entry = reader.getRoot<cache::CompiledConfig>();
    if (entry.getKey() != key.c_str()) return;
    for (auto lookup : entry.getLookups()) {
      if (!stillHolds(lookup)) return;
    }
    auto config = entry.getConfig();
    if (config.size() == 0 || config.size() % sizeof(capnp::word) != 0) return;
    ParsedTextConfig parsed;
    parsed.canonicalConfig = kj::heapArray<capnp::word>(config.size() / sizeof(capnp::word));
    std::memcpy(parsed.canonicalConfig.begin(), config.begin(), config.size());
    parsed.constName = entry.getConstName().cStr();
    for (auto source : entry.getSources()) {
      auto content = source.getText().asChars();
      parsed.sources.push_back(
          {source.getDisplayName().cStr(), std::string(content.begin(), content.size())});
    }
    result = kj::mv(parsed);
  })) {
    return std::nullopt;  // a damaged entry: compiled again and replaced
  }
  return result;
}

kj::ArrayPtr<const kj::byte> bytesOf(const std::string& text) {
  return kj::arrayPtr(reinterpret_cast<const kj::byte*>(text.data()), text.size());
}

// Removes the oldest entries beyond kMaxConfigCacheEntries.
void prune(const kj::Directory& dir) {
  std::vector<std::pair<kj::Date, kj::String>> entries;
  for (kj::String& name : dir.listNames()) {
    if (!std::string_view(name.cStr()).ends_with(kEntrySuffix)) continue;
    kj::Date modified = dir.lstat(kj::Path(name.cStr())).lastModified;
    entries.emplace_back(modified, kj::mv(name));
  }
  if (entries.size() <= kMaxConfigCacheEntries) return;
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < entries.size() - kMaxConfigCacheEntries; ++i) {
    dir.tryRemove(kj::Path(entries[i].second.cStr()));
  }
}

// Writes the entry for `key` (a private file, in a private directory made as needed, replacing
// the old one atomically); gives up quietly on errors.
void writeEntry(const std::string& dir, const std::string& name, const std::string& key,
                const ParsedTextConfig& parsed) {
  capnp::MallocMessageBuilder message;
  auto entry = message.initRoot<cache::CompiledConfig>();
  entry.setKey(key);
  auto lookups = entry.initLookups(parsed.lookups.size());
  for (size_t i = 0; i < parsed.lookups.size(); ++i) {
    const ConfigFileLookup& lookup = parsed.lookups[i];
    lookups[i].setPath(lookup.path);
    lookups[i].setExists(lookup.exists);
    lookups[i].setRead(lookup.read);
    if (lookup.read) lookups[i].setContent(bytesOf(lookup.content));
  }
  entry.setConstName(parsed.constName);
  auto sources = entry.initSources(parsed.sources.size());
  for (size_t i = 0; i < parsed.sources.size(); ++i) {
    sources[i].setDisplayName(parsed.sources[i].displayName);
    sources[i].setText(bytesOf(parsed.sources[i].text));
  }
  entry.setConfig(parsed.canonicalConfig.asBytes());

  (void)kj::runCatchingExceptions([&] {
    auto fs = kj::newDiskFilesystem();
    constexpr auto kMode = kj::WriteMode::CREATE | kj::WriteMode::MODIFY |
                           kj::WriteMode::CREATE_PARENT | kj::WriteMode::PRIVATE;
    auto cacheDir = fs->getRoot().openSubdir(fs->getCurrentPath().eval(dir.c_str()), kMode);
    auto replacer = cacheDir->replaceFile(kj::Path(name.c_str()), kMode);
    replacer->get().writeAll(capnp::messageToFlatArray(message).asBytes());
    replacer->commit();
    prune(*cacheDir);
  });
}

std::string fromEnvironment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::string configCacheDirectoryFromEnvironment() {
  std::string chosen = fromEnvironment("COLONY_CONFIG_CACHE");
  if (chosen == "off") return {};
  if (!chosen.empty()) return chosen;
  std::string systemd = fromEnvironment("CACHE_DIRECTORY");  // may list several, ':'-separated
  systemd = systemd.substr(0, systemd.find(':'));
  if (!systemd.empty()) return systemd + "/configs";
  std::string xdg = fromEnvironment("XDG_CACHE_HOME");
  if (!xdg.empty() && xdg[0] == '/') return xdg + "/colony/configs";
  std::string home = fromEnvironment("HOME");
  if (!home.empty() && home != "/") return home + "/.cache/colony/configs";
  return {};
}

ParsedTextConfig parseTextConfigCached(const std::string& cacheDir, const std::string& path,
                                       const std::string& constName,
                                       const std::vector<std::string>& importPaths,
                                       std::string* reusedEntry) {
  if (reusedEntry != nullptr) reusedEntry->clear();
  std::string buildId = cacheDir.empty() ? std::string() : executableBuildId();
  if (buildId.empty()) return parseTextConfig(path, constName, importPaths);

  std::string key = configCacheKey(buildId, path, constName, importPaths);
  std::string name = entryName(key);
  std::string file = cacheDir + "/" + name;
  if (auto cached = readEntry(file, key)) {
    if (reusedEntry != nullptr) *reusedEntry = file;
    return kj::mv(*cached);
  }
  ParsedTextConfig parsed = parseTextConfig(path, constName, importPaths);
  writeEntry(cacheDir, name, key, parsed);
  return parsed;
}

}  // namespace colony::config
