// UvAsyncIo: KJ streams, sockets, kj-http and capnp RPC (with FD passing) on a libuv loop.
#include "ipc/uv_async_io.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <capnp/rpc-twoparty.h>
#include <kj/compat/http.h>
#include <kj/debug.h>
#include <kj/io.h>
#include <kj/vector.h>

#include <memory>
#include <string>

#include "uv_async_io_test.capnp.h"

namespace colony {
namespace {

constexpr auto kGuard = 10 * kj::SECONDS;  // no test here should take anywhere near this long
constexpr uint kOwned = kj::LowLevelAsyncIoProvider::TAKE_OWNERSHIP;

// A libuv loop with the KJ I/O stack on it; checks that nothing leaked into the loop afterwards.
class UvAsyncIoTest : public ::testing::Test {
 protected:
  UvAsyncIoTest() {
    uv_loop_init(&loop_);
    io_ = std::make_unique<UvAsyncIo>(&loop_);
  }
  ~UvAsyncIoTest() override {
    io_.reset();
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "leaked libuv handles";
  }

  template <typename T>
  T waitFor(kj::Promise<T>&& promise) {
    return io_->timer().timeoutAfter(kGuard, kj::mv(promise)).wait(io_->waitScope());
  }

  kj::WaitScope& ws() { return io_->waitScope(); }
  kj::LowLevelAsyncIoProvider& lowLevel() { return io_->lowLevel(); }

  uv_loop_t loop_;
  std::unique_ptr<UvAsyncIo> io_;
};

struct FdPair {
  int fds[2];
};

FdPair makePipe() {
  FdPair p;
  KJ_SYSCALL(pipe2(p.fds, O_CLOEXEC));
  return p;
}

FdPair makeSocketPair() {
  FdPair p;
  KJ_SYSCALL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p.fds));
  return p;
}

bool isOpen(int fd) { return fcntl(fd, F_GETFD) >= 0; }

