#include "runtime/worker.h"

#include <spdlog/spdlog.h>

#include <strings.h>

#include <cstdlib>

#include <kj/debug.h>

#include "config/embedded_file.h"
#include "runtime/api/fetch_encoding.h"
#include "runtime/api/ops.h"
#include "runtime/api/rpc.h"
#include "runtime/api/storage_bindings.h"
#include "runtime/api/websocket.h"
#include "runtime/builtins.h"
#include "runtime/durable_objects/object_host.h"
#include "runtime/http/http_server.h"
#include "runtime/http_status.h"
#include "runtime/js_util.h"
#include "runtime/module_registry.h"
#include "runtime/request_context.h"
#include "runtime/scheduled.h"

namespace colony {

using js::str;

namespace {

// Reads a JS value's property; empty on exception.
v8::Local<v8::Value> get(v8::Local<v8::Context> context, v8::Local<v8::Object> obj,
                         const char* name) {
  auto key = Worker::from(context->GetIsolate()).key(name);
  return obj->Get(context, key).FromMaybe(v8::Local<v8::Value>());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Entrypoints: the kj::HttpService through which requests reach a handler.

static bool hasRequestBody(const kj::HttpHeaders& headers) {
  KJ_IF_MAYBE(length, headers.get(kj::HttpHeaderId::CONTENT_LENGTH)) { return *length != "0"_kj; }
  return headers.get(kj::HttpHeaderId::TRANSFER_ENCODING) != nullptr;
}

namespace {

// What hooks.responseParts (runtime/js/fetch.js) hands over for a handler's Response. The hook
// calls the sink with the parts as arguments, which native code reads without property lookups:
// sink(status, statusText, body kind, body, known length or -1, encodeBody is "manual",
// webSocket or null, header name, header value, ...), or with very many headers the names and
// values as one array in place of the last ones.
struct ResponseParts {
  enum class Kind { NONE = 0, STRING = 1, BYTES = 2, STREAM = 3, NATIVE = 4 };

  ResponseParts(kj::HttpHeaders& headers, bool brotli) : headers(headers), brotli(brotli) {}

  kj::HttpHeaders& headers;
  bool brotli;  // brotliContentEncoding: br is a coding compressed here
  bool collected = false;
  int status = 500;
  kj::String statusText;
  Kind kind = Kind::NONE;
  double length = -1;
  bool manual = false;
  kj::Maybe<api::ContentCoding> headerCoding;
  // The body, by kind: STRING and BYTES as `bytes` (kept alive by `encoded` or `store`), STREAM
  // as its reader, NATIVE as its handle.
  kj::ArrayPtr<const kj::byte> bytes;
  kj::Array<kj::byte> encoded;
  std::shared_ptr<v8::BackingStore> store;
  v8::Global<v8::Object> reader;
  std::shared_ptr<api::BodyHandle> handle;
  v8::Global<v8::Value> webSocket;

  // The parts the sink fills while hooks.responseParts runs (one at a time: it does not nest).
  static ResponseParts* current;
  struct Collecting {
    explicit Collecting(ResponseParts& parts) { current = &parts; }
    ~Collecting() { current = nullptr; }
  };

  static void sink(const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* isolate = info.GetIsolate();
    ResponseParts* self = current;
    if (self == nullptr || self->collected || info.Length() < 7) {
      return js::throwTypeError(isolate, "Illegal invocation");
    }
    auto context = isolate->GetCurrentContext();
    self->status = info[0]->Int32Value(context).FromMaybe(500);
    // Usually empty: the reason phrase is then a static string (sendResponse), not a copy.
    if (!info[1]->IsString() || info[1].As<v8::String>()->Length() > 0) {
      self->statusText = js::toKjString(isolate, info[1]);
    }
    int kind = info[2]->Int32Value(context).FromMaybe(0);
    if (kind < 0 || kind > static_cast<int>(Kind::NATIVE)) kind = 0;
    self->kind = static_cast<Kind>(kind);
    auto body = info[3];
    self->length = info[4]->NumberValue(context).FromMaybe(-1);
    self->manual = info[5]->IsTrue();
    if (info[6]->IsObject()) self->webSocket.Reset(isolate, info[6]);
    // Header names and values, as strings, then copied as UTF-8 into one buffer the headers own
    // (a response's few headers then cost one allocation, not two each).
    struct Text {
      v8::Local<v8::String> string;
      int length;
    };
    v8::Local<v8::Array> list;  // very many headers come as one array of name, value, ...
    if (info.Length() == 8 && info[7]->IsArray()) list = info[7].As<v8::Array>();
    size_t count = list.IsEmpty() ? static_cast<size_t>(info.Length() - 7) & ~size_t(1)
                                  : list->Length() & ~1u;
    Text inlineTexts[32];
    std::vector<Text> moreTexts(count > std::size(inlineTexts) ? count : 0);
    Text* texts = moreTexts.empty() ? inlineTexts : moreTexts.data();
    size_t total = 0;
    bool allOneByte = true;
    for (size_t i = 0; i < count; ++i) {
      v8::Local<v8::Value> item;
      if (list.IsEmpty()) {
        item = info[7 + static_cast<int>(i)];
      } else if (!list->Get(context, i).ToLocal(&item)) {
        return;
      }
      v8::Local<v8::String> string;
      if (!item->ToString(context).ToLocal(&string)) return;
      texts[i] = {string, string->Length()};
      allOneByte = allOneByte && string->IsOneByte();
      total += texts[i].length + 1;
    }
    if (count > 0) {
      // Headers are nearly always ASCII: copied as they are, measured as UTF-8 only otherwise.
      kj::String buffer;
      bool ascii = false;
      if (allOneByte) {
        buffer = kj::heapString(total - 1);  // each text and the NUL after it
        char* at = buffer.begin();
        ascii = true;
        for (size_t i = 0; i < count && ascii; ++i) {
          ascii = js::writeIfAscii(isolate, texts[i].string, at);
          at[texts[i].length] = '\0';
          at += texts[i].length + 1;
        }
      }
      if (!ascii) {
        total = 0;
        for (size_t i = 0; i < count; ++i) {
          texts[i].length = texts[i].string->Utf8Length(isolate);
          total += texts[i].length + 1;
        }
        buffer = kj::heapString(total - 1);
        char* at = buffer.begin();
        for (size_t i = 0; i < count; ++i) {
          texts[i].string->WriteUtf8(isolate, at, texts[i].length, nullptr,
                                     v8::String::NO_NULL_TERMINATION | v8::String::REPLACE_INVALID_UTF8);
          at[texts[i].length] = '\0';
          at += texts[i].length + 1;
        }
      }
      // Owned before any is added: the heap buffer does not move with the kj::String.
      const char* read = buffer.begin();
      self->headers.takeOwnership(kj::mv(buffer));
      for (size_t i = 0; i + 1 < count; i += 2) {
        kj::StringPtr name(read, texts[i].length);
        read += texts[i].length + 1;
        kj::StringPtr value(read, texts[i + 1].length);
        read += texts[i + 1].length + 1;
        if (strcasecmp(name.cStr(), "content-encoding") == 0) {
          self->headerCoding = api::parseContentCoding(value, self->brotli);
        }
        self->headers.add(name, value);
      }
    }
    switch (self->kind) {
      case Kind::NONE:
        break;
      case Kind::STRING: {
        // UTF-8 once, into the buffer written (ASCII text in one copy, see toKjString); the
        // buffer keeps the string's NUL after the bytes sent.
        auto text = js::toKjString(isolate, body);
        size_t size = text.size();
        self->encoded = text.releaseArray().releaseAsBytes();
        self->bytes = self->encoded.slice(0, size);
        break;
      }
      case Kind::BYTES:
        if (body->IsArrayBufferView()) {
          auto view = body.As<v8::ArrayBufferView>();
          self->store = view->Buffer()->GetBackingStore();
          self->bytes = kj::arrayPtr(
              static_cast<const kj::byte*>(self->store->Data()) + view->ByteOffset(),
              view->ByteLength());
        } else {
          self->encoded = kj::heapArray<kj::byte>(js::bytesOf(body));
          self->bytes = self->encoded;
        }
        break;
      case Kind::STREAM:
        if (!body->IsObject()) return js::throwTypeError(isolate, "responseParts: no body reader");
        self->reader.Reset(isolate, body.As<v8::Object>());
        break;
      case Kind::NATIVE:
        self->handle = api::BodyHandle::unwrap(body);
        if (self->handle == nullptr) {
          return js::throwTypeError(isolate, "responseParts: a native body without a body handle");
        }
        break;
    }
    self->collected = true;
  }
};

ResponseParts* ResponseParts::current = nullptr;

}  // namespace

v8::Local<v8::Function> Worker::responsePartsSink() {
  if (responsePartsSink_.IsEmpty()) {
    auto fn = v8::FunctionTemplate::New(isolate_, &ResponseParts::sink, {}, {}, 0,
                                        v8::ConstructorBehavior::kThrow)
                  ->GetFunction(context())
                  .ToLocalChecked();
    responsePartsSink_.Reset(isolate_, fn);
  }
  return responsePartsSink_.Get(isolate_);
}

class Worker::Entrypoint final : public kj::HttpService {
 public:
  Entrypoint(Worker& worker, std::string name) : worker_(worker), name_(kj::mv(name)) {}
  // Requests go to hooks[hookName](...hookArgs, request) instead of an export.
  Entrypoint(Worker& worker, std::string hookName, std::vector<std::string> hookArgs)
      : worker_(worker), hookName_(kj::mv(hookName)), hookArgs_(kj::mv(hookArgs)) {}

  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                            kj::AsyncInputStream& requestBody, Response& response) override {
    auto state = kj::refcounted<RequestContext>();
    auto& stateRef = *state;
    // JS gets a body handle only when the request has a body (GET and friends need none).
    std::shared_ptr<api::BodyHandle> bodyState;
    if (hasRequestBody(headers)) bodyState = api::BodyHandle::borrow(requestBody);
    // The handler's Response, or its failure, unless it was sent at once.
    kj::Promise<v8::Global<v8::Value>> result = nullptr;
    kj::Maybe<kj::Promise<void>> sentAtOnce;
    worker_.enter([&] {
      auto* isolate = worker_.isolate_;
      auto context = worker_.context();
      v8::TryCatch tryCatch(isolate);
      v8::Local<v8::Value> value;
      bool ok = invoke(method, url, headers, requestBody, bodyState, kj::addRef(stateRef))
                    .ToLocal(&value);
      if (!ok) {
        result = KJ_EXCEPTION(FAILED, js::describeException(isolate, context, tryCatch));
        return;
      }
      // A Response there as the call returned: not a promise, or one already fulfilled, as an
      // async handler's is when it awaited nothing. One that awaited only what was settled
      // already (a digest, a resolved promise) is fulfilled by the microtasks it left, which
      // the way out of this entry would run anyway: they run now, so that its Response too can
      // be sent in this entry (see below for why only at the outermost one). Rejections are
      // reported only later, once a rejected handler promise has awaitJs()'s reactions: it is
      // the request's failure, not an unhandled rejection.
      if (value->IsPromise() && worker_.enterDepth_ == 1) isolate->PerformMicrotaskCheckpoint();
      if (value->IsPromise()) {
        if (value.As<v8::Promise>()->State() != v8::Promise::kFulfilled) {
          result = worker_.awaitJs(value);
          return;
        }
        value = value.As<v8::Promise>()->Result();
      }
      if (worker_.enterDepth_ == 1) {
        // Sent at once, in this same entry: the microtasks the handler left (which may still
        // change the Response) run first, as they would on the way out. Not so inside another
        // entry into this isolate, which runs them only once it returns; callers (bindings
        // included) reach request() from the event loop, but should one call from JS, its
        // Response waits for them as one returned as a promise does.
        worker_.runMicrotaskCheckpoint();
        sentAtOnce = kj::evalNow([&]() { return sendEntered(value, response); });
      } else {
        result = v8::Global<v8::Value>(isolate, value);
      }
    });
    kj::Promise<void> sent = nullptr;
    KJ_IF_MAYBE(now, sentAtOnce) {
      sent = kj::mv(*now);
    } else {
      sent = result.then(
          [this, &response](v8::Global<v8::Value> value) {
            return sendResponse(kj::mv(value), response);
          },
          [this, &response, &stateRef, method, url, &headers, &requestBody,
           bodyState](kj::Exception&& e) {
            worker_.logError(kj::str("Uncaught ", e.getDescription()).cStr());
            if (stateRef.passThroughOnException) {
              // The origin gets what the handler left of the body, as in workerd: all of it
              // when the handler never read it. JS reads still pending are stopped first.
              if (bodyState) bodyState->detach();
              return passThrough(method, url, headers, requestBody, response);
            }
            return sendInternalError(response);
          });
    }
    return sent.attach(kj::mv(state), kj::defer([bodyState]() {
      if (bodyState) bodyState->detach();
    }));
  }

 private:
  v8::MaybeLocal<v8::Value> invoke(kj::HttpMethod method, kj::StringPtr url,
                                   const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                                   const std::shared_ptr<api::BodyHandle>& bodyState,
                                   kj::Own<RequestContext> state) {
    auto* isolate = worker_.isolate_;
    auto context = worker_.context();

    // Headers as a flat [name, value, ...] array (gathered on the stack for the usual few).
    size_t headerCount = 0;
    headers.forEach([&](kj::StringPtr, kj::StringPtr) { ++headerCount; });
    v8::Local<v8::Value> inlineFlat[64];
    std::vector<v8::Local<v8::Value>> moreFlat(2 * headerCount > std::size(inlineFlat) ? 2 * headerCount : 0);
    v8::Local<v8::Value>* flat = moreFlat.empty() ? inlineFlat : moreFlat.data();
    size_t at = 0;
    headers.forEach([&](kj::StringPtr name, kj::StringPtr value) {
      flat[at++] = js::wireString(isolate, std::string_view(name.begin(), name.size()));
      flat[at++] = js::wireString(isolate, std::string_view(value.begin(), value.size()));
    });
    auto headerArray = v8::Array::New(isolate, flat, at);

    v8::Local<v8::Value> bodyValue = v8::Null(isolate);
    if (bodyState) bodyValue = api::BodyHandle::wrap(worker_, bodyState);

    kj::StringPtr methodName = kj::toCharSequence(method);
    v8::Local<v8::Value> methodValue = worker_.key(methodName.cStr());
    v8::Local<v8::Value> urlValue = js::wireString(isolate, url.cStr());

    if (hookName_.empty() && worker_.source_.syntax == WorkerSource::Syntax::MODULES) {
      // An object's fetch(): one call into JS (hooks.callFetch) finds the method, makes the
      // Request and calls it, with property caches the C++ API does not have.
      v8::Local<v8::Object> handler;
      if (!worker_.handlerObject(name_).ToLocal(&handler)) return {};
      if (!handler->IsFunction()) {
        auto ctx = RequestContext::newJsObject(worker_, kj::mv(state));
        v8::Local<v8::Value> args[] = {handler, methodValue, urlValue, headerArray, bodyValue,
                                       worker_.env(), ctx};
        v8::Local<v8::Value> result;
        if (!worker_.hook(HotHook::CALL_FETCH)
                 ->Call(context, v8::Undefined(isolate), std::size(args), args)
                 .ToLocal(&result)) {
          return {};
        }
        if (result->StrictEquals(worker_.hooksNoHandler())) {
          worker_.throwNoHandlerMethod(name_, "fetch");
          return {};
        }
        return result;
      }
    }

    if (hookName_.empty() && worker_.source_.syntax == WorkerSource::Syntax::SERVICE_WORKER) {
      // hooks.dispatchFetchEvent makes the Request and dispatches its FetchEvent: one call.
      auto ctx = RequestContext::newJsObject(worker_, kj::mv(state));
      v8::Local<v8::Value> args[] = {methodValue, urlValue, headerArray, bodyValue, ctx};
      v8::Local<v8::Value> responded;
      if (!worker_.hook(HotHook::DISPATCH_FETCH_EVENT)
               ->Call(context, v8::Undefined(isolate), std::size(args), args)
               .ToLocal(&responded)) {
        return {};
      }
      if (responded->IsUndefined()) {
        js::throwError(isolate, "No event handler called respondWith() for the fetch event.");
        return {};
      }
      return responded;
    }

    v8::Local<v8::Value> request;
    if (!worker_.hook(HotHook::MAKE_REQUEST)
             ->Call(context, v8::Undefined(isolate), 4,
                    std::array<v8::Local<v8::Value>, 4>{methodValue, urlValue, headerArray,
                                                        bodyValue}
                        .data())
             .ToLocal(&request)) {
      return {};
    }
    auto ctx = RequestContext::newJsObject(worker_, kj::mv(state));
    if (!hookName_.empty()) {
      std::vector<v8::Local<v8::Value>> args;
      for (auto& arg : hookArgs_) args.push_back(str(isolate, arg));
      args.push_back(request);
      return worker_.hook(hookName_.c_str())
          ->Call(context, v8::Undefined(isolate), args.size(), args.data());
    }

    v8::Local<v8::Value> result;
    if (worker_.callHandler(name_, "fetch", ctx, [&]() { return request; }, result) !=
        HandlerCall::CALLED) {
      return {};
    }
    return result;
  }

  kj::Promise<void> sendResponse(v8::Global<v8::Value> value, Response& response) {
    return worker_.enter([&]() { return sendEntered(value.Get(worker_.isolate_), response); });
  }

  // sendResponse() inside an entry into the isolate.
  kj::Promise<void> sendEntered(v8::Local<v8::Value> value, Response& response) {
    auto* isolate = worker_.isolate_;
    auto context = worker_.context();
    v8::TryCatch tryCatch(isolate);
    kj::HttpHeaders headers(worker_.host_.headerTable);
    ResponseParts parts(headers, worker_.brotliContentEncoding());
    {
      // hooks.responseParts(response, sink) hands the parts to the sink as its arguments.
      ResponseParts::Collecting collecting(parts);
      v8::Local<v8::Value> args[] = {value, worker_.responsePartsSink()};
      if (worker_.hook(HotHook::RESPONSE_PARTS)->Call(context, v8::Undefined(isolate), 2, args)
              .IsEmpty() ||
          !parts.collected) {
        worker_.logError("Uncaught " + js::describeException(isolate, context, tryCatch));
        return sendInternalError(response);
      }
    }
    int status = parts.status;
    // Owned by the promises below when the Response set one; otherwise a static phrase.
    kj::String ownStatusText = kj::mv(parts.statusText);
    std::string_view phrase = reasonPhrase(status);
    kj::StringPtr statusText = ownStatusText.size() > 0 ? kj::StringPtr(ownStatusText)
                                                         : kj::StringPtr(phrase.data(), phrase.size());
    // A Content-Encoding of gzip or br (unless encodeBody is "manual") means the body is to be
    // compressed here; its length is then unknown.
    kj::Maybe<api::ContentCoding> encodeAs = parts.manual ? nullptr : parts.headerCoding;
    if (!parts.webSocket.IsEmpty()) {
      // status 101 with a webSocket: the connection becomes that WebSocket's.
      return api::serveWebSocketResponse(worker_, parts.webSocket.Get(isolate), response,
                                         headers);
    }
    using Kind = ResponseParts::Kind;
    if (parts.kind == Kind::NATIVE) {
      // A fetched body or the request's own body, returned unread: copied without JS. Bytes
      // still encoded as this response's Content-Encoding says go out as they came, with their
      // length (as in workerd); otherwise they are decoded, and encoded again if the headers
      // ask for it. The request's body keeps its Content-Length, as in workerd.
      kj::Maybe<api::ContentCoding> coding;
      auto stream = api::takeBodyStream(kj::mv(parts.handle), coding);
      bool asItCame = true;
      KJ_IF_MAYBE(c, coding) {
        KJ_IF_MAYBE(h, parts.headerCoding) { asItCame = *c == *h; } else { asItCame = false; }
        if (!asItCame) stream = api::newDecodingStream(kj::mv(stream), *c);
      }
      if (!asItCame || coding == nullptr) {
        KJ_IF_MAYBE(as, encodeAs) {
          headers.unset(kj::HttpHeaderId::CONTENT_LENGTH);
          auto out = response.send(status, statusText, headers);
          auto encoder = api::newEncodingStream(*out, *as);
          auto& encoderRef = *encoder;
          return api::pumpBody(kj::mv(stream), encoderRef)
              .then([&encoderRef]() { return encoderRef.end(); })
              .attach(kj::mv(encoder), kj::mv(out), kj::mv(ownStatusText));
        }
      }
      kj::Maybe<uint64_t> length = asItCame ? stream->tryGetLength() : nullptr;
      auto out = response.send(status, statusText, headers, length);
      auto& outRef = *out;
      return api::pumpBody(kj::mv(stream), outRef).attach(kj::mv(out), kj::mv(ownStatusText));
    }
    if (encodeAs != nullptr && parts.kind != Kind::NONE) {
      headers.unset(kj::HttpHeaderId::CONTENT_LENGTH);
      auto stream = response.send(status, statusText, headers);
      auto encoder = api::newEncodingStream(*stream, KJ_ASSERT_NONNULL(encodeAs));
      auto& encoderRef = *encoder;
      kj::Promise<void> written = nullptr;
      if (parts.kind == Kind::STREAM) {
        written = api::pumpJsBody(worker_, kj::mv(parts.reader), encoderRef);
      } else {
        written = encoderRef.write(parts.bytes.begin(), parts.bytes.size())
                      .attach(kj::mv(parts.encoded), kj::mv(parts.store));
      }
      return written.then([&encoderRef]() { return encoderRef.end(); })
          .attach(kj::mv(encoder), kj::mv(stream), kj::mv(ownStatusText));
    }
    if (parts.kind == Kind::STRING || parts.kind == Kind::BYTES) {
      // Straight from the JS value to the socket: a string was encoded once into the buffer
      // written, and bytes (the Response's own copy, which nothing else can change) are written
      // from their backing store.
      auto bytes = parts.bytes;
      if (auto* inbound = http::asInboundResponse(response)) {
        // Straight to the client: head and body in one write, no body stream.
        return inbound->sendWhole(status, statusText, headers, bytes)
            .attach(kj::mv(parts.encoded), kj::mv(parts.store));
      }
      auto stream = response.send(status, statusText, headers, uint64_t(bytes.size()));
      if (bytes.size() == 0) return kj::READY_NOW;
      auto write = stream->write(bytes.begin(), bytes.size());
      return write.attach(kj::mv(parts.encoded), kj::mv(parts.store), kj::mv(stream),
                          kj::mv(ownStatusText));
    }
    if (parts.kind == Kind::STREAM) {
      // A FixedLengthStream's readable side says how long it is.
      kj::Maybe<uint64_t> length;
      if (parts.length >= 0) length = static_cast<uint64_t>(parts.length);
      auto stream = response.send(status, statusText, headers, length);
      auto pump = api::pumpJsBody(worker_, kj::mv(parts.reader), *stream);
      return pump.attach(kj::mv(stream), kj::mv(ownStatusText));
    }
    response.send(status, statusText, headers, uint64_t(0));
    return kj::READY_NOW;
  }

  kj::Promise<void> sendInternalError(Response& response) {
    // Straight to a client, the connection closes after it, as after workerd's 500 page.
    if (auto* closable = http::asInboundResponse(response)) {
      closable->closeConnectionAfterResponse();
    }
    kj::HttpHeaders headers(worker_.host_.headerTable);
    static constexpr kj::StringPtr body = "Internal Server Error"_kj;
    auto stream = response.send(500, "Internal Server Error", headers, uint64_t(body.size()));
    auto write = stream->write(body.begin(), body.size());
    return write.attach(kj::mv(stream));
  }

  kj::Promise<void> passThrough(kj::HttpMethod method, kj::StringPtr url,
                                const kj::HttpHeaders& headers, kj::AsyncInputStream& requestBody,
                                Response& response) {
    // The handler asked for its request to go on to the worker's globalOutbound when it fails.
    try {
      auto& outbound = worker_.globalOutbound();
      return outbound.request(method, url, headers, requestBody, response);
    } catch (kj::Exception& e) {
      worker_.logError(kj::str("passThroughOnException: ", e.getDescription()).cStr());
      return sendInternalError(response);
    }
  }

  Worker& worker_;
  std::string name_;
  std::string hookName_;
  std::vector<std::string> hookArgs_;
};

std::unique_ptr<kj::HttpService> Worker::newHookEntrypoint(std::string hookName,
                                                           std::vector<std::string> hookArgs) {
  return std::make_unique<Entrypoint>(*this, kj::mv(hookName), kj::mv(hookArgs));
}

durable_objects::ObjectHost& Worker::durableObjects() {
  if (!durableObjects_) durableObjects_ = std::make_unique<durable_objects::ObjectHost>(*this);
  return *durableObjects_;
}

// ---------------------------------------------------------------------------------------------

Worker::Worker(WorkerHost& host, WorkerSource source) : host_(host), source_(kj::mv(source)) {
  // The config loader has already refused unknown or conflicting flags; experimental flags that
  // reached here were allowed.
  std::vector<std::string> ignored;
  compatFlags_ = config::resolveCompatFlags(source_.compatibilityDate, source_.compatibilityFlags,
                                            ignored, /*allowExperimental=*/true);
  brotliContentEncoding_ = compatFlags_.enabled("brotliContentEncoding");
  allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator_.get();
  // The built-ins come evaluated in the snapshot when there is one (runtime/builtins.h).
  params.snapshot_blob = builtins::startupSnapshot();
  params.external_references = builtins::externalReferences();
  isolate_ = v8::Isolate::New(params);
  isolate_->SetData(0, this);
  isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate_->SetPromiseRejectCallback(&onPromiseReject);

  v8::Isolate::Scope isolateScope(isolate_);
  v8::HandleScope handleScope(isolate_);
  auto context = v8::Context::New(isolate_);
  context_.Reset(isolate_, context);
  contextTemplate_.Reset(isolate_, RequestContext::makeTemplate(isolate_));
  v8::Context::Scope contextScope(context);
  loadBuiltins();
}

namespace {
// The isolate keepEntered() left entered on this thread.
thread_local v8::Isolate* keptIsolate = nullptr;
}  // namespace

void Worker::keepEntered() {
  if (keptIsolate == isolate_) return;
  // Swap only between entries: with an enter() running, or any other isolate scope open (a
  // worker being constructed), the kept isolate is not the innermost one and cannot be exited.
  if (entersRunning > 0 || v8::Isolate::GetCurrent() != keptIsolate) return;
  if (keptIsolate != nullptr) keptIsolate->Exit();
  isolate_->Enter();
  keptIsolate = isolate_;
}

void Worker::releaseKeptEntry() {
  if (keptIsolate != isolate_) return;
  keptIsolate = nullptr;
  if (v8::Isolate::GetCurrent() == isolate_) isolate_->Exit();
}

Worker::~Worker() noexcept(false) {
  api::rpcWorkerGone(*this);
  api::cancelAllTimers(*this);
  api::closeAllWebSockets(*this);
  unregisterScheduledTargets(*this);
  entrypoints_.clear();
  durableObjects_.reset();
  // Awaits still pending never settle, as when the isolate is gone: rejecting them now would run
  // continuations that still refer to this worker.
  for (auto& entry : settling_) {
    (void)new kj::Own<kj::PromiseFulfiller<v8::Global<v8::Value>>>(kj::mv(entry.second));
  }
  settling_.clear();
  modules_.reset();
  unhandledRejections_.clear();
  reportedRejections_.clear();
  handledLater_.clear();
  // Requests still holding their state outlive this worker: they no longer reach it.
  for (auto& [id, state] : liveContexts_) state->worker_ = nullptr;
  liveContexts_.clear();
  for (auto& hook : hotHooks_) hook.Reset();
  noHandler_.Reset();
  responsePartsSink_.Reset();
  hooks_.Reset();
  env_.Reset();
  handlers_.clear();
  exports_.Reset();
  contextTemplate_.Reset();
  handleTemplate_.Reset();
  context_.Reset();
  releaseKeptEntry();
  isolate_->Dispose();
}

void Worker::loadBuiltins() {
  auto context = this->context();
  v8::Local<v8::Object> loader;
  if (builtins::startupSnapshot() != nullptr) {
    loader = builtins::fromSnapshot(context);
  } else {
    try {
      loader = builtins::evaluate(isolate_, context);
    } catch (std::exception& e) {
      KJ_FAIL_ASSERT("built-in JavaScript failed to load", e.what());
    }
  }
  auto ops = api::makeOps(*this);
  api::setOp(*this, ops, "promiseSettled", &Worker::onSettled);
  v8::TryCatch tryCatch(isolate_);
  if (!builtins::attach(context, loader, ops)) {
    KJ_FAIL_ASSERT("built-in JavaScript failed to start",
                   js::describeException(isolate_, context, tryCatch));
  }
  auto internal = get(context, loader, "internal").As<v8::Object>();
  hooks_.Reset(isolate_, get(context, internal, "hooks").As<v8::Object>());
  isolate_->PerformMicrotaskCheckpoint();
}

v8::Local<v8::String> Worker::key(std::string_view name) {
  auto it = keys_.find(name);
  if (it != keys_.end()) return it->second.Get(isolate_);
  auto key = js::internalized(isolate_, name);
  keys_.emplace(std::string(name), v8::Eternal<v8::String>(isolate_, key));
  return key;
}

v8::Local<v8::Function> Worker::hook(const char* name) {
  auto value = hooks()->Get(context(), key(name)).ToLocalChecked();
  KJ_ASSERT(value->IsFunction(), "built-ins did not provide the hook", name);
  return value.As<v8::Function>();
}

v8::Local<v8::Function> Worker::hook(HotHook which) {
  static constexpr const char* kNames[] = {"makeRequest", "responseParts", "settle",
                                           "dispatchFetchEvent", "callFetch"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(HotHook::COUNT));
  auto& slot = hotHooks_[static_cast<int>(which)];
  if (slot.IsEmpty()) slot.Reset(isolate_, hook(kNames[static_cast<int>(which)]));
  return slot.Get(isolate_);
}

v8::Local<v8::Value> Worker::callHook(const char* name,
                                      std::initializer_list<v8::Local<v8::Value>> args) {
  v8::TryCatch tryCatch(isolate_);
  std::vector<v8::Local<v8::Value>> argv(args);
  v8::Local<v8::Value> result;
  if (!hook(name)->Call(context(), v8::Undefined(isolate_), argv.size(), argv.data())
           .ToLocal(&result)) {
    KJ_FAIL_REQUIRE(js::describeException(isolate_, context(), tryCatch));
  }
  return result;
}

void Worker::start() {
  enter([&] {
    auto context = this->context();
    if (source_.syntax == WorkerSource::Syntax::SERVICE_WORKER) {
      auto global = context->Global();
      auto env = makeEnv(true);
      (void)env;
      (void)global;
      runServiceWorkerScript();
    } else {
      env_.Reset(isolate_, makeEnv(false));
      runModules();
    }
  });
}

void Worker::runServiceWorkerScript() {
  auto context = this->context();
  v8::TryCatch tryCatch(isolate_);
  v8::ScriptOrigin origin(isolate_, str(isolate_, "worker.js"));
  v8::ScriptCompiler::Source source(str(isolate_, source_.serviceWorkerScript), origin);
  v8::Local<v8::Script> script;
  if (!v8::ScriptCompiler::Compile(context, &source).ToLocal(&script) ||
      script->Run(context).IsEmpty()) {
    throw WorkerStartError("service \"" + source_.serviceName + "\": script: Uncaught " +
                           js::describeException(isolate_, context, tryCatch));
  }
}

void Worker::runModules() {
  modules_ = std::make_unique<ModuleRegistry>(*this);
  exports_.Reset(isolate_, modules_->evaluateMain());
}

v8::Local<v8::Object> Worker::makeEnv(bool asGlobals) {
  auto context = this->context();
  auto env = asGlobals ? context->Global() : v8::Object::New(isolate_);
  for (auto& binding : source_.bindings) {
    v8::TryCatch tryCatch(isolate_);
    auto value = bindingValue(binding);
    if (tryCatch.HasCaught()) {
      throw WorkerStartError("service \"" + source_.serviceName + "\": binding \"" + binding.name +
                             "\": " + js::describeException(isolate_, context, tryCatch));
    }
    if (value.IsEmpty()) continue;
    (void)env->Set(context, str(isolate_, binding.name), value);
  }
  return env;
}

v8::Local<v8::Value> Worker::bindingValue(const WorkerSource::Binding& binding) {
  auto context = this->context();
  switch (binding.type) {
    case WorkerSource::BindingType::TEXT:
      return str(isolate_, binding.text());
    case WorkerSource::BindingType::DATA:
      return js::newArrayBuffer(isolate_, binding.content);
    case WorkerSource::BindingType::JSON: {
      v8::Local<v8::Value> value;
      if (!v8::JSON::Parse(context, str(isolate_, binding.text())).ToLocal(&value)) return {};
      return value;
    }
    case WorkerSource::BindingType::WASM_MODULE: {
      v8::Local<v8::WasmModuleObject> wasm;
      if (!v8::WasmModuleObject::Compile(isolate_, v8::MemorySpan<const uint8_t>(
                                                       binding.content.begin(), binding.content.size()))
               .ToLocal(&wasm)) {
        return {};
      }
      return wasm;
    }
    case WorkerSource::BindingType::FROM_ENVIRONMENT: {
      // An unset variable is null, so the name is always defined.
      const char* value = getenv(std::string(binding.text()).c_str());
      if (value == nullptr) return v8::Null(isolate_);
      return str(isolate_, value);
    }
    case WorkerSource::BindingType::SERVICE: {
      Service* target = nullptr;
      try {
        target = &host_.findService(binding.serviceName);
      } catch (std::exception& e) {
        js::throwError(isolate_, e.what());
        return {};
      }
      kj::HttpService* http = nullptr;
      KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] { http = &target->entrypoint(binding.entrypoint); })) {
        js::throwError(isolate_, e->getDescription().cStr());
        return {};
      }
      v8::Local<v8::Value> args[] = {api::wrapServiceTarget(*this, *http)};
      v8::Local<v8::Value> fetcher;
      if (!hook("makeFetcher")->Call(context, v8::Undefined(isolate_), 1, args).ToLocal(&fetcher)) {
        return {};
      }
      return fetcher;
    }
    case WorkerSource::BindingType::DURABLE_OBJECT_NAMESPACE:
      return durable_objects::namespaceBinding(*this, binding);
    case WorkerSource::BindingType::KV_NAMESPACE:
    case WorkerSource::BindingType::R2_BUCKET:
    case WorkerSource::BindingType::QUEUE:
    case WorkerSource::BindingType::MEMORY_CACHE:
      return api::storageBindingValue(*this, binding);
    case WorkerSource::BindingType::CRYPTO_KEY: {
      // hooks.makeCryptoKey({format, keyData, algorithm, algorithmIsJson, extractable, usages})
      auto desc = v8::Object::New(isolate_);
      auto put = [&](const char* name, v8::Local<v8::Value> value) {
        (void)desc->Set(context, str(isolate_, name), value);
      };
      put("format", str(isolate_, binding.keyFormat));
      put("keyData", binding.keyFormat == "raw" ? v8::Local<v8::Value>(js::newBytes(isolate_, binding.content))
                                                : v8::Local<v8::Value>(str(isolate_, binding.text())));
      put("algorithm", str(isolate_, binding.keyAlgorithm));
      put("algorithmIsJson", v8::Boolean::New(isolate_, binding.keyAlgorithmIsJson));
      put("extractable", v8::Boolean::New(isolate_, binding.keyExtractable));
      auto usages = v8::Array::New(isolate_, static_cast<int>(binding.keyUsages.size()));
      for (size_t i = 0; i < binding.keyUsages.size(); i++) {
        (void)usages->Set(context, static_cast<uint32_t>(i), str(isolate_, binding.keyUsages[i]));
      }
      put("usages", usages);
      v8::Local<v8::Value> args[] = {desc};
      v8::Local<v8::Value> key;
      if (!hook("makeCryptoKey")->Call(context, v8::Undefined(isolate_), 1, args).ToLocal(&key)) return {};
      return key;
    }
  }
  return {};
}

