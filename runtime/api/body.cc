// Bodies crossing between JS and native streams: ops.bodyRead / ops.bodyCancel over a kj stream,
// and kj streams over a JS body reader.
#include <kj/debug.h>

#include <cstring>

#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

constexpr size_t kReadChunk = 64 * 1024;

const HandleKind kBodyHandle{"body"};

void bodyRead(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto handle = BodyHandle::unwrap(info[0]);
  if (handle == nullptr) return js::throwTypeError(isolate, "not a body handle");
  auto read = handle->read(kReadChunk).attach(std::shared_ptr<BodyHandle>(handle));
  info.GetReturnValue().Set(worker.toJsPromise(
      kj::mv(read), [&worker](kj::Maybe<kj::Array<kj::byte>>&& chunk) -> v8::Local<v8::Value> {
        KJ_IF_MAYBE(bytes, chunk) { return js::newBytes(worker.isolate(), *bytes); }
        return v8::Null(worker.isolate());
      }));
}

void bodyCancel(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto handle = BodyHandle::unwrap(info[0]);
  if (handle != nullptr) handle->cancel();
}

// ops.bodyTee(handle): [handle, handle] over the same bytes, or null when the body cannot be
// split natively (it is borrowed or reading has started); the caller then tees a stream.
void bodyTee(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto handle = BodyHandle::unwrap(info[0]);
  if (handle == nullptr) return js::throwTypeError(isolate, "not a body handle");
  KJ_IF_MAYBE(pair, handle->tee()) {
    v8::Local<v8::Value> both[] = {BodyHandle::wrap(worker, kj::mv(pair->first)),
                                   BodyHandle::wrap(worker, kj::mv(pair->second))};
    info.GetReturnValue().Set(v8::Array::New(isolate, both, 2));
  } else {
    info.GetReturnValue().SetNull();
  }
}

}  // namespace

std::shared_ptr<BodyHandle> BodyHandle::borrow(kj::AsyncInputStream& stream) {
  return std::shared_ptr<BodyHandle>(new BodyHandle(&stream));
}

std::shared_ptr<BodyHandle> BodyHandle::own(kj::Own<kj::AsyncInputStream> stream,
                                             kj::Maybe<ContentCoding> coding) {
  auto* raw = stream.get();
  auto handle = std::shared_ptr<BodyHandle>(new BodyHandle(raw));
  handle->owned_ = kj::mv(stream);
  handle->coding_ = coding;
  return handle;
}

kj::Maybe<kj::Own<kj::AsyncInputStream>> BodyHandle::takeStream(kj::Maybe<ContentCoding>& coding) {
  if (!untouched()) return nullptr;
  coding = coding_;
  coding_ = nullptr;
  stream_ = nullptr;
  return kj::mv(owned_);
}

kj::Maybe<std::pair<std::shared_ptr<BodyHandle>, std::shared_ptr<BodyHandle>>> BodyHandle::tee() {
  if (!untouched()) return nullptr;
  auto branches = kj::newTee(kj::mv(owned_));
  stream_ = nullptr;
  auto first = own(kj::mv(branches.branches[0]), coding_);
  auto second = own(kj::mv(branches.branches[1]), coding_);
  coding_ = nullptr;
  return std::make_pair(kj::mv(first), kj::mv(second));
}

v8::Local<v8::Object> BodyHandle::wrap(Worker& worker, std::shared_ptr<BodyHandle> handle) {
  return wrapHandle(worker, kBodyHandle, kj::mv(handle));
}

std::shared_ptr<BodyHandle> BodyHandle::unwrap(v8::Local<v8::Value> value) {
  auto* handle = unwrapHandle<std::shared_ptr<BodyHandle>>(value, kBodyHandle);
  return handle == nullptr ? nullptr : *handle;
}

kj::Promise<kj::Maybe<kj::Array<kj::byte>>> BodyHandle::read(size_t max) {
  auto buffer = kj::heapArray<kj::byte>(max);
  auto* ptr = buffer.begin();
  return readInto(ptr, 1, max).then(
      [buffer = kj::mv(buffer)](size_t n) mutable -> kj::Maybe<kj::Array<kj::byte>> {
        if (n == 0) return nullptr;
        if (n == buffer.size()) return kj::mv(buffer);
        return kj::heapArray<kj::byte>(buffer.begin(), n);
      });
}

kj::Promise<size_t> BodyHandle::readInto(kj::byte* out, size_t minBytes, size_t maxBytes) {
  if (ended_) return size_t(0);
  if (stream_ == nullptr) {
    return KJ_EXCEPTION(DISCONNECTED, "the body is no longer available (its request has finished "
                                      "or the body was cancelled)");
  }
  if (!started_) {
    started_ = true;
    KJ_IF_MAYBE(coding, coding_) {
      owned_ = newDecodingStream(kj::mv(owned_), *coding);
      stream_ = owned_.get();
      coding_ = nullptr;
    }
  }
  return canceler_.wrap(stream_->tryRead(out, minBytes, maxBytes))
      .then([this, minBytes](size_t n) {
        if (n < minBytes) ended_ = true;
        return n;
      });
}

