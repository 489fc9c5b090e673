// Tests of the compiled-config cache (config/config_cache.h): a config compiled once is reused
// while every file its compilation looked up is unchanged, and compiled again on any change.
#include "config/config_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "tests/unit/temp_dir.h"

namespace colony::config {
namespace {

namespace fs = std::filesystem;

// A config serving the module in `module` (embedded), with its socket on `port`.
std::string configText(const std::string& port = "8080", const std::string& module = "worker.js") {
  return "using Workerd = import \"/workerd/workerd.capnp\";\n"
         "const config :Workerd.Config = (\n"
         "  services = [ (name = \"main\", worker = (\n"
         "    modules = [ (name = \"worker.js\", esModule = embed \"" + module + "\") ],\n"
         "    compatibilityDate = \"2024-01-01\")) ],\n"
         "  sockets = [ (name = \"http\", address = \"*:" + port + "\", http = (), "
         "service = \"main\") ]);\n";
}

// One load through the cache in `cache`.
struct Load {
  std::string reusedEntry;
  std::string address;  // of the first socket
  std::string module;   // the first worker's first module
  std::vector<uint8_t> bytes;
};

Load load(const std::string& cache, const std::string& path, std::vector<std::string> imports = {},
          const std::string& constName = "") {
  LoadOptions options;
  options.path = path;
  options.constName = constName;
  options.importPaths = std::move(imports);
  options.today = "2025-06-01";
  options.compiledCacheDirectory = cache;
  LoadedConfig loaded = loadConfig(options);
  Load result;
  result.reusedEntry = loaded.reusedCompiledEntry();
  result.address = loaded.get().getSockets()[0].getAddress();
  result.module = loaded.get().getServices()[0].getWorker().getModules()[0].getEsModule();
  auto bytes = loaded.canonicalBytes();
  result.bytes.assign(bytes.begin(), bytes.end());
  return result;
}

std::vector<fs::path> entries(const fs::path& cache) {
  std::vector<fs::path> found;
  if (!fs::exists(cache)) return found;
  for (auto& item : fs::directory_iterator(cache)) found.push_back(item.path());
  return found;
}

// Each test has a directory of its own with a worker.js in it, and a cache directory inside.
class ConfigCache : public ::testing::Test {
 protected:
  ConfigCache() {
    dir.write("worker.js", "export default { fetch() { return new Response('a'); } };");
  }

