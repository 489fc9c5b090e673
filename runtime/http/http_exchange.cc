// Exchange: the request body stream and the kj::HttpService::Response of one request.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <typeinfo>

#include <kj/debug.h>

#include "runtime/http/http_connection.h"
#include "runtime/http/http_text.h"
#include "runtime/http/sha1.h"

namespace colony::http {
namespace {

constexpr kj::StringPtr kContinue = "HTTP/1.1 100 Continue\r\n\r\n"_kj;
constexpr kj::StringPtr kLastChunk = "0\r\n\r\n"_kj;
constexpr kj::StringPtr kCrLf = "\r\n"_kj;

uv_buf_t bufOf(kj::StringPtr text) {
  return uv_buf_init(const_cast<char*>(text.begin()), static_cast<unsigned>(text.size()));
}

// Headers the server writes itself from the response framing: never copied from the service.
// The Connection header a response carries. HTTP/1.0 closes unless told to keep the connection,
// HTTP/1.1 keeps it unless told to close; a close the service asked for is always said.
kj::StringPtr connectionHeaderFor(bool http10, bool closeAfter, bool closeRequested) {
  if (closeRequested) return "Connection: close\r\n"_kj;
  if (http10) return closeAfter ? ""_kj : "Connection: keep-alive\r\n"_kj;
  return closeAfter ? "Connection: close\r\n"_kj : ""_kj;
}

bool isFramingHeader(kj::HttpHeaderId id) {
  return id == kj::HttpHeaderId::CONNECTION || id == kj::HttpHeaderId::KEEP_ALIVE ||
         id == kj::HttpHeaderId::TRANSFER_ENCODING || id == kj::HttpHeaderId::UPGRADE ||
         id == kj::HttpHeaderId::TE || id == kj::HttpHeaderId::TRAILER;
}

// Builds a response head in one exactly-sized buffer (plus an optional inline body).
class HeadWriter {
 public:
  void reserveFor(kj::StringPtr a, kj::StringPtr b) { size_ += a.size() + b.size() + 4; }
  void reserve(size_t n) { size_ += n; }
  void allocate() {
    buffer_ = kj::heapArray<char>(size_);
    pos_ = buffer_.begin();
  }
  void append(kj::StringPtr text) {
    memcpy(pos_, text.begin(), text.size());
    pos_ += text.size();
  }
  void append(const std::string& text) {
    memcpy(pos_, text.data(), text.size());
    pos_ += text.size();
  }
  void header(kj::StringPtr name, kj::StringPtr value) {
    append(name);
    append(": "_kj);
    append(value);
    append(kCrLf);
  }
  kj::Array<char> finish() {
    KJ_ASSERT(pos_ == buffer_.end(), "response head size mismatch");
    return kj::mv(buffer_);
  }

 private:
  size_t size_ = 0;
  kj::Array<char> buffer_;
  char* pos_ = nullptr;
};

// The response body handed to the service. Dropping it ends the body.
class ResponseBody final : public kj::AsyncOutputStream {
 public:
  explicit ResponseBody(kj::Own<Exchange> exchange) : exchange_(kj::mv(exchange)) {}
  ~ResponseBody() noexcept(false) {
    KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&]() { exchange_->onBodyStreamDropped(); })) {
      spdlog::error("http: ending a response failed: {}", exception->getDescription().cStr());
    }
  }

  kj::Promise<void> write(const void* buffer, size_t size) override {
    kj::ArrayPtr<const kj::byte> piece(static_cast<const kj::byte*>(buffer), size);
    return exchange_->writeBody(kj::arrayPtr(&piece, 1));
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    return exchange_->writeBody(pieces);
  }
  kj::Promise<void> whenWriteDisconnected() override {
    Connection* connection = exchange_->connection();
    if (connection == nullptr) return kj::NEVER_DONE;  // finished: nothing more to write
    return connection->whenDisconnected();
  }

 private:
  kj::Own<Exchange> exchange_;
};

kj::Exception clientGone() {
  return KJ_EXCEPTION(DISCONNECTED, "the client connection is closed");
}

}  // namespace

Exchange::Exchange(Connection& connection, kj::HttpHeaderTable& table)
    : headers(table), connection_(&connection) {}

Exchange::~Exchange() noexcept(false) {}

// --- request body ------------------------------------------------------------------------------

