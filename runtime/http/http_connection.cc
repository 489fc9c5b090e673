// Connection: reading and parsing requests, dispatching them, ordering and writing responses.
#include "runtime/http/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>

#include <fcntl.h>

#include <kj/debug.h>

#include "ipc/uv_async_io.h"
#include "runtime/http/http_text.h"

namespace colony::http {
namespace {

constexpr size_t kInitialBufferSize = 16 * 1024;
// While a request body larger than the free space is coming in, the buffer may grow to this, so
// that a large upload arrives in few socket reads and is handed on in large chunks (a 64 KiB echo
// costs two reads and two writes instead of five and four, and half the CPU). It returns
// to kInitialBufferSize when the next request starts.
constexpr size_t kBodyBufferSize = 64 * 1024;
// After a graceful close, unread client data is drained for at most this long before the socket
// is closed (closing with unread data would reset the connection and could destroy the response).
constexpr uint32_t kLingerMs = 2000;

struct PendingWrite {
  uv_write_t req;
  kj::Own<kj::PromiseFulfiller<void>> fulfiller;
  kj::Own<Exchange> owner;  // keeps the head and chunk-frame bytes alive
  kj::Array<kj::byte> ciphertext;  // https: the encrypted bytes being written
};

// Bytes queued in libuv that belong to no response: the rest of a batch of small responses, or
// raw TLS output (handshake records, alerts, close_notify).
struct QueuedBytes {
  uv_write_t req;
  kj::Array<kj::byte> bytes;
};

// Writes the first `size` bytes: what the socket takes now, and the rest queued in libuv, which
// then owns `bytes` (otherwise they stay with the caller). False when the socket failed.
bool writeOrQueue(uv_stream_t* stream, kj::Array<kj::byte>& bytes, size_t size) {
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(bytes.begin()), static_cast<unsigned>(size));
  int written = uv_try_write(stream, &buf, 1);
  if (written >= 0 && static_cast<size_t>(written) == size) return true;
  if (written < 0 && written != UV_EAGAIN) {
    spdlog::debug("http: writing to client failed: {}", uv_strerror(written));
    return false;
  }
  size_t skip = written > 0 ? written : 0;
  auto* queued = new QueuedBytes{{}, kj::mv(bytes)};
  queued->req.data = queued;
  buf = uv_buf_init(reinterpret_cast<char*>(queued->bytes.begin()) + skip,
                    static_cast<unsigned>(size - skip));
  if (uv_write(&queued->req, stream, &buf, 1, [](uv_write_t* req, int) {
        // A failure shows on the read side, or on the next write, which closes the connection.
        delete static_cast<QueuedBytes*>(req->data);
      }) != 0) {
    delete queued;
    return false;
  }
  return true;
}

void onWriteDone(uv_write_t* req, int status) {
  auto* write = static_cast<PendingWrite*>(req->data);
  if (status == 0) {
    write->fulfiller->fulfill();
  } else {
    write->fulfiller->reject(KJ_EXCEPTION(DISCONNECTED, "writing the HTTP response failed",
                                          uv_strerror(status)));
    // A cancelled write means the connection is already closing. Write callbacks always run
    // before the handle's close callback, so the connection is still alive here.
    if (status != UV_ECANCELED) static_cast<Connection*>(req->handle->data)->abort();
  }
  delete write;
}

// http-parser method number -> kj::HttpMethod (CONNECT and methods kj lacks map to nothing).
kj::Maybe<kj::HttpMethod> toKjMethod(unsigned parserMethod) {
  static const auto table = [] {
    std::array<kj::Maybe<kj::HttpMethod>, 64> result;
    for (unsigned i = 0; i < result.size(); ++i) {
      const char* name = http_method_str(static_cast<http_method>(i));
      if (i == HTTP_MSEARCH) name = "MSEARCH";
      if (i == HTTP_CONNECT || strcmp(name, "<unknown>") == 0) continue;
      result[i] = kj::tryParseHttpMethod(name);
    }
    return result;
  }();
  if (parserMethod >= table.size()) return nullptr;
  return table[parserMethod];
}

// The upgraded socket: bytes the client sent right after its request head come first.
class PrefixedStream final : public kj::AsyncIoStream {
 public:
  PrefixedStream(kj::Array<kj::byte> prefix, kj::Own<kj::AsyncIoStream> inner)
      : prefix_(kj::mv(prefix)), inner_(kj::mv(inner)) {}

  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override {
    size_t left = prefix_.size() - offset_;
    if (left == 0) return inner_->tryRead(buffer, minBytes, maxBytes);
    size_t n = std::min(left, maxBytes);
    memcpy(buffer, prefix_.begin() + offset_, n);
    offset_ += n;
    if (n >= minBytes) return n;
    return inner_->tryRead(static_cast<kj::byte*>(buffer) + n, minBytes - n, maxBytes - n)
        .then([n](size_t more) { return n + more; });
  }
  kj::Promise<void> write(const void* buffer, size_t size) override {
    return inner_->write(buffer, size);
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    return inner_->write(pieces);
  }
  kj::Promise<void> whenWriteDisconnected() override { return inner_->whenWriteDisconnected(); }
  void shutdownWrite() override { inner_->shutdownWrite(); }
  void abortRead() override { inner_->abortRead(); }

 private:
  kj::Array<kj::byte> prefix_;
  size_t offset_ = 0;
  kj::Own<kj::AsyncIoStream> inner_;
};

}  // namespace

const http_parser_settings Connection::kParserSettings = [] {
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_message_begin = &Connection::onMessageBegin;
  settings.on_url = &Connection::onUrl;
  settings.on_header_field = &Connection::onHeaderField;
  settings.on_header_value = &Connection::onHeaderValue;
  settings.on_headers_complete = &Connection::onHeadersComplete;
  settings.on_body = &Connection::onBody;
  settings.on_message_complete = &Connection::onMessageComplete;
  return settings;
}();