v8::Local<v8::ObjectTemplate> Worker::handleTemplate() {
  if (handleTemplate_.IsEmpty()) {
    auto tmpl = v8::ObjectTemplate::New(isolate_);
    tmpl->SetInternalFieldCount(2);  // [0] the native holder, [1] its api::HandleKind
    handleTemplate_.Reset(isolate_, tmpl);
  }
  return handleTemplate_.Get(isolate_);
}

kj::HttpService& Worker::globalOutbound() {
  if (source_.globalOutbound.empty()) {
    KJ_FAIL_REQUIRE("this worker has no globalOutbound service");
  }
  return host_.findService(source_.globalOutbound).entrypoint(source_.globalOutboundEntrypoint);
}

v8::MaybeLocal<v8::Object> Worker::handlerObject(const std::string& entrypoint) {
  // Handlers are read from the namespace once, as workerd does at start-up: the lookup on a
  // module namespace costs more than the rest of dispatching a hello-world request's event.
  auto found = handlers_.find(entrypoint);
  if (found != handlers_.end()) return found->second.Get(isolate_);
  auto context = this->context();
  auto exports = exports_.Get(isolate_);
  const std::string& exportName = entrypoint.empty() ? std::string("default") : entrypoint;
  v8::Local<v8::Value> handler;
  if (!exports->Get(context, key(exportName)).ToLocal(&handler)) return {};
  if (!handler->IsObject()) {
    js::throwError(isolate_, "service \"" + source_.serviceName + "\" has no exported handler \"" +
                                 exportName + "\"");
    return {};
  }
  handlers_[entrypoint].Reset(isolate_, handler.As<v8::Object>());
  return handler.As<v8::Object>();
}

