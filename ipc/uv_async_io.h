// KJ async I/O on the libuv loop: a kj::LowLevelAsyncIoProvider whose file descriptors are
// watched with uv_poll on a UvEventPort, and UvAsyncIo, the context that owns the whole stack
// (event port, low-level provider, kj::AsyncIoProvider, kj::Network, timer).
//
// Everything built on kj::AsyncIoProvider — kj-http clients and servers, kj-tls, capnp RPC
// (TwoPartyVatNetwork over a Unix socketpair, with FD passing) — then runs on the same libuv loop
// as Colony's own handles. See uv_event_port.h for the two ways of driving the loop.
//
// Streams follow KJ's contract: at most one read and one write in flight per stream, promises must
// not outlive their stream, and dropping a pending promise cancels it and leaves the stream usable.
// Only one libuv handle may watch an fd at a time: a descriptor handed to these wrappers must not
// also be polled by another uv handle (stop a uv_stream's reading before handing its fd over).
#pragma once

#include <uv.h>

#include <kj/async-io.h>

#include "ipc/uv_event_port.h"

namespace colony {

class UvLowLevelAsyncIo final : public kj::LowLevelAsyncIoProvider {
 public:
  explicit UvLowLevelAsyncIo(UvEventPort& port);
  KJ_DISALLOW_COPY(UvLowLevelAsyncIo);

  UvEventPort& port() { return port_; }

  // Flags: TAKE_OWNERSHIP (the stream closes the fd; sets close-on-exec unless ALREADY_CLOEXEC),
  // ALREADY_NONBLOCK (skip setting O_NONBLOCK; otherwise every wrapper sets it).
  kj::Own<kj::AsyncInputStream> wrapInputFd(int fd, uint flags = 0) override;
  kj::Own<kj::AsyncOutputStream> wrapOutputFd(int fd, uint flags = 0) override;
  kj::Own<kj::AsyncIoStream> wrapSocketFd(int fd, uint flags = 0) override;
  // A Unix-domain stream socket carrying bytes and file descriptors (SCM_RIGHTS).
  kj::Own<kj::AsyncCapabilityStream> wrapUnixSocketFd(int fd, uint flags = 0) override;
  kj::Promise<kj::Own<kj::AsyncIoStream>> wrapConnectingSocketFd(
      int fd, const struct sockaddr* addr, uint addrlen, uint flags = 0) override;
  kj::Own<kj::ConnectionReceiver> wrapListenSocketFd(
      int fd, NetworkFilter& filter, uint flags = 0) override;
  kj::Own<kj::DatagramPort> wrapDatagramSocketFd(
      int fd, NetworkFilter& filter, uint flags = 0) override;
  kj::Timer& getTimer() override { return port_.timer(); }

  // Datagram ports need kj::NetworkAddress objects for senders; UvAsyncIo sets this to its
  // kj::Network. Without it, wrapDatagramSocketFd() refuses.
  void setNetworkForDatagrams(kj::Network& network) { datagramNetwork_ = network; }

  using kj::LowLevelAsyncIoProvider::wrapInputFd;
  using kj::LowLevelAsyncIoProvider::wrapOutputFd;
  using kj::LowLevelAsyncIoProvider::wrapSocketFd;
  using kj::LowLevelAsyncIoProvider::wrapUnixSocketFd;
  using kj::LowLevelAsyncIoProvider::wrapConnectingSocketFd;
  using kj::LowLevelAsyncIoProvider::wrapListenSocketFd;
  using kj::LowLevelAsyncIoProvider::wrapDatagramSocketFd;

 private:
  UvEventPort& port_;
  kj::Maybe<kj::Network&> datagramNetwork_;
};

// The whole KJ I/O stack on one libuv loop. Owns its UvEventPort, or borrows one the runtime
// already created. Destroy every stream, promise and client made from it before destroying it.
class UvAsyncIo {
 public:
  explicit UvAsyncIo(uv_loop_t* loop);
  explicit UvAsyncIo(UvEventPort& port);
  ~UvAsyncIo() noexcept(false);
  KJ_DISALLOW_COPY(UvAsyncIo);

  UvEventPort& port() { return port_; }
  uv_loop_t* uvLoop() { return port_.uvLoop(); }
  kj::WaitScope& waitScope() { return port_.waitScope(); }
  kj::LowLevelAsyncIoProvider& lowLevel() { return *lowLevel_; }
  kj::AsyncIoProvider& provider() { return *provider_; }
  kj::Network& network() { return provider_->getNetwork(); }
  kj::Timer& timer() { return port_.timer(); }

 private:
  kj::Own<UvEventPort> ownedPort_;
  UvEventPort& port_;
  kj::Own<UvLowLevelAsyncIo> lowLevel_;
  kj::Own<kj::AsyncIoProvider> provider_;
};

}  // namespace colony