Connection::Connection(HttpServer& server, bool isPipe) : server_(&server), isPipe_(isPipe) {
  uv_loop_t* loop = server.port().uvLoop();
  if (isPipe_) {
    uv_pipe_init(loop, &handle_.pipe, 0);
  } else {
    uv_tcp_init(loop, &handle_.tcp);
  }
  handle_.tcp.data = this;
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  handlesOpen_ = 2;
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  tasks_ = kj::heap<kj::TaskSet>(*this);
}

Connection::~Connection() noexcept(false) {}

void Connection::start() {
  if (!isPipe_) uv_tcp_nodelay(&handle_.tcp, 1);
  if (server_->options().tls) tls_ = server_->options().tls->newSession();
  setTimer(TimerMode::kHeader);
  updateReading();
}

void Connection::closeUnstarted() { closeHandle(); }

void Connection::beginDrain() {
  if (closing_) return;
  if (live_.empty()) {
    if (!requestBytesWaiting()) {
      closeHandle();  // idle
      return;
    }
    // The client sent a request before it could know about the drain: serve that one (with
    // Connection: close), unless its head does not come in time.
    drainGrace_ = !messageInProgress_;  // a head already begun is that request
    closeAfterLast_ = true;
    if (timerMode_ != TimerMode::kHeader) setTimer(TimerMode::kHeader);
    processInput();
    return;
  }
  stopParsing_ = true;
  closeAfterLast_ = true;
  if (messageInProgress_ && !headDone_) messageInProgress_ = false;  // drop a partial head
}

bool Connection::requestBytesWaiting() {
  if (messageInProgress_) return !headDone_;  // (with its head done, a skipped body)
  if (parsePos_ < dataEnd_) return true;
  if (tls_ != nullptr && tls_->hasBufferedInput()) return true;
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_), &fd) != 0) return false;
  int queued = 0;
  return ioctl(fd, FIONREAD, &queued) == 0 && queued > 0;
}

void Connection::detachFromServer() {
  server_ = nullptr;
  abort();
}

// --- reading -----------------------------------------------------------------------------------

size_t Connection::keepFrom() const {
  if (messageInProgress_ && !headDone_) return headStart_;
  if (bodySpanIndex_ < bodySpans_.size()) {
    return bodySpans_[bodySpanIndex_].begin() - buffer_.begin();
  }
  return parsePos_;
}

bool Connection::hasReadSpace() const {
  if (closing_ || buffer_.size() == 0 || dataEnd_ < buffer_.size() || keepFrom() > 0) return true;
  return messageInProgress_ && !headDone_ &&
         buffer_.size() < server_->options().maxHeaderBytes + kInitialBufferSize;
}

void Connection::moveKeptData(char* to, size_t keep) {
  memmove(to, buffer_.begin() + keep, dataEnd_ - keep);  // `to` may be in buffer_ itself
  for (size_t i = bodySpanIndex_; i < bodySpans_.size(); ++i) {
    auto& span = bodySpans_[i];
    span = kj::arrayPtr(to + (span.begin() - buffer_.begin() - keep), span.size());
  }
  parsePos_ -= keep;
  dataEnd_ -= keep;
  if (messageInProgress_ && !headDone_) headStart_ -= keep;
}

void Connection::prepareReadSpace() {
  if (buffer_.size() == 0) buffer_ = kj::heapArray<char>(kInitialBufferSize);
  if (closing_) {  // lingering: discard whatever arrives
    parsePos_ = dataEnd_ = 0;
    return;
  }
  size_t keep = keepFrom();
  size_t capacity = buffer_.size();
  if (keep == dataEnd_ && capacity > kInitialBufferSize && !messageInProgress_ &&
      bodySpanIndex_ >= bodySpans_.size()) {
    // Nothing kept, between requests: back to the usual size after a large head or body.
    buffer_ = kj::heapArray<char>(kInitialBufferSize);
    parsePos_ = dataEnd_ = 0;
    return;
  }
  if (messageInProgress_ && headDone_ && capacity < kBodyBufferSize &&
      bodyBytesToCome() > capacity - (dataEnd_ - keep)) {
    auto bigger = kj::heapArray<char>(kBodyBufferSize);
    moveKeptData(bigger.begin(), keep);
    buffer_ = kj::mv(bigger);
    return;
  }
  if (keep > 0 && (keep == dataEnd_ || capacity - dataEnd_ < capacity / 4)) {
    moveKeptData(buffer_.begin(), keep);
  }
  if (dataEnd_ == capacity && messageInProgress_ && !headDone_ && server_ != nullptr &&
      capacity < server_->options().maxHeaderBytes + kInitialBufferSize) {
    // A large request head: grow (no body spans exist while a head is being parsed).
    auto bigger = kj::heapArray<char>(capacity * 2);
    memcpy(bigger.begin(), buffer_.begin(), dataEnd_);
    buffer_ = kj::mv(bigger);
  }
}

uint64_t Connection::bodyBytesToCome() const {
  if ((parser_.flags & F_CHUNKED) != 0) return UINT64_MAX;  // unknown: as much as there is room
  uint64_t unparsed = dataEnd_ - parsePos_;
  uint64_t left = parser_.content_length;  // what the parser has yet to see of the body
  return left == ULLONG_MAX ? 0 : (left > unparsed ? left - unparsed : 0);
}

