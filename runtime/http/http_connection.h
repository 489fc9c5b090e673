// Internal to the HTTP server: one accepted client connection (Connection) and one request and its
// response on it (Exchange). Not a public API: include runtime/http/http_server.h instead.
#pragma once

#include <http_parser.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <kj/async.h>
#include <kj/compat/http.h>
#include <kj/refcount.h>

#include "runtime/http/http_server.h"
#include "runtime/http/tls_session.h"

namespace colony::http {

class Connection;

// One request and its response. It is the request body stream and the Response handed to the
// service. Refcounted: the connection, the dispatch task, response body streams and queued writes
// all hold references, so a stream kept by the service after the connection closed stays valid
// (its operations then fail with DISCONNECTED).
class Exchange final : public kj::Refcounted,
                       public kj::AsyncInputStream,
                       public kj::HttpService::Response,
                       public InboundResponse {
 public:
  enum class Framing { kNone, kFixed, kChunked, kCloseDelimited };

  Exchange(Connection& connection, kj::HttpHeaderTable& table);
  ~Exchange() noexcept(false);

  // --- request (filled in by the connection before dispatch) ---------------------------------
  kj::Array<char> head;  // request head copy; url and header views point into it
  kj::HttpMethod method = kj::HttpMethod::GET;
  kj::StringPtr url;
  kj::HttpHeaders headers;
  bool isHead = false;
  bool http10 = false;
  bool hasBody = false;
  bool bodyComplete = false;        // the parser reached the end of this request's body
  bool chunkedBody = false;
  uint64_t bodyUnread = 0;          // Content-Length bytes not yet read by the service
  bool expectContinue = false;      // client sent Expect: 100-continue and waits for it
  bool dispatched = false;          // handed to the service (error replies are not)
  kj::Maybe<kj::Exception> bodyError;  // the body was malformed or cut short

  // --- kj::AsyncInputStream: the request body ------------------------------------------------
  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override;
  kj::Maybe<uint64_t> tryGetLength() override;

  // --- kj::HttpService::Response -------------------------------------------------------------
  kj::Own<kj::AsyncOutputStream> send(uint statusCode, kj::StringPtr statusText,
                                      const kj::HttpHeaders& headers,
                                      kj::Maybe<uint64_t> expectedBodySize = nullptr) override;
  kj::Own<kj::WebSocket> acceptWebSocket(const kj::HttpHeaders& headers) override;

  // --- InboundResponse ------------------------------------------------------------------------
  void closeConnectionAfterResponse() override { closeRequested_ = true; }
  kj::Promise<void> sendWhole(uint statusCode, kj::StringPtr statusText,
                              const kj::HttpHeaders& headers,
                              kj::ArrayPtr<const kj::byte> body) override;

  // --- used by the connection and the response body stream ----------------------------------
  // Answers with a complete small response built by the server (errors, 500).
  void setServerResponse(uint status, kj::StringPtr reason, kj::StringPtr body);
  void markServiceDone() { serviceDone_ = true; }
  void onServiceDone(kj::Maybe<kj::Exception> error);
  // Writes whatever became writable (pending head, end of body) once this response has its turn.
  void flushIfActive();
  kj::Promise<void> writeBody(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces);
  void onBodyStreamDropped();
  void detachFromConnection() { connection_ = nullptr; }
  Connection* connection() const { return connection_; }

  bool responseStarted() const { return started_; }
  // Every byte of the response was handed to the socket: the next response may be written.
  bool responseFinished() const { return endQueued_; }
  bool serviceDone() const { return serviceDone_; }
  bool closeAfter() const { return closeAfter_; }
  void setCloseAfter() { closeAfter_ = true; }
  std::vector<kj::Own<kj::PromiseFulfiller<void>>>& turnWaiters() { return turnWaiters_; }

  // Pending body read, filled by the connection as body bytes are parsed.
  struct PendingRead {
    kj::byte* buffer;
    size_t minBytes;
    size_t maxBytes;
    size_t filled;
    kj::Own<kj::PromiseFulfiller<size_t>> fulfiller;
  };
  kj::Maybe<PendingRead> pendingRead;

 private:
  // Checks the status and builds the head (send() and sendWhole()); the head waits in
  // responseHead_ for the first write.
  void startResponse(uint statusCode, kj::StringPtr statusText, const kj::HttpHeaders& headers,
                     kj::Maybe<uint64_t> expectedBodySize);
  // After startResponse(): when no body bytes are due (HEAD, 204, 304, or a declared length of
  // 0), ends the response with its head and returns true.
  bool endWithHeadIfBodyless();
  void endResponse();
  void replaceWithServerError(kj::StringPtr what, const kj::Exception* error);
  void logServiceError(kj::StringPtr what, const kj::Exception* error);
  kj::Promise<void> sendContinueIfNeeded();

  Connection* connection_;
  bool started_ = false;        // send() was called (or a server response was set)
  bool headOnWire_ = false;     // some of the response head was handed to the socket
  bool headPending_ = false;    // responseHead_ is ready and not yet written
  bool ended_ = false;          // the body is complete (all bytes queued, or nothing more due)
  bool endQueued_ = false;      // end of body (chunked terminator) queued to the socket
  bool serviceDone_ = false;
  bool closeAfter_ = false;     // the connection closes after this response
  bool closeRequested_ = false; // ... because the service asked (says so even to HTTP/1.0)
  bool continueSent_ = false;
  Framing framing_ = Framing::kNone;
  uint64_t bodyRemaining_ = 0;  // kFixed: bytes still due
  kj::Array<char> responseHead_;
  char chunkFrame_[24];         // "<hex size>\r\n" for the chunked write in progress
  std::vector<kj::Own<kj::PromiseFulfiller<void>>> turnWaiters_;
};

// One accepted socket: parses requests with http-parser, dispatches them, writes responses in
// request order, enforces timeouts and limits. Deletes itself once its handle is closed.
class Connection final : public kj::TaskSet::ErrorHandler {
 public:
  Connection(HttpServer& server, bool isPipe);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle_); }
  // Starts reading after uv_accept() succeeded on stream().
  void start();
  // Closes a handle that was never started (accept failed).
  void closeUnstarted();
  // Server drain: finish what is in flight, then close; close now when idle, unless the client
  // has already sent (part of) a next request, which is then served before closing.
  void beginDrain();
  // True when bytes of a request not yet dispatched wait: buffered, or in the socket's queue.
  bool requestBytesWaiting();
  // The server is being destroyed: close now, forget the server.
  void detachFromServer();

  // --- used by exchanges ---------------------------------------------------------------------
  HttpServer* server() const { return server_; }
  // False once the connection is closing or its server is gone: exchanges stop using it.
  bool usable() const { return !closing_ && server_ != nullptr; }
  bool isActive(const Exchange& exchange) const;
  kj::Promise<void> whenActive(Exchange& exchange);
  // Queues bytes in order. Small writes are copied into the connection's outbox and resolve at
  // once; the server writes every outbox when the batch ends (see HttpServer), so the responses
  // of one turn reach their clients together. Other writes flush the outbox, then try one
  // writev; their data must stay valid until the promise resolves, and `owner` is kept alive
  // until then. `mayBatch` false: never wait in the outbox
  // (a WebSocket's 101 head, after which the socket changes hands).
  kj::Promise<void> write(uv_buf_t* bufs, size_t count, Exchange& owner, bool mayBatch = true);
  // Hands the outbox to the socket: what the socket does not take now is queued in libuv,
  // ahead of any later write.
  void flushOutbox();
  // The end of the server's batch (the connection is off its list from here).
  void flushBatched() {
    flushListed_ = false;
    flushOutbox();
  }
  kj::Promise<size_t> readBody(Exchange& exchange, kj::byte* buffer, size_t minBytes,
                               size_t maxBytes);
  kj::Promise<void> whenDisconnected();
  void onResponseEnded(Exchange& exchange);
  void onExchangeProgress(Exchange& exchange);
  bool closesAfter(const Exchange& exchange) const;
  // Drops the connection at once: queued writes are discarded, services are cancelled.
  void abort();
  void addTask(kj::Promise<void> promise);
  // WebSocket upgrade, once the 101 head is written: stops reading for good and returns the
  // connection's socket (a duplicate descriptor) as a KJ stream that first yields whatever the
  // client already sent after the request head. The handle stays open, untouched, until the
  // exchange finishes; then the connection closes as after any last response.
  kj::Own<kj::AsyncIoStream> takeUpgradedSocket();

 private:
  struct HeaderSpan {
    uint32_t nameOffset, nameLength, valueOffset, valueLength;
    bool folded;
  };
  struct ErrorReply {
    uint status;
    const char* reason;
    const char* body;
  };
  enum class TimerMode { kNone, kHeader, kIdle, kLinger };

  ~Connection() noexcept(false);

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onTimer(uv_timer_t* timer);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onHandleClosed(uv_handle_t* handle);

  static int onMessageBegin(http_parser* parser);
  static int onUrl(http_parser* parser, const char* at, size_t length);
  static int onHeaderField(http_parser* parser, const char* at, size_t length);
  static int onHeaderValue(http_parser* parser, const char* at, size_t length);
  static int onHeadersComplete(http_parser* parser);
  static int onBody(http_parser* parser, const char* at, size_t length);
  static int onMessageComplete(http_parser* parser);
  static const http_parser_settings kParserSettings;

  int headersComplete();
  int failHead(ErrorReply reply);
  void processInput();
  bool canStartMessage() const;
  void deliverBody();
  void protocolError(ErrorReply reply);
  void prepareReadSpace();
  // Moves the buffered bytes from `keep` on to `to` (the start of buffer_, or of a new buffer
  // that is to replace it), with the body spans and positions that point into them.
  void moveKeptData(char* to, size_t keep);
  // Bytes of the current request's body not received yet (UINT64_MAX when chunked).
  uint64_t bodyBytesToCome() const;
  void updateReading();
  void setTimer(TimerMode mode);
  void updateIdleTimer();
  void completeIfDone(Exchange& exchange);
  void taskFailed(kj::Exception&& exception) override;
  void dispatch(kj::Own<Exchange> exchange);
  void bodyParseError(http_errno error);
  size_t keepFrom() const;
  bool hasReadSpace() const;
  size_t copyBody(kj::byte* out, size_t max);
  std::string localAuthority();
  void gracefulClose();
  // Closes the socket after a last attempt to write the outbox; queued writes are dropped.
  void closeHandle();
  void teardown();
  kj::Exception disconnectedError(kj::StringPtr what) const;
  // https: decrypts what fits into the read buffer and parses it; sends what OpenSSL produced.
  void deliverTls();
  void flushTlsOutput();

  HttpServer* server_;
  bool isPipe_;
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_;
  uv_timer_t timer_;
  uv_shutdown_t shutdownReq_;
  int handlesOpen_ = 0;
  TimerMode timerMode_ = TimerMode::kNone;
  // When the current mode's time is up. The libuv timer is not moved on each mode change (three
  // per keep-alive request) when it is already due sooner: it then fires early and re-arms for
  // the rest, and firing in kNone does nothing.
  uint64_t deadline_ = 0;

  // Read buffer: [0, parsePos_) parsed (the current head and unread body bytes are kept),
  // [parsePos_, dataEnd_) received, not parsed yet.
  kj::Array<char> buffer_;
  size_t parsePos_ = 0;
  size_t dataEnd_ = 0;
  bool reading_ = false;

  http_parser parser_;
  bool messageInProgress_ = false;
  bool headDone_ = false;
  size_t headStart_ = 0;
  uint32_t urlOffset_ = 0, urlLength_ = 0;
  uint32_t headEnd_ = 0;  // end of the last URL/header span, relative to headStart_
  bool lastWasValue_ = false;
  std::vector<HeaderSpan> headerSpans_;
  ErrorReply headError_{};

  // Body of the message being parsed: views into buffer_ not yet read by the service.
  kj::Own<Exchange> bodyExchange_;  // null when the body has no reader any more
  std::vector<kj::ArrayPtr<const char>> bodySpans_;
  size_t bodySpanIndex_ = 0;
  bool discardBody_ = false;

  // Exchanges dispatched or answered, in request order, until both the service and the response
  // are done. The first one whose response has not ended is the one writing.
  std::vector<kj::Own<Exchange>> live_;

  bool stopParsing_ = false;   // no more requests on this connection
  bool drainGrace_ = false;    // draining, but one more request may start: its bytes had come
  bool closeAfterLast_ = false;
  bool closing_ = false;       // graceful close started or handle closing
  bool handleClosing_ = false;
  bool processing_ = false;
  bool processAgain_ = false;
  bool peerClosed_ = false;
  bool upgraded_ = false;      // the socket belongs to a WebSocket until the exchange finishes

  // https sockets: the connection's TLS session (handed to the upgraded stream on upgrade).
  std::unique_ptr<TlsSession> tls_;
  bool tlsDelivering_ = false;
  bool tlsDeliverAgain_ = false;

  // Response bytes batched in this loop iteration (a buffer from the server's pool, or empty).
  kj::Array<kj::byte> outbox_;
  size_t outboxUsed_ = 0;
  bool flushListed_ = false;  // in the server's current batch

  std::vector<kj::Own<kj::PromiseFulfiller<void>>> disconnectWaiters_;
  kj::Own<kj::TaskSet> tasks_;
};

}  // namespace colony::http