void Worker::throwNoHandlerMethod(const std::string& entrypoint, const char* method) {
  auto what = entrypoint.empty() ? std::string("Handler") : "Entrypoint \"" + entrypoint + "\"";
  js::throwError(isolate_, what + " does not export a " + method + "() function.");
}

v8::Local<v8::Value> Worker::hooksNoHandler() {
  if (noHandler_.IsEmpty()) noHandler_.Reset(isolate_, get(context(), hooks(), "noHandler"));
  return noHandler_.Get(isolate_);
}

Worker::HandlerCall Worker::callHandler(const std::string& entrypoint, const char* method,
                                        v8::Local<v8::Object> ctx,
                                        kj::FunctionParam<v8::MaybeLocal<v8::Value>()> makeEvent,
                                        v8::Local<v8::Value>& result) {
  auto context = this->context();
  v8::Local<v8::Object> handler;
  if (!handlerObject(entrypoint).ToLocal(&handler)) return HandlerCall::THREW;
  v8::Local<v8::Object> receiver = handler;
  bool isClass = handler->IsFunction();
  if (isClass) {
    v8::Local<v8::Value> ctorArgs[] = {ctx, env()};
    if (!handler.As<v8::Function>()->NewInstance(context, 2, ctorArgs).ToLocal(&receiver)) {
      return HandlerCall::THREW;
    }
  }
  v8::Local<v8::Value> function;
  if (!receiver->Get(context, key(method)).ToLocal(&function)) return HandlerCall::THREW;
  if (!function->IsFunction()) {
    throwNoHandlerMethod(entrypoint, method);
    return HandlerCall::NO_METHOD;
  }
  v8::Local<v8::Value> event;
  if (!makeEvent().ToLocal(&event)) return HandlerCall::THREW;
  bool called;
  if (isClass) {
    v8::Local<v8::Value> args[] = {event};
    called = function.As<v8::Function>()->Call(context, receiver, 1, args).ToLocal(&result);
  } else {
    v8::Local<v8::Value> args[] = {event, env(), ctx};
    called = function.As<v8::Function>()->Call(context, receiver, 3, args).ToLocal(&result);
  }
  return called ? HandlerCall::CALLED : HandlerCall::THREW;
}

