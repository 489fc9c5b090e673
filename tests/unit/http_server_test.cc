// HttpServer over real sockets: the server runs on the test thread's libuv loop, clients are plain
// blocking sockets in a helper thread.
#include "runtime/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include <kj/debug.h>

#include "runtime/http/listen_socket.h"

namespace colony::http {
namespace {

using namespace std::chrono_literals;

// --- a blocking HTTP client -------------------------------------------------------------------

struct ClientResponse {
  int status = 0;
  std::string statusLine;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool complete = false;  // the body ended as its framing said (not cut short)

  bool has(const std::string& name) const { return headers.count(name) > 0; }
  std::string get(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    KJ_SYSCALL(connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)));
    setTimeout(5000);
  }
  explicit Client(const std::string& unixPath) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    strncpy(sa.sun_path, unixPath.c_str(), sizeof(sa.sun_path) - 1);
    KJ_SYSCALL(connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)));
    setTimeout(5000);
  }
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }

  void setTimeout(int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  void send(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      KJ_ASSERT(n > 0, "client send failed", strerror(errno));
      sent += n;
    }
  }

  void closeNow() {
    close(fd_);
    fd_ = -1;
  }

  // Reads until the connection ends; true when the server closed it (EOF or reset), false on
  // client timeout.
  bool waitClosed(std::string* rest = nullptr) {
    for (;;) {
      if (!fill()) {
        if (rest) *rest = buffer_;
        return eof_;
      }
    }
  }

  // Reads exactly `n` bytes or fails.
  std::string readExactly(size_t n) {
    while (buffer_.size() < n) KJ_ASSERT(fill(), "connection ended early", buffer_);
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }

  std::string readLine() {
    for (;;) {
      size_t end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      KJ_ASSERT(fill(), "connection ended in the middle of a line", buffer_);
    }
  }

  // Reads one response. `headRequest`: no body follows.
  ClientResponse readResponse(bool headRequest = false) {
    ClientResponse response;
    response.statusLine = readLine();
    KJ_ASSERT(response.statusLine.rfind("HTTP/1.", 0) == 0, response.statusLine);
    response.status = std::stoi(response.statusLine.substr(9, 3));
    for (;;) {
      std::string line = readLine();
      if (line.empty()) break;
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(tolower(c));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      KJ_ASSERT(response.headers.count(name) == 0, "duplicate response header", name);
      response.headers[name] = value;
    }
    if (headRequest || response.status == 204 || response.status == 304 ||
        response.status / 100 == 1) {
      response.complete = true;
    } else if (response.has("content-length")) {
      size_t length = std::stoul(response.get("content-length"));
      while (buffer_.size() < length && fill()) {
      }
      response.body = buffer_.substr(0, length);
      buffer_.erase(0, std::min(length, buffer_.size()));
      response.complete = response.body.size() == length;
    } else if (response.get("transfer-encoding") == "chunked") {
      for (;;) {
        std::string sizeLine;
        if (!tryReadLine(sizeLine)) return response;
        size_t size = std::stoul(sizeLine, nullptr, 16);
        if (size == 0) {
          std::string end;
          response.complete = tryReadLine(end) && end.empty();
          return response;
        }
        while (buffer_.size() < size + 2 && fill()) {
        }
        if (buffer_.size() < size + 2) return response;
        response.body += buffer_.substr(0, size);
        buffer_.erase(0, size + 2);
      }
    } else {
      std::string rest;
      response.complete = waitClosed(&rest);
      response.body = rest;
      buffer_.clear();
    }
    return response;
  }

  int fd() const { return fd_; }

 private:
  bool tryReadLine(std::string& line) {
    for (;;) {
      size_t end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return true;
      }
      if (!fill()) return false;
    }
  }

  bool fill() {
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, n);
      return true;
    }
    eof_ = n == 0 || (n < 0 && errno == ECONNRESET);
    return false;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// --- a service scripted by each test ------------------------------------------------------------

struct RequestSeen {
  kj::HttpMethod method;
  std::string url;
  std::map<std::string, std::string> headers;  // lower-case names
};

class ScriptedService final : public kj::HttpService {
 public:
  using Handler = std::function<kj::Promise<void>(kj::HttpMethod, kj::StringPtr,
                                                  const kj::HttpHeaders&, kj::AsyncInputStream&,
                                                  Response&)>;
  Handler handler;
  std::vector<RequestSeen> seen;

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                            Response& response) override {
    RequestSeen record{method, url.cStr(), {}};
    headers.forEach([&](kj::StringPtr name, kj::StringPtr value) {
      std::string lower = name.cStr();
      for (auto& c : lower) c = static_cast<char>(tolower(c));
      record.headers[lower] = value.cStr();
    });
    seen.push_back(record);
    return handler(method, url, headers, body, response);
  }
};

// Answers `text` with a known length, in one write.
kj::Promise<void> replyText(kj::HttpService::Response& response, const kj::HttpHeaderTable& table,
                            kj::StringPtr text, uint status = 200) {
  kj::HttpHeaders headers(table);
  headers.set(kj::HttpHeaderId::CONTENT_TYPE, "text/plain");
  auto stream = response.send(status, "OK", headers, text.size());
  auto promise = stream->write(text.begin(), text.size());
  return promise.attach(kj::mv(stream));
}

