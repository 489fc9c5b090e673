#include "runtime/api/fetch_encoding.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <kj/debug.h>

namespace colony::api {

namespace {

constexpr size_t kBufferSize = 16 * 1024;

kj::StringPtr codingName(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::GZIP: return "gzip";
    case ContentCoding::BROTLI: return "br";
  }
  KJ_UNREACHABLE;
}

kj::Exception corrupt(ContentCoding coding, kj::StringPtr detail) {
  return KJ_EXCEPTION(FAILED, kj::str("the response body is not valid ", codingName(coding),
                                      " data (it came with Content-Encoding: ", codingName(coding),
                                      "): ", detail));
}

// One step of a streaming transform: consumes from `in`, produces into `out`, advancing both.
class Decoder {
 public:
  virtual ~Decoder() noexcept(false) = default;
  // True once the compressed stream is complete.
  virtual bool run(const kj::byte*& in, size_t& inLen, kj::byte*& out, size_t& outLen) = 0;
};

class ZlibDecoder final : public Decoder {
 public:
  ZlibDecoder() = default;
  ~ZlibDecoder() noexcept(false) {
    if (started_) inflateEnd(&z_);
  }

  bool run(const kj::byte*& in, size_t& inLen, kj::byte*& out, size_t& outLen) override {
    if (!started_) {
      KJ_ASSERT(inflateInit2(&z_, 15 + 16) == Z_OK);  // gzip framing
      started_ = true;
    }
    z_.next_in = const_cast<kj::byte*>(in);
    z_.avail_in = inLen;
    z_.next_out = out;
    z_.avail_out = outLen;
    int rc = inflate(&z_, Z_NO_FLUSH);
    in += inLen - z_.avail_in;
    inLen = z_.avail_in;
    out += outLen - z_.avail_out;
    outLen = z_.avail_out;
    if (rc == Z_STREAM_END) return true;
    if (rc == Z_OK || rc == Z_BUF_ERROR) return false;
    throw corrupt(ContentCoding::GZIP, z_.msg != nullptr ? kj::StringPtr(z_.msg) : "corrupt data"_kj);
  }

 private:
  z_stream z_{};
  bool started_ = false;
};

class BrotliDecoder final : public Decoder {
 public:
  BrotliDecoder() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {
    KJ_ASSERT(state_ != nullptr);
  }
  ~BrotliDecoder() noexcept(false) { BrotliDecoderDestroyInstance(state_); }

  bool run(const kj::byte*& in, size_t& inLen, kj::byte*& out, size_t& outLen) override {
    auto rc = BrotliDecoderDecompressStream(state_, &inLen, &in, &outLen, &out, nullptr);
    if (rc == BROTLI_DECODER_RESULT_SUCCESS) return true;
    if (rc == BROTLI_DECODER_RESULT_ERROR) {
      throw corrupt(ContentCoding::BROTLI,
                    BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state_)));
    }
    return false;
  }

 private:
  BrotliDecoderState* state_;
};

class DecodingInputStream final : public kj::AsyncInputStream {
 public:
  DecodingInputStream(kj::Own<kj::AsyncInputStream> inner, ContentCoding coding)
      : inner_(kj::mv(inner)), coding_(coding), buffer_(kj::heapArray<kj::byte>(kBufferSize)) {
    if (coding == ContentCoding::BROTLI) {
      decoder_ = kj::heap<BrotliDecoder>();
    } else {
      decoder_ = kj::heap<ZlibDecoder>();
    }
  }

  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override {
    return readLoop(static_cast<kj::byte*>(buffer), minBytes, maxBytes, 0);
  }

 private:
  kj::Promise<size_t> readLoop(kj::byte* buffer, size_t minBytes, size_t maxBytes, size_t done) {
    for (;;) {
      if (finished_ || done == maxBytes) return done;
      kj::byte* out = buffer + done;
      size_t outLen = maxBytes - done;
      size_t inBefore = inLen_;
      bool complete = decoder_->run(inPtr_, inLen_, out, outLen);
      size_t produced = (maxBytes - done) - outLen;
      done += produced;
      if (complete) {
        // Anything after the end of the compressed data is ignored.
        finished_ = true;
        return done;
      }
      if (done >= minBytes && done > 0) return done;
      if (inLen_ > 0) {
        if (produced == 0 && inLen_ == inBefore) throw corrupt(coding_, "the decoder stalled");
        continue;
      }
      if (innerEnded_) {
        // An empty body (a HEAD response, a 204) carries no compressed stream at all.
        if (!sawInput_) return done;
        throw corrupt(coding_, "the data ended before the compressed stream did");
      }
      break;
    }
    return inner_->tryRead(buffer_.begin(), 1, buffer_.size())
        .then([this, buffer, minBytes, maxBytes, done](size_t n) {
          if (n == 0) innerEnded_ = true;
          if (n > 0) sawInput_ = true;
          inPtr_ = buffer_.begin();
          inLen_ = n;
          return readLoop(buffer, minBytes, maxBytes, done);
        });
  }

  kj::Own<kj::AsyncInputStream> inner_;
  ContentCoding coding_;
  kj::Own<Decoder> decoder_;
  kj::Array<kj::byte> buffer_;
  const kj::byte* inPtr_ = nullptr;
  size_t inLen_ = 0;
  bool innerEnded_ = false;
  bool sawInput_ = false;
  bool finished_ = false;
};

// --- encoding --------------------------------------------------------------------------------

