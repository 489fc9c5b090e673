#include "ipc/uv_async_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <kj/debug.h>
#include <kj/io.h>
#include <kj/vector.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace colony {

namespace {

// The local TCP/UDP port an fd is bound to (0 for other families).
uint localPort(int fd) {
  struct sockaddr_storage addr;
  socklen_t len = sizeof(addr);
  KJ_SYSCALL(::getsockname(fd, reinterpret_cast<struct sockaddr*>(&addr), &len));
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<struct sockaddr_in*>(&addr)->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<struct sockaddr_in6*>(&addr)->sin6_port);
  }
  return 0;
}

void getSocketOption(int fd, int level, int option, void* value, uint* length) {
  socklen_t len = *length;
  KJ_SYSCALL(::getsockopt(fd, level, option, value, &len));
  *length = len;
}

using Flags = kj::LowLevelAsyncIoProvider::Flags;
using kj::byte;

// Flags for descriptors this file creates itself (accept4 / recvmsg with CLOEXEC and NONBLOCK).
constexpr uint kFreshFdFlags =
    Flags::TAKE_OWNERSHIP | Flags::ALREADY_CLOEXEC | Flags::ALREADY_NONBLOCK;
// Linux refuses more than this many descriptors in one SCM_RIGHTS message.
constexpr size_t kMaxFdsPerMessage = 253;
constexpr size_t kMaxIovecs = 1024;  // IOV_MAX on Linux

void prepareFd(int fd, uint flags) {
  KJ_REQUIRE(fd >= 0, "invalid file descriptor", fd);
  if ((flags & Flags::ALREADY_NONBLOCK) == 0) {
    int fl;
    KJ_SYSCALL(fl = fcntl(fd, F_GETFL));
    if ((fl & O_NONBLOCK) == 0) {
      KJ_SYSCALL(fcntl(fd, F_SETFL, fl | O_NONBLOCK));
    }
  }
  if ((flags & Flags::TAKE_OWNERSHIP) != 0 && (flags & Flags::ALREADY_CLOEXEC) == 0) {
    KJ_SYSCALL(fcntl(fd, F_SETFD, FD_CLOEXEC));
  }
}

bool isWouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

// ---------------------------------------------------------------------------------------------
// FdWatcher: one file descriptor (owned or borrowed) and the uv_poll handle that watches it.
// The handle is created on the first wait (regular files never need one) and is only active while
// someone waits, so idle descriptors neither wake libuv nor keep uv_run alive.

class FdWatcher {
 public:
  FdWatcher(UvEventPort& port, int fd, uint flags)
      : port_(port), fd_(fd), owned_((flags & Flags::TAKE_OWNERSHIP) != 0) {
    KJ_ON_SCOPE_FAILURE({
      if (owned_) ::close(fd);
    });
    prepareFd(fd, flags);
  }