class HttpServerTest : public ::testing::Test {
 protected:
  ~HttpServerTest() noexcept override {}

  void SetUp() override {
    uv_loop_init(&loop_);
    port_ = std::make_unique<UvEventPort>(&loop_);
    service_.handler = [this](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                              kj::AsyncInputStream&, kj::HttpService::Response& response) {
      return replyText(response, table_, "hello");
    };
  }

  void TearDown() override {
    server_.reset();
    for (int i = 0; i < 10; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    port_.reset();
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  void startServer(ServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(*port_, table_, service_, std::move(options));
    int fd = openListenSocket("127.0.0.1:0");
    tcpPort_ = boundPort(fd);
    server_->listen(fd);
  }

  // Runs `client` in a thread while this thread runs the server's loop.
  void runClient(std::function<void()> client) {
    std::atomic<bool> done{false};
    std::exception_ptr error;
    std::thread thread([&]() {
      try {
        client();
      } catch (...) {
        error = std::current_exception();
      }
      done = true;
    });
    while (!done) pump(1);
    thread.join();
    if (error) std::rethrow_exception(error);
  }

  void pump(int ms) {
    port_->timer().afterDelay(ms * kj::MILLISECONDS).wait(port_->waitScope());
  }

  // Runs the loop until `condition` holds (or fails after two seconds).
  void pumpUntil(std::function<bool()> condition) {
    for (int i = 0; i < 2000 && !condition(); ++i) pump(1);
    ASSERT_TRUE(condition());
  }

  uv_loop_t loop_;
  std::unique_ptr<UvEventPort> port_;
  kj::HttpHeaderTable table_;
  ScriptedService service_;
  std::unique_ptr<HttpServer> server_;
  uint16_t tcpPort_ = 0;
};

// --- URLs and hosts -----------------------------------------------------------------------------

TEST_F(HttpServerTest, BuildsAbsoluteUrlFromHost) {
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /path?q=1 HTTP/1.1\r\nHost: example.com:8080\r\nX-Thing:  a value  \r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.get("content-length"), "5");
    EXPECT_EQ(response.get("content-type"), "text/plain");
    EXPECT_EQ(response.body, "hello");
  });
  ASSERT_EQ(service_.seen.size(), 1u);
  EXPECT_EQ(service_.seen[0].method, kj::HttpMethod::GET);
  EXPECT_EQ(service_.seen[0].url, "http://example.com:8080/path?q=1");
  EXPECT_EQ(service_.seen[0].headers["x-thing"], "a value");
  EXPECT_EQ(service_.seen[0].headers["host"], "example.com:8080");
}

TEST_F(HttpServerTest, MissingHostIsBadRequest) {
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.get("connection"), "close");
    EXPECT_TRUE(client.waitClosed());
  });
  EXPECT_TRUE(service_.seen.empty());
}

TEST_F(HttpServerTest, HostThatWouldChangeTheUrlIsRejected) {
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /x HTTP/1.1\r\nHost: evil.com/path@x\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 400);
  });
  EXPECT_TRUE(service_.seen.empty());
}

TEST_F(HttpServerTest, Http10WithoutHostUsesTheLocalAddress) {
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /old HTTP/1.0\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 200);
  });
  ASSERT_EQ(service_.seen.size(), 1u);
  EXPECT_EQ(service_.seen[0].url, "http://127.0.0.1:" + std::to_string(tcpPort_) + "/old");
}

TEST_F(HttpServerTest, ProxyStylePassesTheAbsoluteUrl) {
  ServerOptions options;
  options.proxyStyle = true;
  startServer(options);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET http://upstream.example/a?b HTTP/1.1\r\nHost: upstream.example\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 200);
    client.send("GET /relative HTTP/1.1\r\nHost: upstream.example\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 400);
  });
  ASSERT_EQ(service_.seen.size(), 1u);
  EXPECT_EQ(service_.seen[0].url, "http://upstream.example/a?b");
}

TEST_F(HttpServerTest, ForwardedProtoHeaderSetsTheScheme) {
  ServerOptions options;
  options.forwardedProtoHeader = "X-Forwarded-Proto";
  startServer(options);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /s HTTP/1.1\r\nHost: a.example\r\nx-forwarded-proto: https\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 200);
    client.send("GET /p HTTP/1.1\r\nHost: a.example\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 200);
    client.send("GET /bad HTTP/1.1\r\nHost: a.example\r\nX-Forwarded-Proto: ht tp\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 400);
  });
  ASSERT_EQ(service_.seen.size(), 2u);
  EXPECT_EQ(service_.seen[0].url, "https://a.example/s");
  EXPECT_EQ(service_.seen[0].headers.count("x-forwarded-proto"), 0u);  // consumed by the server
  EXPECT_EQ(service_.seen[1].url, "http://a.example/p");
}

