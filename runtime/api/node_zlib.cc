// Native side of node:zlib (runtime/js/node_zlib.js): zlib and brotli engines with every option
// Node's zlib exposes, driven a whole input at a time.
//
//   ops.nodeZlibNew(mode, level, windowBits, memLevel, strategy, dictionary) -> handle
//       mode is Node's zlib.constants mode (DEFLATE 1 … UNZIP 7, BROTLI_DECODE 8, BROTLI_ENCODE 9);
//       for brotli modes `level` is an array of [param, value] pairs instead
//   ops.nodeZlibWrite(handle, bytes, flush) -> Uint8Array[] | {errno, code, message}
//       feeds all of `bytes` with the given flush flag and returns every output piece produced
//   ops.nodeZlibParams(handle, level, strategy)  ops.nodeZlibReset(handle)  ops.nodeZlibClose(handle)
//   ops.nodeCrc32(bytes, initial) -> number
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

using Info = v8::FunctionCallbackInfo<v8::Value>;

enum Mode { kNone = 0, kDeflate, kInflate, kGzip, kGunzip, kDeflateRaw, kInflateRaw, kUnzip,
            kBrotliDecode, kBrotliEncode };

constexpr size_t kChunk = 64 * 1024;

const HandleKind kNodeZlibHandle{"node zlib engine"};

struct Engine {
  Mode mode = kNone;
  bool open = false;
  z_stream zs{};
  int level = Z_DEFAULT_COMPRESSION, windowBits = 15, memLevel = 8, strategy = Z_DEFAULT_STRATEGY;
  std::vector<unsigned char> dictionary;
  BrotliEncoderState* enc = nullptr;
  BrotliDecoderState* dec = nullptr;
  bool ended = false;  // an inflater reached the end of its stream
  bool gzipHeaderSeen = false;

  bool isZlib() const { return mode >= kDeflate && mode <= kUnzip; }
  bool compressing() const { return mode == kDeflate || mode == kGzip || mode == kDeflateRaw; }

  int initZlib() {
    zs = z_stream{};
    int wb = windowBits;
    if (mode == kGzip || mode == kGunzip) wb += 16;
    else if (mode == kUnzip) wb += 32;
    else if (mode == kDeflateRaw || mode == kInflateRaw) wb = -wb;
    int rc = compressing() ? deflateInit2(&zs, level, Z_DEFLATED, wb, memLevel, strategy)
                           : inflateInit2(&zs, wb);
    if (rc != Z_OK) return rc;
    open = true;
    ended = false;
    if (!dictionary.empty()) {
      if (compressing()) {
        rc = deflateSetDictionary(&zs, dictionary.data(), static_cast<uInt>(dictionary.size()));
      } else if (mode == kInflateRaw) {
        rc = inflateSetDictionary(&zs, dictionary.data(), static_cast<uInt>(dictionary.size()));
      }
    }
    return rc;
  }

  void close() {
    if (isZlib() && open) {
      if (compressing()) deflateEnd(&zs); else inflateEnd(&zs);
    }
    open = false;
    if (enc != nullptr) { BrotliEncoderDestroyInstance(enc); enc = nullptr; }
    if (dec != nullptr) { BrotliDecoderDestroyInstance(dec); dec = nullptr; }
  }
  ~Engine() { close(); }
};

Engine* engineArg(const Info& info) {
  auto* holder = unwrapHandle<std::unique_ptr<Engine>>(info[0], kNodeZlibHandle);
  if (holder == nullptr) {
    js::throwTypeError(info.GetIsolate(), "not a zlib engine handle");
    return nullptr;
  }
  return holder->get();
}

const char* zlibCode(int rc) {
  switch (rc) {
    case Z_NEED_DICT: return "Z_NEED_DICT";
    case Z_ERRNO: return "Z_ERRNO";
    case Z_STREAM_ERROR: return "Z_STREAM_ERROR";
    case Z_DATA_ERROR: return "Z_DATA_ERROR";
    case Z_MEM_ERROR: return "Z_MEM_ERROR";
    case Z_BUF_ERROR: return "Z_BUF_ERROR";
    case Z_VERSION_ERROR: return "Z_VERSION_ERROR";
    default: return "Z_UNKNOWN";
  }
}

