// A `disk` service: a directory served over HTTP. GET and HEAD read files (a directory answers
// with a JSON listing); PUT and DELETE write when the service is `writable`. Paths cannot leave
// the directory, and names starting with "." are hidden unless `allowDotfiles`.
#pragma once

#include <string>

#include <kj/compat/http.h>

#include "runtime/service.h"

namespace colony {

class DiskService final : public Service, private kj::HttpService {
 public:
  DiskService(kj::StringPtr name, kj::StringPtr path, bool writable, bool allowDotfiles,
              kj::HttpHeaderTable& table);
  kj::StringPtr name() const override { return name_; }
  kj::HttpService& entrypoint(kj::StringPtr entrypointName) override;

 private:
  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                            kj::AsyncInputStream& requestBody, Response& response) override;
  kj::Promise<void> respond(Response& response, uint status, kj::StringPtr statusText,
                            kj::String body, kj::StringPtr contentType = nullptr);

  kj::String name_;
  std::string root_;
  bool writable_;
  bool allowDotfiles_;
  kj::HttpHeaderTable& table_;
};

}  // namespace colony