TEST_F(HttpServerTest, InjectsRequestAndResponseHeaders) {
  ServerOptions options;
  options.injectRequestHeaders = {{"X-Injected", "from-server"}};
  options.injectResponseHeaders = {{"Server", "colony"}, {"Content-Type", "text/forced"}};
  startServer(options);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\nx-injected: from-client\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.get("server"), "colony");
    EXPECT_EQ(response.get("content-type"), "text/forced");
  });
  ASSERT_EQ(service_.seen.size(), 1u);
  EXPECT_EQ(service_.seen[0].headers["x-injected"], "from-server");
}

TEST_F(HttpServerTest, InvalidOptionsAreRefusedWithTheirName) {
  ServerOptions options;
  options.injectResponseHeaders = {{"Bad Name", "x"}};
  try {
    HttpServer server(*port_, table_, service_, options);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("injectResponseHeaders"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Bad Name"), std::string::npos) << e.what();
  }
  options = {};
  options.injectRequestHeaders = {{"X-Ok", "line\r\nbreak"}};
  EXPECT_THROW(HttpServer(*port_, table_, service_, options), std::invalid_argument);
}

// --- connection management ----------------------------------------------------------------------

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    for (int i = 0; i < 3; ++i) {
      client.send("GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n");
      auto response = client.readResponse();
      EXPECT_EQ(response.body, "hello");
      EXPECT_FALSE(response.has("connection"));
    }
  });
  EXPECT_EQ(service_.seen.size(), 3u);
  EXPECT_EQ(server_->stats().requestsServed, 3u);
  EXPECT_EQ(server_->stats().inFlight, 0u);
  pumpUntil([&]() { return server_->stats().connections == 0; });
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.body, "hello");
    EXPECT_EQ(response.get("connection"), "close");
    EXPECT_TRUE(client.waitClosed());
  });
  pumpUntil([&]() { return server_->stats().connections == 0; });
}

TEST_F(HttpServerTest, Http10GetsCloseDelimitedBodiesNotChunked) {
  service_.handler = [this](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                            kj::AsyncInputStream&, kj::HttpService::Response& response) {
    auto stream = response.send(200, "OK", kj::HttpHeaders(table_));  // length unknown
    auto promise = stream->write("part1,", 6);
    return promise.then([s = stream.get()]() { return s->write("part2", 5); })
        .attach(kj::mv(stream));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_FALSE(response.has("transfer-encoding"));
    EXPECT_FALSE(response.has("connection"));  // HTTP/1.0 without keep-alive: closes
    EXPECT_EQ(response.body, "part1,part2");
    EXPECT_TRUE(response.complete);
  });
}

TEST_F(HttpServerTest, Http10KeepAliveWithKnownLength) {
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto first = client.readResponse();
    EXPECT_EQ(first.get("connection"), "keep-alive");
    EXPECT_EQ(first.body, "hello");
    client.send("GET / HTTP/1.0\r\n\r\n");  // no keep-alive: the server closes after it
    auto second = client.readResponse();
    EXPECT_FALSE(second.has("connection"));
    EXPECT_TRUE(client.waitClosed());
  });
  EXPECT_EQ(service_.seen.size(), 2u);
}

TEST_F(HttpServerTest, PipelinedResponsesKeepRequestOrder) {
  // The first request is answered only after the second one's service already replied.
  kj::Own<kj::PromiseFulfiller<void>> releaseFirst;
  service_.handler = [&](kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response)
      -> kj::Promise<void> {
    if (url.endsWith("/slow")) {
      auto paf = kj::newPromiseAndFulfiller<void>();
      releaseFirst = kj::mv(paf.fulfiller);
      return paf.promise.then([&]() { return replyText(response, table_, "slow"); });
    }
    auto promise = replyText(response, table_, "fast");
    if (releaseFirst) releaseFirst->fulfill();
    return promise;
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET /fast HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "slow");
    EXPECT_EQ(client.readResponse().body, "fast");
  });
  ASSERT_EQ(service_.seen.size(), 2u);
  EXPECT_EQ(server_->stats().requestsServed, 2u);
}

TEST_F(HttpServerTest, PipelinedChunkedResponsesWaitForTheirTurn) {
  service_.handler = [&](kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response)
      -> kj::Promise<void> {
    auto stream = response.send(200, "OK", kj::HttpHeaders(table_));
    bool slow = url.endsWith("/1");
    auto delay = port_->timer().afterDelay((slow ? 30 : 0) * kj::MILLISECONDS);
    return delay.then([s = stream.get(), slow]() { return s->write(slow ? "one" : "two", 3); })
        .attach(kj::mv(stream));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    auto first = client.readResponse();
    auto second = client.readResponse();
    EXPECT_EQ(first.get("transfer-encoding"), "chunked");
    EXPECT_EQ(first.body, "one");
    EXPECT_TRUE(first.complete);
    EXPECT_EQ(second.body, "two");
    EXPECT_TRUE(second.complete);
  });
}

// --- small writes batched until the loop polls -----------------------------------------------

