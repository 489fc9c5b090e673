#include "runtime/storage/file_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "runtime/storage/directories.h"

namespace colony::storage {

namespace {

std::runtime_error systemError(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + strerror(errno));
}

bool isRecordName(const char* name) {
  if (strlen(name) != 64) return false;
  for (const char* p = name; *p; ++p) {
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
  }
  return true;
}

// Reads the whole of `fd` from its current position.
bool readAll(int fd, std::vector<unsigned char>& out) {
  unsigned char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    out.insert(out.end(), buffer, buffer + n);
  }
}

bool writeAll(int fd, const void* data, size_t size) {
  auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

FileStore::FileStore(std::string dir, bool durable) : dir_(std::move(dir)), durable_(durable) {}

std::string FileStore::fileName(std::string_view key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::string FileStore::pathOf(std::string_view key) const { return dir_ + "/" + fileName(key); }

std::optional<Record> FileStore::read(std::string_view key, bool touch) const {
  auto path = pathOf(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw systemError("cannot open", path);
  }
  std::vector<unsigned char> all;
  bool ok = readAll(fd, all);
  ::close(fd);
  if (!ok) throw systemError("cannot read", path);
  auto newline = std::find(all.begin(), all.end(), '\n');
  if (newline == all.end()) return std::nullopt;  // not a record (truncated by hand?)
  Record record;
  record.header.assign(all.begin(), newline);
  record.body.assign(newline + 1, all.end());
  if (touch) ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
  return record;
}

std::optional<FileStore::Located> FileStore::locate(std::string_view key) const {
  auto path = pathOf(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw systemError("cannot open", path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int savedErrno = errno;
    ::close(fd);
    errno = savedErrno;
    throw systemError("cannot stat", path);
  }
  Located located;
  char buffer[4096];
  bool complete = false;
  while (!complete) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    auto* nl = static_cast<char*>(memchr(buffer, '\n', static_cast<size_t>(n)));
    if (nl != nullptr) {
      located.header.append(buffer, nl);
      complete = true;
    } else {
      located.header.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  if (!complete) return std::nullopt;  // not a record
  located.bodyOffset = located.header.size() + 1;
  located.bodySize = static_cast<uint64_t>(st.st_size) - located.bodyOffset;
  located.inode = static_cast<uint64_t>(st.st_ino);
  return located;
}

std::vector<unsigned char> FileStore::readBody(std::string_view key, uint64_t inode,
                                               uint64_t offset, uint64_t length) const {
  auto path = pathOf(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_ino) != inode) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("the record was replaced or removed while it was being read: " + path);
  }
  std::vector<unsigned char> out(length);
  size_t have = 0;
  while (have < length) {
    ssize_t n = ::pread(fd, out.data() + have, length - have, static_cast<off_t>(offset + have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int savedErrno = errno;
      ::close(fd);
      errno = savedErrno;
      throw systemError("cannot read", path);
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(have);
  return out;
}

// A new temporary file in the store's directory (made if missing), open for writing.
int FileStore::createTemp(std::string& temp) const {
  static std::atomic<uint64_t> counter{0};
  temp = dir_ + "/.tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ENOENT) {
    makeDirectories(dir_);
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) throw systemError("cannot create", temp);
  return fd;
}

// Renames a complete temporary file over `path` (removing it if that fails).
void FileStore::publish(const std::string& temp, const std::string& path) const {
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int savedErrno = errno;
    ::unlink(temp.c_str());
    errno = savedErrno;
    throw systemError("cannot rename a record into", path);
  }
  if (durable_) syncDirectory(dir_);
}

void FileStore::write(std::string_view key, std::string_view header, const unsigned char* body,
                      size_t size) const {
  std::string temp;
  int fd = createTemp(temp);
  bool ok = writeAll(fd, header.data(), header.size()) && writeAll(fd, "\n", 1) &&
            writeAll(fd, body, size) && (!durable_ || ::fdatasync(fd) == 0);
  int savedErrno = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    errno = savedErrno;
    throw systemError("cannot write", temp);
  }
  publish(temp, pathOf(key));
}

void FileStore::writeConcatenated(std::string_view key, std::string_view header,
                                  const FileStore& source,
                                  const std::vector<std::string>& keys) const {
  std::string temp;
  int fd = createTemp(temp);
  auto fail = [&](const std::runtime_error& error) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw error;
  };
  if (!writeAll(fd, header.data(), header.size()) || !writeAll(fd, "\n", 1)) {
    fail(systemError("cannot write", temp));
  }
  unsigned char buffer[65536];
  for (auto& part : keys) {
    auto from = source.pathOf(part);
    int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail(systemError("cannot open", from));
    bool inBody = false;
    for (;;) {
      ssize_t n = ::read(in, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(in);
        fail(systemError("cannot read", from));
      }
      if (n == 0) break;
      unsigned char* start = buffer;
      size_t size = static_cast<size_t>(n);
      if (!inBody) {
        auto* nl = static_cast<unsigned char*>(memchr(buffer, '\n', size));
        if (nl == nullptr) continue;  // still in the header
        inBody = true;
        size -= static_cast<size_t>(nl + 1 - buffer);
        start = nl + 1;
      }
      if (!writeAll(fd, start, size)) {
        ::close(in);
        fail(systemError("cannot write", temp));
      }
    }
    ::close(in);
    if (!inBody) fail(std::runtime_error("not a record: " + from));
  }
  bool synced = !durable_ || ::fdatasync(fd) == 0;
  int savedErrno = errno;
  bool closed = ::close(fd) == 0;
  if (!synced || !closed) {
    if (!synced) errno = savedErrno;
    ::unlink(temp.c_str());
    throw systemError("cannot write", temp);
  }
  publish(temp, pathOf(key));
}

bool FileStore::remove(std::string_view key) const {
  auto path = pathOf(key);
  if (::unlink(path.c_str()) == 0) {
    if (durable_) syncDirectory(dir_);
    return true;
  }
  if (errno == ENOENT) return false;
  throw systemError("cannot remove", path);
}

std::vector<std::string> FileStore::headers() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    throw systemError("cannot list", dir_);
  }
  while (auto* entry = ::readdir(d)) {
    if (!isRecordName(entry->d_name)) continue;
    auto path = dir_ + "/" + entry->d_name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // removed meanwhile
    std::string header;
    char buffer[4096];
    bool complete = false;
    while (!complete) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      auto* nl = static_cast<char*>(memchr(buffer, '\n', static_cast<size_t>(n)));
      if (nl != nullptr) {
        header.append(buffer, nl);
        complete = true;
      } else {
        header.append(buffer, static_cast<size_t>(n));
      }
    }
    ::close(fd);
    if (complete) out.push_back(std::move(header));
  }
  ::closedir(d);
  return out;
}

