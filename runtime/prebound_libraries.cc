#include "runtime/prebound_libraries.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "config/build_id.h"

#ifndef COLONY_PREBOUND_SOURCES
#error "COLONY_PREBOUND_SOURCES: soname=path:... of the installed libraries the copies were made from (meson.build)"
#endif

namespace colony {
namespace {

// Set for the program executed again on the installed libraries: what the warning says.
constexpr const char* kSwitchedVar = "COLONY_PREBOUND_SWITCHED";
// soname=path:... entries: other installed libraries to compare the copies with than the ones they
// were made from.
constexpr const char* kInstalledVar = "COLONY_INSTALLED_LIBRARIES";

struct Library {
  std::string soname;
  std::string path;
};

// Adds (or, with `replace`, only replaces by soname) the entries of a soname=path:... list.
void parseLibraries(std::string_view list, bool replace, std::vector<Library>& into) {
  while (!list.empty()) {
    size_t end = list.find(':');
    std::string_view entry = list.substr(0, end);
    list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
    size_t equals = entry.find('=');
    if (equals == std::string_view::npos) continue;
    Library library{std::string(entry.substr(0, equals)), std::string(entry.substr(equals + 1))};
    auto known = std::find_if(into.begin(), into.end(),
                              [&](const Library& l) { return l.soname == library.soname; });
    if (known != into.end()) {
      known->path = std::move(library.path);
    } else if (!replace) {
      into.push_back(std::move(library));
    }
  }
}

std::vector<Library> installedLibraries() {
  std::vector<Library> libraries;
  parseLibraries(COLONY_PREBOUND_SOURCES, false, libraries);
  if (const char* other = getenv(kInstalledVar)) parseLibraries(other, true, libraries);
  return libraries;
}

struct LoadedLibrary {
  std::string path;  // as the dynamic linker opened it; "" if not loaded
  std::string buildId;
};

struct LoadedSearch {
  const std::vector<Library>* wanted;
  std::vector<LoadedLibrary> found;  // one per wanted library, in its order
};

int findLoaded(dl_phdr_info* info, size_t, void* data) {
  const char* name = info->dlpi_name;
  const char* base = name ? strrchr(name, '/') : nullptr;
  if (base == nullptr) return 0;
  auto* search = static_cast<LoadedSearch*>(data);
  for (size_t i = 0; i < search->wanted->size(); i++) {
    if ((*search->wanted)[i].soname != base + 1) continue;
    LoadedLibrary& found = search->found[i];
    found.path = name;
    for (int j = 0; j < info->dlpi_phnum; j++) {
      const ElfW(Phdr)& segment = info->dlpi_phdr[j];
      if (segment.p_type != PT_NOTE) continue;
      found.buildId = buildIdInNotes(
          reinterpret_cast<const unsigned char*>(info->dlpi_addr + segment.p_vaddr), segment.p_memsz);
      if (!found.buildId.empty()) break;
    }
  }
  return 0;
}

bool readAt(int fd, void* buffer, size_t size, off_t offset) {
  return pread(fd, buffer, size, offset) == static_cast<ssize_t>(size);
}

// The GNU build ID of the ELF file at `path`, or "" if it cannot be read or has none.
std::string buildIdOfFile(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string id;
  Elf64_Ehdr header;
  if (readAt(fd, &header, sizeof header, 0) && memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 &&
      header.e_ident[EI_CLASS] == ELFCLASS64 && header.e_phentsize == sizeof(Elf64_Phdr)) {
    std::vector<Elf64_Phdr> segments(header.e_phnum);
    if (readAt(fd, segments.data(), segments.size() * sizeof(Elf64_Phdr), header.e_phoff)) {
      for (const auto& segment : segments) {
        if (segment.p_type != PT_NOTE || segment.p_filesz > (1 << 20)) continue;
        std::vector<unsigned char> notes(segment.p_filesz);
        if (!readAt(fd, notes.data(), notes.size(), segment.p_offset)) continue;
        id = buildIdInNotes(notes.data(), notes.size());
        if (!id.empty()) break;
      }
    }
  }
  close(fd);
  return id;
}

bool sameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// One description for each copy this process loaded whose installed library has changed since.
std::vector<std::string> staleCopies(const std::vector<Library>& installed) {
  LoadedSearch search{&installed, std::vector<LoadedLibrary>(installed.size())};
  dl_iterate_phdr(&findLoaded, &search);
  std::vector<std::string> stale;
  for (size_t i = 0; i < installed.size(); i++) {
    const LoadedLibrary& loaded = search.found[i];
    // Not loaded (a build without the copy), already the installed one, or nothing to compare with.
    if (loaded.path.empty() || sameFile(loaded.path, installed[i].path)) continue;
    std::string current = buildIdOfFile(installed[i].path.c_str());
    if (current.empty() || current == loaded.buildId) continue;
    stale.push_back("the installed " + installed[i].soname + " " + installed[i].path +
                    " (GNU build ID " + current + ") is not the one this Colony was built with (" +
                    (loaded.buildId.empty() ? "no build ID" : loaded.buildId) + ")");
  }
  return stale;
}

}  // namespace

void useCurrentLibraries(char** argv) {
  std::vector<Library> installed = installedLibraries();
  std::vector<std::string> stale = staleCopies(installed);
  if (stale.empty()) return;
  std::string what;
  for (const std::string& s : stale) what += (what.empty() ? "" : "; ") + s;
  if (getenv(kSwitchedVar) != nullptr) {  // executed again, and still on a copy
    setenv(kSwitchedVar, ("-" + what + ": running on Colony's copies of the old ones, since the " +
                          "dynamic linker did not take LD_LIBRARY_PATH").c_str(), 1);
    return;
  }
  // Every installed library's directory, not only the changed ones': each copy was made for the
  // libraries searched before it as they were at build time.
  std::string directories;
  for (const Library& library : installed) {
    size_t slash = library.path.rfind('/');
    std::string directory = library.path.substr(0, slash == std::string::npos ? 0 : slash);
    bool listed = (":" + directories + ":").find(":" + directory + ":") != std::string::npos;
    if (!directory.empty() && !listed) directories += (directories.empty() ? "" : ":") + directory;
  }
  const char* inherited = getenv("LD_LIBRARY_PATH");
  bool hadSearchPath = inherited != nullptr;
  std::string searchPath = hadSearchPath ? inherited : "";
  setenv("LD_LIBRARY_PATH", (searchPath.empty() ? directories : directories + ":" + searchPath).c_str(), 1);
  setenv(kSwitchedVar, ("+" + what).c_str(), 1);
  execv("/proc/self/exe", argv);
  int error = errno;
  // Still here: the copies serve, and the warning says so.
  setenv(kSwitchedVar, ("-" + what + ": running on Colony's copies of the old ones, since executing " +
                        "colony-runtime again failed: " + strerror(error)).c_str(), 1);
  if (hadSearchPath) {
    setenv("LD_LIBRARY_PATH", searchPath.c_str(), 1);
  } else {
    unsetenv("LD_LIBRARY_PATH");
  }
}

void warnAboutStalePreboundCopies() {
  const char* switched = getenv(kSwitchedVar);
  if (switched == nullptr || *switched == '\0') return;
  if (*switched == '+') {
    spdlog::warn("{}: running on the installed libraries instead of Colony's copies with their "
                 "symbols resolved ahead of time, so processes start slower until Colony is rebuilt",
                 switched + 1);
  } else {
    spdlog::warn("{}", switched + 1);
  }
}

}  // namespace colony
