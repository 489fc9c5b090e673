#include "runtime/launcher.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace colony {

namespace {

constexpr size_t kMaxRequestBytes = 64 * 1024;
constexpr int kRuntimeControlFd = 3;  // where a started process finds its control socket
constexpr int kReparentWaitUs = 100;
constexpr int kReparentWaitRounds = 50000;  // 5 s
constexpr int kReleaseAfterIdleMs = 1000;

// The memory that holds the process's command line as /proc/PID/cmdline (and so ps) shows it:
// the argv strings and, right after them, the environment strings, which are copied elsewhere
// so that a title may use their room too.
struct TitleArea {
  char* start = nullptr;
  size_t size = 0;
};

TitleArea claimTitleArea(int argc, char** argv) {
  if (argc < 1 || argv[0] == nullptr) return {};
  char* end = argv[0];
  for (int i = 0; i < argc && argv[i] == end; ++i) end += strlen(argv[i]) + 1;
  size_t count = 0;
  while (environ[count] != nullptr) ++count;
  char** copy = static_cast<char**>(malloc((count + 1) * sizeof(char*)));
  if (copy == nullptr) return {argv[0], static_cast<size_t>(end - argv[0])};
  for (size_t i = 0; i < count; ++i) {
    if (environ[i] == end) end += strlen(environ[i]) + 1;
    copy[i] = strdup(environ[i]);
  }
  copy[count] = nullptr;
  environ = copy;
  return {argv[0], static_cast<size_t>(end - argv[0])};
}

void setTitle(const TitleArea& area, const std::string& title) {
  if (area.size == 0) return;
  size_t n = std::min(title.size(), area.size - 1);
  memcpy(area.start, title.data(), n);
  memset(area.start + n, 0, area.size - n);
}

// The launcher's resident pages from its own start: the symbol tables, hash tables and
// relocation records the dynamic linker read, and code that ran once. Nothing needs them again
// here, and a forked process maps what it uses itself; so every read-only file page is given back
// (they stay in the page cache). Pages the linker wrote (RELRO, data) are never touched.
int releaseReadOnlyPages(dl_phdr_info* info, size_t, void*) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
  auto down = [page](uintptr_t a) { return a & ~(page - 1); };
  auto up = [page](uintptr_t a) { return (a + page - 1) & ~(page - 1); };
  std::vector<std::pair<uintptr_t, uintptr_t>> written;  // page ranges that must stay
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_GNU_RELRO || (ph.p_type == PT_LOAD && (ph.p_flags & PF_W))) {
      written.emplace_back(down(start), up(start + ph.p_memsz));
    }
  }
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W)) continue;
    uintptr_t start = down(info->dlpi_addr + ph.p_vaddr);
    uintptr_t end = up(info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
    if (vdso >= start && vdso < end) continue;
    for (auto [ws, we] : written) {
      if (ws >= end || we <= start) continue;
      if (ws <= start) start = std::max(start, we);
      if (we >= end) end = std::min(end, ws);
      if (ws > start && we < end) end = start;  // a written range inside: leave the segment be
    }
    if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
  }
  return 0;
}

struct Request {
  std::string title;
  std::vector<std::string> args;
  int fd = -1;
};

enum class Received { kRequest, kBad, kEnd };

Received receive(int channel, Request& request) {
  std::vector<char> buffer(kMaxRequestBytes);
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(channel, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return Received::kEnd;
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.push_back(fd);
    }
  }
  std::vector<std::string> strings;
  for (ssize_t pos = 0; pos < n;) {
    const char* s = buffer.data() + pos;
    size_t len = strnlen(s, static_cast<size_t>(n - pos));
    if (pos + static_cast<ssize_t>(len) == n) break;  // not NUL-terminated: dropped below
    strings.emplace_back(s, len);
    pos += static_cast<ssize_t>(len) + 1;
  }
  bool ok = fds.size() == 1 && strings.size() >= 2 && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
            buffer[static_cast<size_t>(n) - 1] == '\0';
  if (!ok) {
    for (int fd : fds) close(fd);
    return Received::kBad;
  }
  request.fd = fds[0];
  request.title = std::move(strings[0]);
  request.args.assign(std::make_move_iterator(strings.begin() + 1),
                      std::make_move_iterator(strings.end()));
  return Received::kRequest;
}

