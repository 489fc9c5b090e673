#include "runtime/prebound_libnode.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "config/build_id.h"

#ifndef COLONY_LIBNODE_SOURCE
#error "COLONY_LIBNODE_SOURCE: the installed libnode the copy was made from (meson.build)"
#endif

namespace colony {
namespace {

// Set for the program executed again on the installed libnode: what the warning says.
constexpr const char* kSwitchedVar = "COLONY_LIBNODE_SWITCHED";
// Another installed libnode to compare the copy with than the one it was made from.
constexpr const char* kInstalledVar = "COLONY_INSTALLED_LIBNODE";

struct LoadedLibnode {
  std::string path;
  std::string buildId;
};

int findLibnode(dl_phdr_info* info, size_t, void* data) {
  const char* name = info->dlpi_name;
  const char* base = name ? strrchr(name, '/') : nullptr;
  if (base == nullptr || strncmp(base + 1, "libnode.so", 10) != 0) return 0;
  auto* found = static_cast<LoadedLibnode*>(data);
  found->path = name;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_NOTE) continue;
    found->buildId = buildIdInNotes(
        reinterpret_cast<const unsigned char*>(info->dlpi_addr + segment.p_vaddr), segment.p_memsz);
    if (!found->buildId.empty()) break;
  }
  return 1;
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

bool sameFile(const std::string& a, const char* b) {
  char* realA = realpath(a.c_str(), nullptr);
  char* realB = realpath(b, nullptr);
  bool same = realA && realB && strcmp(realA, realB) == 0;
  free(realA);
  free(realB);
  return same;
}

}  // namespace

void useCurrentLibnode(char** argv) {
  const char* installed = getenv(kInstalledVar);
  if (installed == nullptr || *installed == '\0') installed = COLONY_LIBNODE_SOURCE;
  LoadedLibnode loaded;
  dl_iterate_phdr(&findLibnode, &loaded);
  // Not loaded (a build without the copy), already the installed one, or nothing to compare with.
  if (loaded.path.empty() || sameFile(loaded.path, installed)) return;
  std::string current = buildIdOfFile(installed);
  if (current.empty() || current == loaded.buildId) return;

  std::string what = "the installed libnode " + std::string(installed) + " (GNU build ID " + current +
                     ") is not the one this Colony was built with (" +
                     (loaded.buildId.empty() ? "no build ID" : loaded.buildId) + ")";
  if (getenv(kSwitchedVar) != nullptr) {  // executed again, and still on the copy
    setenv(kSwitchedVar, ("-" + what + "; running on Colony's copy of the old one, since the " +
                          "dynamic linker did not take LD_LIBRARY_PATH").c_str(), 1);
    return;
  }
  std::string directory(installed, strrchr(installed, '/') ? strrchr(installed, '/') - installed : 0);
  const char* inherited = getenv("LD_LIBRARY_PATH");
  bool hadSearchPath = inherited != nullptr;
  std::string searchPath = hadSearchPath ? inherited : "";
  setenv("LD_LIBRARY_PATH", (searchPath.empty() ? directory : directory + ":" + searchPath).c_str(), 1);
  setenv(kSwitchedVar, ("+" + what).c_str(), 1);
  execv("/proc/self/exe", argv);
  int error = errno;
  // Still here: the copy serves, and the warning says so.
  setenv(kSwitchedVar, ("-" + what + "; running on Colony's copy of the old one, since executing " +
                        "colony-runtime again failed: " + strerror(error)).c_str(), 1);
  if (hadSearchPath) {
    setenv("LD_LIBRARY_PATH", searchPath.c_str(), 1);
  } else {
    unsetenv("LD_LIBRARY_PATH");
  }
}

void warnAboutStaleLibnodeCopy() {
  const char* switched = getenv(kSwitchedVar);
  if (switched == nullptr || *switched == '\0') return;
  if (*switched == '+') {
    spdlog::warn("{}: running on it instead of Colony's copy with its symbols resolved ahead of "
                 "time, so processes start slower until Colony is rebuilt",
                 switched + 1);
  } else {
    spdlog::warn("{}", switched + 1);
  }
}

}  // namespace colony