kj::Promise<size_t> Exchange::tryRead(void* buffer, size_t minBytes, size_t maxBytes) {
  KJ_IF_MAYBE(error, bodyError) return kj::cp(*error);
  if (!hasBody) return size_t(0);
  if (connection_ == nullptr || !connection_->usable()) {
    if (bodyComplete && serviceDone_) return size_t(0);
    return KJ_EXCEPTION(DISCONNECTED, "the client disconnected before sending the request body");
  }
  auto* out = static_cast<kj::byte*>(buffer);
  if (expectContinue && !continueSent_) {
    return sendContinueIfNeeded().then([this, out, minBytes, maxBytes]() -> kj::Promise<size_t> {
      if (connection_ == nullptr || !connection_->usable()) return clientGone();
      return connection_->readBody(*this, out, minBytes, maxBytes);
    }).attach(kj::addRef(*this));
  }
  return connection_->readBody(*this, out, minBytes, maxBytes);
}

kj::Promise<void> Exchange::sendContinueIfNeeded() {
  continueSent_ = true;
  if (started_) return kj::READY_NOW;  // too late for 100 Continue; the client sends anyway
  return connection_->whenActive(*this).then([this]() -> kj::Promise<void> {
    if (connection_ == nullptr || !connection_->usable()) return clientGone();
    if (headOnWire_) return kj::READY_NOW;
    uv_buf_t buf = bufOf(kContinue);
    connection_->write(&buf, 1, *this);  // completion is not awaited: the body may flow already
    return kj::READY_NOW;
  });
}

kj::Maybe<uint64_t> Exchange::tryGetLength() {
  if (!hasBody) return uint64_t(0);
  if (chunkedBody) return nullptr;
  return bodyUnread;
}

// --- response ----------------------------------------------------------------------------------

InboundResponse* asInboundResponse(kj::HttpService::Response& response) {
  // Exchange is final and the only InboundResponse.
  if (typeid(response) != typeid(Exchange)) return nullptr;
  return &static_cast<Exchange&>(response);
}

kj::Own<kj::AsyncOutputStream> Exchange::send(uint statusCode, kj::StringPtr statusText,
                                              const kj::HttpHeaders& responseHeaders,
                                              kj::Maybe<uint64_t> expectedBodySize) {
  startResponse(statusCode, statusText, responseHeaders, expectedBodySize);
  auto body = kj::heap<ResponseBody>(kj::addRef(*this));
  if (!endWithHeadIfBodyless()) {
    // Hold the head briefly so a body write made right away goes out in the same writev.
    connection_->addTask(kj::evalLast([self = kj::addRef(*this)]() mutable { self->flushIfActive(); }));
  }
  return body;
}

kj::Promise<void> Exchange::sendWhole(uint statusCode, kj::StringPtr statusText,
                                      const kj::HttpHeaders& responseHeaders,
                                      kj::ArrayPtr<const kj::byte> body) {
  startResponse(statusCode, statusText, responseHeaders, uint64_t(body.size()));
  if (endWithHeadIfBodyless()) return kj::READY_NOW;
  return writeBody(kj::arrayPtr(&body, 1));  // the head goes in the same writev
}

bool Exchange::endWithHeadIfBodyless() {
  if (framing_ != Framing::kNone && !(framing_ == Framing::kFixed && bodyRemaining_ == 0)) {
    return false;
  }
  ended_ = true;
  flushIfActive();
  return true;
}

