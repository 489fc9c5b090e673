// --control-fd: the machine-readable channel tools use to learn what a server is doing, one JSON
// object per line. Written by whichever process owns the sockets (the supervisor, or the runtime
// with --single-process).
#pragma once

#include <cstdint>
#include <string>

namespace colony {

// Text of `s` escaped for a JSON string (no surrounding quotes); also used by the JSON logs.
std::string jsonEscape(const std::string& s);

// Writes {"event":"listen","socket":NAME,"port":PORT} and a newline to `fd` (port 0 for Unix
// sockets). A failed write is logged, never fatal.
void writeListenEvent(int fd, const std::string& socketName, uint16_t port);

}  // namespace colony