v8::Local<v8::Object> errorObject(v8::Isolate* isolate, int errnum, const std::string& code,
                                  const std::string& message) {
  auto context = isolate->GetCurrentContext();
  auto obj = v8::Object::New(isolate);
  (void)obj->Set(context, js::str(isolate, "errno"), v8::Integer::New(isolate, errnum));
  (void)obj->Set(context, js::str(isolate, "code"), js::str(isolate, code));
  (void)obj->Set(context, js::str(isolate, "message"), js::str(isolate, message));
  return obj;
}

bool applyBrotliParams(v8::Isolate* isolate, Engine& e, v8::Local<v8::Value> params) {
  if (!params->IsArray()) return true;
  auto context = isolate->GetCurrentContext();
  auto arr = params.As<v8::Array>();
  for (uint32_t i = 0; i < arr->Length(); i++) {
    auto pair = arr->Get(context, i).ToLocalChecked();
    if (!pair->IsArray()) continue;
    auto p = pair.As<v8::Array>();
    uint32_t key = p->Get(context, 0).ToLocalChecked()->Uint32Value(context).FromMaybe(0);
    uint32_t value = p->Get(context, 1).ToLocalChecked()->Uint32Value(context).FromMaybe(0);
    bool ok = e.enc != nullptr
        ? BrotliEncoderSetParameter(e.enc, static_cast<BrotliEncoderParameter>(key), value)
        : BrotliDecoderSetParameter(e.dec, static_cast<BrotliDecoderParameter>(key), value);
    if (!ok) return false;
  }
  return true;
}

void nodeZlibNew(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  int mode = info[0]->Int32Value(context).FromMaybe(0);
  if (mode < kDeflate || mode > kBrotliEncode) return js::throwTypeError(isolate, "bad zlib mode");
  auto e = std::make_unique<Engine>();
  e->mode = static_cast<Mode>(mode);
  if (e->isZlib()) {
    e->level = info[1]->Int32Value(context).FromMaybe(Z_DEFAULT_COMPRESSION);
    e->windowBits = info[2]->Int32Value(context).FromMaybe(15);
    e->memLevel = info[3]->Int32Value(context).FromMaybe(8);
    e->strategy = info[4]->Int32Value(context).FromMaybe(Z_DEFAULT_STRATEGY);
    if (info[5]->IsArrayBufferView() || info[5]->IsArrayBuffer()) {
      auto d = js::bytesOf(info[5]);
      e->dictionary.assign(d.begin(), d.end());
    }
    // zlib refuses windowBits 8 for raw deflate and gzip; Node raises it to 9 the same way.
    if (e->windowBits == 8 && e->compressing()) e->windowBits = 9;
    int rc = e->initZlib();
    if (rc != Z_OK) {
      e->close();
      return js::throwError(isolate, rc == Z_MEM_ERROR ? "zlib: out of memory" : "Init error");
    }
  } else if (e->mode == kBrotliEncode) {
    e->enc = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    if (e->enc == nullptr || !applyBrotliParams(isolate, *e, info[1])) {
      return js::throwError(isolate, "Initialization failed");
    }
  } else {
    e->dec = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (e->dec == nullptr || !applyBrotliParams(isolate, *e, info[1])) {
      return js::throwError(isolate, "Initialization failed");
    }
  }
  auto& worker = Worker::from(isolate);
  info.GetReturnValue().Set(wrapHandle(worker, kNodeZlibHandle, std::move(e)));
}

void pushOut(v8::Isolate* isolate, v8::Local<v8::Array> out, const unsigned char* data, size_t n) {
  if (n == 0) return;
  (void)out->Set(isolate->GetCurrentContext(), out->Length(),
                 js::newBytes(isolate, kj::arrayPtr(data, n)));
}