// In the forked process: become the runtime process the request describes. Never returns.
[[noreturn]] void becomeRuntime(const LauncherOptions& options, const TitleArea& title,
                                Request& request, RunCommandLine run) {
  close(options.channelFd);
  if (dup2(request.fd, kRuntimeControlFd) < 0) _exit(127);
  if (request.fd != kRuntimeControlFd) close(request.fd);
  // The middle process exits right after forking us; from then on the supervisor is our parent.
  for (int i = 0; getppid() != options.supervisorPid; ++i) {
    if (i == kReparentWaitRounds) {
      fprintf(stderr, "colony-runtime: not adopted by the supervisor (pid %d); not starting\n",
                      static_cast<int>(options.supervisorPid));
      _exit(1);
    }
    usleep(kReparentWaitUs);
  }
  setTitle(title, request.title);
  std::vector<char*> argv;
  for (auto& arg : request.args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  exit(run(static_cast<int>(request.args.size()), argv.data()));
}

LaunchReply launch(const LauncherOptions& options, const TitleArea& title, Request& request,
                   RunCommandLine run) {
  int pipe[2];
  if (pipe2(pipe, O_CLOEXEC) != 0) return {0, errno};
  pid_t middle = fork();
  if (middle < 0) {
    int error = errno;
    close(pipe[0]);
    close(pipe[1]);
    return {0, error};
  }
  if (middle == 0) {
    close(pipe[0]);
    pid_t child = fork();
    if (child == 0) {
      close(pipe[1]);
      becomeRuntime(options, title, request, run);
    }
    LaunchReply reply = child > 0 ? LaunchReply{child, 0} : LaunchReply{0, errno};
    ssize_t ignored = write(pipe[1], &reply, sizeof(reply));
    (void)ignored;
    _exit(0);
  }
  close(pipe[1]);
  LaunchReply reply{0, EPIPE};
  ssize_t n;
  do {
    n = read(pipe[0], &reply, sizeof(reply));
  } while (n < 0 && errno == EINTR);
  if (n != sizeof(reply)) reply = {0, EPIPE};
  close(pipe[0]);
  while (waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
  }
  return reply;
}

}  // namespace

int runLauncher(const LauncherOptions& options, int argc, char** argv, RunCommandLine run) {
  // Started through a descriptor (/proc/self/fd/N), this process would be named "N" in ps.
  prctl(PR_SET_NAME, "colony-launcher");
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != options.supervisorPid) {
    fprintf(stderr, "colony-runtime launcher: the supervisor (pid %d) is gone\n",
            static_cast<int>(options.supervisorPid));
    return 1;
  }
  // The supervisor turns a terminal's Ctrl-C (sent to the whole process group) into a drain.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if (fcntl(options.channelFd, F_SETFD, FD_CLOEXEC) != 0) {
    fprintf(stderr, "colony-runtime launcher: descriptor %d is not open\n", options.channelFd);
    return 1;
  }
  TitleArea title = claimTitleArea(argc, argv);
  // Given back once idle, not at once: at the first start the launcher shares the CPU with the
  // processes it starts, and unmapping costs about a millisecond of it.
  bool released = false;
  while (true) {
    if (!released) {
      pollfd waiting{options.channelFd, POLLIN, 0};
      if (poll(&waiting, 1, kReleaseAfterIdleMs) == 0) {
        dl_iterate_phdr(releaseReadOnlyPages, nullptr);
        released = true;
      }
    }
    Request request;
    switch (receive(options.channelFd, request)) {
      case Received::kEnd:
        return 0;
      case Received::kBad: {
        LaunchReply reply{0, EINVAL};
        send(options.channelFd, &reply, sizeof(reply), MSG_NOSIGNAL);
        continue;
      }
      case Received::kRequest:
        break;
    }
    LaunchReply reply = launch(options, title, request, run);
    close(request.fd);
    if (send(options.channelFd, &reply, sizeof(reply), MSG_NOSIGNAL) < 0) return 0;
  }
}

}  // namespace colony
