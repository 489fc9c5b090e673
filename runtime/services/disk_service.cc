#include "runtime/services/disk_service.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include <kj/compat/url.h>
#include <kj/debug.h>

#include "ipc/control_fd.h"

namespace colony {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 64 * 1024;

kj::String httpDate(time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return kj::str(buf);
}

// Closes the descriptor when the response is done with it.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  KJ_DISALLOW_COPY(Fd);
};

kj::Promise<void> copyFile(std::shared_ptr<Fd> file, kj::Own<kj::AsyncOutputStream> out,
                           uint64_t left) {
  if (left == 0) return kj::READY_NOW;
  auto buffer = kj::heapArray<kj::byte>(std::min<uint64_t>(left, kChunk));
  ssize_t n;
  do {
    n = ::read(file->fd, buffer.begin(), buffer.size());
  } while (n < 0 && errno == EINTR);
  // The file shrank or failed under us: the peer sees a truncated body, never wrong bytes.
  KJ_REQUIRE(n > 0, "disk service: reading a file failed or it shrank while being sent");
  auto& stream = *out;
  auto write = stream.write(buffer.begin(), n);
  return write.attach(kj::mv(buffer))
      .then([file, out = kj::mv(out), left, n]() mutable {
        return copyFile(file, kj::mv(out), left - n);
      });
}

kj::Promise<void> copyToFd(kj::AsyncInputStream& in, std::shared_ptr<Fd> file) {
  auto buffer = kj::heapArray<kj::byte>(kChunk);
  auto read = in.tryRead(buffer.begin(), 1, buffer.size());
  return read.then([&in, file, buffer = kj::mv(buffer)](size_t n) mutable -> kj::Promise<void> {
    if (n == 0) return kj::READY_NOW;
    size_t off = 0;
    while (off < n) {
      ssize_t w = ::write(file->fd, buffer.begin() + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      KJ_REQUIRE(w > 0, "disk service: writing a file failed", strerror(errno));
      off += w;
    }
    return copyToFd(in, file);
  });
}

}  // namespace

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

kj::Promise<void> DiskService::respond(Response& response, uint status, kj::StringPtr statusText) {
  kj::HttpHeaders headers(table_);
  // Error statuses carry their reason phrase as the body, as in workerd; 204 carries nothing.
  kj::StringPtr body = status == 204 ? ""_kj : statusText;
  auto stream = response.send(status, statusText, headers, uint64_t(body.size()));
  if (body.size() == 0) return kj::READY_NOW;
  auto write = stream->write(body.begin(), body.size());
  return write.attach(kj::mv(stream));
}

kj::Promise<void> DiskService::request(kj::HttpMethod method, kj::StringPtr url,
                                       const kj::HttpHeaders& headers,
                                       kj::AsyncInputStream& requestBody, Response& response) {
  bool read = method == kj::HttpMethod::GET || method == kj::HttpMethod::HEAD;
  bool write = method == kj::HttpMethod::PUT || method == kj::HttpMethod::DELETE;
  if (!read && !write) return respond(response, 501, "Not Implemented");
  if (write && !writable_) return respond(response, 405, "Method Not Allowed");

  // Requests arrive with a full URL (fetch through a binding) or a path (a socket).
  kj::Url parsed;
  KJ_IF_MAYBE(u, kj::Url::tryParse(url, kj::Url::HTTP_PROXY_REQUEST)) {
    parsed = kj::mv(*u);
  } else KJ_IF_MAYBE(u2, kj::Url::tryParse(url, kj::Url::HTTP_REQUEST)) {
    parsed = kj::mv(*u2);
  } else {
    return respond(response, 400, "Bad Request");
  }
  // kj::Url has percent-decoded each segment and resolved literal "." and "..".
  std::string path = root_;
  for (auto& segment : parsed.path) {
    if (segment.size() == 0) continue;
    if (segment.startsWith(".") && !allowDotfiles_) {
      if (method == kj::HttpMethod::PUT) return respond(response, 403, "Unauthorized");
      return respond(response, 404, "Not Found");
    }
    if (segment == "." || segment == ".." || segment.findFirst('/') != nullptr ||
        strlen(segment.cStr()) != segment.size()) {
      return respond(response, 404, "Not Found");
    }
    path += "/";
    path += segment.cStr();
  }

  switch (method) {
    case kj::HttpMethod::GET:
      return get(path, false, response);
    case kj::HttpMethod::HEAD:
      return get(path, true, response);
    case kj::HttpMethod::PUT:
      return put(path, requestBody, response);
    case kj::HttpMethod::DELETE: {
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0 || path == root_) {
        return respond(response, 404, "Not Found");
      }
      std::error_code ec;
      fs::remove_all(path, ec);
      if (ec) return respond(response, 500, "Internal Server Error");
      return respond(response, 204, "No Content");
    }
    default:
      KJ_UNREACHABLE;
  }
}

