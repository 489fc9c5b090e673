// colony-runtime loads its own copies of libnode, libcrypto, libstdc++, SQLite and spdlog, made at
// build time from the installed ones with their references to their own symbols already resolved
// (packaging/build/prebind_libraries.py): most of the process's start-up work. A copy is only as
// current as the build, so when an installed library changes afterwards (a security update of
// libssl3 or libnode108), colony-runtime runs on the installed libraries instead, and says so,
// until Colony is rebuilt.
#pragma once

namespace colony {

// First thing in main(): if this process loaded one of the copies and the installed library it
// was made from has since changed (another GNU build ID), executes this program again with the
// installed libraries' directories first in LD_LIBRARY_PATH, so that it loads none of the copies.
// Returns if nothing needs to change, or if executing again failed (the copies then serve; the
// warning below says why).
void useCurrentLibraries(char** argv);

// Once logging is set up: a warning if useCurrentLibraries() moved this process (or the launcher
// it was forked from) to the installed libraries, or could not.
void warnAboutStalePreboundCopies();

}  // namespace colony