  TempDir dir;
  std::string cache = (dir.path / "cache").string();
};

TEST_F(ConfigCache, SecondLoadReusesTheCompiledFormWithTheSameResult) {
  std::string path = dir.write("config.capnp", configText());

  Load first = load(cache, path);
  EXPECT_EQ(first.reusedEntry, "");
  ASSERT_EQ(entries(cache).size(), 1u);
  EXPECT_EQ(fs::status(cache).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(entries(cache)[0]).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  Load second = load(cache, path);
  EXPECT_EQ(second.reusedEntry, entries(cache)[0].string());
  EXPECT_EQ(second.bytes, first.bytes);
  EXPECT_EQ(second.address, "*:8080");
}

TEST_F(ConfigCache, AnyChangeToTheConfigOrWhatItEmbedsCompilesAgain) {
  std::string path = dir.write("config.capnp", configText("8080"));
  load(cache, path);

  dir.write("config.capnp", configText("8081"));  // same length, other content
  Load changed = load(cache, path);
  EXPECT_EQ(changed.reusedEntry, "");
  EXPECT_EQ(changed.address, "*:8081");
  EXPECT_NE(load(cache, path).reusedEntry, "");

  dir.write("worker.js", "export default { fetch() { return new Response('b'); } };");
  Load embedded = load(cache, path);
  EXPECT_EQ(embedded.reusedEntry, "");
  EXPECT_NE(embedded.module.find("'b'"), std::string::npos);

  fs::remove(dir.path / "worker.js");
  try {
    load(cache, path);
    ADD_FAILURE() << "loaded with its embedded file gone";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("worker.js"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigCache, AFileAppearingEarlierInTheImportPathsCompilesAgain) {
  std::string shared = "using Workerd = import \"/workerd/workerd.capnp\";\n"
                       "const port :Text = \"*:";
  dir.write("second/lib/port.capnp", shared + "9002\";\n");
  fs::create_directories(dir.path / "first");
  std::string path = dir.write(
      "config.capnp",
      "using Workerd = import \"/workerd/workerd.capnp\";\n"
      "using Lib = import \"/lib/port.capnp\";\n"
      "const config :Workerd.Config = (\n"
      "  services = [ (name = \"main\", worker = (\n"
      "    modules = [ (name = \"worker.js\", esModule = embed \"worker.js\") ],\n"
      "    compatibilityDate = \"2024-01-01\")) ],\n"
      "  sockets = [ (name = \"http\", address = Lib.port, http = (), service = \"main\") ]);\n");
  std::vector<std::string> imports = {(dir.path / "first").string(),
                                      (dir.path / "second").string()};
  EXPECT_EQ(load(cache, path, imports).address, "*:9002");
  EXPECT_NE(load(cache, path, imports).reusedEntry, "");

  dir.write("first/lib/port.capnp", shared + "9001\";\n");  // now found first
  Load moved = load(cache, path, imports);
  EXPECT_EQ(moved.reusedEntry, "");
  EXPECT_EQ(moved.address, "*:9001");
}

TEST_F(ConfigCache, OtherArgumentsAndErrorsAreNotMixedUp) {
  std::string path = dir.write("config.capnp", configText() + "const other :Workerd.Config = (\n"
                                                 "  sockets = [ (name = \"http\", address = "
                                                 "\"*:7000\", http = (), service = \"main\") ],\n"
                                                 "  services = [ (name = \"main\", worker = (\n"
                                                 "    serviceWorkerScript = \"\",\n"
                                                 "    compatibilityDate = \"2024-01-01\")) ]);\n");
  EXPECT_EQ(load(cache, path, {}, "config").address, "*:8080");
  EXPECT_EQ(load(cache, path, {}, "other").address, "*:7000");
  EXPECT_EQ(entries(cache).size(), 2u);
  EXPECT_NE(load(cache, path, {}, "other").reusedEntry, "");

  // A config that does not compile leaves no entry, and says so every time.
  std::string broken = dir.write("broken.capnp",
                                 "using Workerd = import \"/workerd/workerd.capnp\";\n"
                                 "const config :Workerd.Config = (services = 5);\n");
  for (int i = 0; i < 2; ++i) EXPECT_THROW(load(cache, broken), ConfigError);
  EXPECT_EQ(entries(cache).size(), 2u);
}

TEST_F(ConfigCache, DamagedForeignOrUnwritableCacheOnlyMeansCompiling) {
  std::string path = dir.write("config.capnp", configText());
  Load first = load(cache, path);
  fs::path entry = entries(cache).at(0);

  // Damaged: cut short, then garbage.
  fs::resize_file(entry, fs::file_size(entry) / 2);
  Load afterCut = load(cache, path);
  EXPECT_EQ(afterCut.reusedEntry, "");
  EXPECT_EQ(afterCut.bytes, first.bytes);
  EXPECT_NE(load(cache, path).reusedEntry, "");  // replaced by a whole one
  dir.write("cache/" + entry.filename().string(), std::string(4096, '\x7f'));
  ::chmod(entry.c_str(), 0600);
  EXPECT_EQ(load(cache, path).reusedEntry, "");
  EXPECT_NE(load(cache, path).reusedEntry, "");

  // Writable by others: not trusted.
  ::chmod(entry.c_str(), 0666);
  EXPECT_EQ(load(cache, path).reusedEntry, "");
  EXPECT_NE(load(cache, path).reusedEntry, "");

  // Whole, but made for another config (as if two keys shared a file name): its key is compared.
  std::string other = dir.write("other.capnp", configText("9999"));
  load(cache, other);
  fs::path otherEntry;
  for (const fs::path& candidate : entries(cache)) {
    if (candidate != entry) otherEntry = candidate;
  }
  ASSERT_FALSE(otherEntry.empty());
  fs::copy_file(otherEntry, entry, fs::copy_options::overwrite_existing);
  Load swapped = load(cache, path);
  EXPECT_EQ(swapped.reusedEntry, "");
  EXPECT_EQ(swapped.address, "*:8080");

  // Owned by another user: not trusted (only root can give a file away to test it).
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(entry.c_str(), 65534, 65534), 0);
    EXPECT_EQ(load(cache, path).reusedEntry, "");
    EXPECT_NE(load(cache, path).reusedEntry, "");
  }

  // A cache directory that cannot be made (a file is in the way): loads, caches nothing.
  std::string blocked = dir.write("blocked", "");
  EXPECT_EQ(load(blocked + "/cache", path).bytes, first.bytes);
  // No cache directory: no cache.
  EXPECT_EQ(load("", path).reusedEntry, "");
}

TEST_F(ConfigCache, KeepsTheNewestEntriesOnly) {
  for (size_t i = 0; i < kMaxConfigCacheEntries + 3; ++i) {
    load(cache, dir.write("config" + std::to_string(i) + ".capnp", configText()));
  }
  EXPECT_EQ(entries(cache).size(), kMaxConfigCacheEntries);
  std::string newest = (dir.path / ("config" + std::to_string(kMaxConfigCacheEntries + 2) +
                                    ".capnp")).string();
  EXPECT_NE(load(cache, newest).reusedEntry, "");
}

TEST_F(ConfigCache, ProblemPositionsStayRightWhenReused) {
  std::string path = dir.write(
      "config.capnp",
      "using Workerd = import \"/workerd/workerd.capnp\";\n"
      "const config :Workerd.Config = (\n"
      "  services = [ (name = \"main\", worker = (serviceWorkerScript = \"\",\n"
      "                                           compatibilityDate = \"2024-01-01\")) ],\n"
      "  sockets = [ (name = \"http\", address = \"*:8080\", http = (), service = \"nope\") ]);\n");
  std::string errors[2];
  for (auto& error : errors) {
    try {
      load(cache, path);
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }
  EXPECT_NE(errors[0].find("config.capnp:5:"), std::string::npos) << errors[0];
  EXPECT_EQ(errors[1], errors[0]);
  EXPECT_EQ(entries(cache).size(), 1u);  // it compiled; the validation is what failed
}

TEST(ConfigCacheDirectory, FromTheEnvironment) {
  auto with = [](std::vector<std::pair<const char*, const char*>> vars) {
    for (const char* name : {"COLONY_CONFIG_CACHE", "CACHE_DIRECTORY", "XDG_CACHE_HOME", "HOME"}) {
      ::unsetenv(name);
    }
    for (auto& [name, value] : vars) ::setenv(name, value, 1);
    return configCacheDirectoryFromEnvironment();
  };
  const char* home = std::getenv("HOME");
  std::string savedHome = home != nullptr ? home : "";
  EXPECT_EQ(with({{"HOME", "/home/u"}}), "/home/u/.cache/colony/configs");
  EXPECT_EQ(with({{"HOME", "/home/u"}, {"XDG_CACHE_HOME", "/x"}}), "/x/colony/configs");
  EXPECT_EQ(with({{"HOME", "/home/u"}, {"XDG_CACHE_HOME", "relative"}}),
            "/home/u/.cache/colony/configs");
  EXPECT_EQ(with({{"XDG_CACHE_HOME", "/x"}, {"CACHE_DIRECTORY", "/var/cache/colony:/other"}}),
            "/var/cache/colony/configs");
  EXPECT_EQ(with({{"CACHE_DIRECTORY", "/var/cache/colony"}, {"COLONY_CONFIG_CACHE", "/mine"}}),
            "/mine");
  EXPECT_EQ(with({{"HOME", "/home/u"}, {"COLONY_CONFIG_CACHE", "off"}}), "");
  EXPECT_EQ(with({{"HOME", "/"}}), "");
  EXPECT_EQ(with({}), "");
  with({});
  if (home != nullptr) ::setenv("HOME", savedHome.c_str(), 1);
}

}  // namespace
}  // namespace colony::config