class Encoder {
 public:
  virtual ~Encoder() noexcept(false) = default;
  // Consumes input and produces output; with `finish` ends the stream, otherwise flushes what was
  // given so the peer can decode it now. True when the operation is complete.
  virtual bool run(const kj::byte*& in, size_t& inLen, kj::byte*& out, size_t& outLen,
                   bool finish) = 0;
};

class GzipEncoder final : public Encoder {
 public:
  GzipEncoder() {
    KJ_ASSERT(deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                           Z_DEFAULT_STRATEGY) == Z_OK);
  }
  ~GzipEncoder() noexcept(false) { deflateEnd(&z_); }

  bool run(const kj::byte*& in, size_t& inLen, kj::byte*& out, size_t& outLen,
           bool finish) override {
    z_.next_in = const_cast<kj::byte*>(in);
    z_.avail_in = inLen;
    z_.next_out = out;
    z_.avail_out = outLen;
    int rc = deflate(&z_, finish ? Z_FINISH : Z_SYNC_FLUSH);
    KJ_ASSERT(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR, rc);
    in += inLen - z_.avail_in;
    inLen = z_.avail_in;
    out += outLen - z_.avail_out;
    outLen = z_.avail_out;
    if (finish) return rc == Z_STREAM_END;
    return inLen == 0 && outLen > 0;
  }

 private:
  z_stream z_{};
};

class BrotliEncoder final : public Encoder {
 public:
  BrotliEncoder() : state_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    KJ_ASSERT(state_ != nullptr);
    // Quality 11 (the default) is meant for static assets compressed once; responses are
    // compressed as they are sent.
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, 5);
  }
  ~BrotliEncoder() noexcept(false) { BrotliEncoderDestroyInstance(state_); }

  bool run(const kj::byte*& in, size_t& inLen, kj::byte*& out, size_t& outLen,
           bool finish) override {
    KJ_ASSERT(BrotliEncoderCompressStream(
        state_, finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_FLUSH, &inLen, &in, &outLen,
        &out, nullptr));
    if (finish) return BrotliEncoderIsFinished(state_);
    return inLen == 0 && !BrotliEncoderHasMoreOutput(state_);
  }

 private:
  BrotliEncoderState* state_;
};

class EncodingStreamImpl final : public EncodingOutputStream {
 public:
  EncodingStreamImpl(kj::AsyncOutputStream& inner, ContentCoding coding)
      : inner_(inner), buffer_(kj::heapArray<kj::byte>(kBufferSize)) {
    if (coding == ContentCoding::BROTLI) {
      encoder_ = kj::heap<BrotliEncoder>();
    } else {
      encoder_ = kj::heap<GzipEncoder>();
    }
  }

  kj::Promise<void> write(const void* buffer, size_t size) override {
    KJ_REQUIRE(!ended_, "write after end()");
    if (size == 0) return kj::READY_NOW;
    return step(static_cast<const kj::byte*>(buffer), size, false);
  }

  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    if (pieces.size() == 0) return kj::READY_NOW;
    return write(pieces[0].begin(), pieces[0].size()).then([this, pieces]() {
      return write(pieces.slice(1, pieces.size()));
    });
  }

  kj::Promise<void> whenWriteDisconnected() override { return inner_.whenWriteDisconnected(); }

  kj::Promise<void> end() override {
    KJ_REQUIRE(!ended_, "end() called twice");
    ended_ = true;
    return step(nullptr, 0, true);
  }

 private:
  kj::Promise<void> step(const kj::byte* in, size_t inLen, bool finish) {
    kj::byte* out = buffer_.begin();
    size_t outLen = buffer_.size();
    bool complete = encoder_->run(in, inLen, out, outLen, finish);
    size_t produced = buffer_.size() - outLen;
    auto next = [this, in, inLen, finish, complete]() -> kj::Promise<void> {
      if (complete) return kj::READY_NOW;
      return step(in, inLen, finish);
    };
    if (produced == 0) return next();
    return inner_.write(buffer_.begin(), produced).then(kj::mv(next));
  }

  kj::AsyncOutputStream& inner_;
  kj::Own<Encoder> encoder_;
  kj::Array<kj::byte> buffer_;
  bool ended_ = false;
};

bool equalsIgnoreCase(kj::StringPtr a, kj::StringPtr b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
    if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
    if (x != y) return false;
  }
  return true;
}

}  // namespace

kj::Maybe<ContentCoding> parseContentCoding(kj::StringPtr value, bool brotli) {
  size_t begin = 0, end = value.size();
  while (begin < end && (value[begin] == ' ' || value[begin] == '\t')) ++begin;
  while (end > begin && (value[end - 1] == ' ' || value[end - 1] == '\t')) --end;
  auto token = kj::str(value.slice(begin, end));
  if (equalsIgnoreCase(token, "gzip") || equalsIgnoreCase(token, "x-gzip")) {
    return ContentCoding::GZIP;
  }
  if (brotli && equalsIgnoreCase(token, "br")) return ContentCoding::BROTLI;
  return nullptr;
}

kj::Own<kj::AsyncInputStream> newDecodingStream(kj::Own<kj::AsyncInputStream> inner,
                                                ContentCoding coding) {
  return kj::heap<DecodingInputStream>(kj::mv(inner), coding);
}

kj::Own<EncodingOutputStream> newEncodingStream(kj::AsyncOutputStream& inner,
                                                ContentCoding coding) {
  return kj::heap<EncodingStreamImpl>(inner, coding);
}

}  // namespace colony::api