kj::Maybe<uint64_t> BodyHandle::untouchedLength() {
  if (started_ || ended_ || stream_ == nullptr || coding_ != nullptr) return nullptr;
  return stream_->tryGetLength();
}

void BodyHandle::cancel() {
  canceler_.cancel("the body was cancelled");
  stream_ = nullptr;
  owned_ = nullptr;
}

void BodyHandle::detach() {
  canceler_.cancel("the body is no longer available: its request has finished");
  stream_ = nullptr;
  owned_ = nullptr;
}

namespace {

// Reads a body through its handle (for a handle whose stream cannot be taken: a borrowed inbound
// request body, which stops being readable when its request finishes, or one already read from).
class HandleInputStream final : public kj::AsyncInputStream {
 public:
  explicit HandleInputStream(std::shared_ptr<BodyHandle> handle) : handle_(kj::mv(handle)) {}

  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override {
    return handle_->readInto(static_cast<kj::byte*>(buffer), minBytes, maxBytes)
        .then([this](size_t n) {
          KJ_IF_MAYBE(left, remaining_) { *left -= n < *left ? n : *left; }
          return n;
        });
  }
  kj::Maybe<uint64_t> tryGetLength() override { return remaining_; }

 private:
  std::shared_ptr<BodyHandle> handle_;
  kj::Maybe<uint64_t> remaining_ = handle_->untouchedLength();
};

kj::Promise<void> copyLoop(kj::AsyncInputStream& in, kj::AsyncOutputStream& out,
                           kj::ArrayPtr<kj::byte> buffer) {
  return in.tryRead(buffer.begin(), 1, buffer.size()).then([&in, &out, buffer](size_t n) -> kj::Promise<void> {
    if (n == 0) return kj::READY_NOW;
    return out.write(buffer.begin(), n).then([&in, &out, buffer]() { return copyLoop(in, out, buffer); });
  });
}

}  // namespace

kj::Own<kj::AsyncInputStream> takeBodyStream(std::shared_ptr<BodyHandle> handle,
                                             kj::Maybe<ContentCoding>& coding) {
  coding = nullptr;
  KJ_IF_MAYBE(stream, handle->takeStream(coding)) { return kj::mv(*stream); }
  return kj::heap<HandleInputStream>(kj::mv(handle));
}

kj::Promise<void> pumpBody(kj::Own<kj::AsyncInputStream> in, kj::AsyncOutputStream& out) {
  auto buffer = kj::heapArray<kj::byte>(kReadChunk);
  auto promise = copyLoop(*in, out, buffer);
  return promise.attach(kj::mv(buffer), kj::mv(in));
}

// --- JS -> native ------------------------------------------------------------------------------

namespace {

// Calls reader.read() and converts the chunk: an empty Maybe at the end.
kj::Promise<kj::Maybe<kj::Array<kj::byte>>> readJsChunk(Worker& worker,
                                                        v8::Global<v8::Object>& reader) {
  kj::Promise<v8::Global<v8::Value>> next = nullptr;
  worker.enter([&] {
    auto* isolate = worker.isolate();
    auto context = worker.context();
    v8::TryCatch tryCatch(isolate);
    auto obj = reader.Get(isolate);
    v8::Local<v8::Value> read;
    v8::Local<v8::Value> result;
    if (!obj->Get(context, js::str(isolate, "read")).ToLocal(&read) || !read->IsFunction() ||
        !read.As<v8::Function>()->Call(context, obj, 0, nullptr).ToLocal(&result)) {
      next = KJ_EXCEPTION(FAILED, tryCatch.HasCaught()
                                      ? js::describeException(isolate, context, tryCatch)
                                      : std::string("body reader has no read() function"));
      return;
    }
    next = worker.awaitJs(result);
  });
  return next.then([&worker](v8::Global<v8::Value> value) {
    return worker.enter([&]() -> kj::Maybe<kj::Array<kj::byte>> {
      auto local = value.Get(worker.isolate());
      if (local->IsNullOrUndefined()) return nullptr;
      if (local->IsString()) {
        auto s = js::toStdString(worker.isolate(), local);
        return kj::heapArray<kj::byte>(reinterpret_cast<const kj::byte*>(s.data()), s.size());
      }
      if (!local->IsArrayBufferView() && !local->IsArrayBuffer()) {
        KJ_FAIL_REQUIRE(
            "a body stream produced a chunk that is not a Uint8Array, ArrayBuffer or string");
      }
      return kj::heapArray<kj::byte>(js::bytesOf(local));
    });
  });
}

void cancelJsReader(Worker& worker, v8::Global<v8::Object>& reader, const char* reason) {
  worker.enter([&] {
    auto* isolate = worker.isolate();
    auto context = worker.context();
    v8::TryCatch tryCatch(isolate);
    auto obj = reader.Get(isolate);
    v8::Local<v8::Value> cancel;
    if (obj->Get(context, js::str(isolate, "cancel")).ToLocal(&cancel) && cancel->IsFunction()) {
      v8::Local<v8::Value> args[] = {v8::Exception::Error(js::str(isolate, reason))};
      (void)cancel.As<v8::Function>()->Call(context, obj, 1, args);
    }
  });
}

kj::Promise<void> pumpLoop(Worker& worker, std::shared_ptr<v8::Global<v8::Object>> reader,
                           kj::AsyncOutputStream& out) {
  return readJsChunk(worker, *reader).then(
      [&worker, reader, &out](kj::Maybe<kj::Array<kj::byte>>&& chunk) -> kj::Promise<void> {
        KJ_IF_MAYBE(bytes, chunk) {
          if (bytes->size() == 0) return pumpLoop(worker, reader, out);
          auto write = out.write(bytes->begin(), bytes->size());
          return write.attach(kj::mv(*bytes)).then([&worker, reader, &out]() {
            return pumpLoop(worker, reader, out);
          });
        }
        return kj::READY_NOW;
      });
}

class JsBodyInputStream final : public kj::AsyncInputStream {
 public:
  JsBodyInputStream(Worker& worker, v8::Global<v8::Object> reader, kj::Maybe<uint64_t> length)
      : worker_(worker), reader_(kj::mv(reader)), remaining_(length) {}
  ~JsBodyInputStream() noexcept(false) {
    // A body of known length read to its last byte is complete, even if its end was not seen.
    bool complete = ended_;
    KJ_IF_MAYBE(left, remaining_) { complete = complete || *left == 0; }
    if (!complete) cancelJsReader(worker_, reader_, "the request body was not fully read");
  }

