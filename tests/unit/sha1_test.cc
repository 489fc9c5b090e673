#include "runtime/http/sha1.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <string>

namespace {

std::string hex(const std::array<uint8_t, 20>& digest) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

TEST(Sha1, PublishedVectors) {
  // FIPS 180 / RFC 3174 examples.
  EXPECT_EQ(hex(colony::http::sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex(colony::http::sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(colony::http::sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(hex(colony::http::sha1(std::string(1000000, 'a'))),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, MatchesOpenSslAcrossBlockBoundaries) {
  // Every length from 0 to 200 bytes: one and two padding blocks, whole blocks.
  std::string data;
  for (int n = 0; n <= 200; ++n) {
    std::array<uint8_t, 20> expected;
    SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), expected.data());
    EXPECT_EQ(hex(colony::http::sha1(data)), hex(expected)) << "length " << n;
    data += static_cast<char>(n * 37 + 11);
  }
}

TEST(Sha1, WebSocketAcceptKey) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(colony::http::webSocketAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

}  // namespace
