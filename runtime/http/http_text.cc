#include "runtime/http/http_text.h"

#include <strings.h>

namespace colony::http {
namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isTokenChar(char c) {
  if (isAlpha(c) || isDigit(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

}  // namespace

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool isValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

bool isValidHeaderValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool isValidStatusText(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

bool isValidHost(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    if (isAlpha(c) || isDigit(c)) continue;
    switch (c) {
      case '-': case '.': case '_': case '~': case ':': case '[': case ']': case '%': case '!':
      case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
      case '=':
        continue;
      default:
        return false;
    }
  }
  return true;
}

bool isValidScheme(std::string_view scheme) {
  if (scheme.empty() || !isAlpha(scheme.front())) return false;
  for (char c : scheme) {
    if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool isAbsoluteUrl(std::string_view target) {
  size_t colon = target.find("://");
  return colon != std::string_view::npos && colon + 3 < target.size() &&
         isValidScheme(target.substr(0, colon));
}

bool isInjectedName(const std::vector<std::pair<std::string, std::string>>& injected,
                    std::string_view name) {
  for (auto& header : injected) {
    if (equalsIgnoringCase(header.first, name)) return true;
  }
  return false;
}

}  // namespace colony::http