void Exchange::startResponse(uint statusCode, kj::StringPtr statusText,
                             const kj::HttpHeaders& responseHeaders,
                             kj::Maybe<uint64_t> expectedBodySize) {
  if (connection_ == nullptr || !connection_->usable()) kj::throwFatalException(clientGone());
  KJ_REQUIRE(!started_, "the HTTP response was already sent; send() may be called only once");
  KJ_REQUIRE(statusCode >= 200 && statusCode <= 999,
             "invalid HTTP status code from the service (expected 200-999)", statusCode);
  KJ_REQUIRE(isValidStatusText(std::string_view(statusText.cStr(), statusText.size())),
             "invalid HTTP status text from the service (control characters are not allowed)",
             statusText);
  const ServerOptions& options = connection_->server()->options();
  kj::HttpHeaderTable& table = connection_->server()->headerTable();

  bool bodiless = isHead || statusCode == 204 || statusCode == 304;
  kj::Maybe<kj::StringPtr> serviceContentLength;
  if (bodiless) {
    framing_ = Framing::kNone;
  } else KJ_IF_MAYBE(size, expectedBodySize) {
    framing_ = Framing::kFixed;
    bodyRemaining_ = *size;
  } else if (http10) {
    framing_ = Framing::kCloseDelimited;
    closeAfter_ = true;
  } else {
    framing_ = Framing::kChunked;
  }
  if (expectContinue && !continueSent_ && !bodyComplete) {
    closeAfter_ = true;  // the client may or may not send the body now: don't reuse
  }
  closeAfter_ = closeAfter_ || closeRequested_ || connection_->closesAfter(*this);

  // Size, then write, the head.
  // "HTTP/1.1 NNN " (statusCode is three digits, checked above); snprintf cost more than the rest
  // of writing a small response's head.
  char statusLine[] = "HTTP/1.1 000 ";
  if (http10) statusLine[7] = '0';  // answered in the request's version, as workerd does
  statusLine[9] = static_cast<char>('0' + statusCode / 100);
  statusLine[10] = static_cast<char>('0' + statusCode / 10 % 10);
  statusLine[11] = static_cast<char>('0' + statusCode % 10);
  int statusLineLength = sizeof(statusLine) - 1;
  std::string lengthText;
  if (framing_ == Framing::kFixed) {
    lengthText = std::to_string(bodyRemaining_);
  } else if (isHead) {
    // The length a GET would have. A service answering with no body at all (size 0) may still
    // say it in its Content-Length header (a proxied HEAD answer).
    serviceContentLength = responseHeaders.get(kj::HttpHeaderId::CONTENT_LENGTH);
    KJ_IF_MAYBE(size, expectedBodySize) {
      if (*size > 0 || serviceContentLength == nullptr) {
        lengthText = std::to_string(*size);
        serviceContentLength = nullptr;
      }
    }
  }
  auto keepHeader = [&](kj::StringPtr name) {
    return !isInjectedName(options.injectResponseHeaders, std::string_view(name.cStr(), name.size()));
  };
  HeadWriter head;
  head.reserve(statusLineLength + statusText.size() + 2);
  responseHeaders.forEach(
      [&](kj::HttpHeaderId id, kj::StringPtr value) {
        if (isFramingHeader(id) || id == kj::HttpHeaderId::CONTENT_LENGTH) return;
        kj::StringPtr name = table.idToString(id);
        if (keepHeader(name)) head.reserveFor(name, value);
      },
      [&](kj::StringPtr name, kj::StringPtr value) {
        if (keepHeader(name)) head.reserveFor(name, value);
      });
  for (auto& [name, value] : options.injectResponseHeaders) {
    head.reserve(name.size() + value.size() + 4);
  }
  KJ_IF_MAYBE(length, serviceContentLength) head.reserveFor("Content-Length"_kj, *length);
  if (!lengthText.empty()) head.reserve(sizeof("Content-Length: \r\n") - 1 + lengthText.size());
  if (framing_ == Framing::kChunked) head.reserve(sizeof("Transfer-Encoding: chunked\r\n") - 1);
  kj::StringPtr connectionHeader = connectionHeaderFor(http10, closeAfter_, closeRequested_);
  head.reserve(connectionHeader.size() + 2);
  head.allocate();
  head.append(kj::StringPtr(statusLine, statusLineLength));
  head.append(statusText);
  head.append(kCrLf);
  // Framing first, then the service's headers, then Connection, as workerd writes them.
  KJ_IF_MAYBE(length, serviceContentLength) head.header("Content-Length"_kj, *length);
  if (!lengthText.empty()) {
    head.append("Content-Length: "_kj);
    head.append(lengthText);
    head.append(kCrLf);
  }
  if (framing_ == Framing::kChunked) head.append("Transfer-Encoding: chunked\r\n"_kj);
  responseHeaders.forEach(
      [&](kj::HttpHeaderId id, kj::StringPtr value) {
        if (isFramingHeader(id) || id == kj::HttpHeaderId::CONTENT_LENGTH) return;
        kj::StringPtr name = table.idToString(id);
        if (keepHeader(name)) head.header(name, value);
      },
      [&](kj::StringPtr name, kj::StringPtr value) {
        if (keepHeader(name)) head.header(name, value);
      });
  for (auto& [name, value] : options.injectResponseHeaders) {
    head.header(kj::StringPtr(name.c_str(), name.size()),
                kj::StringPtr(value.c_str(), value.size()));
  }
  head.append(connectionHeader);
  head.append(kCrLf);
  responseHead_ = head.finish();
  started_ = true;
  headPending_ = true;
}

