#include "runtime/storage/queue_spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

#include "runtime/storage/directories.h"

namespace colony::storage {

namespace {

constexpr char kHeader[] = "colony-queue-message 1 ";

std::string systemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + strerror(errno);
}

// Field 22 of /proc/PID/stat (start time in clock ticks since boot); "" when unreadable.
std::string startTimeOf(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  FILE* f = fopen(path, "r");
  if (f == nullptr) return "";
  char buffer[1024];
  size_t n = fread(buffer, 1, sizeof(buffer) - 1, f);
  fclose(f);
  buffer[n] = 0;
  const char* p = strrchr(buffer, ')');  // the command name may hold spaces
  if (p == nullptr) return "";
  ++p;
  // After ")" come fields 3, 4, ...: skip 3 to 21.
  for (int field = 3; field < 22 && *p; ++field) {
    while (*p == ' ') ++p;
    while (*p && *p != ' ') ++p;
  }
  while (*p == ' ') ++p;
  std::string out;
  while (*p >= '0' && *p <= '9') out += *p++;
  return out;
}

// Whether the runtime process named by an owner tag still runs.
bool ownerAlive(const std::string& tag) {
  auto dash = tag.find('-');
  if (dash == std::string::npos) return false;
  pid_t pid = static_cast<pid_t>(atol(tag.substr(0, dash).c_str()));
  if (pid <= 0) return false;
  if (!startTimeOf(getpid()).empty()) return startTimeOf(pid) == tag.substr(dash + 1);
  return kill(pid, 0) == 0 || errno == EPERM;  // no /proc: the pid alone
}

std::vector<std::string> listDirectory(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (struct dirent* entry = readdir(d)) {
    if (entry->d_name[0] == '.') continue;
    names.emplace_back(entry->d_name);
  }
  closedir(d);
  return names;
}

struct Name {
  uint64_t notBefore = 0;
  std::string seq;
  std::string id;
  uint32_t attempts = 1;
};

bool parseName(const std::string& name, Name& out) {
  auto a = name.find('-');
  auto b = a == std::string::npos ? a : name.find('-', a + 1);
  auto c = b == std::string::npos ? b : name.find('-', b + 1);
  if (c == std::string::npos || name.find('-', c + 1) != std::string::npos) return false;
  char* end = nullptr;
  out.notBefore = strtoull(name.c_str(), &end, 10);
  if (end != name.c_str() + a) return false;
  out.seq = name.substr(a + 1, b - a - 1);
  out.id = name.substr(b + 1, c - b - 1);
  unsigned long attempts = strtoul(name.c_str() + c + 1, &end, 10);
  if (*end != 0 || attempts == 0) return false;
  out.attempts = static_cast<uint32_t>(attempts);
  return !out.id.empty();
}

std::string makeName(uint64_t notBefore, const std::string& seq, const std::string& id,
                     uint32_t attempts) {
  char due[32];
  snprintf(due, sizeof(due), "%013llu", static_cast<unsigned long long>(notBefore));
  return std::string(due) + "-" + seq + "-" + id + "-" + std::to_string(attempts);
}

std::string randomId() {
  static std::mt19937_64 generator{std::random_device{}()};
  static pid_t seededFor = getpid();
  if (seededFor != getpid()) {
    generator.seed(std::random_device{}());
    seededFor = getpid();
  }
  char out[33];
  snprintf(out, sizeof(out), "%016llx%016llx", static_cast<unsigned long long>(generator()),
           static_cast<unsigned long long>(generator()));
  return out;
}

// A per-process send counter, so that names of one process's messages due the same millisecond
// sort in send order.
std::string nextSeq() {
  static uint64_t counter = 0;
  char out[32];
  snprintf(out, sizeof(out), "%010llu", static_cast<unsigned long long>(++counter % 10000000000ULL));
  return out;
}

void writeAll(int fd, const unsigned char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(systemError("cannot write", path));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

bool readMessage(const std::string& path, SpooledMessage& message) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::vector<unsigned char> bytes;
  unsigned char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  ::close(fd);
  auto newline = std::find(bytes.begin(), bytes.end(), '\n');
  std::string header(bytes.begin(), newline);
  if (newline == bytes.end() || header.rfind(kHeader, 0) != 0) return false;
  message.timestampMs = strtod(header.c_str() + sizeof(kHeader) - 1, nullptr);
  message.body.assign(newline + 1, bytes.end());
  return true;
}

}  // namespace

const std::string& queueRootDirectory() {
  static std::string dir;
  if (dir.empty()) dir = directoryFromEnvironment("COLONY_QUEUE_DIR", "queues");
  return dir;
}

uint64_t wallClockMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

const std::string& QueueSpool::ownerTag() {
  static std::string tag;
  static pid_t taggedFor = 0;
  if (taggedFor != getpid()) {
    taggedFor = getpid();
    tag = std::to_string(taggedFor) + "-" + startTimeOf(taggedFor);
  }
  return tag;
}

QueueSpool::QueueSpool(std::string name, std::string dir)
    : name_(std::move(name)), dir_(std::move(dir)), claimDir_(dir_ + "/claimed/" + ownerTag()) {
  makeDirectories(dir_ + "/ready");
  makeDirectories(dir_ + "/tmp");
  makeDirectories(claimDir_);
}

