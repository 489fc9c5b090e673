#include "runtime/services/disk_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <kj/compat/url.h>
#include <kj/debug.h>

namespace colony {

namespace fs = std::filesystem;

DiskService::DiskService(kj::StringPtr name, kj::StringPtr path, bool writable,
                         bool allowDotfiles, kj::HttpHeaderTable& table)
    : name_(kj::str(name)),
      root_(path.cStr()),
      writable_(writable),
      allowDotfiles_(allowDotfiles),
      table_(table) {}

kj::HttpService& DiskService::entrypoint(kj::StringPtr entrypointName) {
  KJ_REQUIRE(entrypointName.size() == 0,
             kj::str("service \"", name_, "\" has no named entrypoints; asked for \"",
                     entrypointName, "\""));
  return *this;
}

kj::Promise<void> DiskService::respond(Response& response, uint status, kj::StringPtr statusText,
                                       kj::String body, kj::StringPtr contentType) {
  kj::HttpHeaders headers(table_);
  if (contentType != nullptr) headers.set(kj::HttpHeaderId::CONTENT_TYPE, contentType);
  auto stream = response.send(status, statusText, headers, uint64_t(body.size()));
  if (body.size() == 0) return kj::READY_NOW;
  auto write = stream->write(body.begin(), body.size());
  return write.attach(kj::mv(stream), kj::mv(body));
}

kj::Promise<void> DiskService::request(kj::HttpMethod method, kj::StringPtr url,
                                       const kj::HttpHeaders& headers,
                                       kj::AsyncInputStream& requestBody, Response& response) {
  kj::Url parsed;
  KJ_IF_MAYBE(u, kj::Url::tryParse(url, kj::Url::HTTP_PROXY_REQUEST)) {
    parsed = kj::mv(*u);
  } else KJ_IF_MAYBE(u2, kj::Url::tryParse(url, kj::Url::HTTP_REQUEST)) {
    parsed = kj::mv(*u2);
  } else {
    return respond(response, 400, "Bad Request", kj::str("invalid URL"));
  }
  // kj::Url has already percent-decoded the segments and resolved "." and "..".
  fs::path path = root_;
  for (auto& segment : parsed.path) {
    if (segment.size() == 0) continue;
    if (segment.startsWith(".") && !allowDotfiles_) {
      return respond(response, 404, "Not Found", kj::str());
    }
    if (segment.findFirst('/') != nullptr || segment == ".." || segment == ".") {
      return respond(response, 404, "Not Found", kj::str());
    }
    path /= segment.cStr();
  }

  switch (method) {
    case kj::HttpMethod::GET:
    case kj::HttpMethod::HEAD: {
      std::error_code ec;
      auto status = fs::status(path, ec);
      if (ec || !fs::exists(status)) return respond(response, 404, "Not Found", kj::str());
      if (fs::is_directory(status)) {
        std::string json = "[";
        for (auto& entry : fs::directory_iterator(path, ec)) {
          auto name = entry.path().filename().string();
          if (name[0] == '.' && !allowDotfiles_) continue;
          std::string type = entry.is_directory() ? "directory"
                             : entry.is_regular_file() ? "file"
                             : entry.is_symlink() ? "symlink"
                                                  : "other";
          if (json.size() > 1) json += ",";
          std::string escaped;
          for (char c : name) {
            if (c == '"' || c == '\\') escaped += '\\';
            escaped += c;
          }
          json += "{\"name\":\"" + escaped + "\",\"type\":\"" + type + "\"}";
        }
        json += "]";
        return respond(response, 200, "OK", kj::str(json.c_str()), "application/json");
      }
      std::ifstream in(path, std::ios::binary);
      if (!in) return respond(response, 403, "Forbidden", kj::str());
      std::stringstream buffer;
      buffer << in.rdbuf();
      auto content = buffer.str();
      return respond(response, 200, "OK", kj::heapString(content.data(), content.size()),
                     "application/octet-stream");
    }
    case kj::HttpMethod::PUT: {
      if (!writable_) return respond(response, 405, "Method Not Allowed", kj::str());
      return requestBody.readAllBytes().then(
          [this, path, &response](kj::Array<kj::byte> bytes) -> kj::Promise<void> {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            if (!out) return respond(response, 403, "Forbidden", kj::str());
            out.write(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
            if (!out) return respond(response, 500, "Internal Server Error", kj::str());
            return respond(response, 204, "No Content", kj::str());
          });
    }
    case kj::HttpMethod::DELETE: {
      if (!writable_) return respond(response, 405, "Method Not Allowed", kj::str());
      std::error_code ec;
      if (!fs::exists(path, ec)) return respond(response, 404, "Not Found", kj::str());
      fs::remove_all(path, ec);
      if (ec) return respond(response, 500, "Internal Server Error", kj::str());
      return respond(response, 204, "No Content", kj::str());
    }
    default:
      return respond(response, 405, "Method Not Allowed", kj::str());
  }
}

}  // namespace colony