void Connection::updateReading() {
  if (handleClosing_) return;
  bool want = hasReadSpace() && (!upgraded_ || closing_);
  if (want && tls_ != nullptr && tls_->hasBufferedInput()) {
    deliverTls();  // plaintext OpenSSL still holds comes before new socket reads
    if (handleClosing_) return;
    want = hasReadSpace() && (!upgraded_ || closing_);
  }
  if (want && !reading_) {
    int rc = uv_read_start(stream(), &Connection::onAlloc, &Connection::onRead);
    if (rc != 0) {
      spdlog::debug("http: cannot read from client socket: {}", uv_strerror(rc));
      abort();
      return;
    }
    reading_ = true;
  } else if (!want && reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
}

void Connection::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(handle->data);
  if (self->tls_ != nullptr) {  // ciphertext goes to the TLS session first
    auto space = self->tls_->inputSpace();
    *buf = uv_buf_init(space.begin(), static_cast<unsigned>(space.size()));
    return;
  }
  self->prepareReadSpace();
  *buf = uv_buf_init(self->buffer_.begin() + self->dataEnd_,
                     static_cast<unsigned>(self->buffer_.size() - self->dataEnd_));
}

void Connection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread > 0 && self->tls_ != nullptr) {
    self->tls_->commitInput(static_cast<size_t>(nread));
    self->deliverTls();
    return;
  }
  if (nread > 0) {
    if (self->closing_) {
      self->parsePos_ = self->dataEnd_ = 0;
      return;
    }
    self->dataEnd_ += nread;
    self->processInput();
    return;
  }
  if (nread == 0) return;
  if (nread == UV_ENOBUFS) {
    uv_read_stop(stream);
    self->reading_ = false;
    return;
  }
  // End of stream or error. A client that goes away while a request is unfinished or being
  // served cancels it; a clean close between requests just closes.
  self->peerClosed_ = true;
  if (nread != UV_EOF) {
    spdlog::debug("http: client connection error: {}", uv_strerror(static_cast<int>(nread)));
  }
  if (self->closing_ || (nread == UV_EOF && self->live_.empty())) {
    self->closeHandle();
  } else {
    self->abort();
  }
}

bool Connection::canStartMessage() const {
  return !stopParsing_ && !closing_ && server_ != nullptr && (!server_->draining() || drainGrace_) &&
         live_.size() < std::max<uint32_t>(server_->options().maxPipelinedRequests, 1) &&
         bodySpanIndex_ >= bodySpans_.size();
}

void Connection::processInput() {
  if (processing_) {
    processAgain_ = true;
    return;
  }
  processing_ = true;
  do {
    processAgain_ = false;
    while (!closing_) {
      if (!messageInProgress_) {
        if (parsePos_ == dataEnd_ || !canStartMessage()) break;
        messageInProgress_ = true;
        drainGrace_ = false;  // that request was the one a drain still lets in
        headDone_ = false;
        headStart_ = parsePos_;
        urlOffset_ = urlLength_ = headEnd_ = 0;
        lastWasValue_ = false;
        headerSpans_.clear();
        bodyExchange_ = nullptr;
        bodySpans_.clear();
        bodySpanIndex_ = 0;
        discardBody_ = false;
        setTimer(TimerMode::kHeader);
      } else if (headDone_) {
        if (bodySpanIndex_ < bodySpans_.size()) break;  // the service has not read these yet
        bodySpans_.clear();
        bodySpanIndex_ = 0;
      }
      if (parsePos_ == dataEnd_) break;

      size_t parsed = http_parser_execute(&parser_, &kParserSettings, buffer_.begin() + parsePos_,
                                          dataEnd_ - parsePos_);
      parsePos_ += parsed;
      http_errno error = HTTP_PARSER_ERRNO(&parser_);
      if (error == HPE_PAUSED) {
        http_parser_pause(&parser_, 0);  // paused at the end of a message
      } else if (error == HPE_CB_headers_complete) {
        protocolError(headError_);
        break;
      } else if (error != HPE_OK) {
        if (headDone_) {
          bodyParseError(error);
        } else if (error == HPE_HEADER_OVERFLOW) {
          protocolError({431, "Request Header Fields Too Large", "Request header too large\n"});
        } else {
          protocolError({400, "Bad Request", "Bad Request\n"});
        }
        break;
      } else if (parser_.upgrade) {
        stopParsing_ = true;  // protocol upgrades are not served: answer this request, then close
        closeAfterLast_ = true;
      } else if (!headDone_ && parsePos_ - headStart_ > server_->options().maxHeaderBytes) {
        protocolError({431, "Request Header Fields Too Large", "Request header too large\n"});
        break;
      }
      deliverBody();
    }
  } while (processAgain_ && !closing_);
  processing_ = false;
  updateReading();
}

int Connection::onMessageBegin(http_parser*) { return 0; }

int Connection::onUrl(http_parser* parser, const char* at, size_t length) {
  auto* self = static_cast<Connection*>(parser->data);
  uint32_t offset = static_cast<uint32_t>(at - (self->buffer_.begin() + self->headStart_));
  if (self->urlLength_ == 0) self->urlOffset_ = offset;
  self->urlLength_ = offset + length - self->urlOffset_;
  self->headEnd_ = std::max<uint32_t>(self->headEnd_, offset + length);
  return 0;
}

int Connection::onHeaderField(http_parser* parser, const char* at, size_t length) {
  auto* self = static_cast<Connection*>(parser->data);
  uint32_t offset = static_cast<uint32_t>(at - (self->buffer_.begin() + self->headStart_));
  auto& spans = self->headerSpans_;
  if (!self->lastWasValue_ && !spans.empty() &&
      spans.back().nameOffset + spans.back().nameLength == offset) {
    spans.back().nameLength += length;  // the name was split across two reads
  } else {
    spans.push_back(HeaderSpan{offset, static_cast<uint32_t>(length), 0, 0, false});
  }
  self->lastWasValue_ = false;
  self->headEnd_ = std::max<uint32_t>(self->headEnd_, offset + length);
  return 0;
}