// Writes `count` lines on `stream`, each after the previous one completed.
kj::Promise<void> writeLines(kj::AsyncOutputStream& stream, int from, int count) {
  if (from == count) return kj::READY_NOW;
  auto line = kj::heapString(kj::str("line ", from, "\n"));
  auto promise = stream.write(line.begin(), line.size());
  return promise.attach(kj::mv(line)).then([&stream, from, count]() {
    return writeLines(stream, from + 1, count);
  });
}

std::string expectedLines(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += "line " + std::to_string(i) + "\n";
  return out;
}

TEST_F(HttpServerTest, ManySmallWritesArriveWholeAndInOrder) {
  // About 50 KB in writes of a few bytes: several outboxes' worth, chunked and with a length.
  constexpr int kLines = 5000;
  const std::string expected = expectedLines(kLines);
  service_.handler = [&](kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response) {
    kj::Maybe<uint64_t> length;
    if (url.endsWith("/fixed")) length = uint64_t(expected.size());
    auto stream = response.send(200, "OK", kj::HttpHeaders(table_), length);
    auto promise = writeLines(*stream, 0, kLines);
    return promise.attach(kj::mv(stream));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /chunked HTTP/1.1\r\nHost: h\r\n\r\nGET /fixed HTTP/1.1\r\nHost: h\r\n\r\n");
    auto chunked = client.readResponse();
    EXPECT_EQ(chunked.get("transfer-encoding"), "chunked");
    EXPECT_TRUE(chunked.complete);
    EXPECT_TRUE(chunked.body == expected) << chunked.body.size() << " bytes";
    auto fixed = client.readResponse();
    EXPECT_TRUE(fixed.complete);
    EXPECT_TRUE(fixed.body == expected) << fixed.body.size() << " bytes";
  });
}

TEST_F(HttpServerTest, PipelinedSmallAndLargeResponsesKeepTheirOrder) {
  const std::string large(HttpServer::kOutboxBytes * 4, 'L');
  service_.handler = [&](kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response) {
    if (url.endsWith("/large")) return replyText(response, table_, large);
    return replyText(response, table_, url.slice(url.findLast('/').orDefault(0) + 1));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /large HTTP/1.1\r\nHost: h\r\n\r\n"
                "GET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n");
    // Bodies as their first bytes and length, so that a mix-up prints short.
    auto next = [&]() {
      auto body = client.readResponse().body;
      return body.substr(0, 4) + " (" + std::to_string(body.size()) + ")";
    };
    EXPECT_EQ(next(), "a (1)");
    EXPECT_EQ(next(), "LLLL (" + std::to_string(large.size()) + ")");
    EXPECT_EQ(next(), "b (1)");
    EXPECT_EQ(next(), "c (1)");
  });
}

TEST_F(HttpServerTest, SmallWritesToASlowReaderWaitForTheSocket) {
  // Batched writes complete at once; once the socket is full they must wait for it again, or a
  // client that stops reading would make the server buffer the whole body.
  constexpr size_t kTotal = 48 << 20;
  constexpr size_t kPiece = 1000;
  std::atomic<size_t> written{0};
  std::function<kj::Promise<void>(kj::AsyncOutputStream&)> writeMore =
      [&](kj::AsyncOutputStream& stream) -> kj::Promise<void> {
    if (written == kTotal) return kj::READY_NOW;
    static const std::string piece(kPiece, 'p');
    size_t n = std::min(kPiece, kTotal - written);
    return stream.write(piece.data(), n).then([&, n]() {
      written += n;
      return writeMore(stream);
    });
  };
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response) {
    auto stream = response.send(200, "OK", kj::HttpHeaders(table_), uint64_t(kTotal));
    auto promise = writeMore(*stream);
    return promise.attach(kj::mv(stream));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    // Not reading: the writes stop once the socket's buffers are full.
    size_t before;
    do {
      before = written;
      std::this_thread::sleep_for(100ms);
    } while (written != before);
    EXPECT_LT(written.load(), kTotal / 2);
    auto response = client.readResponse();
    EXPECT_TRUE(response.complete);
    EXPECT_EQ(response.body.size(), kTotal);
  });
  EXPECT_EQ(written.load(), kTotal);
}

TEST_F(HttpServerTest, ABatchedResponseWaitsForOneLongHandlerAtMost) {
  // Three pipelined requests, dispatched in one loop iteration: /fast is answered at once, then
  // two handlers each compute for 300 ms. The fast response must not wait for both.
  using Clock = std::chrono::steady_clock;
  std::atomic<Clock::rep> secondSlowStart{0};
  service_.handler = [&](kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response) {
    if (url.endsWith("/slow2")) secondSlowStart = Clock::now().time_since_epoch().count();
    if (url.endsWith("/fast")) return replyText(response, table_, "fast");
    std::this_thread::sleep_for(300ms);  // computing, with the loop blocked
    return replyText(response, table_, "slow");
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\nGET /slow1 HTTP/1.1\r\nHost: h\r\n\r\n"
                "GET /slow2 HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "fast");
    auto arrived = Clock::now();
    EXPECT_EQ(client.readResponse().body, "slow");
    EXPECT_EQ(client.readResponse().body, "slow");
    // Held back by /slow1 only: written as /slow2 was about to run.
    EXPECT_LT(arrived - Clock::time_point(Clock::duration(secondSlowStart.load())), 150ms);
  });
}

