// The load table: a small shared-memory table (one memfd, mapped by the supervisor and every
// runtime process) through which runtime processes balance the connections they accept from the
// listening sockets they all share.
//
// Every runtime accepts from the same kernel accept queue (the supervisor's listening sockets,
// passed to each runtime). After each accepted connection, and on a timer (every 10 ms while it
// has stepped aside, every kStaleMs / 4 as a heartbeat while it accepts), a runtime
// publishes its open connection count in its row and compares it with the rows of the other
// processes taking part: it keeps accepting only while it holds no more than the fewest
// connections plus a small slack, so a busy process steps aside and the kernel hands the next
// connections to the others. The process with the fewest connections always accepts, so the
// queue is always served. Rows are written by their own runtime only (the supervisor clears a
// row when its process exits); stale rows (no heartbeat for kStaleMs) do not count.
//
// The supervisor creates the table and gives each runtime its fd and its row (`slot`) over RPC.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace colony {

class LoadTable {
 public:
  static constexpr uint32_t kSlots = 512;
  // A row whose heartbeat is older than this is ignored (its process is hung or gone).
  static constexpr uint64_t kStaleMs = 1000;

  // Creates a zeroed table in a new memfd (supervisor). Throws std::system_error.
  static LoadTable create();
  // Maps a table from a descriptor received from the supervisor; dups `fd`, the caller keeps
  // its own. Throws std::system_error naming what failed.
  static LoadTable attach(int fd);

  LoadTable() = default;
  LoadTable(LoadTable&& other) noexcept;
  LoadTable& operator=(LoadTable&& other) noexcept;
  ~LoadTable();
  LoadTable(const LoadTable&) = delete;
  LoadTable& operator=(const LoadTable&) = delete;

  bool valid() const { return rows_ != nullptr; }
  int fd() const { return fd_; }

  // --- runtime side: its own row ------------------------------------------------------------
  // Takes part in accepting (true) or not (false: starting, draining).
  void setParticipating(uint32_t slot, bool participating);
  // Publishes the open connection count and the heartbeat (now, monotonic ms).
  void publish(uint32_t slot, uint64_t connections, uint64_t nowMs);
  // Whether the process in `slot` should keep accepting, given every participating row.
  bool shouldAccept(uint32_t slot, uint64_t nowMs) const;

  // --- supervisor side ----------------------------------------------------------------------
  // Clears a row (before handing it to a new process, and when its process exits).
  void clear(uint32_t slot);

  // The connections a process may hold above the fewest held by any participant.
  static uint64_t slackAbove(uint64_t fewest) { return 1 + fewest / 16; }

  static uint64_t monotonicMs();

 private:
  struct alignas(64) Row {
    uint64_t participating;  // 0 or 1
    uint64_t connections;
    uint64_t heartbeatMs;
  };

  LoadTable(int fd, Row* rows) : fd_(fd), rows_(rows) {}
  void release();

  int fd_ = -1;
  Row* rows_ = nullptr;
};

}  // namespace colony