kj::HttpService& Worker::entrypoint(kj::StringPtr name) {
  std::string key(name.cStr());
  // Checked on every call (entrypoints are looked up at set-up, not per request): a binding made
  // before this worker started is checked again once its exports are known.
  if (source_.syntax == WorkerSource::Syntax::SERVICE_WORKER && !key.empty()) {
    KJ_FAIL_REQUIRE(kj::str("service \"", source_.serviceName.c_str(),
                            "\" uses service-worker syntax and has no named entrypoints; asked for \"",
                            name, "\""));
  }
  if (source_.syntax == WorkerSource::Syntax::MODULES && !key.empty() && !exports_.IsEmpty()) {
    bool exists = enter([&] {
      auto value = exports_.Get(isolate_)->Get(context(), str(isolate_, key));
      v8::Local<v8::Value> v;
      return value.ToLocal(&v) && v->IsObject();
    });
    if (!exists) {
      KJ_FAIL_REQUIRE(kj::str("service \"", source_.serviceName.c_str(),
                              "\" has no entrypoint named \"", name, "\""));
    }
  }
  auto it = entrypoints_.find(key);
  if (it != entrypoints_.end()) return *it->second;
  auto [pos, inserted] = entrypoints_.emplace(key, std::make_unique<Entrypoint>(*this, key));
  registerScheduledTarget(*pos->second, *this, key);  // Fetcher.scheduled()
  return *pos->second;
}