kj::Own<kj::WebSocket> Exchange::acceptWebSocket(const kj::HttpHeaders& responseHeaders) {
  if (connection_ == nullptr || !connection_->usable()) kj::throwFatalException(clientGone());
  KJ_REQUIRE(!started_, "the HTTP response was already sent; it cannot become a WebSocket");
  KJ_REQUIRE(method == kj::HttpMethod::GET && headers.isWebSocket(),
             "a WebSocket response (status 101) can only answer a request with "
             "Upgrade: websocket");
  kj::StringPtr key;
  KJ_IF_MAYBE(value, headers.get(kj::HttpHeaderId::SEC_WEBSOCKET_KEY)) {
    key = *value;
  } else {
    KJ_FAIL_REQUIRE("the WebSocket request has no Sec-WebSocket-Key header");
  }
  KJ_IF_MAYBE(version, headers.get(kj::HttpHeaderId::SEC_WEBSOCKET_VERSION)) {
    KJ_REQUIRE(*version == "13", "unsupported Sec-WebSocket-Version (only 13 is)", *version);
  }
  const ServerOptions& options = connection_->server()->options();
  kj::HttpHeaderTable& table = connection_->server()->headerTable();

  std::string accept = webSocketAcceptKey(std::string_view(key.cStr(), key.size()));
  constexpr kj::StringPtr statusLine = "HTTP/1.1 101 Switching Protocols\r\n"_kj;
  constexpr kj::StringPtr upgradeHeaders = "Upgrade: websocket\r\nConnection: Upgrade\r\n"_kj;
  // The handshake headers are the server's; no extension is negotiated (messages go uncompressed).
  auto keep = [&](kj::StringPtr name) {
    return !isInjectedName(options.injectResponseHeaders, std::string_view(name.cStr(), name.size()));
  };
  auto isHandshakeHeader = [](kj::HttpHeaderId id) {
    return isFramingHeader(id) || id == kj::HttpHeaderId::CONTENT_LENGTH ||
           id == kj::HttpHeaderId::SEC_WEBSOCKET_ACCEPT ||
           id == kj::HttpHeaderId::SEC_WEBSOCKET_EXTENSIONS ||
           id == kj::HttpHeaderId::SEC_WEBSOCKET_KEY ||
           id == kj::HttpHeaderId::SEC_WEBSOCKET_VERSION;
  };
  HeadWriter head;
  head.reserve(statusLine.size() + upgradeHeaders.size() + 2);
  head.reserveFor("Sec-WebSocket-Accept"_kj, kj::StringPtr(accept.c_str(), accept.size()));
  responseHeaders.forEach(
      [&](kj::HttpHeaderId id, kj::StringPtr value) {
        if (isHandshakeHeader(id)) return;
        kj::StringPtr name = table.idToString(id);
        if (keep(name)) head.reserveFor(name, value);
      },
      [&](kj::StringPtr name, kj::StringPtr value) {
        if (keep(name)) head.reserveFor(name, value);
      });
  for (auto& [name, value] : options.injectResponseHeaders) {
    head.reserve(name.size() + value.size() + 4);
  }
  head.allocate();
  head.append(statusLine);
  head.append(upgradeHeaders);
  head.header("Sec-WebSocket-Accept"_kj, kj::StringPtr(accept.c_str(), accept.size()));
  responseHeaders.forEach(
      [&](kj::HttpHeaderId id, kj::StringPtr value) {
        if (isHandshakeHeader(id)) return;
        kj::StringPtr name = table.idToString(id);
        if (keep(name)) head.header(name, value);
      },
      [&](kj::StringPtr name, kj::StringPtr value) {
        if (keep(name)) head.header(name, value);
      });
  for (auto& [name, value] : options.injectResponseHeaders) {
    head.header(kj::StringPtr(name.c_str(), name.size()),
                kj::StringPtr(value.c_str(), value.size()));
  }
  head.append(kCrLf);
  responseHead_ = head.finish();
  started_ = true;
  ended_ = true;
  framing_ = Framing::kNone;
  // From here on a failure of the service can only drop the connection.
  headOnWire_ = true;

  auto socket = connection_->whenActive(*this)
                    .then([this]() -> kj::Promise<void> {
                      if (connection_ == nullptr || !connection_->usable()) return clientGone();
                      uv_buf_t buf = uv_buf_init(responseHead_.begin(),
                                                 static_cast<unsigned>(responseHead_.size()));
                      return connection_->write(&buf, 1, *this, /*mayBatch=*/false);
                    })
                    .then([this]() -> kj::Own<kj::AsyncIoStream> {
                      if (connection_ == nullptr || !connection_->usable()) {
                        kj::throwFatalException(clientGone());
                      }
                      // The response is complete as far as the connection is concerned; it
                      // closes once the service is done with the WebSocket.
                      endQueued_ = true;
                      return connection_->takeUpgradedSocket();
                    })
                    .attach(kj::addRef(*this));
  return kj::newWebSocket(kj::newPromisedStream(kj::mv(socket)), nullptr);
}