void writeZlib(const Info& info, Engine& e, kj::ArrayPtr<kj::byte> input, int flush) {
  auto* isolate = info.GetIsolate();
  auto out = v8::Array::New(isolate);
  std::vector<unsigned char> buf(kChunk);
  auto& zs = e.zs;
  zs.next_in = input.size() ? input.begin() : nullptr;
  zs.avail_in = static_cast<uInt>(input.size());
  while (true) {
    if (e.ended) {
      // Gzip allows several members back to back; anything else after the end is ignored.
      if ((e.mode == kGunzip || e.mode == kUnzip) && zs.avail_in >= 2 && zs.next_in[0] == 0x1f &&
          zs.next_in[1] == 0x8b) {
        inflateReset(&zs);
        e.ended = false;
      } else {
        break;
      }
    }
    zs.next_out = buf.data();
    zs.avail_out = static_cast<uInt>(buf.size());
    // An inflater is never asked to finish: whether its input was complete is checked below.
    int zflush = e.compressing() ? flush : (flush == Z_FINISH ? Z_NO_FLUSH : flush);
    int rc = e.compressing() ? deflate(&zs, zflush) : inflate(&zs, zflush);
    if (rc == Z_NEED_DICT && !e.dictionary.empty() && !e.compressing()) {
      rc = inflateSetDictionary(&zs, e.dictionary.data(), static_cast<uInt>(e.dictionary.size()));
      if (rc != Z_OK) {
        info.GetReturnValue().Set(errorObject(isolate, Z_NEED_DICT, "Z_NEED_DICT", "Bad dictionary"));
        return;
      }
      rc = inflate(&zs, zflush);
    }
    pushOut(isolate, out, buf.data(), buf.size() - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (e.compressing()) break;
      e.ended = true;
      continue;
    }
    if (rc == Z_NEED_DICT) {
      info.GetReturnValue().Set(errorObject(isolate, Z_NEED_DICT, "Z_NEED_DICT",
                                            e.dictionary.empty() ? "Missing dictionary" : "Bad dictionary"));
      return;
    }
    if (rc == Z_BUF_ERROR) break;  // no progress possible: input used up
    if (rc != Z_OK) {
      std::string message = zs.msg != nullptr ? zs.msg : "zlib error";
      info.GetReturnValue().Set(errorObject(isolate, rc, zlibCode(rc), message));
      return;
    }
    if (zs.avail_out != 0 && zs.avail_in == 0 && !(flush == Z_FINISH && e.compressing())) break;
  }
  if (flush == Z_FINISH && !e.compressing() && !e.ended) {
    info.GetReturnValue().Set(errorObject(isolate, Z_BUF_ERROR, "Z_BUF_ERROR", "unexpected end of file"));
    return;
  }
  info.GetReturnValue().Set(out);
}

