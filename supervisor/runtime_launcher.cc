#include "supervisor/runtime_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace colony {

namespace {

constexpr int kAnswerTimeoutMs = 10000;
constexpr int kLauncherChannelFd = 3;

std::string errnoText(const char* what, int error) { return std::string(what) + ": " + strerror(error); }

}  // namespace

std::string describeExit(int waitStatus) {
  if (WIFSIGNALED(waitStatus)) {
    int signal = WTERMSIG(waitStatus);
    return "was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  return "exited with code " + std::to_string(WEXITSTATUS(waitStatus));
}

RuntimeLauncher::RuntimeLauncher(int binaryFd, std::string binaryPath)
    : binaryFd_(binaryFd), binaryPath_(std::move(binaryPath)) {
  // The launcher forks each runtime process twice and lets the middle one exit: orphaned, the
  // runtime process is adopted by its nearest subreaper ancestor, which is us.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) subreaperError_ = errno;
}

RuntimeLauncher::~RuntimeLauncher() {
  if (pid_ > 0) discard();  // it has no work of its own to finish
}

void RuntimeLauncher::start() {
  if (pid_ > 0) return;
  if (subreaperError_ != 0) {
    throw std::runtime_error(errnoText("cannot adopt runtime processes (PR_SET_CHILD_SUBREAPER)",
                                       subreaperError_));
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    throw std::runtime_error(errnoText("socketpair for the runtime launcher", errno));
  }
  std::string exec = "/proc/self/fd/" + std::to_string(binaryFd_);
  std::string supervisorPid = std::to_string(getpid());
  std::vector<std::string> args = {binaryPath_, "launcher", "--control-fd",
                                   std::to_string(kLauncherChannelFd), "--supervisor-pid",
                                   supervisorPid};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pair[1], kLauncherChannelFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, exec.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(pair[1]);
  if (rc != 0) {
    ::close(pair[0]);
    throw std::runtime_error("cannot start " + binaryPath_ + ": " + strerror(rc));
  }
  pid_ = pid;
  channel_ = pair[0];
  spdlog::debug("runtime launcher started (pid {})", pid_);
}

bool RuntimeLauncher::send(const std::string& title, const std::vector<std::string>& argv,
                           int controlFd) {
  std::string bytes = title;
  bytes.push_back('\0');
  for (auto& arg : argv) {
    bytes += arg;
    bytes.push_back('\0');
  }
  iovec iov{bytes.data(), bytes.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &controlFd, sizeof(int));
  ssize_t n;
  do {
    n = sendmsg(channel_, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(bytes.size());
}

RuntimeLauncher::Answer RuntimeLauncher::await(LaunchReply& reply) {
  pollfd p{channel_, POLLIN, 0};
  int ready;
  do {
    ready = poll(&p, 1, kAnswerTimeoutMs);
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) return Answer::kTimeout;
  ssize_t n;
  do {
    n = recv(channel_, &reply, sizeof(reply), 0);
  } while (n < 0 && errno == EINTR);
  return n == sizeof(reply) ? Answer::kReply : Answer::kGone;
}

std::string RuntimeLauncher::discard() {
  ::close(channel_);
  channel_ = -1;
  pid_t pid = pid_;
  pid_ = 0;
  ::kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return "the runtime launcher (pid " + std::to_string(pid) + ") " + describeExit(status);
}

pid_t RuntimeLauncher::launch(const std::string& title, const std::vector<std::string>& argv,
                              int controlFd) {
  // A launcher that died since the last request is replaced, once.
  for (int attempt = 1;; ++attempt) {
    start();
    LaunchReply reply{};
    Answer answer = send(title, argv, controlFd) ? await(reply) : Answer::kGone;
    if (answer == Answer::kReply) {
      if (reply.pid > 0) return reply.pid;
      throw std::runtime_error(errnoText("the runtime launcher cannot fork", reply.error));
    }
    if (answer == Answer::kTimeout) {
      std::string how = discard();
      throw std::runtime_error(how + " after not answering within " +
                               std::to_string(kAnswerTimeoutMs / 1000) + " s");
    }
    std::string how = discard();
    if (attempt == 2) throw std::runtime_error(how + " before starting the process");
    spdlog::warn("{}; starting a new one", how);
  }
}

bool RuntimeLauncher::reaped(pid_t pid, int status) {
  if (pid != pid_ || pid_ <= 0) return false;
  ::close(channel_);
  channel_ = -1;
  pid_ = 0;
  spdlog::warn("the runtime launcher (pid {}) {}; a new one starts with the next runtime process",
               pid, describeExit(status));
  return true;
}

}  // namespace colony