int Connection::onHeaderValue(http_parser* parser, const char* at, size_t length) {
  auto* self = static_cast<Connection*>(parser->data);
  uint32_t offset = static_cast<uint32_t>(at - (self->buffer_.begin() + self->headStart_));
  auto& span = self->headerSpans_.back();
  if (!self->lastWasValue_ || span.valueLength == 0) {
    span.valueOffset = offset;
    span.valueLength = length;
  } else {
    // Split across reads (contiguous), or an obsolete line folding (a gap with CRLF + spaces,
    // turned into spaces when the head is copied).
    if (span.valueOffset + span.valueLength != offset) span.folded = true;
    span.valueLength = offset + length - span.valueOffset;
  }
  self->lastWasValue_ = true;
  self->headEnd_ = std::max<uint32_t>(self->headEnd_, offset + length);
  return 0;
}

int Connection::onHeadersComplete(http_parser* parser) {
  return static_cast<Connection*>(parser->data)->headersComplete();
}

int Connection::failHead(ErrorReply reply) {
  headError_ = reply;
  return -1;
}

std::string Connection::localAuthority() {
  if (isPipe_) return "localhost";
  sockaddr_storage address{};
  int length = sizeof(address);
  if (uv_tcp_getsockname(&handle_.tcp, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return "localhost";
  }
  char host[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
  return std::string(host) + ":" + std::to_string(ntohs(v4->sin_port));
}

int Connection::headersComplete() {
  headDone_ = true;
  if (timerMode_ == TimerMode::kHeader) setTimer(TimerMode::kNone);
  const ServerOptions& options = server_->options();

  if (headEnd_ > options.maxHeaderBytes) {
    return failHead({431, "Request Header Fields Too Large", "Request header too large\n"});
  }
  if (parser_.http_major != 1) {
    return failHead({505, "HTTP Version Not Supported", "Only HTTP/1.x is supported\n"});
  }
  kj::HttpMethod method;
  KJ_IF_MAYBE(m, toKjMethod(parser_.method)) {
    method = *m;
  } else {
    return failHead({501, "Not Implemented", "Request method not supported\n"});
  }
  if (urlLength_ == 0) return failHead({400, "Bad Request", "Missing request target\n"});

  // Find the headers the server itself interprets; trim trailing whitespace from values.
  char* base = buffer_.begin() + headStart_;
  const HeaderSpan* host = nullptr;
  const HeaderSpan* expect = nullptr;
  const HeaderSpan* forwardedProto = nullptr;
  std::vector<HeaderSpan>& spans = headerSpans_;
  for (auto& span : spans) {
    while (span.valueLength > 0 && (base[span.valueOffset + span.valueLength - 1] == ' ' ||
                                    base[span.valueOffset + span.valueLength - 1] == '\t')) {
      --span.valueLength;
    }
    std::string_view name(base + span.nameOffset, span.nameLength);
    if (equalsIgnoringCase(name, "host")) {
      if (host != nullptr) return failHead({400, "Bad Request", "Multiple Host headers\n"});
      host = &span;
    } else if (equalsIgnoringCase(name, "expect")) {
      expect = &span;
    }
    if (!options.forwardedProtoHeader.empty() &&
        equalsIgnoringCase(name, options.forwardedProtoHeader)) {
      forwardedProto = &span;
    }
  }
  std::string_view hostValue =
      host ? std::string_view(base + host->valueOffset, host->valueLength) : std::string_view();
  bool http10 = parser_.http_minor == 0;
  if (host == nullptr && !http10 && !options.proxyStyle) {
    return failHead({400, "Bad Request", "Missing Host header\n"});
  }
  if (host != nullptr && !isValidHost(hostValue)) {
    return failHead({400, "Bad Request", "Invalid Host header\n"});
  }
  std::string_view scheme = options.scheme;
  if (forwardedProto != nullptr) {
    scheme = std::string_view(base + forwardedProto->valueOffset, forwardedProto->valueLength);
    if (!isValidScheme(scheme)) {
      return failHead({400, "Bad Request", "Invalid forwarded protocol header\n"});
    }
  }

  // The URL handed to the service is always absolute.
  std::string_view target(base + urlOffset_, urlLength_);
  bool buildUrl = false;
  std::string fallbackHost;
  if (options.proxyStyle) {
    if (!isAbsoluteUrl(target)) {
      return failHead({400, "Bad Request",
                       "This server expects an absolute URL in the request line (proxy style)\n"});
    }
  } else if (target.front() == '/') {
    buildUrl = true;
    if (host == nullptr) {
      fallbackHost = localAuthority();
      hostValue = fallbackHost;
    }
  } else if (!isAbsoluteUrl(target)) {
    return failHead({400, "Bad Request", "Invalid request target\n"});
  }

  // Copy the head once; header names, values and the URL become NUL-terminated views into it.
  size_t urlBytes = buildUrl ? scheme.size() + 3 + hostValue.size() + target.size() + 1 : 0;
  auto copy = kj::heapArray<char>(headEnd_ + 1 + urlBytes);
  memcpy(copy.begin(), base, headEnd_);
  copy[headEnd_] = '\0';
  for (auto& span : spans) {
    copy[span.nameOffset + span.nameLength] = '\0';
    if (span.folded) {
      for (uint32_t i = span.valueOffset; i < span.valueOffset + span.valueLength; ++i) {
        if (copy[i] == '\r' || copy[i] == '\n' || copy[i] == '\t') copy[i] = ' ';
      }
    }
    if (span.valueLength > 0) copy[span.valueOffset + span.valueLength] = '\0';
  }
  kj::StringPtr url;
  if (buildUrl) {
    char* out = copy.begin() + headEnd_ + 1;
    char* start = out;
    out = std::copy(scheme.begin(), scheme.end(), out);
    out = std::copy_n("://", 3, out);
    out = std::copy(hostValue.begin(), hostValue.end(), out);
    out = std::copy(target.begin(), target.end(), out);
    *out = '\0';
    url = kj::StringPtr(start, out - start);
  } else {
    copy[urlOffset_ + urlLength_] = '\0';
    url = kj::StringPtr(copy.begin() + urlOffset_, urlLength_);
  }

  auto exchange = kj::refcounted<Exchange>(*this, server_->headerTable());
  Exchange& ex = *exchange;
  ex.method = method;
  ex.url = url;
  ex.isHead = method == kj::HttpMethod::HEAD;
  ex.http10 = http10;
  ex.chunkedBody = (parser_.flags & F_CHUNKED) != 0;
  ex.hasBody = ex.chunkedBody || (parser_.content_length != ULLONG_MAX && parser_.content_length > 0);
  ex.bodyUnread = ex.hasBody && !ex.chunkedBody ? parser_.content_length : 0;
  ex.bodyComplete = !ex.hasBody;
  const char* copyBase = copy.begin();
  ex.head = kj::mv(copy);

  KJ_IF_MAYBE(exception, kj::runCatchingExceptions([&]() {
    for (auto& span : spans) {
      kj::StringPtr name(copyBase + span.nameOffset, span.nameLength);
      if (isInjectedName(options.injectRequestHeaders, std::string_view(name.cStr(), name.size()))) {
        continue;
      }
      // The forwarded-protocol header has become the URL's scheme; the worker does not see it.
      if (&span == forwardedProto) continue;
      kj::StringPtr value = span.valueLength > 0
          ? kj::StringPtr(copyBase + span.valueOffset, span.valueLength)
          : kj::StringPtr("");
      ex.headers.add(name, value);
    }
    for (auto& [name, value] : options.injectRequestHeaders) {
      ex.headers.add(kj::StringPtr(name.c_str(), name.size()),
                     kj::StringPtr(value.c_str(), value.size()));
    }
  })) {
    return failHead({400, "Bad Request", "Invalid header\n"});
  }

  if (expect != nullptr) {
    std::string_view value(copyBase + expect->valueOffset, expect->valueLength);
    if (!equalsIgnoringCase(value, "100-continue") || http10) {
      return failHead({417, "Expectation Failed", "Unsupported Expect header\n"});
    }
    ex.expectContinue = ex.hasBody;
  }
  if (!http_should_keep_alive(&parser_) || parser_.upgrade) {
    stopParsing_ = true;
    closeAfterLast_ = true;
  }

  bodyExchange_ = kj::addRef(ex);
  dispatch(kj::mv(exchange));
  return 0;
}

void Connection::dispatch(kj::Own<Exchange> exchange) {
  Exchange& ex = *exchange;
  ex.dispatched = true;
  live_.push_back(kj::addRef(ex));
  server_->mutableStats().inFlight++;
  kj::HttpService& service = server_->service();
  // Run the service from KJ's turn (after this libuv callback), so its work and any hooks that
  // follow a KJ turn happen together.
  addTask(kj::evalLater([&ex, &service]() {
            // Responses batched a while ago must not also wait for however long this one runs.
            flushOldResponseBatches();
            return service.request(ex.method, ex.url, ex.headers, ex, ex);
          })
          .then([&ex]() { ex.onServiceDone(nullptr); },
                [&ex](kj::Exception&& error) { ex.onServiceDone(kj::mv(error)); })
          .attach(kj::mv(exchange)));
}

int Connection::onBody(http_parser* parser, const char* at, size_t length) {
  auto* self = static_cast<Connection*>(parser->data);
  if (!self->discardBody_ && self->bodyExchange_.get() != nullptr) {
    self->bodySpans_.push_back(kj::arrayPtr(at, length));
  }
  return 0;
}

int Connection::onMessageComplete(http_parser* parser) {
  auto* self = static_cast<Connection*>(parser->data);
  self->messageInProgress_ = false;
  if (self->bodyExchange_.get() != nullptr) self->bodyExchange_->bodyComplete = true;
  http_parser_pause(parser, 1);  // stop at the message boundary
  return 0;
}

size_t Connection::copyBody(kj::byte* out, size_t max) {
  size_t copied = 0;
  while (copied < max && bodySpanIndex_ < bodySpans_.size()) {
    auto& span = bodySpans_[bodySpanIndex_];
    size_t n = std::min(span.size(), max - copied);
    memcpy(out + copied, span.begin(), n);
    copied += n;
    if (n == span.size()) {
      ++bodySpanIndex_;
    } else {
      span = kj::arrayPtr(span.begin() + n, span.size() - n);
    }
  }
  if (bodyExchange_.get() != nullptr && !bodyExchange_->chunkedBody) {
    bodyExchange_->bodyUnread -= std::min<uint64_t>(copied, bodyExchange_->bodyUnread);
  }
  return copied;
}

void Connection::deliverBody() {
  if (discardBody_ || bodyExchange_.get() == nullptr) {
    bodySpans_.clear();
    bodySpanIndex_ = 0;
    return;
  }
  Exchange& ex = *bodyExchange_;
  KJ_IF_MAYBE(read, ex.pendingRead) {
    if (!read->fulfiller->isWaiting()) {
      // Its reader gave up (the read was cancelled) and its buffer is gone: the bytes stay
      // queued for the next read.
      ex.pendingRead = nullptr;
      return;
    }
    read->filled += copyBody(read->buffer + read->filled, read->maxBytes - read->filled);
    bool drained = bodySpanIndex_ >= bodySpans_.size();
    if (read->filled >= read->minBytes || (ex.bodyComplete && drained)) {
      auto fulfiller = kj::mv(read->fulfiller);
      size_t filled = read->filled;
      ex.pendingRead = nullptr;
      fulfiller->fulfill(kj::mv(filled));
    }
  }
}

kj::Promise<size_t> Connection::readBody(Exchange& ex, kj::byte* buffer, size_t minBytes,
                                         size_t maxBytes) {
  if (bodyExchange_.get() != &ex) return size_t(0);  // no body, or all of it was read
  KJ_IF_MAYBE(read, ex.pendingRead) {
    KJ_REQUIRE(!read->fulfiller->isWaiting(), "the request body is already being read");
    ex.pendingRead = nullptr;  // a cancelled read
  }
  size_t copied = copyBody(buffer, maxBytes);
  bool drained = bodySpanIndex_ >= bodySpans_.size();
  if (copied >= minBytes || (ex.bodyComplete && drained)) {
    if (drained) processInput();  // backpressure released: parse (and read) more
    return copied;
  }
  auto paf = kj::newPromiseAndFulfiller<size_t>();
  ex.pendingRead = Exchange::PendingRead{buffer, minBytes, maxBytes, copied,
                                         kj::mv(paf.fulfiller)};
  processInput();
  return kj::mv(paf.promise);
}

void Connection::bodyParseError(http_errno error) {
  spdlog::debug("http: malformed request body: {}", http_errno_description(error));
  stopParsing_ = true;
  closeAfterLast_ = true;
  messageInProgress_ = false;
  discardBody_ = true;
  if (bodyExchange_.get() != nullptr) {
    Exchange& ex = *bodyExchange_;
    auto exception = KJ_EXCEPTION(FAILED, "malformed HTTP request body",
                                  http_errno_description(error));
    KJ_IF_MAYBE(read, ex.pendingRead) {
      auto fulfiller = kj::mv(read->fulfiller);
      ex.pendingRead = nullptr;
      fulfiller->reject(kj::cp(exception));
    }
    ex.bodyError = kj::mv(exception);
  }
  bodyExchange_ = nullptr;
  bodySpans_.clear();
  bodySpanIndex_ = 0;
  if (live_.empty()) gracefulClose();
}

void Connection::protocolError(ErrorReply reply) {
  stopParsing_ = true;
  closeAfterLast_ = true;
  messageInProgress_ = false;
  if (timerMode_ == TimerMode::kHeader) setTimer(TimerMode::kNone);
  auto exchange = kj::refcounted<Exchange>(*this, server_->headerTable());
  exchange->http10 = parser_.http_major == 1 && parser_.http_minor == 0;
  exchange->setCloseAfter();
  exchange->markServiceDone();
  exchange->setServerResponse(reply.status, reply.reason, reply.body);
  Exchange& ex = *exchange;
  live_.push_back(kj::mv(exchange));
  ex.flushIfActive();
}

// --- responses ---------------------------------------------------------------------------------

bool Connection::isActive(const Exchange& exchange) const {
  for (auto& ex : live_) {
    if (!ex->responseFinished()) return ex.get() == &exchange;
  }
  return false;
}

kj::Promise<void> Connection::whenActive(Exchange& exchange) {
  if (isActive(exchange)) return kj::READY_NOW;
  auto paf = kj::newPromiseAndFulfiller<void>();
  exchange.turnWaiters().push_back(kj::mv(paf.fulfiller));
  return kj::mv(paf.promise);
}

bool Connection::closesAfter(const Exchange& exchange) const {
  bool closing = closeAfterLast_ || server_ == nullptr || server_->draining();
  return closing && !live_.empty() && live_.back().get() == &exchange;
}

kj::Promise<void> Connection::write(uv_buf_t* bufs, size_t count, Exchange& owner,
                                     bool mayBatch) {
  if (handleClosing_) {
    return KJ_EXCEPTION(DISCONNECTED, "the client connection is closed");
  }
  kj::Array<kj::byte> ciphertext;
  uv_buf_t cipherBuf;
  if (tls_ != nullptr) {
    // One record stream, one buffer: still one write per response.
    for (size_t i = 0; i < count; ++i) tls_->encrypt(bufs[i].base, bufs[i].len);
    if (tls_->failed()) {
      abort();
      return KJ_EXCEPTION(DISCONNECTED, "TLS failed while writing the HTTP response",
                          tls_->error().c_str());
    }
    ciphertext = tls_->takeOutput();
    cipherBuf = uv_buf_init(reinterpret_cast<char*>(ciphertext.begin()),
                            static_cast<unsigned>(ciphertext.size()));
    bufs = &cipherBuf;
    count = 1;
  }
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) total += bufs[i].len;
  if (mayBatch && server_ != nullptr && total <= HttpServer::kOutboxBytes) {
    if (outboxUsed_ + total > HttpServer::kOutboxBytes) flushOutbox();
    // Bytes libuv still holds go first: the outbox is written after them.
    if (!handleClosing_ && uv_stream_get_write_queue_size(stream()) == 0) {
      if (outbox_.size() == 0) outbox_ = server_->takeOutboxBuffer();
      for (size_t i = 0; i < count; ++i) {
        memcpy(outbox_.begin() + outboxUsed_, bufs[i].base, bufs[i].len);
        outboxUsed_ += bufs[i].len;
      }
      if (!flushListed_) {
        flushListed_ = true;
        server_->addToBatch(this);
      }
      return kj::READY_NOW;
    }
  }
  flushOutbox();
  if (handleClosing_) {
    return KJ_EXCEPTION(DISCONNECTED, "writing the HTTP response failed");
  }
  int written = uv_try_write(stream(), bufs, count);
  if (written >= 0 && static_cast<size_t>(written) == total) return kj::READY_NOW;
  if (written < 0 && written != UV_EAGAIN) {
    spdlog::debug("http: writing to client failed: {}", uv_strerror(written));
    abort();
    return KJ_EXCEPTION(DISCONNECTED, "writing the HTTP response failed", uv_strerror(written));
  }
  size_t skip = written > 0 ? written : 0;
  while (skip > 0 && skip >= bufs[0].len) {
    skip -= bufs[0].len;
    ++bufs;
    --count;
  }
  if (skip > 0) {
    bufs[0].base += skip;
    bufs[0].len -= skip;
  }
  auto paf = kj::newPromiseAndFulfiller<void>();
  auto* pending =
      new PendingWrite{{}, kj::mv(paf.fulfiller), kj::addRef(owner), kj::mv(ciphertext)};
  pending->req.data = pending;
  int rc = uv_write(&pending->req, stream(), bufs, count, &onWriteDone);
  if (rc != 0) {
    delete pending;
    abort();
    return KJ_EXCEPTION(DISCONNECTED, "writing the HTTP response failed", uv_strerror(rc));
  }
  return kj::mv(paf.promise);
}

void Connection::flushOutbox() {
  if (outboxUsed_ == 0) return;
  size_t size = outboxUsed_;
  outboxUsed_ = 0;
  if (handleClosing_) return;
  if (!writeOrQueue(stream(), outbox_, size)) {
    abort();
    return;
  }
  if (outbox_.size() > 0 && server_ != nullptr) server_->returnOutboxBuffer(kj::mv(outbox_));
}

void Connection::onResponseEnded(Exchange& exchange) {
  auto keep = kj::addRef(exchange);
  if (exchange.closeAfter() || closesAfter(exchange)) {
    completeIfDone(exchange);
    gracefulClose();
    return;
  }
  completeIfDone(exchange);
  // Give the turn to the next response in request order.
  for (auto& ex : live_) {
    if (!ex->responseFinished()) {
      auto next = kj::addRef(*ex);
      auto waiters = kj::mv(next->turnWaiters());
      next->turnWaiters().clear();
      for (auto& waiter : waiters) waiter->fulfill();
      next->flushIfActive();
      break;
    }
  }
}

void Connection::onExchangeProgress(Exchange& exchange) { completeIfDone(exchange); }

void Connection::completeIfDone(Exchange& exchange) {
  if (!exchange.serviceDone() || !exchange.responseFinished()) return;
  auto it = std::find_if(live_.begin(), live_.end(),
                         [&](const kj::Own<Exchange>& e) { return e.get() == &exchange; });
  if (it == live_.end()) return;
  auto keep = kj::mv(*it);
  live_.erase(it);
  if (exchange.dispatched && server_ != nullptr) {
    server_->mutableStats().inFlight--;
    server_->mutableStats().requestsServed++;
  }
  if (bodyExchange_.get() == &exchange) {
    // Nobody will read the rest of this body: skip it to reach the next request.
    bodyExchange_ = nullptr;
    bodySpans_.clear();
    bodySpanIndex_ = 0;
    if (messageInProgress_) discardBody_ = true;
  }
  exchange.detachFromConnection();
  if (closing_) return;
  if (live_.empty()) {
    if (closeAfterLast_ || server_ == nullptr || server_->draining()) {
      gracefulClose();
      return;
    }
    if (!messageInProgress_) setTimer(TimerMode::kIdle);
  }
  processInput();
}

kj::Promise<void> Connection::whenDisconnected() {
  if (handleClosing_) return kj::READY_NOW;
  auto paf = kj::newPromiseAndFulfiller<void>();
  disconnectWaiters_.push_back(kj::mv(paf.fulfiller));
  return kj::mv(paf.promise);
}

void Connection::addTask(kj::Promise<void> promise) { tasks_->add(kj::mv(promise)); }

kj::Own<kj::AsyncIoStream> Connection::takeUpgradedSocket() {
  KJ_REQUIRE(usable(), "the client connection is closed");
  upgraded_ = true;
  if (reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
  setTimer(TimerMode::kNone);
  auto leftover = kj::heapArray<kj::byte>(
      reinterpret_cast<const kj::byte*>(buffer_.begin() + parsePos_), dataEnd_ - parsePos_);
  parsePos_ = dataEnd_;
  uv_os_fd_t fd = -1;
  int rc = uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_), &fd);
  KJ_REQUIRE(rc == 0, "cannot get the client socket's descriptor", uv_strerror(rc));
  // A second descriptor for KJ: libuv lets one handle watch a descriptor number, and the
  // connection's own handle keeps the first until the exchange is over.
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) KJ_FAIL_SYSCALL("fcntl(F_DUPFD_CLOEXEC)", errno);
  auto io = kj::heap<UvLowLevelAsyncIo>(server_->port());
  using Flags = kj::LowLevelAsyncIoProvider;
  kj::Own<kj::AsyncIoStream> socket = io->wrapSocketFd(
      copy, Flags::TAKE_OWNERSHIP | Flags::ALREADY_CLOEXEC | Flags::ALREADY_NONBLOCK);
  socket = socket.attach(kj::mv(io));
  if (tls_ != nullptr) {
    // The session, with any ciphertext it has not decrypted yet, moves to the upgraded stream.
    flushTlsOutput();
    return server_->options().tls->sessionStream(kj::mv(socket), kj::mv(tls_), kj::mv(leftover));
  }
  if (leftover.size() > 0) socket = kj::heap<PrefixedStream>(kj::mv(leftover), kj::mv(socket));
  return socket;
}