TEST_F(HttpServerTest, DrainRightAfterAResponseStillDeliversIt) {
  // The drain starts in the same loop iteration as the response was written, when the
  // connection is already idle: the response goes out before the connection closes.
  kj::Promise<void> drainPromise = nullptr;
  kj::Promise<void> startDrain = nullptr;
  bool drained = false;
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response) {
    startDrain = kj::evalLast([&]() {
                   EXPECT_EQ(server_->stats().inFlight, 0u);
                   drainPromise = server_->drain().then([&]() { drained = true; });
                   drainPromise = drainPromise.eagerlyEvaluate(nullptr);
                 }).eagerlyEvaluate(nullptr);
    return replyText(response, table_, "last words");
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_TRUE(response.complete);
    EXPECT_EQ(response.body, "last words");
    EXPECT_TRUE(client.waitClosed());
  });
  pumpUntil([&]() { return drained; });
}

TEST_F(HttpServerTest, HeadGetsContentLengthAndNoBody) {
  service_.handler = [this](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                            kj::AsyncInputStream&, kj::HttpService::Response& response) {
    auto stream = response.send(200, "OK", kj::HttpHeaders(table_), uint64_t(11));
    auto promise = stream->write("hello world", 11);  // dropped for HEAD
    return promise.attach(kj::mv(stream));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
    auto head = client.readResponse(/*headRequest=*/true);
    EXPECT_EQ(head.get("content-length"), "11");
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");  // proves no body bytes came before
    auto get = client.readResponse();
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.body, "hello world");
  });
}

TEST_F(HttpServerTest, UnknownLengthIsChunked) {
  service_.handler = [this](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                            kj::AsyncInputStream&, kj::HttpService::Response& response) {
    auto stream = response.send(201, "Created", kj::HttpHeaders(table_));
    auto promise = stream->write("abc", 3);
    return promise
        .then([s = stream.get()]() {
          kj::ArrayPtr<const kj::byte> pieces[] = {"de"_kj.asBytes(), "fgh"_kj.asBytes()};
          return s->write(pieces);
        })
        .attach(kj::mv(stream));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.statusLine, "HTTP/1.1 201 Created");
    EXPECT_EQ(response.get("transfer-encoding"), "chunked");
    EXPECT_EQ(response.body, "abcdefgh");
    EXPECT_TRUE(response.complete);
  });
}

TEST_F(HttpServerTest, EmptyBodyNoContentResponse) {
  service_.handler = [this](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                            kj::AsyncInputStream&, kj::HttpService::Response& response) {
    response.send(204, "No Content", kj::HttpHeaders(table_));
    return kj::READY_NOW;
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("DELETE /x HTTP/1.1\r\nHost: h\r\n\r\nDELETE /y HTTP/1.1\r\nHost: h\r\n\r\n");
    auto first = client.readResponse();
    EXPECT_EQ(first.status, 204);
    EXPECT_FALSE(first.has("content-length"));
    EXPECT_FALSE(first.has("transfer-encoding"));
    EXPECT_EQ(client.readResponse().status, 204);
  });
}

// --- request bodies -----------------------------------------------------------------------------

kj::Promise<void> echoBody(kj::HttpService::Response& response, kj::AsyncInputStream& body,
                           const kj::HttpHeaderTable& table, std::string* lengthSeen = nullptr) {
  if (lengthSeen != nullptr) {
    KJ_IF_MAYBE(length, body.tryGetLength()) {
      *lengthSeen = std::to_string(*length);
    } else {
      *lengthSeen = "unknown";
    }
  }
  return body.readAllText().then([&response, &table](kj::String text) {
    auto stream = response.send(200, "OK", kj::HttpHeaders(table), text.size());
    auto promise = stream->write(text.begin(), text.size());
    return promise.attach(kj::mv(stream), kj::mv(text));
  });
}

TEST_F(HttpServerTest, ContentLengthBodyIsStreamedToTheService) {
  std::string lengthSeen;
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream& body, kj::HttpService::Response& response) {
    return echoBody(response, body, table_, &lengthSeen);
  };
  startServer();
  std::string payload(200000, 'x');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                std::to_string(payload.size()) + "\r\n\r\n" + payload);
    auto response = client.readResponse();
    EXPECT_EQ(response.body.size(), payload.size());
    EXPECT_TRUE(response.body == payload);
    // The connection is still good for another request.
    client.send("POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz");
    EXPECT_EQ(client.readResponse().body, "xyz");
  });
  EXPECT_EQ(lengthSeen, "3");
}

TEST_F(HttpServerTest, ChunkedBodyIsDecoded) {
  std::string lengthSeen;
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream& body, kj::HttpService::Response& response) {
    return echoBody(response, body, table_, &lengthSeen);
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "hello world");
  });
  EXPECT_EQ(lengthSeen, "unknown");
}

