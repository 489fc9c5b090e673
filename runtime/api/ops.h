// The native `ops` object the built-in JavaScript (runtime/js) calls into, and the native pieces of
// request and response bodies. Never reachable from user code.
#pragma once

#include <v8.h>

#include <memory>

#include <kj/async-io.h>
#include <kj/compat/http.h>

#include "runtime/api/fetch_encoding.h"

namespace colony {
class Worker;
}

namespace colony::api {

// Builds the ops object for a worker's isolate (every op below is registered here).
v8::Local<v8::Object> makeOps(Worker& worker);

// Each area registers its ops on the object.
void installConsoleOps(Worker& worker, v8::Local<v8::Object> ops);
void installEncodingOps(Worker& worker, v8::Local<v8::Object> ops);
void installTimerOps(Worker& worker, v8::Local<v8::Object> ops);
void installBodyOps(Worker& worker, v8::Local<v8::Object> ops);
void installServiceFetchOps(Worker& worker, v8::Local<v8::Object> ops);
void installStructuredCloneOps(Worker& worker, v8::Local<v8::Object> ops);
void installNodeOps(Worker& worker, v8::Local<v8::Object> ops);
void installCryptoOps(Worker& worker, v8::Local<v8::Object> ops);
void installWebSocketOps(Worker& worker, v8::Local<v8::Object> ops);
void installCompressionOps(Worker& worker, v8::Local<v8::Object> ops);
void installTcpSocketOps(Worker& worker, v8::Local<v8::Object> ops);
void installIdnaOps(Worker& worker, v8::Local<v8::Object> ops);
// node:zlib and node:crypto engines (node_zlib.cc, node_crypto.cc), installed by installNodeOps.
void installNodeZlibOps(Worker& worker, v8::Local<v8::Object> ops);
void installNodeCryptoOps(Worker& worker, v8::Local<v8::Object> ops);
// node:crypto's X509Certificate (node_x509.cc; installed with installNodeCryptoOps).
void installX509Ops(Worker& worker, v8::Local<v8::Object> ops);

// Stops and frees the worker's pending timers (when the worker is destroyed).
void cancelAllTimers(Worker& worker);

// The handle through which built-ins call a service (a Fetcher's target, fetch()'s globalOutbound).
v8::Local<v8::Object> wrapServiceTarget(Worker& worker, kj::HttpService& service);
// The service behind such a handle, or nullptr when `value` is not one.
kj::HttpService* unwrapServiceTarget(v8::Local<v8::Value> value);

// Registers a native function as ops[name].
void setOp(Worker& worker, v8::Local<v8::Object> ops, const char* name, v8::FunctionCallback fn);

// A body stream that JS reads with ops.bodyRead(handle).
class BodyHandle {
 public:
  // A stream owned by someone else, usable until detach() (an inbound request's body).
  static std::shared_ptr<BodyHandle> borrow(kj::AsyncInputStream& stream);
  // A stream the handle owns (a service binding's response body). With `coding`, the stream
  // still holds the bytes encoded as the response's Content-Encoding says: reads decode them
  // (from the first read on), while takeStream() before any read gets them as they came.
  static std::shared_ptr<BodyHandle> own(kj::Own<kj::AsyncInputStream> stream,
                                         kj::Maybe<ContentCoding> coding = nullptr);

  // The JS object standing for the handle (keeps it alive until garbage-collected).
  static v8::Local<v8::Object> wrap(Worker& worker, std::shared_ptr<BodyHandle> handle);
  static std::shared_ptr<BodyHandle> unwrap(v8::Local<v8::Value> value);

  // Up to `max` bytes; an empty Maybe at the end of the body.
  kj::Promise<kj::Maybe<kj::Array<kj::byte>>> read(size_t max);
  // Reads straight into `out`, as kj::AsyncInputStream::tryRead (fewer than `minBytes`: the end).
  kj::Promise<size_t> readInto(kj::byte* out, size_t minBytes, size_t maxBytes);
  // How many bytes the body holds, when known and nothing has been read yet (an inbound request
  // body with a Content-Length); null once reading started or while it is still to be decoded.
  kj::Maybe<uint64_t> untouchedLength();
  // Stops reading: drops the stream, failing a pending read.
  void cancel();
  // The stream is going away (its request finished): pending and later reads fail.
  void detach();

  // For an owned body nobody has read yet: hands the stream over (still encoded, `coding` says
  // how), leaving the handle empty. Null otherwise.
  kj::Maybe<kj::Own<kj::AsyncInputStream>> takeStream(kj::Maybe<ContentCoding>& coding);
  // For an owned body nobody has read yet: two handles reading the same bytes independently
  // (each decodes on its own), leaving this one empty. Null otherwise.
  kj::Maybe<std::pair<std::shared_ptr<BodyHandle>, std::shared_ptr<BodyHandle>>> tee();

 private:
  explicit BodyHandle(kj::AsyncInputStream* stream) : stream_(stream) {}
  bool untouched() const { return owned_.get() != nullptr && !started_ && !ended_; }

  kj::Own<kj::AsyncInputStream> owned_;
  kj::AsyncInputStream* stream_;
  kj::Maybe<ContentCoding> coding_;  // set until the first read installs the decoder
  kj::Canceler canceler_;
  bool started_ = false;
  bool ended_ = false;
};

// The stream a response body handle stands for, to send: the untouched stream itself when the
// handle allows (takeStream; `coding` then says how its bytes are encoded), else a stream reading
// through the handle (decoded bytes, `coding` null).
kj::Own<kj::AsyncInputStream> takeBodyStream(std::shared_ptr<BodyHandle> handle,
                                             kj::Maybe<ContentCoding>& coding);
// Copies `in` to `out` in large chunks, to the end of `in`.
kj::Promise<void> pumpBody(kj::Own<kj::AsyncInputStream> in, kj::AsyncOutputStream& out);

// Writes a body produced by JS ({read(): Promise<Uint8Array|null>, cancel(reason)}) to `out`.
kj::Promise<void> pumpJsBody(Worker& worker, v8::Global<v8::Object> reader,
                             kj::AsyncOutputStream& out);

// A kj stream over a JS body reader, for request bodies sent through service bindings.
// `length`: how many bytes the reader will produce, when that is known.
kj::Own<kj::AsyncInputStream> newJsBodyStream(Worker& worker, v8::Global<v8::Object> reader,
                                              kj::Maybe<uint64_t> length = nullptr);

// A body with no bytes.
class EmptyInputStream final : public kj::AsyncInputStream {
 public:
  kj::Promise<size_t> tryRead(void*, size_t, size_t) override { return size_t(0); }
  kj::Maybe<uint64_t> tryGetLength() override { return uint64_t(0); }
};

// A body held in memory.
class BytesInputStream final : public kj::AsyncInputStream {
 public:
  explicit BytesInputStream(kj::Array<kj::byte> bytes) : bytes_(kj::mv(bytes)) {}
  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override;
  kj::Maybe<uint64_t> tryGetLength() override { return uint64_t(bytes_.size() - offset_); }

 private:
  kj::Array<kj::byte> bytes_;
  size_t offset_ = 0;
};

}  // namespace colony::api
