// Raw TCP connections as cloudflare:sockets-style handles (runtime/api/tcp_socket.cc).
#pragma once

#include <v8.h>

#include <functional>

#include <kj/async-io.h>

namespace colony {
class Worker;
}

namespace colony::api {

// [handle, opened] for an accepted connection (a `tcp` socket in the config), as ops.tcpConnect
// returns for outgoing ones; `opened` resolves with its remote and local addresses. Call inside
// the worker's isolate. `close` is set to a function that closes the connection (when the
// connect() handler has finished, as in workerd).
v8::Local<v8::Value> wrapAcceptedTcpConnection(Worker& worker, kj::Own<kj::AsyncIoStream> stream,
                                               std::function<void()>* close);

}  // namespace colony::api