// --- https -------------------------------------------------------------------------------------

void Connection::deliverTls() {
  if (tlsDelivering_) {
    tlsDeliverAgain_ = true;
    return;
  }
  tlsDelivering_ = true;
  TlsSession::Status end = TlsSession::Status::kWantInput;
  do {
    tlsDeliverAgain_ = false;
    while (!handleClosing_ && tls_ != nullptr && !upgraded_ && hasReadSpace()) {
      prepareReadSpace();
      size_t room = buffer_.size() - dataEnd_;
      if (room == 0) break;
      auto result = tls_->read(buffer_.begin() + dataEnd_, room);
      if (result.status != TlsSession::Status::kData) {
        end = result.status;
        break;
      }
      if (closing_) {  // lingering: discard
        parsePos_ = dataEnd_ = 0;
        continue;
      }
      dataEnd_ += result.bytes;
      processInput();
    }
  } while (tlsDeliverAgain_ && !handleClosing_ && end == TlsSession::Status::kWantInput);
  tlsDelivering_ = false;
  if (handleClosing_ || tls_ == nullptr) return;
  flushTlsOutput();
  if (end == TlsSession::Status::kFailed) {
    spdlog::debug("http: TLS handshake or record failed: {}", tls_->error());
    // The alert (if any) is queued; close once it is written.
    closeAfterLast_ = true;
    stopParsing_ = true;
    if (live_.empty()) {
      gracefulClose();
    } else {
      abort();
    }
  } else if (end == TlsSession::Status::kClosed) {
    peerClosed_ = true;  // close_notify: the client is done sending
    if (closing_ || live_.empty()) {
      closeHandle();
    } else {
      abort();
    }
  }
}