  kj::Maybe<uint64_t> tryGetLength() override { return remaining_; }

  kj::Promise<size_t> tryRead(void* buffer, size_t minBytes, size_t maxBytes) override {
    return readInto(static_cast<kj::byte*>(buffer), minBytes, maxBytes).then([this](size_t n) {
      KJ_IF_MAYBE(left, remaining_) { *left -= n < *left ? n : *left; }
      return n;
    });
  }

 private:
  kj::Promise<size_t> readInto(kj::byte* out, size_t minBytes, size_t maxBytes) {
    size_t copied = takeBuffered(out, maxBytes);
    if (copied >= minBytes || ended_) return copied;
    return readJsChunk(worker_, reader_).then(
        [this, out, copied, minBytes, maxBytes](kj::Maybe<kj::Array<kj::byte>>&& chunk)
            -> kj::Promise<size_t> {
          KJ_IF_MAYBE(bytes, chunk) {
            pending_ = kj::mv(*bytes);
            pendingOffset_ = 0;
          } else {
            ended_ = true;
          }
          return readInto(out + copied, minBytes > copied ? minBytes - copied : 0,
                          maxBytes - copied)
              .then([copied](size_t n) { return copied + n; });
        });
  }

  size_t takeBuffered(kj::byte* out, size_t max) {
    size_t available = pending_.size() - pendingOffset_;
    size_t n = available < max ? available : max;
    if (n > 0) memcpy(out, pending_.begin() + pendingOffset_, n);
    pendingOffset_ += n;
    return n;
  }

  Worker& worker_;
  v8::Global<v8::Object> reader_;
  kj::Array<kj::byte> pending_;
  size_t pendingOffset_ = 0;
  bool ended_ = false;
  kj::Maybe<uint64_t> remaining_;  // bytes still to come, when known
};

}  // namespace

kj::Promise<void> pumpJsBody(Worker& worker, v8::Global<v8::Object> reader,
                             kj::AsyncOutputStream& out) {
  auto shared = std::make_shared<v8::Global<v8::Object>>(kj::mv(reader));
  return pumpLoop(worker, shared, out);
}

kj::Own<kj::AsyncInputStream> newJsBodyStream(Worker& worker, v8::Global<v8::Object> reader,
                                              kj::Maybe<uint64_t> length) {
  return kj::heap<JsBodyInputStream>(worker, kj::mv(reader), length);
}

kj::Promise<size_t> BytesInputStream::tryRead(void* buffer, size_t minBytes, size_t maxBytes) {
  size_t n = bytes_.size() - offset_;
  if (n > maxBytes) n = maxBytes;
  if (n > 0) memcpy(buffer, bytes_.begin() + offset_, n);
  offset_ += n;
  return n;
}

void installBodyOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "bodyRead", &bodyRead);
  setOp(worker, ops, "bodyCancel", &bodyCancel);
  setOp(worker, ops, "bodyTee", &bodyTee);
}

}  // namespace colony::api