TEST_F(HttpServerTest, UnreadBodyIsSkippedBeforeTheNextRequest) {
  startServer();  // the default handler never reads the body
  runClient([&]() {
    Client client(tcpPort_);
    std::string body(100000, 'b');
    client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "hello");
    EXPECT_EQ(client.readResponse().body, "hello");
  });
  ASSERT_EQ(service_.seen.size(), 2u);
  EXPECT_EQ(service_.seen[1].url, "http://h/next");
}

TEST_F(HttpServerTest, BodyBackpressureStopsReadingTheSocket) {
  // The service reads nothing until released: the client must be unable to push the whole body.
  kj::Own<kj::PromiseFulfiller<void>> release;
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream& body, kj::HttpService::Response& response) {
    auto paf = kj::newPromiseAndFulfiller<void>();
    release = kj::mv(paf.fulfiller);
    return paf.promise.then([&]() {
      return body.readAllBytes().then([&](kj::Array<kj::byte> bytes) {
        return replyText(response, table_, kj::str(bytes.size()));
      });
    });
  };
  startServer();
  const size_t total = 64 << 20;
  std::atomic<size_t> sent{0};
  std::atomic<bool> stalled{false};
  std::thread client([&]() {
    Client c(tcpPort_);
    c.send("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n");
    std::string block(1 << 16, 'z');
    timeval tv{0, 200000};
    setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    while (sent < total) {
      ssize_t n = ::send(c.fd(), block.data(), std::min(block.size(), total - sent), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        stalled = true;
        continue;
      }
      ASSERT_GT(n, 0);
      sent += n;
    }
    auto response = c.readResponse();
    EXPECT_EQ(response.body, std::to_string(total));
  });
  pumpUntil([&]() { return stalled.load(); });
  EXPECT_LT(sent.load(), total / 2);
  ASSERT_TRUE(release);
  release->fulfill();
  while (server_->stats().requestsServed < 1) pump(1);
  client.join();
}

TEST_F(HttpServerTest, ExpectContinueIsSentWhenTheServiceReads) {
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream& body, kj::HttpService::Response& response) {
    return echoBody(response, body, table_);
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(client.readLine(), "HTTP/1.1 100 Continue");
    EXPECT_EQ(client.readLine(), "");
    client.send("data");
    EXPECT_EQ(client.readResponse().body, "data");
  });
}

TEST_F(HttpServerTest, ExpectContinueNotSentWhenTheServiceAnswersFirst) {
  startServer();  // replies without reading the body
  runClient([&]() {
    Client client(tcpPort_);
    client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.get("connection"), "close");
    EXPECT_TRUE(client.waitClosed());
  });
}

// --- errors -------------------------------------------------------------------------------------

TEST_F(HttpServerTest, MalformedRequestIsBadRequestAndClosed) {
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\nBad Header Name: x\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.get("connection"), "close");
    EXPECT_TRUE(client.waitClosed());
  });
  EXPECT_TRUE(service_.seen.empty());
  EXPECT_EQ(server_->stats().requestsServed, 0u);
}

TEST_F(HttpServerTest, OversizedHeadIs431) {
  ServerOptions options;
  options.maxHeaderBytes = 1024;
  startServer(options);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 431);
    EXPECT_TRUE(client.waitClosed());
  });
  runClient([&]() {  // a head just under the limit is fine
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(900, 'a') + "\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 200);
  });
}

TEST_F(HttpServerTest, OversizedHeadArrivingSlowlyIs431) {
  ServerOptions options;
  options.maxHeaderBytes = 4096;
  startServer(options);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 20; ++i) {
      client.send("X-Header-" + std::to_string(i) + ": " + std::string(500, 'v') + "\r\n");
    }
    EXPECT_EQ(client.readResponse().status, 431);
  });
}

TEST_F(HttpServerTest, StalledHeadIsClosedAfterHeaderTimeout) {
  ServerOptions options;
  options.headerTimeoutMs = 100;
  startServer(options);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n");  // never finished
    auto start = std::chrono::steady_clock::now();
    std::string rest;
    EXPECT_TRUE(client.waitClosed(&rest));
    EXPECT_EQ(rest, "");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
  });
  EXPECT_TRUE(service_.seen.empty());
}

TEST_F(HttpServerTest, IdleKeepAliveIsClosedAfterIdleTimeout) {
  ServerOptions options;
  options.idleTimeoutMs = 100;
  startServer(options);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "hello");
    auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.waitClosed());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
  });
  pumpUntil([&]() { return server_->stats().connections == 0; });
}

TEST_F(HttpServerTest, IdleTimeoutCountsFromTheLastResponse) {
  // The head's shorter timer, armed when the connection opened, comes due while the connection
  // is idle between requests: it must neither close the connection then nor shorten the wait.
  ServerOptions options;
  options.headerTimeoutMs = 100;
  options.idleTimeoutMs = 400;
  startServer(options);
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "hello");
    std::this_thread::sleep_for(250ms);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "hello");
    auto answered = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.waitClosed());
    EXPECT_GE(std::chrono::steady_clock::now() - answered, 390ms);
  });
  pumpUntil([&]() { return server_->stats().connections == 0; });
}