std::vector<std::string> Worker::testNames() {
  std::vector<std::string> names;
  if (exports_.IsEmpty()) return names;
  enter([&] {
    auto context = this->context();
    auto exports = exports_.Get(isolate_);
    auto keys = exports->GetOwnPropertyNames(context).ToLocalChecked();
    for (uint32_t i = 0; i < keys->Length(); ++i) {
      auto key = keys->Get(context, i).ToLocalChecked();
      v8::Local<v8::Value> value;
      if (!exports->Get(context, key).ToLocal(&value) || !value->IsObject()) continue;
      v8::Local<v8::Value> test;
      if (!value.As<v8::Object>()->Get(context, str(isolate_, "test")).ToLocal(&test) ||
          !test->IsFunction()) {
        continue;
      }
      auto name = js::toStdString(isolate_, key);
      names.push_back(name == "default" ? "" : name);
    }
  });
  return names;
}

kj::Promise<void> Worker::runTest(const std::string& name) {
  kj::Promise<v8::Global<v8::Value>> result = nullptr;
  enter([&] {
    auto context = this->context();
    v8::TryCatch tryCatch(isolate_);
    v8::Local<v8::Object> handler;
    v8::Local<v8::Value> value;
    bool ok = false;
    if (handlerObject(name).ToLocal(&handler)) {
      auto test = get(context, handler, "test");
      if (!test.IsEmpty()) {
        auto controller = callHook("makeTestController", {});
        auto ctx = RequestContext::newJsObject(*this, kj::refcounted<RequestContext>());
        v8::Local<v8::Value> args[] = {controller, env(), ctx};
        ok = test.As<v8::Function>()->Call(context, handler, 3, args).ToLocal(&value);
      }
    }
    if (!ok) {
      result = KJ_EXCEPTION(FAILED, js::describeException(isolate_, context, tryCatch));
    } else {
      result = awaitJs(value);
    }
  });
  return result.ignoreResult().then([this]() { return whenWaitUntilDone(); });
}