void Connection::flushTlsOutput() {
  if (tls_ == nullptr || handleClosing_ || !tls_->hasOutput()) return;
  // Records encrypted earlier go first. (The outbox is normally empty here: batches are written
  // before libuv polls for the input that makes TLS output; this keeps the order regardless.)
  flushOutbox();
  if (handleClosing_) return;
  auto bytes = tls_->takeOutput();
  writeOrQueue(stream(), bytes, bytes.size());  // a failure: the read side sees it
}

void Connection::taskFailed(kj::Exception&& exception) {
  spdlog::error("http: internal task failed: {}", exception.getDescription().cStr());
}

// --- timers and closing ------------------------------------------------------------------------

void Connection::setTimer(TimerMode mode) {
  if (handleClosing_) return;
  timerMode_ = mode;
  uint64_t ms = 0;
  switch (mode) {
    case TimerMode::kNone:
      return;
    case TimerMode::kHeader:
      ms = server_ ? server_->options().headerTimeoutMs : 0;
      break;
    case TimerMode::kIdle:
      ms = server_ ? server_->options().idleTimeoutMs : 0;
      break;
    case TimerMode::kLinger:
      ms = std::min<uint64_t>(kLingerMs, server_ ? server_->options().idleTimeoutMs : kLingerMs);
      break;
  }
  deadline_ = uv_now(timer_.loop) + ms;
  // An armed timer that comes due no later fires first, then re-arms for the rest.
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&timer_)) && uv_timer_get_due_in(&timer_) <= ms) {
    return;
  }
  uv_timer_start(&timer_, &Connection::onTimer, ms, 0);
}

