#include "ipc/load_table.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <string>
#include <system_error>
#include <utility>

namespace colony {

namespace {

constexpr size_t kTableBytes = sizeof(uint64_t) * 8 * LoadTable::kSlots;

uint64_t load(const uint64_t& field) {
  return std::atomic_ref<uint64_t>(const_cast<uint64_t&>(field)).load(std::memory_order_relaxed);
}

void store(uint64_t& field, uint64_t value) {
  std::atomic_ref<uint64_t>(field).store(value, std::memory_order_relaxed);
}

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string("load table: ") + what);
}

}  // namespace

static_assert(sizeof(uint64_t) * 8 == 64, "rows are one cache line");

LoadTable LoadTable::create() {
  int fd = memfd_create("colony-load-table", MFD_CLOEXEC);
  if (fd < 0) fail("memfd_create");
  if (ftruncate(fd, kTableBytes) != 0) {
    int error = errno;
    ::close(fd);
    errno = error;
    fail("ftruncate");
  }
  void* memory = mmap(nullptr, kTableBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (memory == MAP_FAILED) {
    int error = errno;
    ::close(fd);
    errno = error;
    fail("mmap");
  }
  return LoadTable(fd, static_cast<Row*>(memory));
}

LoadTable LoadTable::attach(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) fail("fstat of the received descriptor");
  if (static_cast<size_t>(st.st_size) < kTableBytes) {
    errno = EINVAL;
    fail("the received descriptor is smaller than a table");
  }
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (own < 0) fail("dup");
  void* memory = mmap(nullptr, kTableBytes, PROT_READ | PROT_WRITE, MAP_SHARED, own, 0);
  if (memory == MAP_FAILED) {
    int error = errno;
    ::close(own);
    errno = error;
    fail("mmap");
  }
  return LoadTable(own, static_cast<Row*>(memory));
}

LoadTable::LoadTable(LoadTable&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), rows_(std::exchange(other.rows_, nullptr)) {}

LoadTable& LoadTable::operator=(LoadTable&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    rows_ = std::exchange(other.rows_, nullptr);
  }
  return *this;
}

LoadTable::~LoadTable() { release(); }

void LoadTable::release() {
  if (rows_ != nullptr) munmap(rows_, kTableBytes);
  if (fd_ >= 0) ::close(fd_);
  rows_ = nullptr;
  fd_ = -1;
}

void LoadTable::setParticipating(uint32_t slot, bool participating) {
  if (slot >= kSlots || rows_ == nullptr) return;
  store(rows_[slot].participating, participating ? 1 : 0);
}

void LoadTable::publish(uint32_t slot, uint64_t connections, uint64_t nowMs) {
  if (slot >= kSlots || rows_ == nullptr) return;
  store(rows_[slot].connections, connections);
  store(rows_[slot].heartbeatMs, nowMs);
}

bool LoadTable::shouldAccept(uint32_t slot, uint64_t nowMs) const {
  if (slot >= kSlots || rows_ == nullptr) return true;
  uint64_t mine = load(rows_[slot].connections);
  uint64_t fewest = mine;
  for (uint32_t i = 0; i < kSlots; ++i) {
    if (i == slot || load(rows_[i].participating) == 0) continue;
    uint64_t heartbeat = load(rows_[i].heartbeatMs);
    if (heartbeat + kStaleMs < nowMs) continue;
    uint64_t connections = load(rows_[i].connections);
    if (connections < fewest) fewest = connections;
  }
  return mine <= fewest + slackAbove(fewest);
}

void LoadTable::clear(uint32_t slot) {
  if (slot >= kSlots || rows_ == nullptr) return;
  store(rows_[slot].participating, 0);
  store(rows_[slot].connections, 0);
  store(rows_[slot].heartbeatMs, 0);
}

uint64_t LoadTable::monotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

}  // namespace colony