uint64_t FileStore::totalBytes() const {
  uint64_t total = 0;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return 0;
  while (auto* entry = ::readdir(d)) {
    if (!isRecordName(entry->d_name)) continue;
    struct stat st;
    if (::fstatat(dirfd(d), entry->d_name, &st, 0) == 0) total += static_cast<uint64_t>(st.st_size);
  }
  ::closedir(d);
  return total;
}

void FileStore::evict(uint64_t maxBytes) const {
  auto lockPath = dir_ + "/.lock";
  int lock = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) return;
  if (::flock(lock, LOCK_EX | LOCK_NB) != 0) {  // another process is sweeping
    ::close(lock);
    return;
  }
  struct Entry {
    std::string name;
    uint64_t size;
    struct timespec used;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (auto* entry = ::readdir(d)) {
      if (!isRecordName(entry->d_name)) continue;
      struct stat st;
      if (::fstatat(dirfd(d), entry->d_name, &st, 0) != 0) continue;
      entries.push_back({entry->d_name, static_cast<uint64_t>(st.st_size), st.st_mtim});
      total += static_cast<uint64_t>(st.st_size);
    }
    ::closedir(d);
  }
  if (total > maxBytes) {
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      if (a.used.tv_sec != b.used.tv_sec) return a.used.tv_sec < b.used.tv_sec;
      return a.used.tv_nsec < b.used.tv_nsec;
    });
    uint64_t target = maxBytes / 10 * 9;
    for (auto& entry : entries) {
      if (total <= target) break;
      if (::unlink((dir_ + "/" + entry.name).c_str()) == 0) total -= entry.size;
    }
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
}

}  // namespace colony::storage
