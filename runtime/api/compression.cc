// zlib streams for CompressionStream and DecompressionStream (runtime/js/compression.js).
//
//   ops.zlibNew(format, compress) -> handle       format: "gzip" | "deflate" | "deflate-raw"
//   ops.zlibPush(handle, bytes)                   hands the stream its next input (copied)
//   ops.zlibPull(handle, finish) -> Uint8Array|null
//       the next piece of output (at most kOutputChunk bytes), or null once the input given so
//       far is used up; with `finish`, the input has ended and the stream is completed
//   ops.zlibClose(handle)                         frees the zlib state early
//
// Output comes out a bounded piece at a time, so a small compressed input that inflates to a
// lot of data never has to be held in memory at once: the JS side pulls while its readable side
// wants more. Errors a user's data can cause are TypeErrors with the reference runtime's messages.
#include <zlib.h>

#include <string>
#include <memory>
#include <vector>

#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

using Info = v8::FunctionCallbackInfo<v8::Value>;

constexpr size_t kOutputChunk = 64 * 1024;

const HandleKind kZlibHandle{"zlib stream"};

struct ZlibStream {
  z_stream zs{};
  bool compress = false;
  bool open = false;   // zs holds zlib state that must be ended
  bool ended = false;  // the compressed stream is complete
  std::vector<kj::byte> input;
  size_t inputPos = 0;

  void close() {
    if (!open) return;
    if (compress) deflateEnd(&zs);
    else inflateEnd(&zs);
    open = false;
    input.clear();
    input.shrink_to_fit();
    inputPos = 0;
  }
  ~ZlibStream() { close(); }
};

ZlibStream* unwrapStream(v8::Local<v8::Value> value) {
  // The handle owns the stream through a unique_ptr: zlib's state points back at its z_stream,
  // so the stream itself never moves.
  auto* stream = unwrapHandle<std::unique_ptr<ZlibStream>>(value, kZlibHandle);
  return stream == nullptr ? nullptr : stream->get();
}

ZlibStream* streamArg(const Info& info) {
  auto* stream = unwrapStream(info[0]);
  if (stream == nullptr) js::throwTypeError(info.GetIsolate(), "not a compression stream handle");
  return stream;
}

void zlibNew(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto format = js::toStdString(isolate, info[0]);
  bool compress = info[1]->BooleanValue(isolate);
  int windowBits;
  if (format == "gzip") windowBits = 15 + 16;
  else if (format == "deflate") windowBits = 15;
  else if (format == "deflate-raw") windowBits = -15;
  else {
    return js::throwTypeError(
        isolate, "The compression format must be either 'deflate', 'deflate-raw' or 'gzip'.");
  }

  auto stream = std::make_unique<ZlibStream>();
  stream->compress = compress;
  int rc = compress ? deflateInit2(&stream->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8,
                                   Z_DEFAULT_STRATEGY)
                    : inflateInit2(&stream->zs, windowBits);
  if (rc != Z_OK) {
    return js::throwError(isolate, "zlib could not be initialised (out of memory)");
  }
  stream->open = true;

  auto& worker = Worker::from(isolate);
  info.GetReturnValue().Set(wrapHandle(worker, kZlibHandle, std::move(stream)));
}

void zlibPush(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto* stream = streamArg(info);
  if (stream == nullptr) return;
  if (!stream->open) return js::throwTypeError(isolate, "the compression stream is closed");
  auto bytes = js::bytesOf(info[1]);
  if (bytes.size() == 0) return;
  if (stream->ended) {
    return js::throwTypeError(isolate, "Trailing bytes after end of compressed data");
  }
  // The previous input is always used up before more is pushed (the JS side pulls until null).
  stream->input.erase(stream->input.begin(), stream->input.begin() + stream->inputPos);
  stream->inputPos = 0;
  stream->input.insert(stream->input.end(), bytes.begin(), bytes.end());
}

void zlibPull(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto* stream = streamArg(info);
  if (stream == nullptr) return;
  bool finish = info[1]->BooleanValue(isolate);
  if (!stream->open) return js::throwTypeError(isolate, "the compression stream is closed");

  auto& zs = stream->zs;
  size_t available = stream->input.size() - stream->inputPos;
  if (stream->ended) {
    if (!stream->compress && available > 0) {
      return js::throwTypeError(isolate, "Trailing bytes after end of compressed data");
    }
    info.GetReturnValue().SetNull();
    return;
  }

  std::vector<kj::byte> out(kOutputChunk);
  zs.next_in = stream->input.data() + stream->inputPos;
  zs.avail_in = static_cast<uInt>(available);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  bool failed = false;
  while (zs.avail_out > 0) {
    int rc = stream->compress ? deflate(&zs, finish ? Z_FINISH : Z_NO_FLUSH)
                              : inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      stream->ended = true;
      break;
    }
    if (rc == Z_BUF_ERROR) break;  // no progress possible without more input or output space
    if (rc != Z_OK) {
      failed = true;
      break;
    }
  }
  stream->inputPos = stream->input.size() - zs.avail_in;
  if (stream->inputPos == stream->input.size()) {
    stream->input.clear();
    stream->inputPos = 0;
  }
  size_t produced = out.size() - zs.avail_out;

  if (failed) {
    stream->close();
    return js::throwTypeError(isolate, stream->compress ? "Compression failed." : "Decompression failed.");
  }
  if (stream->ended && !stream->compress && stream->inputPos < stream->input.size()) {
    stream->close();
    return js::throwTypeError(isolate, "Trailing bytes after end of compressed data");
  }
  if (produced > 0) {
    info.GetReturnValue().Set(js::newBytes(isolate, kj::arrayPtr(out.data(), produced)));
    return;
  }
  if (finish && !stream->ended) {
    // Only a decompressor can get here: Z_FINISH always completes a compressor's stream.
    stream->close();
    return js::throwTypeError(isolate, "Called close() on a decompression stream with incomplete data");
  }
  info.GetReturnValue().SetNull();
}

void zlibClose(const Info& info) {
  auto* stream = unwrapStream(info[0]);
  if (stream != nullptr) stream->close();
}

}  // namespace

void installCompressionOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "zlibNew", &zlibNew);
  setOp(worker, ops, "zlibPush", &zlibPush);
  setOp(worker, ops, "zlibPull", &zlibPull);
  setOp(worker, ops, "zlibClose", &zlibClose);
}

}  // namespace colony::api