kj::Promise<void> DiskService::get(const std::string& path, bool head, Response& response) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return respond(response, 404, "Not Found");
  kj::HttpHeaders headers(table_);
  auto modified = httpDate(st.st_mtime);
  headers.add("Last-Modified", modified);

  if (S_ISDIR(st.st_mode)) {
    std::vector<std::pair<std::string, std::string>> entries;
    std::error_code ec;
    for (auto& entry : fs::directory_iterator(path, ec)) {
      auto name = entry.path().filename().string();
      if (name[0] == '.' && !allowDotfiles_) continue;
      auto status = entry.symlink_status(ec);
      std::string type = fs::is_symlink(status)     ? "symlink"
                         : fs::is_directory(status) ? "directory"
                         : fs::is_regular_file(status) ? "file"
                                                       : "other";
      entries.emplace_back(std::move(name), std::move(type));
    }
    std::sort(entries.begin(), entries.end());
    std::string json = "[";
    for (auto& [name, type] : entries) {
      if (json.size() > 1) json += ",";
      json += "{\"name\":\"" + jsonEscape(name) + "\",\"type\":\"" + type + "\"}";
    }
    json += "]";
    headers.set(kj::HttpHeaderId::CONTENT_TYPE, "application/json");
    auto body = kj::heapString(json.data(), json.size());
    auto stream = response.send(200, "OK", headers, uint64_t(body.size()));
    if (head) return kj::READY_NOW;
    auto write = stream->write(body.begin(), body.size());
    return write.attach(kj::mv(stream), kj::mv(body));
  }
  // Only regular files: opening a FIFO or a device could block or never end.
  if (!S_ISREG(st.st_mode)) return respond(response, 404, "Not Found");
  auto file = std::make_shared<Fd>(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file->fd < 0) return respond(response, 404, "Not Found");
  headers.set(kj::HttpHeaderId::CONTENT_TYPE, "application/octet-stream");
  uint64_t size = st.st_size;
  auto stream = response.send(200, "OK", headers, size);
  if (head) return kj::READY_NOW;
  return copyFile(file, kj::mv(stream), size);
}

kj::Promise<void> DiskService::put(const std::string& path, kj::AsyncInputStream& body,
                                   Response& response) {
  if (path == root_) return respond(response, 500, "Internal Server Error");
  fs::path target(path);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return respond(response, 500, "Internal Server Error");
  }
  // Written beside the target and renamed over it: readers never see half a file, and a symlink
  // at the target is replaced rather than written through.
  std::string temp = (target.parent_path() / ".colony-put-XXXXXX").string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return respond(response, 500, "Internal Server Error");
  ::fchmod(fd, 0644);
  auto file = std::make_shared<Fd>(fd);
  return copyToFd(body, file).then(
      [this, file, temp, path, &response]() -> kj::Promise<void> {
        ::close(file->fd);
        file->fd = -1;
        if (::rename(temp.c_str(), path.c_str()) != 0) {
          ::unlink(temp.c_str());
          return respond(response, 500, "Internal Server Error");
        }
        return respond(response, 204, "No Content");
      },
      [file, temp](kj::Exception&& e) -> kj::Promise<void> {
        ::unlink(temp.c_str());
        return kj::mv(e);
      });
}

}  // namespace colony
