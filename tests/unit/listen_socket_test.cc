#include "runtime/http/listen_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace colony::http {
namespace {

std::string errorOf(std::string_view address) {
  try {
    parseListenAddress(address);
  } catch (const ListenSocketError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseListenAddress, AcceptsTheConfigForms) {
  auto any = parseListenAddress("*:8080");
  EXPECT_EQ(any.kind, ListenAddress::Kind::kTcp);
  EXPECT_EQ(any.host, "*");
  EXPECT_EQ(any.port, 8080);

  auto named = parseListenAddress("localhost:0");
  EXPECT_EQ(named.host, "localhost");
  EXPECT_EQ(named.port, 0);

  auto v6 = parseListenAddress("[::1]:443");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 443);

  auto unix = parseListenAddress("unix:/run/app.sock");
  EXPECT_EQ(unix.kind, ListenAddress::Kind::kUnix);
  EXPECT_EQ(unix.path, "/run/app.sock");

  auto abstract = parseListenAddress("unix-abstract:colony");
  EXPECT_EQ(abstract.kind, ListenAddress::Kind::kUnixAbstract);
  EXPECT_EQ(abstract.path, "colony");
}

TEST(ParseListenAddress, ErrorsNameTheAddressAndTheProblem) {
  EXPECT_NE(errorOf("localhost").find("\"localhost\""), std::string::npos);
  EXPECT_NE(errorOf("localhost").find("missing port"), std::string::npos);
  EXPECT_NE(errorOf("localhost:").find("missing port"), std::string::npos);
  EXPECT_NE(errorOf("*:http").find("invalid port"), std::string::npos);
  EXPECT_NE(errorOf("*:70000").find("invalid port"), std::string::npos);
  EXPECT_NE(errorOf(":80").find("missing host"), std::string::npos);
  EXPECT_NE(errorOf("[::1]").find("missing port"), std::string::npos);
  EXPECT_NE(errorOf("[::1:80").find("']'"), std::string::npos);
  EXPECT_NE(errorOf("[nothost]:80").find("not an IPv6 address"), std::string::npos);
  EXPECT_NE(errorOf("::1:80").find("brackets"), std::string::npos);
  EXPECT_NE(errorOf("unix:").find("missing socket path"), std::string::npos);
  EXPECT_NE(errorOf("").find("empty address"), std::string::npos);
}

TEST(OpenListenSocket, TcpOnLoopbackWithAnEphemeralPort) {
  int fd = openListenSocket("127.0.0.1:0");
  ASSERT_GE(fd, 0);
  uint16_t port = boundPort(fd);
  EXPECT_NE(port, 0);
  EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  int reuse = 0;
  socklen_t length = sizeof(reuse);
  getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &length);
  EXPECT_NE(reuse, 0);
  int accepting = 0;
  length = sizeof(accepting);
  getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length);
  EXPECT_NE(accepting, 0);

  // A second socket on the same port fails, naming the address and the OS error.
  std::string address = "127.0.0.1:" + std::to_string(port);
  try {
    close(openListenSocket(address));
    FAIL() << "expected the port to be busy";
  } catch (const ListenSocketError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(address), std::string::npos) << message;
    EXPECT_NE(message.find("Address already in use"), std::string::npos) << message;
  }
  close(fd);
}

TEST(OpenListenSocket, EveryInterfaceAndNames) {
  int any = openListenSocket("*:0");
  EXPECT_NE(boundPort(any), 0);
  close(any);
  int named = openListenSocket("localhost:0");
  EXPECT_NE(boundPort(named), 0);
  close(named);
}

TEST(OpenListenSocket, UnresolvableHostIsAnError) {
  try {
    close(openListenSocket("no-such-host.invalid:80"));
    FAIL() << "expected a resolution error";
  } catch (const ListenSocketError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-host.invalid"), std::string::npos) << e.what();
  }
}

TEST(OpenListenSocket, UnixSocketReplacesAStaleFileButNotALiveListener) {
  std::string path = "/tmp/colony-listen-test-" + std::to_string(getpid()) + ".sock";
  unlink(path.c_str());
  int first = openListenSocket("unix:" + path);
  EXPECT_EQ(boundPort(first), 0);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));

  // Still listening: refused.
  EXPECT_THROW(openListenSocket("unix:" + path), ListenSocketError);

  // The listener died without removing its file: the file is stale and replaced.
  close(first);
  int second = openListenSocket("unix:" + path);
  EXPECT_GE(second, 0);
  close(second);
  unlink(path.c_str());
}

TEST(OpenListenSocket, UnixPathThatIsARegularFileIsNotRemoved) {
  std::string path = "/tmp/colony-listen-test-file-" + std::to_string(getpid());
  int file = open(path.c_str(), O_CREAT | O_WRONLY, 0600);
  close(file);
  EXPECT_THROW(openListenSocket("unix:" + path), ListenSocketError);
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0);
  unlink(path.c_str());
}

TEST(BoundPort, FailsOnANonSocket) {
  EXPECT_THROW(boundPort(-1), ListenSocketError);
}

}  // namespace
}  // namespace colony::http