std::string QueueSpool::send(const unsigned char* body, size_t size, uint64_t delayMs) {
  std::string id = randomId();
  std::string seq = nextSeq();
  std::string tmp = dir_ + "/tmp/" + ownerTag() + "." + seq + "." + id;
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(systemError("cannot create the queue message file", tmp));
  uint64_t now = wallClockMs();
  try {
    std::string header = kHeader + std::to_string(now) + "\n";
    writeAll(fd, reinterpret_cast<const unsigned char*>(header.data()), header.size(), tmp);
    writeAll(fd, body, size, tmp);
    // On disk before send() resolves (then its name, below): an acknowledged message survives a
    // power loss when the spool directory does.
    if (fdatasync(fd) != 0) throw std::runtime_error(systemError("cannot sync the queue message", tmp));
  } catch (...) {
    ::close(fd);
    unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  std::string ready = readyDir() + "/" + makeName(now + delayMs, seq, id, 1);
  if (rename(tmp.c_str(), ready.c_str()) != 0) {
    auto error = systemError("cannot store the queue message", ready);
    unlink(tmp.c_str());
    throw std::runtime_error(error);
  }
  syncDirectory(readyDir());
  return id;
}

std::vector<SpooledMessage> QueueSpool::claim(size_t max, uint64_t& nextDueMs) {
  nextDueMs = 0;
  uint64_t now = wallClockMs();
  std::vector<std::pair<std::string, Name>> due;
  for (auto& file : listDirectory(readyDir())) {
    Name name;
    if (!parseName(file, name)) continue;
    if (name.notBefore <= now) {
      due.emplace_back(file, std::move(name));
    } else if (nextDueMs == 0 || name.notBefore < nextDueMs) {
      nextDueMs = name.notBefore;
    }
  }
  std::sort(due.begin(), due.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<SpooledMessage> claimed;
  size_t i = 0;
  for (; i < due.size() && claimed.size() < max; ++i) {
    std::string from = readyDir() + "/" + due[i].first;
    std::string to = claimDir_ + "/" + due[i].first;
    if (rename(from.c_str(), to.c_str()) != 0) {
      if (errno != ENOENT) throw std::runtime_error(systemError("cannot claim the queue message", from));
      if (access(claimDir_.c_str(), F_OK) == 0) continue;  // another process claimed it first
      makeDirectories(claimDir_);  // someone removed our claim directory: make it again
      if (rename(from.c_str(), to.c_str()) != 0) continue;
    }
    SpooledMessage message;
    message.file = due[i].first;
    message.id = due[i].second.id;
    message.attempts = due[i].second.attempts;
    if (!readMessage(to, message)) {
      spdlog::warn("queue \"{}\": message {} dropped: its file {} is unreadable", name_,
                   message.id, to);
      unlink(to.c_str());
      continue;
    }
    claimed.push_back(std::move(message));
  }
  if (i < due.size()) nextDueMs = now;  // more are due already
  return claimed;
}

void QueueSpool::ack(const SpooledMessage& message) {
  std::string path = claimDir_ + "/" + message.file;
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw std::runtime_error(systemError("cannot remove the delivered queue message", path));
  }
}

bool QueueSpool::requeue(const std::string& from, const std::string& file, uint64_t delayMs,
                         uint32_t maxAttempts, bool countAttempt) {
  Name name;
  if (!parseName(file, name)) {
    unlink(from.c_str());
    return false;
  }
  uint32_t attempts = countAttempt ? name.attempts + 1 : name.attempts;
  if (attempts > maxAttempts) {
    spdlog::warn("queue \"{}\": message {} dropped after {} delivery attempts", name_, name.id,
                 name.attempts);
    if (unlink(from.c_str()) != 0 && errno != ENOENT) {
      throw std::runtime_error(systemError("cannot remove the queue message", from));
    }
    return false;
  }
  std::string to = readyDir() + "/" + makeName(wallClockMs() + delayMs, name.seq, name.id, attempts);
  if (rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
    throw std::runtime_error(systemError("cannot return the queue message", from));
  }
  return true;
}

bool QueueSpool::retry(const SpooledMessage& message, uint64_t delayMs, uint32_t maxAttempts) {
  return requeue(claimDir_ + "/" + message.file, message.file, delayMs, maxAttempts, true);
}

size_t QueueSpool::recoverAbandoned(uint32_t maxAttempts) {
  size_t recovered = 0;
  try {
    std::string claimed = dir_ + "/claimed";
    for (auto& owner : listDirectory(claimed)) {
      if (owner == ownerTag() || ownerAlive(owner)) continue;
      std::string ownerDir = claimed + "/" + owner;
      for (auto& file : listDirectory(ownerDir)) {
        if (requeue(ownerDir + "/" + file, file, 0, maxAttempts, true)) ++recovered;
      }
      rmdir(ownerDir.c_str());
    }
    std::string tmp = dir_ + "/tmp";
    for (auto& file : listDirectory(tmp)) {
      auto dot = file.find('.');
      if (dot == std::string::npos || file.compare(0, dot, ownerTag()) == 0) continue;
      if (!ownerAlive(file.substr(0, dot))) unlink((tmp + "/" + file).c_str());
    }
  } catch (std::exception& e) {
    spdlog::error("queue \"{}\": recovering abandoned messages: {}", name_, e.what());
  }
  if (recovered > 0) {
    spdlog::info("queue \"{}\": {} messages of a runtime process that stopped are ready again",
                 name_, recovered);
  }
  return recovered;
}

void QueueSpool::releaseOwnClaims() {
  try {
    for (auto& file : listDirectory(claimDir_)) {
      requeue(claimDir_ + "/" + file, file, 0, UINT32_MAX, false);
    }
  } catch (std::exception& e) {
    spdlog::error("queue \"{}\": returning messages: {}", name_, e.what());
  }
}

void QueueSpool::close() {
  rmdir(claimDir_.c_str());
}

}  // namespace colony::storage