kj::Promise<void> Worker::whenWaitUntilDone() { return waitUntil_.onEmpty(); }

void Worker::addWaitUntil(kj::Promise<void> task) { waitUntil_.add(kj::mv(task)); }

// ---------------------------------------------------------------------------------------------
// JS promises <-> kj promises

kj::Promise<v8::Global<v8::Value>> Worker::awaitJs(v8::Local<v8::Value> value) {
  if (!value->IsPromise()) {
    return v8::Global<v8::Value>(isolate_, value);
  }
  auto promise = value.As<v8::Promise>();
  if (promise->State() == v8::Promise::kFulfilled) {
    return v8::Global<v8::Value>(isolate_, promise->Result());
  }
  // hooks.settle(promise, id) attaches two small JS reactions that call ops.promiseSettled(id,
  // ok, value); making native functions per await instead cost a template instantiation each.
  auto paf = kj::newPromiseAndFulfiller<v8::Global<v8::Value>>();
  uint64_t id = nextSettleId_++;
  settling_.emplace(id, kj::mv(paf.fulfiller));
  v8::Local<v8::Value> args[] = {promise, v8::Number::New(isolate_, static_cast<double>(id))};
  if (hook(HotHook::SETTLE)->Call(context(), v8::Undefined(isolate_), 2, args).IsEmpty()) {
    settling_.erase(id);
    return KJ_EXCEPTION(FAILED, "awaiting a JavaScript promise failed");
  }
  return kj::mv(paf.promise);
}