void Connection::onTimer(uv_timer_t* timer) {
  auto* self = static_cast<Connection*>(timer->data);
  if (self->timerMode_ == TimerMode::kNone) return;
  uint64_t now = uv_now(timer->loop);
  if (now < self->deadline_) {
    uv_timer_start(timer, &Connection::onTimer, self->deadline_ - now, 0);
    return;
  }
  switch (self->timerMode_) {
    case TimerMode::kHeader:
      spdlog::debug("http: closing connection: request head not received in time");
      break;
    case TimerMode::kIdle:
    case TimerMode::kLinger:
    case TimerMode::kNone:
      break;
  }
  self->closeHandle();
}

void Connection::gracefulClose() {
  if (closing_) return;
  closing_ = true;
  stopParsing_ = true;
  setTimer(TimerMode::kNone);
  flushOutbox();  // the shutdown waits for what libuv queues, not for the outbox
  if (handleClosing_) return;
  if (tls_ != nullptr && !upgraded_) {
    tls_->shutdown();  // close_notify, queued before the socket's shutdown
    flushTlsOutput();
  }
  shutdownReq_.data = this;
  if (uv_shutdown(&shutdownReq_, stream(), &Connection::onShutdown) != 0) closeHandle();
}

void Connection::onShutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  if (status != 0 || self->peerClosed_) {
    self->closeHandle();
    return;
  }
  // Our side is done; drain what the client still sends until it closes or the linger ends.
  self->setTimer(TimerMode::kLinger);
  self->updateReading();
}

