// GNU build IDs (the NT_GNU_BUILD_ID note the linker writes into each ELF file), which tell one
// build of a program or library from another: the compiled-config cache keys its entries with the
// running executable's (config_cache.cc), and colony-runtime compares its copies of libraries
// with the installed ones by theirs (runtime/prebound_libraries.cc).
#pragma once

#include <cstddef>
#include <string>

namespace colony {

// The build ID among the ELF notes in [notes, notes + size), in hex; "" if there is none.
std::string buildIdInNotes(const unsigned char* notes, size_t size);

// The build ID of the running executable, in hex; "" if it has none.
std::string executableBuildId();

}  // namespace colony
