// The queue spool (runtime/storage/queue_spool.h): exclusive claims, retries counting attempts and
// dropping after the limit, due times, and recovery of claims left by a process that is gone.
#include "runtime/storage/queue_spool.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/storage/directories.h"

namespace colony::storage {
namespace {

class QueueSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/colony-queue-spool-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { removeTree(dir_); }

  static std::vector<unsigned char> bytes(const std::string& text) {
    return std::vector<unsigned char>(text.begin(), text.end());
  }
  static size_t count(const std::string& dir) {
    size_t n = 0;
    if (DIR* d = opendir(dir.c_str())) {
      while (auto* e = readdir(d)) n += e->d_name[0] != '.';
      closedir(d);
    }
    return n;
  }

  std::string dir_;
};

TEST_F(QueueSpoolTest, OwnerTagIsPidAndProcessStartTime) {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) fields >> field;  // field 22: start time
  EXPECT_EQ(QueueSpool::ownerTag(), std::to_string(getpid()) + "-" + field);
}

TEST_F(QueueSpoolTest, ClaimAckAndOrder) {
  QueueSpool spool("Q", dir_);
  auto a = bytes("first"), b = bytes("second");
  std::string idA = spool.send(a.data(), a.size(), 0);
  std::string idB = spool.send(b.data(), b.size(), 0);
  uint64_t next = 0;
  auto batch = spool.claim(10, next);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].id, idA);
  EXPECT_EQ(batch[0].body, a);
  EXPECT_EQ(batch[0].attempts, 1u);
  EXPECT_EQ(batch[1].id, idB);
  EXPECT_EQ(next, 0u);
  // Claimed messages are nobody else's.
  QueueSpool other("Q", dir_);
  EXPECT_TRUE(other.claim(10, next).empty());
  spool.ack(batch[0]);
  spool.ack(batch[1]);
  EXPECT_EQ(count(dir_ + "/ready"), 0u);
  EXPECT_EQ(count(dir_ + "/claimed/" + QueueSpool::ownerTag()), 0u);
}

TEST_F(QueueSpoolTest, BatchSizeAndDueTimes) {
  QueueSpool spool("Q", dir_);
  auto body = bytes("x");
  for (int i = 0; i < 3; ++i) spool.send(body.data(), body.size(), 0);
  spool.send(body.data(), body.size(), 60000);
  uint64_t next = 0;
  EXPECT_EQ(spool.claim(2, next).size(), 2u);
  EXPECT_NE(next, 0u);  // one more is due already
  EXPECT_EQ(spool.claim(10, next).size(), 1u);
  EXPECT_GE(next, wallClockMs() + 59000);  // the delayed one
  EXPECT_TRUE(spool.claim(10, next).empty());
}

TEST_F(QueueSpoolTest, RetryCountsAttemptsThenDrops) {
  QueueSpool spool("Q", dir_);
  auto body = bytes("x");
  std::string id = spool.send(body.data(), body.size(), 0);
  uint64_t next = 0;
  for (uint32_t attempt = 1; attempt <= 4; ++attempt) {
    auto batch = spool.claim(10, next);
    ASSERT_EQ(batch.size(), 1u);
    EXPECT_EQ(batch[0].id, id);
    EXPECT_EQ(batch[0].attempts, attempt);
    EXPECT_EQ(spool.retry(batch[0], 0, 4), attempt < 4);
  }
  EXPECT_TRUE(spool.claim(10, next).empty());
  EXPECT_EQ(count(dir_ + "/ready"), 0u);
}

TEST_F(QueueSpoolTest, ClaimsOfAGoneProcessAreRecovered) {
  QueueSpool spool("Q", dir_);
  auto body = bytes("x");
  spool.send(body.data(), body.size(), 0);
  // A child process claims the message and exits without settling it.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    QueueSpool mine("Q", dir_);
    uint64_t next = 0;
    _exit(mine.claim(10, next).size() == 1 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  uint64_t next = 0;
  EXPECT_TRUE(spool.claim(10, next).empty());
  EXPECT_EQ(spool.recoverAbandoned(4), 1u);
  EXPECT_EQ(count(dir_ + "/claimed"), 1u);  // only ours is left
  auto batch = spool.claim(10, next);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].attempts, 2u);  // the interrupted delivery counts
  // A live process's claims stay put.
  EXPECT_EQ(spool.recoverAbandoned(4), 0u);
  EXPECT_EQ(count(dir_ + "/claimed/" + QueueSpool::ownerTag()), 1u);
}

}  // namespace
}  // namespace colony::storage