  ~FdWatcher() noexcept(false) {
    if (poll_ != nullptr) {
      // uv_close stops watching synchronously (the fd can be closed right after); the handle's
      // memory is released by libuv on the next loop iteration.
      poll_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(poll_),
               [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    }
    if (owned_) ::close(fd_);
  }
  KJ_DISALLOW_COPY(FdWatcher);

  int fd() const { return fd_; }
  UvEventPort& port() { return port_; }

  kj::Promise<void> whenReadable() { return kj::newAdaptedPromise<void, Waiter>(*this, READ); }
  kj::Promise<void> whenWritable() { return kj::newAdaptedPromise<void, Waiter>(*this, WRITE); }
  // Resolves when the descriptor reports POLLHUP or POLLERR: writes can no longer succeed.
  kj::Promise<void> whenHungUp() { return kj::newAdaptedPromise<void, Waiter>(*this, HANGUP); }

 private:
  enum Slot { READ, WRITE, HANGUP, SLOT_COUNT };

  // Registers a promise's fulfiller in a slot for as long as the promise exists: dropping the
  // promise unregisters it and narrows the poll mask.
  class Waiter {
   public:
    Waiter(kj::PromiseFulfiller<void>& fulfiller, FdWatcher& watcher, Slot slot)
        : fulfiller_(fulfiller), watcher_(watcher), slot_(slot) {
      KJ_REQUIRE(watcher.waiters_[slot] == nullptr,
                 "already waiting on this descriptor for the same event (one read and one write "
                 "at a time per stream)");
      watcher.waiters_[slot] = fulfiller;
      watcher.updateMask();
    }
    ~Waiter() noexcept(false) {
      KJ_IF_MAYBE(current, watcher_.waiters_[slot_]) {
        if (current == &fulfiller_) {
          watcher_.waiters_[slot_] = nullptr;
          watcher_.updateMask();
        }
      }
    }
    KJ_DISALLOW_COPY(Waiter);

   private:
    kj::PromiseFulfiller<void>& fulfiller_;
    FdWatcher& watcher_;
    Slot slot_;
  };

  void fulfill(Slot slot) {
    KJ_IF_MAYBE(f, waiters_[slot]) {
      waiters_[slot] = nullptr;
      f->fulfill();
    }
  }

  void failAll(int uvError) {
    auto exception = KJ_EXCEPTION(FAILED, "cannot watch file descriptor with libuv", fd_,
                                  uv_strerror(uvError));
    for (auto& waiter : waiters_) {
      KJ_IF_MAYBE(f, waiter) {
        waiter = nullptr;
        f->reject(kj::cp(exception));
      }
    }
  }

  void updateMask() {
    int mask = 0;
    if (waiters_[READ] != nullptr) mask |= UV_READABLE;
    if (waiters_[WRITE] != nullptr) mask |= UV_WRITABLE;
    // epoll reports POLLHUP/POLLERR whatever the mask, but libuv needs some interest to keep the
    // fd registered; priority data is the interest that otherwise never fires.
    if (waiters_[HANGUP] != nullptr && !hangupWatchUnavailable_) mask |= UV_PRIORITIZED;
    if (mask == mask_) return;
    if (mask == 0) {
      uv_poll_stop(poll_);
      mask_ = 0;
      return;
    }
    if (poll_ == nullptr) {
      auto* handle = new uv_poll_t;
      int error = uv_poll_init(port_.uvLoop(), handle, fd_);
      if (error < 0) {
        delete handle;
        failAll(error);
        return;
      }
      handle->data = this;
      poll_ = handle;
    }
    int error = uv_poll_start(poll_, mask, &onPoll);
    if (error < 0) {
      mask_ = 0;
      failAll(error);
      return;
    }
    mask_ = mask;
  }

  static void onPoll(uv_poll_t* handle, int status, int events) {
    if (handle->data == nullptr) return;
    static_cast<FdWatcher*>(handle->data)->onEvents(status, events);
  }

  bool reallyHungUp() {
    struct pollfd pfd = {fd_, 0, 0};
    int n = ::poll(&pfd, 1, 0);
    return n > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
  }

  void onEvents(int status, int events) {
    if (status < 0) {
      // POLLERR: libuv has stopped the handle. Wake everyone: the next syscall reports the error.
      mask_ = 0;
      fulfill(READ);
      fulfill(WRITE);
      fulfill(HANGUP);
    } else {
      if (events & UV_READABLE) fulfill(READ);
      if (events & UV_WRITABLE) fulfill(WRITE);
      if (events & (UV_PRIORITIZED | UV_DISCONNECT)) {
        if (reallyHungUp()) {
          fulfill(HANGUP);
        } else if (events & UV_PRIORITIZED) {
          // Genuine TCP urgent data, which nothing here reads. Discard it so level-triggered
          // polling does not spin; if that is impossible, stop using it to detect hang-ups.
          byte discarded;
          if (::recv(fd_, &discarded, 1, MSG_OOB | MSG_DONTWAIT) < 0 && !isWouldBlock(errno)) {
            hangupWatchUnavailable_ = true;
          }
        }
      }
    }
    updateMask();
  }

  UvEventPort& port_;
  int fd_;
  bool owned_;
  uv_poll_t* poll_ = nullptr;
  int mask_ = 0;
  bool hangupWatchUnavailable_ = false;
  kj::Maybe<kj::PromiseFulfiller<void>&> waiters_[SLOT_COUNT];
};

// ---------------------------------------------------------------------------------------------
// FdStream: byte stream over any descriptor (pipe, tty, file, TCP or Unix socket); FD passing
// when it is a Unix socket.

bool isSocket(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

class FdStream final : public kj::AsyncCapabilityStream {
 public:
  FdStream(UvLowLevelAsyncIo& io, int fd, uint flags)
      : io_(io), watcher_(io.port(), fd, flags), isSocket_(isSocket(fd)) {}

  int fd() const { return watcher_.fd(); }
  kj::Promise<void> whenWritable() { return watcher_.whenWritable(); }

  // --- reading ---

  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override {
    return readLoop(static_cast<byte*>(buffer), minBytes, maxBytes, nullptr, 0, {0, 0})
        .then([](ReadResult result) { return result.byteCount; });
  }

  kj::Promise<ReadResult> tryReadWithFds(void* buffer, size_t minBytes, size_t maxBytes,
                                         kj::AutoCloseFd* fdBuffer, size_t maxFds) override {
    return readLoop(static_cast<byte*>(buffer), minBytes, maxBytes, fdBuffer, maxFds, {0, 0});
  }

  kj::Promise<ReadResult> tryReadWithStreams(void* buffer, size_t minBytes, size_t maxBytes,
                                             kj::Own<kj::AsyncCapabilityStream>* streamBuffer,
                                             size_t maxStreams) override {
    auto fds = kj::heapArray<kj::AutoCloseFd>(maxStreams);
    auto promise = readLoop(static_cast<byte*>(buffer), minBytes, maxBytes, fds.begin(),
                            fds.size(), {0, 0});
    return promise.then([this, fds = kj::mv(fds), streamBuffer](ReadResult result) mutable {
      for (size_t i = 0; i < result.capCount; i++) {
        streamBuffer[i] = io_.wrapUnixSocketFd(kj::mv(fds[i]), Flags::ALREADY_CLOEXEC);
      }
      return result;
    });
  }

  void abortRead() override { ::shutdown(fd(), SHUT_RD); }

  // --- writing ---

  kj::Promise<void> write(const void* buffer, size_t size) override {
    kj::ArrayPtr<const byte> piece(static_cast<const byte*>(buffer), size);
    return writePieces(kj::arrayPtr(&piece, 1), nullptr);
  }

  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const byte>> pieces) override {
    return writePieces(pieces, nullptr);
  }

  kj::Promise<void> writeWithFds(kj::ArrayPtr<const byte> data,
                                 kj::ArrayPtr<const kj::ArrayPtr<const byte>> moreData,
                                 kj::ArrayPtr<const int> fds) override {
    KJ_REQUIRE(fds.size() <= kMaxFdsPerMessage, "too many file descriptors in one message",
               fds.size());
    auto pieces = kj::heapArrayBuilder<kj::ArrayPtr<const byte>>(moreData.size() + 1);
    pieces.add(data);
    pieces.addAll(moreData);
    auto all = pieces.finish();
    size_t total = 0;
    for (auto& p : all) total += p.size();
    KJ_REQUIRE(fds.size() == 0 || total > 0,
               "file descriptors must travel with at least one byte of data");
    auto promise = writePieces(all, fds);
    return promise.attach(kj::mv(all));
  }

  kj::Promise<void> writeWithStreams(kj::ArrayPtr<const byte> data,
                                     kj::ArrayPtr<const kj::ArrayPtr<const byte>> moreData,
                                     kj::Array<kj::Own<kj::AsyncCapabilityStream>> streams) override {
    auto fds = kj::heapArray<int>(streams.size());
    for (size_t i = 0; i < streams.size(); i++) {
      KJ_IF_MAYBE(fd, streams[i]->getFd()) {
        fds[i] = *fd;
      } else {
        KJ_FAIL_REQUIRE("only streams wrapping a file descriptor can be sent over a Unix socket");
      }
    }
    auto promise = writeWithFds(data, moreData, fds);
    // The streams (and their descriptors) stay open until the kernel has taken its references.
    return promise.attach(kj::mv(fds), kj::mv(streams));
  }

  kj::Promise<void> whenWriteDisconnected() override {
    KJ_IF_MAYBE(fork, writeDisconnected_) {
      return fork->addBranch();
    }
    auto fork = watcher_.whenHungUp().fork();
    auto branch = fork.addBranch();
    writeDisconnected_ = kj::mv(fork);
    return branch;
  }

  void shutdownWrite() override { KJ_SYSCALL(::shutdown(fd(), SHUT_WR)); }

  // --- socket introspection ---

  void getsockopt(int level, int option, void* value, uint* length) override {
    socklen_t len = *length;
    KJ_SYSCALL(::getsockopt(fd(), level, option, value, &len));
    *length = len;
  }
  void setsockopt(int level, int option, const void* value, uint length) override {
    KJ_SYSCALL(::setsockopt(fd(), level, option, value, length));
  }
  void getsockname(struct sockaddr* addr, uint* length) override {
    socklen_t len = *length;
    KJ_SYSCALL(::getsockname(fd(), addr, &len));
    *length = len;
  }
  void getpeername(struct sockaddr* addr, uint* length) override {
    socklen_t len = *length;
    KJ_SYSCALL(::getpeername(fd(), addr, &len));
    *length = len;
  }
  kj::Maybe<int> getFd() const override { return fd(); }

 private:
  // Reads until minBytes (at least one byte unless maxBytes is 0) or EOF. Descriptors received
  // along the way fill fdBuffer; any beyond maxFds are closed.
  kj::Promise<ReadResult> readLoop(byte* buffer, size_t minBytes, size_t maxBytes,
                                   kj::AutoCloseFd* fdBuffer, size_t maxFds, ReadResult done) {
    size_t wanted = std::max<size_t>(minBytes, maxBytes > 0 ? 1 : 0);
    while (done.byteCount < wanted) {
      ssize_t n;
      if (maxFds > 0) {
        n = receiveWithFds(buffer + done.byteCount, maxBytes - done.byteCount, fdBuffer, maxFds,
                           done.capCount);
      } else {
        n = ::read(fd(), buffer + done.byteCount, maxBytes - done.byteCount);
      }
      if (n < 0) {
        int error = errno;
        if (error == EINTR) continue;
        if (isWouldBlock(error)) {
          return watcher_.whenReadable().then([this, buffer, minBytes, maxBytes, fdBuffer, maxFds,
                                               done]() {
            return readLoop(buffer, minBytes, maxBytes, fdBuffer, maxFds, done);
          });
        }
        KJ_FAIL_SYSCALL("read()", error, fd());
      }
      if (n == 0) break;  // EOF
      done.byteCount += n;
    }
    return done;
  }

  ssize_t receiveWithFds(byte* buffer, size_t size, kj::AutoCloseFd* fdBuffer, size_t maxFds,
                         size_t& fdCount) {
    struct iovec iov = {buffer, size};
    // Room for a full SCM_RIGHTS message, so excess descriptors arrive here and get closed
    // rather than being silently lost in a truncated control message.
    alignas(struct cmsghdr) byte control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = ::recvmsg(fd(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return n;
    for (auto* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
      if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const byte* data = CMSG_DATA(cmsg);
      for (size_t i = 0; i < count; i++) {
        int received;
        memcpy(&received, data + i * sizeof(int), sizeof(int));
        kj::AutoCloseFd owned(received);
        if (fdCount < maxFds) fdBuffer[fdCount++] = kj::mv(owned);
      }
    }
    return n;
  }

  // Writes all pieces, with `fds` attached to the first byte. The caller's pieces and fds are
  // only borrowed for the synchronous attempt; whatever remains is copied before waiting.
  kj::Promise<void> writePieces(kj::ArrayPtr<const kj::ArrayPtr<const byte>> pieces,
                                kj::ArrayPtr<const int> fds) {
    size_t index = 0, offset = 0;
    if (!sendSome(pieces, index, offset, fds)) return kj::READY_NOW;
    return waitAndWrite(remainder(pieces, index, offset), kj::heapArray(fds));
  }

  static kj::Array<kj::ArrayPtr<const byte>> remainder(
      kj::ArrayPtr<const kj::ArrayPtr<const byte>> pieces, size_t index, size_t offset) {
    auto rest = kj::heapArray<kj::ArrayPtr<const byte>>(pieces.size() - index);
    for (size_t i = index; i < pieces.size(); i++) rest[i - index] = pieces[i];
    rest[0] = rest[0].slice(offset, rest[0].size());
    return rest;
  }

  kj::Promise<void> waitAndWrite(kj::Array<kj::ArrayPtr<const byte>> rest,
                                 kj::Array<int> fds) {
    return watcher_.whenWritable().then(
        [this, rest = kj::mv(rest), fds = kj::mv(fds)]() mutable -> kj::Promise<void> {
          size_t index = 0, offset = 0;
          kj::ArrayPtr<const int> unsent = fds;
          if (!sendSome(rest, index, offset, unsent)) return kj::READY_NOW;
          return waitAndWrite(remainder(rest, index, offset),
                              unsent.size() == 0 ? kj::Array<int>() : kj::mv(fds));
        });
  }

  // Sends as much as the kernel takes. Returns true if it would block with data left (index and
  // offset then say where), false when everything was sent. `fds` is cleared once sent.
  bool sendSome(kj::ArrayPtr<const kj::ArrayPtr<const byte>> pieces, size_t& index,
                size_t& offset, kj::ArrayPtr<const int>& fds) {
    for (;;) {
      while (index < pieces.size() && offset == pieces[index].size()) {
        index++;
        offset = 0;
      }
      if (index == pieces.size()) return false;

      struct iovec iov[kMaxIovecs];
      size_t count = 0;
      for (size_t i = index; i < pieces.size() && count < kMaxIovecs; i++) {
        auto piece = i == index ? pieces[i].slice(offset, pieces[i].size()) : pieces[i];
        if (piece.size() == 0) continue;
        iov[count].iov_base = const_cast<byte*>(piece.begin());
        iov[count].iov_len = piece.size();
        count++;
      }

      ssize_t n;
      if (isSocket_) {
        struct msghdr msg = {};
        msg.msg_iov = iov;
        msg.msg_iovlen = count;
        alignas(struct cmsghdr) byte control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
        if (fds.size() > 0) {
          msg.msg_control = control;
          msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
          memset(control, 0, msg.msg_controllen);
          auto* cmsg = CMSG_FIRSTHDR(&msg);
          cmsg->cmsg_level = SOL_SOCKET;
          cmsg->cmsg_type = SCM_RIGHTS;
          cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
          memcpy(CMSG_DATA(cmsg), fds.begin(), sizeof(int) * fds.size());
        }
        // MSG_NOSIGNAL: a vanished peer is an EPIPE error, not a process-killing signal.
        n = ::sendmsg(fd(), &msg, MSG_NOSIGNAL);
      } else {
        KJ_REQUIRE(fds.size() == 0, "file descriptors can only be sent over a Unix socket");
        n = ::writev(fd(), iov, count);
      }
      if (n < 0) {
        int error = errno;
        if (error == EINTR) continue;
        if (isWouldBlock(error)) return true;
        KJ_FAIL_SYSCALL("write()", error, fd());
      }
      fds = nullptr;  // the kernel has them now, attached to the first byte sent
      size_t sent = n;
      while (sent > 0) {
        size_t left = pieces[index].size() - offset;
        if (sent < left) {
          offset += sent;
          sent = 0;
        } else {
          sent -= left;
          index++;
          offset = 0;
        }
      }
    }
  }

  UvLowLevelAsyncIo& io_;
  FdWatcher watcher_;
  bool isSocket_;
  kj::Maybe<kj::ForkedPromise<void>> writeDisconnected_;
};

// ---------------------------------------------------------------------------------------------
// FdListener: accept() on a listening socket.

bool isTransientAcceptError(int error) {
  switch (error) {
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

class FdListener final : public kj::ConnectionReceiver {
 public:
  FdListener(UvLowLevelAsyncIo& io, int fd, kj::LowLevelAsyncIoProvider::NetworkFilter& filter,
             uint flags)
      : io_(io), watcher_(io.port(), fd, flags), filter_(filter) {}

  kj::Promise<kj::Own<kj::AsyncIoStream>> accept() override {
    for (;;) {
      struct sockaddr_storage addr;
      socklen_t addrlen = sizeof(addr);
      int fd = ::accept4(watcher_.fd(), reinterpret_cast<struct sockaddr*>(&addr), &addrlen,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        int error = errno;
        if (isWouldBlock(error)) {
          return watcher_.whenReadable().then([this]() { return accept(); });
        }
        if (isTransientAcceptError(error)) continue;
        KJ_FAIL_SYSCALL("accept()", error, watcher_.fd());
      }
      kj::AutoCloseFd owned(fd);
      if (!filter_.shouldAllow(reinterpret_cast<struct sockaddr*>(&addr), addrlen)) continue;
      if (addr.ss_family == AF_INET || addr.ss_family == AF_INET6) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      }
      return io_.wrapSocketFd(kj::mv(owned), kFreshFdFlags);
    }
  }

  uint getPort() override { return localPort(watcher_.fd()); }
  void getsockopt(int level, int option, void* value, uint* length) override {
    getSocketOption(watcher_.fd(), level, option, value, length);
  }
  void setsockopt(int level, int option, const void* value, uint length) override {
    KJ_SYSCALL(::setsockopt(watcher_.fd(), level, option, value, length));
  }
  void getsockname(struct sockaddr* addr, uint* length) override {
    socklen_t len = *length;
    KJ_SYSCALL(::getsockname(watcher_.fd(), addr, &len));
    *length = len;
  }

 private:
  UvLowLevelAsyncIo& io_;
  FdWatcher watcher_;
  kj::LowLevelAsyncIoProvider::NetworkFilter& filter_;
};

// ---------------------------------------------------------------------------------------------
// Datagrams (UDP, Unix datagram sockets).

// KJ exposes no sockaddr for a kj::NetworkAddress made by another provider, only its text form
// ("1.2.3.4:53", "[::1]:53", "unix:/path"); parse that back.
socklen_t sockaddrFromAddressText(kj::StringPtr text, struct sockaddr_storage& out) {
  memset(&out, 0, sizeof(out));
  if (text.startsWith("unix:")) {
    auto path = text.slice(5);
    auto* un = reinterpret_cast<struct sockaddr_un*>(&out);
    KJ_REQUIRE(path.size() < sizeof(un->sun_path), "Unix socket path too long", text);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path.begin(), path.size());
    return offsetof(struct sockaddr_un, sun_path) + path.size() + 1;
  }
  KJ_IF_MAYBE(colon, text.findLast(':')) {
    auto host = kj::str(text.slice(0, *colon));
    auto portText = text.slice(*colon + 1);
    char* end = nullptr;
    unsigned long port = strtoul(portText.cStr(), &end, 10);
    KJ_REQUIRE(portText.size() > 0 && *end == '\0' && port <= 65535,
               "datagram destination has no valid port", text);
    if (host.size() >= 2 && host[0] == '[' && host[host.size() - 1] == ']') {
      auto inner = kj::str(host.slice(1, host.size() - 1));
      auto* in6 = reinterpret_cast<struct sockaddr_in6*>(&out);
      KJ_REQUIRE(inet_pton(AF_INET6, inner.cStr(), &in6->sin6_addr) == 1,
                 "datagram destination is not a numeric IPv6 address", text);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port);
      return sizeof(struct sockaddr_in6);
    }
    auto* in4 = reinterpret_cast<struct sockaddr_in*>(&out);
    KJ_REQUIRE(inet_pton(AF_INET, host.cStr(), &in4->sin_addr) == 1,
               "datagram destination is not a numeric IPv4 address", text);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    return sizeof(struct sockaddr_in);
  }
  KJ_FAIL_REQUIRE("unrecognised datagram destination address", text);
}

class FdDatagramPort final : public kj::DatagramPort {
 public:
  FdDatagramPort(UvLowLevelAsyncIo& io, kj::Network& network, int fd,
                 kj::LowLevelAsyncIoProvider::NetworkFilter& filter, uint flags)
      : network_(network), filter_(filter), watcher_(io.port(), fd, flags) {}

  kj::Promise<size_t> send(const void* buffer, size_t size,
                           kj::NetworkAddress& destination) override {
    kj::ArrayPtr<const byte> piece(static_cast<const byte*>(buffer), size);
    return send(kj::arrayPtr(&piece, 1), destination);
  }

  kj::Promise<size_t> send(kj::ArrayPtr<const kj::ArrayPtr<const byte>> pieces,
                           kj::NetworkAddress& destination) override {
    struct sockaddr_storage addr;
    socklen_t addrlen = sockaddrFromAddressText(destination.toString(), addr);
    return sendTo(pieces, addr, addrlen);
  }

  kj::Own<kj::DatagramReceiver> makeReceiver(kj::DatagramReceiver::Capacity capacity) override;

  uint getPort() override { return localPort(watcher_.fd()); }
  void getsockopt(int level, int option, void* value, uint* length) override {
    getSocketOption(watcher_.fd(), level, option, value, length);
  }
  void setsockopt(int level, int option, const void* value, uint length) override {
    KJ_SYSCALL(::setsockopt(watcher_.fd(), level, option, value, length));
  }

  kj::Network& network() { return network_; }
  kj::LowLevelAsyncIoProvider::NetworkFilter& filter() { return filter_; }
  FdWatcher& watcher() { return watcher_; }

 private:
  kj::Promise<size_t> sendTo(kj::ArrayPtr<const kj::ArrayPtr<const byte>> pieces,
                             struct sockaddr_storage addr, socklen_t addrlen) {
    KJ_REQUIRE(pieces.size() <= kMaxIovecs, "too many pieces in one datagram");
    struct iovec iov[kMaxIovecs];
    for (size_t i = 0; i < pieces.size(); i++) {
      iov[i].iov_base = const_cast<byte*>(pieces[i].begin());
      iov[i].iov_len = pieces[i].size();
    }
    struct msghdr msg = {};
    msg.msg_name = &addr;
    msg.msg_namelen = addrlen;
    msg.msg_iov = iov;
    msg.msg_iovlen = pieces.size();
    for (;;) {
      ssize_t n = ::sendmsg(watcher_.fd(), &msg, MSG_NOSIGNAL);
      if (n >= 0) return size_t(n);
      int error = errno;
      if (error == EINTR) continue;
      if (!isWouldBlock(error)) KJ_FAIL_SYSCALL("sendmsg()", error, watcher_.fd());
      // A datagram goes whole or not at all. The bytes stay the caller's until we resolve; the
      // list of pieces may be a temporary, so keep a copy.
      auto copy = kj::heapArray(pieces);
      return watcher_.whenWritable().then([this, copy = kj::mv(copy), addr, addrlen]() {
        return sendTo(copy, addr, addrlen);
      });
    }
  }

  kj::Network& network_;
  kj::LowLevelAsyncIoProvider::NetworkFilter& filter_;
  FdWatcher watcher_;
};

// One receiver at a time may wait on a given port (they share its readability watch).
class FdDatagramReceiver final : public kj::DatagramReceiver {
 public:
  FdDatagramReceiver(FdDatagramPort& port, Capacity capacity)
      : port_(port),
        content_(kj::heapArray<byte>(capacity.content)),
        ancillaryBuffer_(kj::heapArray<byte>(capacity.ancillary)) {}

  kj::Promise<void> receive() override {
    for (;;) {
      struct sockaddr_storage addr;
      struct iovec iov = {content_.begin(), content_.size()};
      struct msghdr msg = {};
      msg.msg_name = &addr;
      msg.msg_namelen = sizeof(addr);
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      if (ancillaryBuffer_.size() > 0) {
        msg.msg_control = ancillaryBuffer_.begin();
        msg.msg_controllen = ancillaryBuffer_.size();
      }
      ssize_t n = ::recvmsg(port_.watcher().fd(), &msg, MSG_CMSG_CLOEXEC);
      if (n < 0) {
        int error = errno;
        if (error == EINTR) continue;
        if (isWouldBlock(error)) {
          return port_.watcher().whenReadable().then([this]() { return receive(); });
        }
        KJ_FAIL_SYSCALL("recvmsg()", error, port_.watcher().fd());
      }
      auto* from = reinterpret_cast<struct sockaddr*>(&addr);
      if (!port_.filter().shouldAllow(from, msg.msg_namelen)) continue;  // dropped

      received_ = {content_.slice(0, kj::min(size_t(n), content_.size())),
                   (msg.msg_flags & MSG_TRUNC) != 0};
      ancillary_.clear();
      if (msg.msg_controllen > 0) {
        for (auto* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
          auto* data = reinterpret_cast<const byte*>(CMSG_DATA(cmsg));
          auto* limit = reinterpret_cast<const byte*>(cmsg) + cmsg->cmsg_len;
          ancillary_.add(cmsg->cmsg_level, cmsg->cmsg_type, kj::arrayPtr(data, limit));
        }
      }
      ancillaryTruncated_ = (msg.msg_flags & MSG_CTRUNC) != 0;
      source_ = port_.network().getSockaddr(from, msg.msg_namelen);
      return kj::READY_NOW;
    }
  }

  MaybeTruncated<kj::ArrayPtr<const byte>> getContent() override { return received_; }
  MaybeTruncated<kj::ArrayPtr<const kj::AncillaryMessage>> getAncillary() override {
    return {ancillary_.asPtr(), ancillaryTruncated_};
  }
  kj::NetworkAddress& getSource() override {
    KJ_REQUIRE(source_.get() != nullptr, "getSource() before any datagram was received");
    return *source_;
  }

 private:
  FdDatagramPort& port_;
  kj::Array<byte> content_;
  kj::Array<byte> ancillaryBuffer_;
  MaybeTruncated<kj::ArrayPtr<const byte>> received_ = {nullptr, false};
  kj::Vector<kj::AncillaryMessage> ancillary_;
  bool ancillaryTruncated_ = false;
  kj::Own<kj::NetworkAddress> source_;
};

kj::Own<kj::DatagramReceiver> FdDatagramPort::makeReceiver(
    kj::DatagramReceiver::Capacity capacity) {
  return kj::heap<FdDatagramReceiver>(*this, capacity);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

UvLowLevelAsyncIo::UvLowLevelAsyncIo(UvEventPort& port) : port_(port) {
  // Writing to a pipe whose reader has gone raises SIGPIPE, which would kill the process; KJ's
  // own providers ignore it too. Sockets use MSG_NOSIGNAL regardless. A handler someone else
  // installed is left alone.
  struct sigaction current;
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
}

kj::Own<kj::AsyncInputStream> UvLowLevelAsyncIo::wrapInputFd(int fd, uint flags) {
  return kj::heap<FdStream>(*this, fd, flags);
}

kj::Own<kj::AsyncOutputStream> UvLowLevelAsyncIo::wrapOutputFd(int fd, uint flags) {
  return kj::heap<FdStream>(*this, fd, flags);
}

kj::Own<kj::AsyncIoStream> UvLowLevelAsyncIo::wrapSocketFd(int fd, uint flags) {
  return kj::heap<FdStream>(*this, fd, flags);
}

kj::Own<kj::AsyncCapabilityStream> UvLowLevelAsyncIo::wrapUnixSocketFd(int fd, uint flags) {
  return kj::heap<FdStream>(*this, fd, flags);
}

kj::Promise<kj::Own<kj::AsyncIoStream>> UvLowLevelAsyncIo::wrapConnectingSocketFd(
    int fd, const struct sockaddr* addr, uint addrlen, uint flags) {
  auto stream = kj::heap<FdStream>(*this, fd, flags);
  for (;;) {
    if (::connect(fd, addr, addrlen) == 0) break;
    int error = errno;
    if (error == EINTR) continue;
    if (error == EINPROGRESS) break;
    KJ_FAIL_SYSCALL("connect()", error, fd);
  }
  auto connected = stream->whenWritable();
  return connected.then([stream = kj::mv(stream)]() mutable -> kj::Own<kj::AsyncIoStream> {
    int error = 0;
    socklen_t len = sizeof(error);
    KJ_SYSCALL(::getsockopt(stream->fd(), SOL_SOCKET, SO_ERROR, &error, &len));
    if (error != 0) KJ_FAIL_SYSCALL("connect()", error, stream->fd());
    return kj::mv(stream);
  });
}

kj::Own<kj::ConnectionReceiver> UvLowLevelAsyncIo::wrapListenSocketFd(int fd,
                                                                      NetworkFilter& filter,
                                                                      uint flags) {
  return kj::heap<FdListener>(*this, fd, filter, flags);
}

kj::Own<kj::DatagramPort> UvLowLevelAsyncIo::wrapDatagramSocketFd(int fd, NetworkFilter& filter,
                                                                  uint flags) {
  KJ_IF_MAYBE(network, datagramNetwork_) {
    return kj::heap<FdDatagramPort>(*this, *network, fd, filter, flags);
  }
  if (flags & Flags::TAKE_OWNERSHIP) ::close(fd);
  KJ_FAIL_REQUIRE(
      "datagram sockets need a kj::Network to describe senders; use UvAsyncIo or call "
      "UvLowLevelAsyncIo::setNetworkForDatagrams() first");
}

// ---------------------------------------------------------------------------------------------

UvAsyncIo::UvAsyncIo(uv_loop_t* loop)
    : ownedPort_(kj::heap<UvEventPort>(loop)), port_(*ownedPort_) {
  lowLevel_ = kj::heap<UvLowLevelAsyncIo>(port_);
  provider_ = kj::newAsyncIoProvider(*lowLevel_);
  lowLevel_->setNetworkForDatagrams(provider_->getNetwork());
}

UvAsyncIo::UvAsyncIo(UvEventPort& port) : port_(port) {
  lowLevel_ = kj::heap<UvLowLevelAsyncIo>(port_);
  provider_ = kj::newAsyncIoProvider(*lowLevel_);
  lowLevel_->setNetworkForDatagrams(provider_->getNetwork());
}

UvAsyncIo::~UvAsyncIo() noexcept(false) {
  provider_ = nullptr;
  lowLevel_ = nullptr;
  // ownedPort_ (if any) goes last: its destructor runs the loop once, which frees the poll
  // handles closed by the streams above.
}

}  // namespace colony
