// colony-runtime loads its own copy of libnode, made at build time from the installed one with
// libnode's references to its own symbols already resolved (packaging/build/prebind_libnode.py):
// half of the process's start-up work. The copy is only as current as the build, so when the
// installed libnode changes afterwards (a security update of libnode108), colony-runtime runs on
// the installed one instead, and says so, until Colony is rebuilt.
#pragma once

namespace colony {

// First thing in main(): if this process loaded the copy and the installed libnode it was made
// from has since changed (another GNU build ID), executes this program again with the installed
// libnode's directory first in LD_LIBRARY_PATH. Returns if nothing needs to change, or if
// executing again failed (the copy then serves; the warning below says why).
void useCurrentLibnode(char** argv);

// Once logging is set up: a warning if useCurrentLibnode() moved this process (or the launcher it
// was forked from) to the installed libnode, or could not.
void warnAboutStaleLibnodeCopy();

}  // namespace colony
