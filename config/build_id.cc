#include "config/build_id.h"

#include <elf.h>
#include <link.h>

#include <cstring>

namespace colony {

std::string buildIdInNotes(const unsigned char* notes, size_t size) {
  auto align4 = [](size_t n) { return (n + 3) & ~size_t{3}; };
  size_t at = 0;
  while (at + sizeof(ElfW(Nhdr)) <= size) {
    ElfW(Nhdr) header;
    std::memcpy(&header, notes + at, sizeof header);
    size_t name = at + sizeof header;
    size_t desc = name + align4(header.n_namesz);
    if (desc + header.n_descsz > size) break;
    if (header.n_type == NT_GNU_BUILD_ID && header.n_namesz == 4 &&
        std::memcmp(notes + name, "GNU", 4) == 0) {
      static const char digits[] = "0123456789abcdef";
      std::string id;
      for (size_t i = 0; i < header.n_descsz; i++) {
        id += digits[notes[desc + i] >> 4];
        id += digits[notes[desc + i] & 15];
      }
      return id;
    }
    at = desc + align4(header.n_descsz);
  }
  return "";
}

std::string executableBuildId() {
  static const std::string id = [] {
    std::string found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* out) -> int {
          auto& result = *static_cast<std::string*>(out);
          for (int i = 0; i < info->dlpi_phnum && result.empty(); ++i) {
            const ElfW(Phdr)& segment = info->dlpi_phdr[i];
            if (segment.p_type != PT_NOTE) continue;
            result = buildIdInNotes(
                reinterpret_cast<const unsigned char*>(info->dlpi_addr + segment.p_vaddr),
                segment.p_memsz);
          }
          return 1;  // the first object is the executable
        },
        &found);
    return found;
  }();
  return id;
}

}  // namespace colony
