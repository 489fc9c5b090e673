// Native WebSocket handles: a kj::WebSocket (an upgraded inbound connection, the far end of a
// service call, or a kj-http client upgrade) driven from the built-in JS WebSocket class
// (runtime/js/websocket.js) through ops.ws*.
#pragma once

#include <v8.h>

#include <kj/async.h>
#include <kj/compat/http.h>

namespace colony {
class Worker;
}

namespace colony::api {

// A JS handle object owning `socket` (for ops.wsStart / wsSend / wsClose).
v8::Local<v8::Object> wrapWebSocket(Worker& worker, kj::Own<kj::WebSocket> socket);

// Answers a request with a 101 and serves `jsSocket` (the Response's webSocket) over the
// connection: either the peer of a WebSocketPair end, or a socket obtained from fetch() and not
// accepted (pumped straight through). Resolves when the session is over. Call inside the
// worker's isolate (Worker::enter); throws a kj::Exception when the socket cannot be returned.
kj::Promise<void> serveWebSocketResponse(Worker& worker, v8::Local<v8::Value> jsSocket,
                                         kj::HttpService::Response& response,
                                         const kj::HttpHeaders& headers);

// The server is draining: every open socket sends Close 1001 "going away" to its peer, and every
// socket passed through from an upstream to both ends, so open WebSockets end instead of holding
// the drain until its deadline.
void closeWebSocketsGoingAway(Worker& worker);

// The worker is going away: every live socket drops its JS callback and its connection.
void closeAllWebSockets(Worker& worker);

}  // namespace colony::api