void Exchange::setServerResponse(uint status, kj::StringPtr reason, kj::StringPtr body) {
  const ServerOptions* options = connection_ && connection_->server()
                                     ? &connection_->server()->options()
                                     : nullptr;
  if (expectContinue && !continueSent_ && !bodyComplete) closeAfter_ = true;
  closeAfter_ = closeAfter_ || closeRequested_;
  if (connection_ != nullptr) closeAfter_ = closeAfter_ || connection_->closesAfter(*this);
  char statusLine[64];
  int statusLength =
      snprintf(statusLine, sizeof(statusLine), "HTTP/1.%d %03u ", http10 ? 0 : 1, status);
  std::string length = std::to_string(body.size());
  kj::StringPtr connectionHeader = connectionHeaderFor(http10, closeAfter_, closeRequested_);
  kj::StringPtr contentType = "Content-Type: text/plain; charset=utf-8\r\n"_kj;
  HeadWriter head;
  head.reserve(statusLength + reason.size() + 2 + contentType.size());
  head.reserve(sizeof("Content-Length: \r\n") - 1 + length.size());
  if (options != nullptr) {
    for (auto& [name, value] : options->injectResponseHeaders) {
      head.reserve(name.size() + value.size() + 4);
    }
  }
  head.reserve(connectionHeader.size() + 2 + (isHead ? 0 : body.size()));
  head.allocate();
  head.append(kj::StringPtr(statusLine, statusLength));
  head.append(reason);
  head.append(kCrLf);
  head.append(contentType);
  head.append("Content-Length: "_kj);
  head.append(length);
  head.append(kCrLf);
  if (options != nullptr) {
    for (auto& [name, value] : options->injectResponseHeaders) {
      head.header(kj::StringPtr(name.c_str(), name.size()),
                  kj::StringPtr(value.c_str(), value.size()));
    }
  }
  head.append(connectionHeader);
  head.append(kCrLf);
  if (!isHead) head.append(body);
  responseHead_ = head.finish();
  started_ = true;
  headPending_ = true;
  framing_ = Framing::kFixed;
  bodyRemaining_ = 0;
  ended_ = true;
}

void Exchange::flushIfActive() {
  if (connection_ == nullptr || !connection_->usable() || !connection_->isActive(*this)) return;
  uv_buf_t bufs[2];
  size_t count = 0;
  if (headPending_) {
    bufs[count++] = uv_buf_init(responseHead_.begin(), static_cast<unsigned>(responseHead_.size()));
    headPending_ = false;
    headOnWire_ = true;
  }
  bool finishing = ended_ && !endQueued_;
  if (finishing && framing_ == Framing::kChunked) bufs[count++] = bufOf(kLastChunk);
  if (count > 0) {
    // The write completes (or fails, closing the connection) on its own; nothing awaits it.
    connection_->write(bufs, count, *this);
  }
  if (finishing && connection_ != nullptr && connection_->usable()) {
    endQueued_ = true;
    connection_->onResponseEnded(*this);
  }
}

