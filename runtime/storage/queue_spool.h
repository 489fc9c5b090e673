// Colony's local queue broker keeps every message of a queue in a spool directory shared by all
// runtime processes of a server, one file per message, so that messages survive a runtime crash,
// a reload and (with a persistent directory) a restart, and each is handed to one process at a
// time. See runtime/storage/README.md ("Queues").
//
// Layout of one queue's directory:
//   ready/NAME            waiting for delivery; NAME = <notBeforeMs>-<seq>-<id>-<attempts>
//                         (wall-clock ms, 13 digits; so names sort by due time, then send order)
//   claimed/OWNER/NAME    being delivered by the runtime process OWNER = <pid>-<start time>
//   tmp/OWNER.N           a message being written (renamed into ready/ when complete)
// A file holds one header line "colony-queue-message 1 <timestampMs>\n", then the body.
// Every state change is one rename() or unlink(), so exactly one process wins a claim and a
// message is never both ready and claimed. A sent message is synced to disk (its data, then the
// ready/ entry) before send() returns, so with a directory that is kept (COLONY_QUEUE_DIR) it also
// survives a power loss; claims, retries and acks are not synced (a claim lost in a crash is
// recovered as abandoned: delivery is at least once).
//
// The queues' root directory: COLONY_QUEUE_DIR, which `colony serve` (the supervisor) sets to a
// new private directory for the server (storage::SupervisorDirectory) and removes when it exits,
// unless the user set it (then
// the directory is kept: messages survive restarts). `--single-process` and `colony test`
// without the variable get a private directory removed at exit.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace colony::storage {

// The root of every queue's spool directory (created on first use). Throws std::runtime_error.
const std::string& queueRootDirectory();


// Wall-clock milliseconds since the epoch (due times are stored in it).
uint64_t wallClockMs();

struct SpooledMessage {
  std::string file;  // its name (under claimed/OWNER/)
  std::string id;
  double timestampMs = 0;
  uint32_t attempts = 1;
  std::vector<unsigned char> body;
};

// One queue's spool. All methods throw std::runtime_error naming the file and the system error,
// except where they say otherwise.
class QueueSpool {
 public:
  // `name` labels log lines (the queue's name); `dir` is created when missing.
  QueueSpool(std::string name, std::string dir);
  const std::string& dir() const { return dir_; }
  std::string readyDir() const { return dir_ + "/ready"; }

  // Stores a message, due `delayMs` from now; returns its id.
  std::string send(const unsigned char* body, size_t size, uint64_t delayMs);

  // Claims up to `max` due messages for this process, oldest first. `nextDueMs` gets the due
  // time of the earliest message left waiting (0 when none). Messages whose file cannot be read
  // are dropped with a warning.
  std::vector<SpooledMessage> claim(size_t max, uint64_t& nextDueMs);
  // Delivered: removes the message.
  void ack(const SpooledMessage& message);
  // Back to ready/, due `delayMs` from now, with attempts + 1; when that would exceed
  // `maxAttempts` the message is dropped instead, with a warning naming queue and id. Returns
  // whether it was kept.
  bool retry(const SpooledMessage& message, uint64_t delayMs, uint32_t maxAttempts);

  // Claims held by runtime processes that no longer run go back to ready/ (the interrupted
  // delivery counts as an attempt; beyond `maxAttempts` they are dropped with a warning), and
  // their half-written files are removed. Returns how many messages became ready. Never throws.
  size_t recoverAbandoned(uint32_t maxAttempts);
  // Puts this process's own claims back (after a delivery could not finish here). Never throws.
  void releaseOwnClaims();
  // Removes this process's (empty) claim directory. Never throws.
  void close();

  // This process's owner tag (<pid>-<start time>).
  static const std::string& ownerTag();

 private:
  bool requeue(const std::string& from, const std::string& name, uint64_t delayMs,
               uint32_t maxAttempts, bool countAttempt);

  std::string name_;
  std::string dir_;
  std::string claimDir_;
};

}  // namespace colony::storage