TEST_F(HttpServerTest, ServiceThrowingBeforeSendIs500) {
  service_.handler = [&](kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response)
      -> kj::Promise<void> {
    if (url.endsWith("/boom")) KJ_FAIL_REQUIRE("worker exploded");
    return replyText(response, table_, "fine");
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET /boom HTTP/1.1\r\nHost: h\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body, "Internal Server Error\n");
    client.send("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n");  // still usable
    EXPECT_EQ(client.readResponse().body, "fine");
  });
}

TEST_F(HttpServerTest, ServiceReturningWithoutResponseIs500) {
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response&) {
    return kj::READY_NOW;
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 500);
  });
}

TEST_F(HttpServerTest, ServiceThrowingAfterTheHeadAbortsTheConnection) {
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response) {
    auto stream = response.send(200, "OK", kj::HttpHeaders(table_));
    auto promise = stream->write("partial", 7);
    return promise.then([]() { KJ_FAIL_REQUIRE("failed mid-body"); }).attach(kj::mv(stream));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "partial");
    EXPECT_FALSE(response.complete);
    EXPECT_TRUE(client.waitClosed());
  });
}

TEST_F(HttpServerTest, ShortFixedLengthBodyAbortsTheConnection) {
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response) {
    auto stream = response.send(200, "OK", kj::HttpHeaders(table_), uint64_t(10));
    auto promise = stream->write("short", 5);
    return promise.attach(kj::mv(stream));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_FALSE(response.complete);
    EXPECT_EQ(response.body, "short");
  });
}

TEST_F(HttpServerTest, InvalidStatusOrHeaderFromTheServiceIs500) {
  service_.handler = [&](kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response)
      -> kj::Promise<void> {
    if (url.endsWith("/status")) {
      response.send(42, "Odd", kj::HttpHeaders(table_), uint64_t(0));
    } else if (url.endsWith("/text")) {
      response.send(200, "OK\r\nInjected: yes", kj::HttpHeaders(table_), uint64_t(0));
    } else {
      kj::HttpHeaders headers(table_);
      headers.add("X-Bad", "a\r\nb");  // kj refuses this
    }
    return kj::READY_NOW;
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    for (const char* path : {"/status", "/text", "/header"}) {
      client.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
      auto response = client.readResponse();
      EXPECT_EQ(response.status, 500) << path;
      EXPECT_FALSE(response.has("injected"));
    }
  });
}

TEST_F(HttpServerTest, SendingTwiceIsAnError) {
  std::string error;
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response) {
    auto stream = response.send(200, "OK", kj::HttpHeaders(table_), uint64_t(0));
    KJ_IF_MAYBE(e, kj::runCatchingExceptions(
                       [&]() { response.send(200, "OK", kj::HttpHeaders(table_)); })) {
      error = e->getDescription().cStr();
    }
    return kj::READY_NOW;
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().status, 200);
  });
  EXPECT_NE(error.find("only once"), std::string::npos) << error;
}

TEST_F(HttpServerTest, ClientDisconnectCancelsTheService) {
  bool cancelled = false;
  struct SetOnDestroy {
    bool* flag;
    ~SetOnDestroy() { *flag = true; }
  };
  std::atomic<bool> started{false};
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response&) {
    started = true;
    return kj::Promise<void>(kj::NEVER_DONE).attach(kj::heap<SetOnDestroy>(&cancelled));
  };
  startServer();
  auto client = std::make_unique<Client>(tcpPort_);
  client->send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  pumpUntil([&]() { return started.load(); });
  pump(5);
  EXPECT_EQ(server_->stats().inFlight, 1u);
  EXPECT_FALSE(cancelled);
  client.reset();  // the client goes away
  pumpUntil([&]() { return cancelled; });
  EXPECT_EQ(server_->stats().inFlight, 0u);
  EXPECT_EQ(server_->stats().requestsServed, 0u);
  pumpUntil([&]() { return server_->stats().connections == 0; });
}

TEST_F(HttpServerTest, ClientDisconnectMidBodyCancelsTheRequest) {
  bool cancelled = false;
  struct SetOnDestroy {
    bool* flag;
    ~SetOnDestroy() { *flag = true; }
  };
  service_.handler = [&](kj::HttpMethod, kj::StringPtr, const kj::HttpHeaders&,
                         kj::AsyncInputStream& body, kj::HttpService::Response& response) {
    return body.readAllText()
        .then([&](kj::String text) { return replyText(response, table_, "unexpected"); })
        .attach(kj::heap<SetOnDestroy>(&cancelled));
  };
  startServer();
  runClient([&]() {
    Client client(tcpPort_);
    client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly some");
    std::this_thread::sleep_for(20ms);
  });
  pumpUntil([&]() { return cancelled && server_->stats().connections == 0; });
  EXPECT_EQ(server_->stats().inFlight, 0u);
  EXPECT_EQ(server_->stats().requestsServed, 0u);
}

// --- stats and drain ----------------------------------------------------------------------------