void Connection::abort() { closeHandle(); }

void Connection::closeHandle() {
  if (handleClosing_) return;
  if (flushListed_) {
    flushListed_ = false;
    if (server_ != nullptr) server_->removeFromBatch(this);
  }
  if (outboxUsed_ > 0) {
    // As if the bytes had been written when the service wrote them: whatever the socket takes
    // now goes out before the close.
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(outbox_.begin()),
                               static_cast<unsigned>(outboxUsed_));
    uv_try_write(stream(), &buf, 1);
    outboxUsed_ = 0;
  }
  if (outbox_.size() > 0 && server_ != nullptr) server_->returnOutboxBuffer(kj::mv(outbox_));
  handleClosing_ = true;
  closing_ = true;
  if (reading_) uv_read_stop(stream());
  reading_ = false;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), &Connection::onHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Connection::onHandleClosed);
}

void Connection::onHandleClosed(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  if (--self->handlesOpen_ == 0) self->teardown();
}

void Connection::teardown() {
  auto gone = KJ_EXCEPTION(DISCONNECTED, "the client disconnected before the request finished");
  uint64_t unfinished = 0;
  for (auto& ex : live_) {
    KJ_IF_MAYBE(read, ex->pendingRead) {
      auto fulfiller = kj::mv(read->fulfiller);
      ex->pendingRead = nullptr;
      fulfiller->reject(kj::cp(gone));
    }
    for (auto& waiter : ex->turnWaiters()) waiter->reject(kj::cp(gone));
    ex->turnWaiters().clear();
    if (ex->dispatched) ++unfinished;
    ex->detachFromConnection();
  }
  if (bodyExchange_.get() != nullptr) bodyExchange_->detachFromConnection();
  for (auto& waiter : disconnectWaiters_) waiter->fulfill();
  disconnectWaiters_.clear();
  // Cancels the services still working on this connection's requests.
  tasks_ = nullptr;
  live_.clear();
  bodyExchange_ = nullptr;
  if (server_ != nullptr) {
    server_->mutableStats().inFlight -= unfinished;
    server_->onConnectionClosed(this);
  }
  delete this;
}

}  // namespace colony::http