// ops.promiseSettled(id, ok, value): a promise awaited by awaitJs() settled.
void Worker::onSettled(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  auto id = static_cast<uint64_t>(info[0]->NumberValue(isolate->GetCurrentContext()).FromMaybe(0));
  auto it = worker.settling_.find(id);
  if (it == worker.settling_.end()) return;
  auto fulfiller = kj::mv(it->second);
  worker.settling_.erase(it);
  if (info[1]->IsTrue()) {
    fulfiller->fulfill(v8::Global<v8::Value>(isolate, info[2]));
  } else {
    auto text = js::describeValue(isolate, isolate->GetCurrentContext(), info[2]);
    fulfiller->reject(
        kj::Exception(kj::Exception::Type::FAILED, "(javascript)", 0, kj::str(text.c_str())));
  }
}

v8::Local<v8::Promise> Worker::toJsPromise(kj::Promise<void> promise) {
  return toJsPromise(promise.then([]() { return true; }),
                     [this](bool) -> v8::Local<v8::Value> { return v8::Undefined(isolate_); });
}

// ---------------------------------------------------------------------------------------------
// Errors

void Worker::TaskErrors::taskFailed(kj::Exception&& exception) {
  worker.logError(kj::str("Uncaught (in promise) ", exception.getDescription()).cStr());
}