kj::Promise<void> Exchange::writeBody(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) {
  if (connection_ == nullptr || !connection_->usable()) {
    if (ended_) {
      return KJ_EXCEPTION(FAILED, "the HTTP response body is already complete");
    }
    return clientGone();
  }
  size_t total = 0;
  for (auto& piece : pieces) total += piece.size();
  if (total == 0 || framing_ == Framing::kNone) return kj::READY_NOW;  // HEAD, 204, 304: dropped
  KJ_REQUIRE(!ended_, "the HTTP response body is already complete; no more writes are allowed");
  if (framing_ == Framing::kFixed) {
    KJ_REQUIRE(total <= bodyRemaining_,
               "the service wrote more response body than the length it declared "
               "(expectedBodySize)", total, bodyRemaining_);
  }
  if (!connection_->isActive(*this)) {
    // An earlier pipelined response is still being written: wait for our turn.
    auto copy = kj::heapArray<kj::ArrayPtr<const kj::byte>>(pieces);
    auto promise = connection_->whenActive(*this);
    return promise.then([this, copy = kj::mv(copy)]() { return writeBody(copy); })
        .attach(kj::addRef(*this));
  }

  constexpr size_t kInlineBufs = 16;
  uv_buf_t inlineBufs[kInlineBufs];
  kj::Array<uv_buf_t> heapBufs;
  uv_buf_t* bufs = inlineBufs;
  if (pieces.size() + 3 > kInlineBufs) {
    heapBufs = kj::heapArray<uv_buf_t>(pieces.size() + 3);
    bufs = heapBufs.begin();
  }
  size_t count = 0;
  if (headPending_) {
    bufs[count++] = uv_buf_init(responseHead_.begin(), static_cast<unsigned>(responseHead_.size()));
    headPending_ = false;
    headOnWire_ = true;
  }
  if (framing_ == Framing::kChunked) {
    int n = snprintf(chunkFrame_, sizeof(chunkFrame_), "%zx\r\n", total);
    bufs[count++] = uv_buf_init(chunkFrame_, n);
  }
  for (auto& piece : pieces) {
    if (piece.size() == 0) continue;
    bufs[count++] = uv_buf_init(reinterpret_cast<char*>(const_cast<kj::byte*>(piece.begin())),
                                static_cast<unsigned>(piece.size()));
  }
  if (framing_ == Framing::kChunked) bufs[count++] = bufOf(kCrLf);
  if (framing_ == Framing::kFixed) {
    bodyRemaining_ -= total;
    if (bodyRemaining_ == 0) ended_ = true;
  }
  auto keep = kj::addRef(*this);
  auto promise = connection_->write(bufs, count, *this);
  if (ended_ && !endQueued_ && connection_ != nullptr && connection_->usable()) {
    endQueued_ = true;
    connection_->onResponseEnded(*this);
  }
  return promise;
}

void Exchange::endResponse() {
  if (ended_ || connection_ == nullptr || !connection_->usable()) return;
  if (framing_ == Framing::kFixed && bodyRemaining_ > 0) {
    spdlog::error("http: {} {}: the response body ended {} bytes short of its declared length; "
                  "aborting the connection",
                  kj::str(method).cStr(), url.cStr(), bodyRemaining_);
    connection_->abort();
    return;
  }
  ended_ = true;
  flushIfActive();
}

void Exchange::onBodyStreamDropped() {
  if (!started_ || ended_ || connection_ == nullptr || !connection_->usable()) return;
  // Dropping the stream ends the body, but not before the service's own outcome is known: a
  // stream dropped while an exception propagates must not complete a response that failed.
  connection_->addTask(kj::evalLater([self = kj::addRef(*this)]() mutable {
    self->endResponse();
  }));
}

void Exchange::logServiceError(kj::StringPtr what, const kj::Exception* error) {
  if (error != nullptr) {
    spdlog::error("http: {} {}: {}: {}", kj::str(method).cStr(), url.cStr(), what.cStr(),
                  error->getDescription().cStr());
  } else {
    spdlog::error("http: {} {}: {}", kj::str(method).cStr(), url.cStr(), what.cStr());
  }
}

void Exchange::replaceWithServerError(kj::StringPtr what, const kj::Exception* error) {
  logServiceError(what, error);
  headPending_ = false;
  setServerResponse(500, "Internal Server Error"_kj, "Internal Server Error\n"_kj);
  flushIfActive();
}

void Exchange::onServiceDone(kj::Maybe<kj::Exception> error) {
  serviceDone_ = true;
  auto keep = kj::addRef(*this);
  if (connection_ == nullptr || !connection_->usable()) {
    KJ_IF_MAYBE(e, error) {
      if (e->getType() != kj::Exception::Type::DISCONNECTED) {
        logServiceError("the service failed after the connection closed"_kj, e);
      }
    }
    // The response may have been complete already (the connection closes after it).
    if (connection_ != nullptr) connection_->onExchangeProgress(*this);
    return;
  }
  KJ_IF_MAYBE(e, error) {
    if (!headOnWire_) {
      replaceWithServerError("the service threw before sending a response"_kj, e);
    } else {
      logServiceError("the service threw after the response started; aborting the connection"_kj,
                      e);
      connection_->abort();
      return;
    }
  } else if (!started_) {
    replaceWithServerError("the service returned without sending a response"_kj, nullptr);
  } else if (!ended_) {
    endResponse();
  }
  if (connection_ != nullptr) connection_->onExchangeProgress(*this);
}

}  // namespace colony::http
