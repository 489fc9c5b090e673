// A `disk` service: a directory served over HTTP, answering as workerd does. GET and HEAD read
// files (application/octet-stream, with Content-Length and Last-Modified) and list directories as
// JSON ([{"name", "type"}], sorted); PUT (creating parent directories, replacing the file
// atomically) and DELETE (recursively) only when `writable`, else 405; other methods 501.
// Paths cannot leave the directory ("..", encoded slashes and NULs are refused with 404), and
// names starting with "." are invisible unless `allowDotfiles` (writing one is 403).
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
  // For the local backends of storage bindings (runtime/api/storage_bindings.cc).
  const std::string& path() const { return root_; }
  bool writable() const { return writable_; }

 private:
  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                            kj::AsyncInputStream& requestBody, Response& response) override;
  kj::Promise<void> respond(Response& response, uint status, kj::StringPtr statusText);
  kj::Promise<void> get(const std::string& path, bool head, Response& response);
  kj::Promise<void> put(const std::string& path, kj::AsyncInputStream& body, Response& response);

  kj::String name_;
  std::string root_;
  bool writable_;
  bool allowDotfiles_;
  kj::HttpHeaderTable& table_;
};

}  // namespace colony