void Worker::logError(const std::string& text) {
  spdlog::error("[{}] {}", source_.serviceName, text);
}

void Worker::onPromiseReject(v8::PromiseRejectMessage message) {
  auto promise = message.GetPromise();
  auto* isolate = promise->GetIsolate();
  auto& worker = Worker::from(isolate);
  auto& list = worker.unhandledRejections_;
  if (message.GetEvent() == v8::kPromiseRejectWithNoHandler) {
    list.emplace_back(v8::Global<v8::Promise>(isolate, promise),
                      v8::Global<v8::Value>(isolate, message.GetValue()));
  } else if (message.GetEvent() == v8::kPromiseHandlerAddedAfterReject) {
    for (auto it = list.begin(); it != list.end(); ++it) {
      if (it->first.Get(isolate) == promise) {
        list.erase(it);
        return;
      }
    }
    auto& reported = worker.reportedRejections_;
    for (auto it = reported.begin(); it != reported.end(); ++it) {
      if (it->first.Get(isolate) == promise) {
        worker.handledLater_.push_back(kj::mv(*it));
        reported.erase(it);
        break;
      }
    }
  }
}

void Worker::reportUnhandledRejections() {
  auto pending = kj::mv(unhandledRejections_);
  unhandledRejections_.clear();
  auto handled = kj::mv(handledLater_);
  handledLater_.clear();
  v8::HandleScope scope(isolate_);
  auto context = this->context();
  // The built-ins dispatch PromiseRejectionEvents on the global scope; a listener calling
  // preventDefault() on `unhandledrejection` keeps the rejection out of the log.
  auto dispatch = [&](const char* name, v8::Local<v8::Promise> promise, v8::Local<v8::Value> value) {
    v8::Local<v8::Value> fn;
    if (!hooks()->Get(context, str(isolate_, name)).ToLocal(&fn) || !fn->IsFunction()) return false;
    v8::TryCatch tryCatch(isolate_);
    v8::Local<v8::Value> args[] = {promise, value};
    v8::Local<v8::Value> result;
    if (!fn.As<v8::Function>()->Call(context, v8::Undefined(isolate_), 2, args).ToLocal(&result)) {
      return false;
    }
    return result->IsTrue();
  };
  for (auto& [promise, value] : handled) {
    dispatch("rejectionHandled", promise.Get(isolate_), value.Get(isolate_));
  }
  for (auto& [promise, value] : pending) {
    auto reason = value.Get(isolate_);
    if (!dispatch("unhandledRejection", promise.Get(isolate_), reason)) {
      logError("Uncaught (in promise) " + js::describeValue(isolate_, context, reason));
    }
    if (reportedRejections_.size() >= 100) reportedRejections_.erase(reportedRejections_.begin());
    reportedRejections_.emplace_back(kj::mv(promise), kj::mv(value));
  }
  isolate_->PerformMicrotaskCheckpoint();
}

}  // namespace colony
