// SHA-1 (FIPS 180-4), for the one place HTTP itself fixes the hash: the WebSocket handshake's
// Sec-WebSocket-Accept (RFC 6455 section 4.2.2). The HTTP server is also the supervisor's admin
// server, and the supervisor has no other use for OpenSSL; loading it cost each start ~0.7 ms.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace colony::http {

std::array<uint8_t, 20> sha1(std::string_view data);

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64 of the SHA-1 of the key and
// RFC 6455's GUID.
std::string webSocketAcceptKey(std::string_view key);

}  // namespace colony::http