void writeBrotli(const Info& info, Engine& e, kj::ArrayPtr<kj::byte> input, int flush) {
  auto* isolate = info.GetIsolate();
  auto out = v8::Array::New(isolate);
  std::vector<unsigned char> buf(kChunk);
  const uint8_t* next_in = input.begin();
  size_t avail_in = input.size();
  if (e.enc != nullptr) {
    auto op = static_cast<BrotliEncoderOperation>(flush);
    while (true) {
      uint8_t* next_out = buf.data();
      size_t avail_out = buf.size();
      if (!BrotliEncoderCompressStream(e.enc, op, &avail_in, &next_in, &avail_out, &next_out, nullptr)) {
        info.GetReturnValue().Set(errorObject(isolate, -1, "ERR_BROTLI_COMPRESSION_FAILED", "Compression failed"));
        return;
      }
      pushOut(isolate, out, buf.data(), buf.size() - avail_out);
      if (avail_in == 0 && !BrotliEncoderHasMoreOutput(e.enc) &&
          (op != BROTLI_OPERATION_FINISH || BrotliEncoderIsFinished(e.enc))) {
        break;
      }
    }
  } else {
    while (true) {
      uint8_t* next_out = buf.data();
      size_t avail_out = buf.size();
      auto rc = BrotliDecoderDecompressStream(e.dec, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      pushOut(isolate, out, buf.data(), buf.size() - avail_out);
      if (rc == BROTLI_DECODER_RESULT_ERROR) {
        auto code = BrotliDecoderGetErrorCode(e.dec);
        info.GetReturnValue().Set(errorObject(isolate, static_cast<int>(code),
                                              std::string("ERR_") + BrotliDecoderErrorString(code),
                                              "Decompression failed"));
        return;
      }
      if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) continue;
      if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT && flush == BROTLI_OPERATION_FINISH) {
        info.GetReturnValue().Set(errorObject(isolate, -5, "Z_BUF_ERROR", "unexpected end of file"));
        return;
      }
      break;  // needs more input, or done
    }
  }
  info.GetReturnValue().Set(out);
}

void nodeZlibWrite(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto* e = engineArg(info);
  if (e == nullptr) return;
  if (e->isZlib() ? !e->open : (e->enc == nullptr && e->dec == nullptr)) {
    return js::throwError(isolate, "zlib binding closed");
  }
  auto input = js::bytesOf(info[1]);
  int flush = info[2]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
  if (e->isZlib()) writeZlib(info, *e, input, flush);
  else writeBrotli(info, *e, input, flush);
}

void nodeZlibParams(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto* e = engineArg(info);
  if (e == nullptr) return;
  if (!e->isZlib() || !e->compressing() || !e->open) return;
  auto context = isolate->GetCurrentContext();
  int level = info[1]->Int32Value(context).FromMaybe(e->level);
  int strategy = info[2]->Int32Value(context).FromMaybe(e->strategy);
  int rc = deflateParams(&e->zs, level, strategy);
  if (rc != Z_OK && rc != Z_BUF_ERROR) return js::throwError(isolate, "Failed to set parameters");
  e->level = level;
  e->strategy = strategy;
}

void nodeZlibReset(const Info& info) {
  auto* isolate = info.GetIsolate();
  auto* e = engineArg(info);
  if (e == nullptr) return;
  if (e->isZlib()) {
    e->close();
    if (e->initZlib() != Z_OK) return js::throwError(isolate, "Failed to reset stream");
  } else if (e->enc != nullptr) {
    BrotliEncoderDestroyInstance(e->enc);
    e->enc = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
  } else if (e->dec != nullptr) {
    BrotliDecoderDestroyInstance(e->dec);
    e->dec = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  }
}

void nodeZlibClose(const Info& info) {
  auto* holder = unwrapHandle<std::unique_ptr<Engine>>(info[0], kNodeZlibHandle);
  if (holder != nullptr) (*holder)->close();
}

void nodeCrc32(const Info& info) {
  auto context = info.GetIsolate()->GetCurrentContext();
  auto bytes = js::bytesOf(info[0]);
  uint32_t initial = info[1]->Uint32Value(context).FromMaybe(0);
  uLong crc = crc32(initial, bytes.begin(), static_cast<uInt>(bytes.size()));
  info.GetReturnValue().Set(v8::Integer::NewFromUnsigned(info.GetIsolate(), static_cast<uint32_t>(crc)));
}

}  // namespace

void installNodeZlibOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "nodeZlibNew", &nodeZlibNew);
  setOp(worker, ops, "nodeZlibWrite", &nodeZlibWrite);
  setOp(worker, ops, "nodeZlibParams", &nodeZlibParams);
  setOp(worker, ops, "nodeZlibReset", &nodeZlibReset);
  setOp(worker, ops, "nodeZlibClose", &nodeZlibClose);
  setOp(worker, ops, "nodeCrc32", &nodeCrc32);
}

}  // namespace colony::api
