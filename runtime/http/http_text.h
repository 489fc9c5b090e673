// Small text checks for HTTP/1.1 framing: header names, hosts, schemes, URLs.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace colony::http {

bool equalsIgnoringCase(std::string_view a, std::string_view b);

// RFC 9110 token: the characters allowed in header names and methods.
bool isValidHeaderName(std::string_view name);
// No CR, LF or NUL (what kj::HttpHeaders accepts, and what cannot split a message).
bool isValidHeaderValue(std::string_view value);
// Reason phrase of a status line: visible characters, spaces and tabs.
bool isValidStatusText(std::string_view text);
// A Host header value usable as a URL authority: host name or IP literal with an optional port,
// nothing that could change the URL's path, user info or scheme ('/', '?', '#', '@', spaces).
bool isValidHost(std::string_view host);
// A URL scheme: a letter followed by letters, digits, '+', '-' or '.'.
bool isValidScheme(std::string_view scheme);
// "scheme://..." (the absolute-form request target).
bool isAbsoluteUrl(std::string_view target);

bool isInjectedName(const std::vector<std::pair<std::string, std::string>>& injected,
                    std::string_view name);

}  // namespace colony::http