TEST_F(HttpServerTest, StatsAndDrain) {
  kj::Own<kj::PromiseFulfiller<void>> release;
  service_.handler = [&](kj::HttpMethod, kj::StringPtr url, const kj::HttpHeaders&,
                         kj::AsyncInputStream&, kj::HttpService::Response& response)
      -> kj::Promise<void> {
    if (url.endsWith("/hold")) {
      auto paf = kj::newPromiseAndFulfiller<void>();
      release = kj::mv(paf.fulfiller);
      return paf.promise.then([&]() { return replyText(response, table_, "held"); });
    }
    return replyText(response, table_, "quick");
  };
  startServer();
  Client idle(tcpPort_);
  Client busy(tcpPort_);
  std::thread clients([&]() {
    idle.send("GET /quick HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(idle.readResponse().body, "quick");
    busy.send("GET /hold HTTP/1.1\r\nHost: h\r\n\r\n");
  });
  pumpUntil([&]() { return server_->stats().inFlight == 1 && server_->stats().requestsServed == 1; });
  clients.join();
  EXPECT_EQ(server_->stats().connections, 2u);

  bool drained = false;
  auto drainPromise = server_->drain().then([&]() { drained = true; }).eagerlyEvaluate(nullptr);
  std::thread idleCheck([&]() { EXPECT_TRUE(idle.waitClosed()); });
  pumpUntil([&]() { return server_->stats().connections == 1; });
  idleCheck.join();
  EXPECT_FALSE(drained);

  // New connections are refused once draining.
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(tcpPort_);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  pump(5);
  EXPECT_NE(connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  close(probe);

  release->fulfill();
  runClient([&]() {
    auto response = busy.readResponse();
    EXPECT_EQ(response.body, "held");
    EXPECT_EQ(response.get("connection"), "close");
    EXPECT_TRUE(busy.waitClosed());
    busy.closeNow();
  });
  pumpUntil([&]() { return drained; });
  EXPECT_EQ(server_->stats().connections, 0u);
  EXPECT_EQ(server_->stats().inFlight, 0u);
  EXPECT_EQ(server_->stats().requestsServed, 2u);
}

TEST_F(HttpServerTest, RequestSentBeforeTheDrainIsServedThenClosed) {
  startServer();
  Client client(tcpPort_);
  runClient([&]() {
    client.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "hello");
  });
  pumpUntil([&]() { return server_->stats().requestsServed == 1; });
  // The next request is in the socket's receive queue, not yet read, when the drain starts.
  client.send("GET /second HTTP/1.1\r\nHost: h\r\n\r\n");
  bool drained = false;
  auto drainPromise = server_->drain().then([&]() { drained = true; }).eagerlyEvaluate(nullptr);
  runClient([&]() {
    auto response = client.readResponse();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "hello");
    EXPECT_EQ(response.get("connection"), "close");
    EXPECT_TRUE(client.waitClosed());
  });
  pumpUntil([&]() { return drained; });
  ASSERT_EQ(service_.seen.size(), 2u);
  EXPECT_EQ(service_.seen[1].url, "http://h/second");
}

TEST_F(HttpServerTest, RequestHeadArrivingDuringTheDrainIsServed) {
  startServer();
  Client client(tcpPort_);
  client.send("GET /partial HTTP/1.1\r\nHo");
  pump(20);  // the server reads the first bytes of the head
  bool drained = false;
  auto drainPromise = server_->drain().then([&]() { drained = true; }).eagerlyEvaluate(nullptr);
  pump(5);
  EXPECT_FALSE(drained);
  runClient([&]() {
    client.send("st: h\r\n\r\nGET /pipelined HTTP/1.1\r\nHost: h\r\n\r\n");
    auto response = client.readResponse();
    EXPECT_EQ(response.body, "hello");
    EXPECT_EQ(response.get("connection"), "close");
    EXPECT_TRUE(client.waitClosed());  // the request after it is not served: the client retries
  });
  pumpUntil([&]() { return drained; });
  ASSERT_EQ(service_.seen.size(), 1u);
  EXPECT_EQ(service_.seen[0].url, "http://h/partial");
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAtOnceByTheDrain) {
  startServer();
  Client client(tcpPort_);
  runClient([&]() {
    client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "hello");
  });
  pumpUntil([&]() { return server_->stats().requestsServed == 1; });
  bool drained = false;
  auto drainPromise = server_->drain().then([&]() { drained = true; }).eagerlyEvaluate(nullptr);
  pumpUntil([&]() { return drained; });
  runClient([&]() { EXPECT_TRUE(client.waitClosed()); });
}

TEST_F(HttpServerTest, ServesOnAUnixSocket) {
  std::string path = "/tmp/colony-http-test-" + std::to_string(getpid()) + ".sock";
  server_ = std::make_unique<HttpServer>(*port_, table_, service_, ServerOptions{});
  server_->listen(openListenSocket("unix:" + path));
  runClient([&]() {
    Client client(path);
    client.send("GET /u HTTP/1.1\r\nHost: local\r\n\r\n");
    EXPECT_EQ(client.readResponse().body, "hello");
  });
  ASSERT_EQ(service_.seen.size(), 1u);
  EXPECT_EQ(service_.seen[0].url, "http://local/u");
  unlink(path.c_str());
}

}  // namespace
}  // namespace colony::http