kj::String asString(kj::ArrayPtr<const kj::byte> bytes) {
  return kj::heapString(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// --- pipes, readiness and cancellation ------------------------------------------------------

TEST_F(UvAsyncIoTest, PipeReadWaitsForDataThenSeesEof) {
  auto p = makePipe();
  auto in = lowLevel().wrapInputFd(p.fds[0], kOwned);
  auto out = lowLevel().wrapOutputFd(p.fds[1], kOwned);

  char buffer[16];
  auto read = in->tryRead(buffer, 5, sizeof(buffer));
  EXPECT_FALSE(read.poll(ws())) << "read completed before anything was written";
  waitFor(out->write("hello", 5));
  EXPECT_EQ(waitFor(kj::mv(read)), 5u);
  EXPECT_EQ(std::string(buffer, 5), "hello");

  out = nullptr;  // closes the write end
  EXPECT_EQ(waitFor(in->tryRead(buffer, 1, sizeof(buffer))), 0u);
}

TEST_F(UvAsyncIoTest, ReadAccumulatesUntilMinBytes) {
  auto p = makePipe();
  auto in = lowLevel().wrapInputFd(p.fds[0], kOwned);
  auto out = lowLevel().wrapOutputFd(p.fds[1], kOwned);
  char buffer[8];
  auto read = in->tryRead(buffer, 6, sizeof(buffer));
  waitFor(out->write("abc", 3));
  EXPECT_FALSE(read.poll(ws())) << "returned before minBytes";
  waitFor(out->write("def", 3));
  EXPECT_EQ(waitFor(kj::mv(read)), 6u);
  EXPECT_EQ(std::string(buffer, 6), "abcdef");
}

TEST_F(UvAsyncIoTest, DroppedReadLeavesStreamUsable) {
  auto p = makePipe();
  auto in = lowLevel().wrapInputFd(p.fds[0], kOwned);
  auto out = lowLevel().wrapOutputFd(p.fds[1], kOwned);

  char buffer[16];
  for (int i = 0; i < 3; i++) {
    auto read = in->tryRead(buffer, 1, sizeof(buffer));
    EXPECT_FALSE(read.poll(ws()));
    // Dropped here, while waiting for readability.
  }
  {
    // Dropped after the fd became readable but before the continuation read anything: the
    // bytes must still be there for the next read.
    auto read = in->tryRead(buffer, 1, sizeof(buffer));
    waitFor(out->write("abc", 3));
    io_->port().poll();  // one libuv iteration: readiness is delivered, KJ does not run
  }
  EXPECT_EQ(waitFor(in->tryRead(buffer, 3, sizeof(buffer))), 3u);
  EXPECT_EQ(std::string(buffer, 3), "abc");
}

TEST_F(UvAsyncIoTest, OwnershipAndModeFlagsAreHonoured) {
  using F = kj::LowLevelAsyncIoProvider::Flags;
  {
    // No flags: borrowed fd, left open, made non-blocking, close-on-exec untouched.
    int fds[2];
    KJ_SYSCALL(pipe(fds));
    lowLevel().wrapInputFd(fds[0]);
    EXPECT_TRUE(isOpen(fds[0]));
    EXPECT_TRUE(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    EXPECT_FALSE(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    close(fds[0]);
    close(fds[1]);
  }
  {
    // TAKE_OWNERSHIP: closed with the stream, close-on-exec set meanwhile.
    int fds[2];
    KJ_SYSCALL(pipe(fds));
    auto stream = lowLevel().wrapInputFd(fds[0], F::TAKE_OWNERSHIP);
    EXPECT_TRUE(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    stream = nullptr;
    EXPECT_FALSE(isOpen(fds[0]));
    close(fds[1]);
  }
  {
    // ALREADY_CLOEXEC and ALREADY_NONBLOCK: the wrapper trusts the caller and changes nothing.
    int fds[2];
    KJ_SYSCALL(pipe(fds));
    auto stream = lowLevel().wrapInputFd(
        fds[0], F::TAKE_OWNERSHIP | F::ALREADY_CLOEXEC | F::ALREADY_NONBLOCK);
    EXPECT_FALSE(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    EXPECT_FALSE(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    stream = nullptr;
    EXPECT_FALSE(isOpen(fds[0]));
    close(fds[1]);
  }
}

// --- writes, pumps, sockets --------------------------------------------------------------------

TEST_F(UvAsyncIoTest, LargeVectoredWriteSurvivesPartialWrites) {
  auto sp = makeSocketPair();
  auto a = lowLevel().wrapSocketFd(sp.fds[0], kOwned);
  auto b = lowLevel().wrapSocketFd(sp.fds[1], kOwned);

  // Far more than a socket buffer holds, in uneven pieces, so writes block part-way many times.
  kj::Vector<kj::Array<kj::byte>> chunks;
  kj::Vector<kj::ArrayPtr<const kj::byte>> pieces;
  size_t total = 0;
  for (size_t i = 0; i < 64; i++) {
    auto chunk = kj::heapArray<kj::byte>(1000 + i * 997);
    for (size_t j = 0; j < chunk.size(); j++) chunk[j] = static_cast<kj::byte>((total + j) * 31);
    total += chunk.size();
    pieces.add(chunk);
    chunks.add(kj::mv(chunk));
  }
  auto write = a->write(pieces.asPtr())
                   .then([&] { a->shutdownWrite(); })
                   .eagerlyEvaluate(nullptr);
  auto received = waitFor(b->readAllBytes().then([&](kj::Array<kj::byte> bytes) {
    return write.then([bytes = kj::mv(bytes)]() mutable { return kj::mv(bytes); });
  }));
  ASSERT_EQ(received.size(), total);
  for (size_t j = 0; j < total; j++) {
    if (received[j] != static_cast<kj::byte>(j * 31)) {
      FAIL() << "mismatch at byte " << j;
    }
  }
}

TEST_F(UvAsyncIoTest, ManyConcurrentStreamsEchoAtOnce) {
  constexpr int kStreams = 200;
  struct Echo {
    kj::Own<kj::AsyncIoStream> client, server;
    char serverBuf[64];
    char clientBuf[64];
  };
  kj::Vector<kj::Own<Echo>> echoes;
  kj::Vector<kj::Promise<void>> all;
  for (int i = 0; i < kStreams; i++) {
    auto sp = makeSocketPair();
    auto e = kj::heap<Echo>();
    e->client = lowLevel().wrapSocketFd(sp.fds[0], kOwned);
    e->server = lowLevel().wrapSocketFd(sp.fds[1], kOwned);
    auto& ref = *e;
    auto message = kj::str("message ", i);
    size_t len = message.size();
    // Server side: echo one message back.
    all.add(ref.server->read(ref.serverBuf, len).then([&ref, len] {
      return ref.server->write(ref.serverBuf, len);
    }));
    // Client side: send, then check the echo.
    all.add(ref.client->write(message.begin(), len)
                .then([&ref, len] { return ref.client->read(ref.clientBuf, len); })
                .then([&ref, len, message = kj::mv(message)] {
                  EXPECT_EQ(std::string(ref.clientBuf, len), std::string(message.cStr()));
                }));
    echoes.add(kj::mv(e));
  }
  waitFor(kj::joinPromises(all.releaseAsArray()));
}

TEST_F(UvAsyncIoTest, PumpCopiesPipeIntoSocket) {
  auto p = makePipe();
  auto sp = makeSocketPair();
  auto in = lowLevel().wrapInputFd(p.fds[0], kOwned);
  auto out = lowLevel().wrapOutputFd(p.fds[1], kOwned);
  auto a = lowLevel().wrapSocketFd(sp.fds[0], kOwned);
  auto b = lowLevel().wrapSocketFd(sp.fds[1], kOwned);

  auto pump = in->pumpTo(*a);
  auto body = kj::str(kj::repeat('x', 100000), "end");
  auto writer = out->write(body.begin(), body.size())
                    .then([&] { out = nullptr; })
                    .eagerlyEvaluate(nullptr);
  EXPECT_EQ(waitFor(kj::mv(pump)), body.size());
  waitFor(kj::mv(writer));
  a->shutdownWrite();
  EXPECT_EQ(waitFor(b->readAllText()), body);
}

TEST_F(UvAsyncIoTest, ShutdownWriteAndWriteDisconnected) {
  auto sp = makeSocketPair();
  auto a = lowLevel().wrapSocketFd(sp.fds[0], kOwned);
  auto b = lowLevel().wrapSocketFd(sp.fds[1], kOwned);

  a->shutdownWrite();
  char c;
  EXPECT_EQ(waitFor(b->tryRead(&c, 1, 1)), 0u) << "peer should see EOF after shutdownWrite";

  auto disconnected = a->whenWriteDisconnected();
  auto alsoDisconnected = a->whenWriteDisconnected();  // may be called more than once
  EXPECT_FALSE(disconnected.poll(ws())) << "connected socket reported as disconnected";
  b = nullptr;  // peer gone
  waitFor(kj::mv(disconnected));
  waitFor(kj::mv(alsoDisconnected));
  try {
    waitFor(a->write("x", 1));
    ADD_FAILURE() << "write to a closed peer succeeded";
  } catch (const kj::Exception& e) {
    EXPECT_EQ(e.getType(), kj::Exception::Type::DISCONNECTED) << e.getDescription().cStr();
  }
}

TEST_F(UvAsyncIoTest, AbortReadEndsPendingReadsWithEof) {
  auto sp = makeSocketPair();
  auto a = lowLevel().wrapSocketFd(sp.fds[0], kOwned);
  auto b = lowLevel().wrapSocketFd(sp.fds[1], kOwned);
  char c;
  auto read = a->tryRead(&c, 1, 1);
  EXPECT_FALSE(read.poll(ws()));
  a->abortRead();
  EXPECT_EQ(waitFor(kj::mv(read)), 0u);
}

TEST_F(UvAsyncIoTest, TcpListenConnectAcceptAndSocketNames) {
  auto& network = io_->network();
  auto address = waitFor(network.parseAddress("127.0.0.1", 0));
  auto listener = address->listen();
  uint port = listener->getPort();
  ASSERT_NE(port, 0u);

  auto target = waitFor(network.parseAddress("127.0.0.1", port));
  auto connecting = target->connect();
  auto server = waitFor(listener->accept());
  auto client = waitFor(kj::mv(connecting));

  struct sockaddr_in clientLocal = {}, serverPeer = {}, serverLocal = {};
  uint len = sizeof(clientLocal);
  client->getsockname(reinterpret_cast<sockaddr*>(&clientLocal), &len);
  len = sizeof(serverPeer);
  server->getpeername(reinterpret_cast<sockaddr*>(&serverPeer), &len);
  len = sizeof(serverLocal);
  server->getsockname(reinterpret_cast<sockaddr*>(&serverLocal), &len);
  EXPECT_EQ(ntohs(serverLocal.sin_port), port);
  EXPECT_EQ(clientLocal.sin_port, serverPeer.sin_port);
  EXPECT_EQ(clientLocal.sin_addr.s_addr, serverPeer.sin_addr.s_addr);

  int value = 0;
  client->setsockopt(SOL_SOCKET, SO_KEEPALIVE, &(value = 1), sizeof(value));
  value = 0;
  uint valueLen = sizeof(value);
  client->getsockopt(SOL_SOCKET, SO_KEEPALIVE, &value, &valueLen);
  EXPECT_EQ(value, 1);
  valueLen = sizeof(value);
  server->getsockopt(IPPROTO_TCP, TCP_NODELAY, &value, &valueLen);
  EXPECT_EQ(value, 1) << "accepted TCP sockets should have Nagle off";

  waitFor(client->write("ping", 4));
  char buffer[4];
  waitFor(server->read(buffer, 4));
  EXPECT_EQ(std::string(buffer, 4), "ping");
}

TEST_F(UvAsyncIoTest, ConnectToClosedPortFails) {
  auto& network = io_->network();
  uint port;
  {
    auto listener = waitFor(network.parseAddress("127.0.0.1", 0))->listen();
    port = listener->getPort();
  }
  auto target = waitFor(network.parseAddress("127.0.0.1", port));
  try {
    waitFor(target->connect());
    ADD_FAILURE() << "connected to a port nobody listens on";
  } catch (const kj::Exception& e) {
    EXPECT_TRUE(std::string(e.getDescription().cStr()).find("connect") != std::string::npos)
        << e.getDescription().cStr();
  }
}

TEST_F(UvAsyncIoTest, HostNameResolutionRunsThroughTheLoop) {
  // Resolving a name goes through KJ's resolver thread, which reports back to this loop.
  auto& network = io_->network();
  auto listener = waitFor(network.parseAddress("127.0.0.1", 0))->listen();
  auto target = waitFor(network.parseAddress("localhost", listener->getPort()));
  auto connecting = target->connect();
  auto server = waitFor(listener->accept());
  auto client = waitFor(kj::mv(connecting));
  EXPECT_NE(client->getFd(), nullptr);
}

// --- FD passing ---------------------------------------------------------------------------------

TEST_F(UvAsyncIoTest, UnixSocketPassesFileDescriptors) {
  auto sp = makeSocketPair();
  auto a = lowLevel().wrapUnixSocketFd(sp.fds[0], kOwned);
  auto b = lowLevel().wrapUnixSocketFd(sp.fds[1], kOwned);
  auto p = makePipe();
  kj::AutoCloseFd pipeRead(p.fds[0]), pipeWrite(p.fds[1]);

  const kj::byte header[] = {'f', 'd'};
  int toSend[] = {pipeWrite.get()};
  waitFor(a->writeWithFds(header, nullptr, kj::arrayPtr(toSend, 1)));

  char data[2];
  kj::AutoCloseFd received[2];
  auto result = waitFor(b->tryReadWithFds(data, 2, 2, received, 2));
  EXPECT_EQ(result.byteCount, 2u);
  ASSERT_EQ(result.capCount, 1u);
  EXPECT_NE(received[0].get(), pipeWrite.get());
  EXPECT_TRUE(fcntl(received[0].get(), F_GETFD) & FD_CLOEXEC);

  // The received descriptor is the same pipe: what goes in comes out of our read end.
  KJ_SYSCALL(::write(received[0].get(), "via fd", 6));
  auto reader = lowLevel().wrapInputFd(pipeRead.get());
  char buffer[6];
  waitFor(reader->read(buffer, 6));
  EXPECT_EQ(std::string(buffer, 6), "via fd");
}

TEST_F(UvAsyncIoTest, ExcessDescriptorsAreClosedNotLeaked) {
  auto sp = makeSocketPair();
  auto a = lowLevel().wrapUnixSocketFd(sp.fds[0], kOwned);
  auto b = lowLevel().wrapUnixSocketFd(sp.fds[1], kOwned);
  auto p1 = makePipe();
  auto p2 = makePipe();
  kj::AutoCloseFd r1(p1.fds[0]), w1(p1.fds[1]), r2(p2.fds[0]), w2(p2.fds[1]);

  const kj::byte header[] = {'x'};
  int toSend[] = {w1.get(), w2.get()};
  waitFor(a->writeWithFds(header, nullptr, kj::arrayPtr(toSend, 2)));
  w1 = nullptr;
  w2 = nullptr;

  char data;
  kj::AutoCloseFd received[1];
  auto result = waitFor(b->tryReadWithFds(&data, 1, 1, received, 1));
  EXPECT_EQ(result.capCount, 1u);
  received[0] = nullptr;
  // Every write end is closed now (ours and both passed copies), so both pipes report EOF.
  auto in1 = lowLevel().wrapInputFd(r1.get());
  auto in2 = lowLevel().wrapInputFd(r2.get());
  char c;
  EXPECT_EQ(waitFor(in1->tryRead(&c, 1, 1)), 0u);
  EXPECT_EQ(waitFor(in2->tryRead(&c, 1, 1)), 0u) << "the descriptor that did not fit leaked";
}

TEST_F(UvAsyncIoTest, CapabilityPipeSendsStreams) {
  auto pipe = io_->provider().newCapabilityPipe();
  auto inner = makeSocketPair();
  auto left = lowLevel().wrapUnixSocketFd(inner.fds[0], kOwned);
  auto right = lowLevel().wrapUnixSocketFd(inner.fds[1], kOwned);

  waitFor(pipe.ends[0]->sendStream(kj::mv(left)));
  auto arrived = waitFor(pipe.ends[1]->receiveStream());
  waitFor(arrived->write("over a passed stream", 20));
  char buffer[20];
  waitFor(right->read(buffer, 20));
  EXPECT_EQ(std::string(buffer, 20), "over a passed stream");
}

// --- kj-http ------------------------------------------------------------------------------------

class HelloService final : public kj::HttpService {
 public:
  explicit HelloService(kj::HttpHeaderTable& table) : table_(table) {}
  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders& headers, kj::AsyncInputStream& requestBody,
                            Response& response) override {
    auto body = kj::str("hello from ", url);
    kj::HttpHeaders responseHeaders(table_);
    auto stream = response.send(200, "OK", responseHeaders, body.size());
    auto promise = stream->write(body.begin(), body.size());
    return promise.attach(kj::mv(stream), kj::mv(body));
  }

 private:
  kj::HttpHeaderTable& table_;
};

struct HttpFixture {
  explicit HttpFixture(UvAsyncIo& io)
      : service(table), server(io.timer(), table, service),
        listener(io.network().parseAddress("127.0.0.1", 0).wait(io.waitScope())->listen()),
        serving(server.listenHttp(*listener).eagerlyEvaluate(nullptr)),
        client(kj::newHttpClient(io.timer(), table, io.network(), nullptr)) {}

  kj::Promise<kj::String> get(kj::StringPtr path) {
    auto url = kj::str("http://127.0.0.1:", listener->getPort(), path);
    auto request = client->request(kj::HttpMethod::GET, url, kj::HttpHeaders(table));
    return request.response.then([](kj::HttpClient::Response response) {
      KJ_ASSERT(response.statusCode == 200, response.statusCode);
      auto text = response.body->readAllText();
      return text.attach(kj::mv(response.body));
    });
  }

  kj::HttpHeaderTable table;
  HelloService service;
  kj::HttpServer server;
  kj::Own<kj::ConnectionReceiver> listener;
  kj::Promise<void> serving;
  kj::Own<kj::HttpClient> client;
};

TEST_F(UvAsyncIoTest, HttpClientTalksToHttpServerUnderPromiseWait) {
  HttpFixture http(*io_);
  EXPECT_EQ(waitFor(http.get("/one")), "hello from /one");
  EXPECT_EQ(waitFor(http.get("/two")), "hello from /two");  // reuses the connection
}

TEST_F(UvAsyncIoTest, HttpClientTalksToHttpServerUnderUvRun) {
  HttpFixture http(*io_);
  kj::Maybe<kj::String> body;
  kj::Maybe<kj::Exception> error;
  auto done = io_->timer()
                  .timeoutAfter(kGuard, http.get("/under-uv-run"))
                  .then([&](kj::String text) { body = kj::mv(text); },
                        [&](kj::Exception&& e) { error = kj::mv(e); })
                  .then([&] {
                    // Close everything that holds the loop so uv_run can return.
                    http.serving = nullptr;
                    http.client = nullptr;
                  })
                  .eagerlyEvaluate(nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  KJ_IF_MAYBE(e, error) { FAIL() << e->getDescription().cStr(); }
  KJ_IF_MAYBE(b, body) {
    EXPECT_EQ(*b, "hello from /under-uv-run");
  } else {
    FAIL() << "uv_run returned before the request finished";
  }
}

// --- capnp RPC ----------------------------------------------------------------------------------

class FdHolderImpl final : public FdHolder::Server {
 public:
  explicit FdHolderImpl(kj::AutoCloseFd fd) : fd_(kj::mv(fd)) {}
  kj::Maybe<int> getFd() override { return fd_.get(); }
  kj::Promise<void> describe(DescribeContext context) override {
    context.getResults().setText("pipe read end");
    return kj::READY_NOW;
  }

 private:
  kj::AutoCloseFd fd_;
};

class PipeMakerImpl final : public PipeMaker::Server {
 public:
  explicit PipeMakerImpl(kj::AutoCloseFd& writeEnd) : writeEnd_(writeEnd) {}
  kj::Promise<void> echo(EchoContext context) override {
    context.getResults().setText(kj::str("echo: ", context.getParams().getText()));
    return kj::READY_NOW;
  }
  kj::Promise<void> openPipe(OpenPipeContext context) override {
    int fds[2];
    KJ_SYSCALL(pipe2(fds, O_CLOEXEC));
    writeEnd_ = kj::AutoCloseFd(fds[1]);
    context.getResults().setReader(kj::heap<FdHolderImpl>(kj::AutoCloseFd(fds[0])));
    return kj::READY_NOW;
  }

 private:
  kj::AutoCloseFd& writeEnd_;
};

TEST_F(UvAsyncIoTest, CapnpRpcOverSocketPairPassesFds) {
  auto sp = makeSocketPair();
  auto serverStream = lowLevel().wrapUnixSocketFd(sp.fds[0], kOwned);
  auto clientStream = lowLevel().wrapUnixSocketFd(sp.fds[1], kOwned);
  kj::AutoCloseFd writeEnd;
  {
    capnp::TwoPartyClient serverSide(*serverStream, 4, kj::heap<PipeMakerImpl>(writeEnd),
                                     capnp::rpc::twoparty::Side::SERVER);
    capnp::TwoPartyClient clientSide(*clientStream, 4);
    auto maker = clientSide.bootstrap().castAs<PipeMaker>();

    auto echo = maker.echoRequest();
    echo.setText("hi");
    auto echoed = waitFor(echo.send());
    EXPECT_EQ(kj::StringPtr(echoed.getText()), "echo: hi");

    auto opened = waitFor(maker.openPipeRequest().send());
    auto reader = opened.getReader();
    EXPECT_EQ(kj::StringPtr(waitFor(reader.describeRequest().send()).getText()), "pipe read end");
    auto fd = waitFor(reader.getFd());
    KJ_IF_MAYBE(received, fd) {
      ASSERT_TRUE(writeEnd != nullptr);
      KJ_SYSCALL(::write(writeEnd.get(), "through rpc", 11));
      // The received fd belongs to the RPC import; read through a borrowed stream.
      auto in = lowLevel().wrapInputFd(*received);
      char buffer[11];
      waitFor(in->read(buffer, 11));
      EXPECT_EQ(std::string(buffer, 11), "through rpc");
    } else {
      FAIL() << "capability arrived without its file descriptor";
    }
  }
}

// --- datagrams -----------------------------------------------------------------------------------

TEST_F(UvAsyncIoTest, UdpDatagramsTravelBetweenPorts) {
  auto& network = io_->network();
  auto portA = waitFor(network.parseAddress("127.0.0.1", 0))->bindDatagramPort();
  auto portB = waitFor(network.parseAddress("127.0.0.1", 0))->bindDatagramPort();
  auto addressOfB = waitFor(network.parseAddress("127.0.0.1", portB->getPort()));

  auto receiver = portB->makeReceiver({/* content */ 5, /* ancillary */ 0});
  auto receiving = receiver->receive();
  EXPECT_FALSE(receiving.poll(ws())) << "received before anything was sent";

  const kj::byte first[] = {'h', 'e', 'l'};
  const kj::byte second[] = {'l', 'o', '!', '!'};
  kj::ArrayPtr<const kj::byte> pieces[] = {first, second};
  EXPECT_EQ(waitFor(portA->send(kj::arrayPtr(pieces, 2), *addressOfB)), 7u);
  waitFor(kj::mv(receiving));

  auto content = receiver->getContent();
  EXPECT_EQ(asString(content.value), "hello");
  EXPECT_TRUE(content.isTruncated) << "7 bytes into a 5-byte receiver must be truncated";
  EXPECT_EQ(receiver->getSource().toString(), kj::str("127.0.0.1:", portA->getPort()));

  // Reply to the sender's address as the receiver saw it.
  auto replyReceiver = portA->makeReceiver();
  auto replying = replyReceiver->receive();
  EXPECT_EQ(waitFor(portB->send("pong", 4, receiver->getSource())), 4u);
  waitFor(kj::mv(replying));
  EXPECT_EQ(asString(replyReceiver->getContent().value), "pong");
  EXPECT_FALSE(replyReceiver->getContent().isTruncated);
}

TEST_F(UvAsyncIoTest, LowLevelDatagramsWithoutNetworkAreRefused) {
  UvLowLevelAsyncIo bare(io_->port());
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  EXPECT_THROW(bare.wrapDatagramSocketFd(fd, kOwned), kj::Exception);
  EXPECT_FALSE(isOpen(fd)) << "owned descriptor leaked on refusal";
}

}  // namespace
}  // namespace colony
