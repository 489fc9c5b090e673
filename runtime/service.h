// A service from the config, as other parts of the runtime see it: something that answers HTTP,
// through its default entrypoint or a named one.
#pragma once

#include <kj/compat/http.h>
#include <kj/string.h>

namespace colony {

class Service {
 public:
  virtual ~Service() noexcept(false) = default;
  virtual kj::StringPtr name() const = 0;
  // The HTTP face of an entrypoint ("" = the default). Throws, naming the service and the
  // entrypoint, when there is no such entrypoint.
  virtual kj::HttpService& entrypoint(kj::StringPtr entrypointName) = 0;
};

}  // namespace colony
