// ops.serviceFetch: a service binding's fetch() and the global fetch(), calling a service's
// kj::HttpService on the same thread (for a worker: a function call into its isolate, no socket;
// for a network or external service: a kj-http client request).
// ops.fetchToken / ops.fetchAbort: cancelling a call in flight (AbortSignal).
// ops.globalOutbound: the target object for the worker's globalOutbound service.
#include <strings.h>

#include <kj/debug.h>

#include "runtime/api/fetch_encoding.h"
#include "runtime/api/native_handle.h"
#include "runtime/api/ops.h"
#include "runtime/api/websocket.h"
#include "runtime/js_util.h"
#include "runtime/worker.h"

namespace colony::api {

namespace {

struct ResponseHead {
  uint status;
  kj::String statusText;
  kj::Vector<kj::String> headers;  // name, value, name, value, ...
  kj::Own<kj::AsyncInputStream> body;
  bool hasBody;
  kj::Own<kj::WebSocket> webSocket;  // a 101 answer: JS's end of the WebSocket
  kj::Maybe<ContentCoding> coding;   // the body's bytes are still in this coding
};

// Receives the called service's response: the head is handed back to JS as soon as it is sent,
// and the body flows through a pipe that JS reads with ops.bodyRead.
class CapturingResponse final : public kj::HttpService::Response {
 public:
  // `head`: the request was HEAD, so the answer has no body whatever its length says.
  CapturingResponse(kj::Own<kj::PromiseFulfiller<ResponseHead>> fulfiller, int decode, bool head)
      : fulfiller_(kj::mv(fulfiller)), decode_(decode), head_(head) {}

  kj::Own<kj::AsyncOutputStream> send(uint statusCode, kj::StringPtr statusText,
                                      const kj::HttpHeaders& headers,
                                      kj::Maybe<uint64_t> expectedBodySize) override {
    KJ_REQUIRE(!sent_, "the service sent two responses to one request");
    sent_ = true;
    ResponseHead head{statusCode, kj::str(statusText), {}, kj::Own<kj::AsyncInputStream>(), true, {},
                      nullptr};
    kj::Maybe<kj::StringPtr> contentEncoding;
    headers.forEach([&](kj::StringPtr name, kj::StringPtr value) {
      head.headers.add(kj::str(name));
      head.headers.add(kj::str(value));
      if (name.size() == 16 && strncasecmp(name.cStr(), "content-encoding", 16) == 0) {
        contentEncoding = value;
      }
    });
    KJ_IF_MAYBE(size, expectedBodySize) { head.hasBody = *size > 0; }
    if (head_) head.hasBody = false;
    auto pipe = kj::newOneWayPipe(expectedBodySize);
    head.body = kj::mv(pipe.in);
    if (decode_ != 0 && head.hasBody) {
      // The Content-Encoding header stays, as in workerd; the body JS reads is decoded, while a
      // body handed back unread (a proxied response) goes on as it came.
      KJ_IF_MAYBE(value, contentEncoding) { head.coding = parseContentCoding(*value, decode_ == 2); }
    }
    fulfiller_->fulfill(kj::mv(head));
    return kj::mv(pipe.out);
  }

  // The service accepted a WebSocket upgrade: it gets one end of an in-process WebSocket pipe,
  // JS the other (as the 101 response's webSocket).
  kj::Own<kj::WebSocket> acceptWebSocket(const kj::HttpHeaders& headers) override {
    KJ_REQUIRE(!sent_, "the service sent two responses to one request");
    sent_ = true;
    ResponseHead head{101, kj::str("Switching Protocols"), {}, kj::Own<kj::AsyncInputStream>(),
                      false, {}, nullptr};
    headers.forEach([&](kj::StringPtr name, kj::StringPtr value) {
      head.headers.add(kj::str(name));
      head.headers.add(kj::str(value));
    });
    auto pipe = kj::newWebSocketPipe();
    head.webSocket = kj::mv(pipe.ends[0]);
    fulfiller_->fulfill(kj::mv(head));
    return kj::mv(pipe.ends[1]);
  }

  bool sent() const { return sent_; }
  void fail(kj::Exception&& e) {
    if (!sent_) fulfiller_->reject(kj::mv(e));
  }

 private:
  kj::Own<kj::PromiseFulfiller<ResponseHead>> fulfiller_;
  int decode_;
  bool head_;
  bool sent_ = false;
};

// A service a Fetcher (or fetch() through globalOutbound) calls; the services outlive workers.
const HandleKind kServiceTargetHandle{"service target"};

kj::HttpService* unwrapTarget(v8::Local<v8::Value> value) {
  auto* service = unwrapHandle<kj::HttpService*>(value, kServiceTargetHandle);
  return service == nullptr ? nullptr : *service;
}

// What an AbortSignal needs to stop one call: the call itself, and the response body once there
// is one. Shared by the JS token object and the call.
struct FetchCancel {
  kj::Canceler canceler;
  std::weak_ptr<BodyHandle> body;
  bool aborted = false;

  void abort() {
    aborted = true;
    canceler.cancel("The operation was aborted");
    if (auto handle = body.lock()) handle->cancel();
  }
};

const HandleKind kFetchTokenHandle{"fetch token"};

std::shared_ptr<FetchCancel> unwrapToken(v8::Local<v8::Value> value) {
  auto* state = unwrapHandle<std::shared_ptr<FetchCancel>>(value, kFetchTokenHandle);
  return state == nullptr ? nullptr : *state;
}

void fetchToken(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto& worker = Worker::from(info.GetIsolate());
  info.GetReturnValue().Set(
      wrapHandle(worker, kFetchTokenHandle, std::make_shared<FetchCancel>()));
}

void fetchAbort(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto state = unwrapToken(info[0]);
  if (state == nullptr) return js::throwTypeError(info.GetIsolate(), "not a fetch token");
  if (!state->aborted) state->abort();
}

void globalOutbound(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto& worker = Worker::from(isolate);
  kj::HttpService* service = nullptr;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] { service = &worker.globalOutbound(); })) {
    return js::throwTypeError(
        isolate, kj::str("fetch() cannot reach its globalOutbound service: ", e->getDescription())
                     .cStr());
  }
  info.GetReturnValue().Set(wrapServiceTarget(worker, *service));
}

void serviceFetch(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  auto& worker = Worker::from(isolate);
  auto* service = unwrapTarget(info[0]);
  if (service == nullptr) return js::throwTypeError(isolate, "Illegal invocation");

  auto methodName = js::toKjString(isolate, info[1]);
  kj::HttpMethod method;
  KJ_IF_MAYBE(m, kj::tryParseHttpMethod(methodName)) {
    method = *m;
  } else {
    return js::throwTypeError(isolate, "unsupported HTTP method: " + std::string(methodName.cStr()));
  }
  auto url = js::toKjString(isolate, info[2]);
  auto headers = kj::heap<kj::HttpHeaders>(worker.host().headerTable);
  if (info[3]->IsArray()) {
    auto list = info[3].As<v8::Array>();
    for (uint32_t i = 0; i + 1 < list->Length(); i += 2) {
      headers->add(js::toKjString(isolate, list->Get(context, i).ToLocalChecked()),
                   js::toKjString(isolate, list->Get(context, i + 1).ToLocalChecked()));
    }
  }
  auto kind = js::toStdString(isolate, info[5]);
  kj::Own<kj::AsyncInputStream> body;
  if (kind == "string") {
    auto s = js::toStdString(isolate, info[4]);
    body = kj::heap<BytesInputStream>(
        kj::heapArray<kj::byte>(reinterpret_cast<const kj::byte*>(s.data()), s.size()));
  } else if (kind == "bytes") {
    body = kj::heap<BytesInputStream>(kj::heapArray<kj::byte>(js::bytesOf(info[4])));
  } else if (kind == "stream" && info[4]->IsObject()) {
    // [8]: the stream's length when it is known (a FixedLengthStream), else -1.
    kj::Maybe<uint64_t> length;
    double known = info.Length() > 8 ? info[8]->NumberValue(context).FromMaybe(-1) : -1;
    if (known >= 0) length = static_cast<uint64_t>(known);
    body = newJsBodyStream(worker, v8::Global<v8::Object>(isolate, info[4].As<v8::Object>()),
                           length);
  } else {
    body = kj::heap<EmptyInputStream>();
  }
  KJ_IF_MAYBE(length, body->tryGetLength()) {
    if (method != kj::HttpMethod::GET && method != kj::HttpMethod::HEAD) {
      headers->set(kj::HttpHeaderId::CONTENT_LENGTH, kj::str(*length));
    }
  } else {
    headers->set(kj::HttpHeaderId::TRANSFER_ENCODING, "chunked");
  }

  // Optional: [6] a token from ops.fetchToken() to abort the call with; [7] decode the response
  // body per its Content-Encoding (0 no, 1 gzip and deflate, 2 those and br).
  auto cancel = info.Length() > 6 ? unwrapToken(info[6]) : nullptr;
  if (cancel == nullptr) cancel = std::make_shared<FetchCancel>();
  int decode = info.Length() > 7 ? info[7]->Int32Value(context).FromMaybe(0) : 0;

  auto paf = kj::newPromiseAndFulfiller<ResponseHead>();
  auto response =
      kj::heap<CapturingResponse>(kj::mv(paf.fulfiller), decode, method == kj::HttpMethod::HEAD);
  auto& responseRef = *response;
  // Start the call from the event loop, not from inside this JS call, so the callee never runs
  // nested inside the caller's stack.
  kj::StringPtr urlPtr = url;
  auto* headersPtr = headers.get();
  auto* bodyPtr = body.get();
  auto call = cancel->canceler
                  .wrap(kj::evalLater([service, method, urlPtr, headersPtr, bodyPtr, &responseRef]() {
                    return service->request(method, urlPtr, *headersPtr, *bodyPtr, responseRef);
                  }))
                  .then(
                      [&responseRef]() {
                        // Built only when it is needed: an exception costs some 2,000
                        // instructions, and nearly every call has sent its response.
                        if (!responseRef.sent()) {
                          responseRef.fail(KJ_EXCEPTION(
                              FAILED, "the service finished without sending a response"));
                        }
                      },
                      [&responseRef](kj::Exception&& e) { responseRef.fail(kj::mv(e)); });
  worker.addTask(call.attach(kj::mv(url), kj::mv(headers), kj::mv(body), kj::mv(response),
                             std::shared_ptr<FetchCancel>(cancel)));

  info.GetReturnValue().Set(worker.toJsPromise(
      kj::mv(paf.promise), [&worker, cancel](ResponseHead&& head) -> v8::Local<v8::Value> {
        auto* isolate = worker.isolate();
        std::vector<v8::Local<v8::Value>> flat;
        for (auto& h : head.headers) flat.push_back(js::str(isolate, h.cStr()));
        v8::Local<v8::Value> bodyValue = v8::Null(isolate);
        if (head.webSocket.get() != nullptr) {
          bodyValue = wrapWebSocket(worker, kj::mv(head.webSocket));
        } else if (head.hasBody) {
          auto handle = BodyHandle::own(kj::mv(head.body), head.coding);
          if (cancel->aborted) handle->cancel();
          cancel->body = handle;
          bodyValue = BodyHandle::wrap(worker, kj::mv(handle));
        }
        v8::Local<v8::Value> parts[] = {
            v8::Integer::NewFromUnsigned(isolate, head.status),
            js::str(isolate, head.statusText.cStr()),
            v8::Array::New(isolate, flat.data(), flat.size()),
            bodyValue,
        };
        return v8::Array::New(isolate, parts, 4);
      }));
}

}  // namespace

v8::Local<v8::Object> wrapServiceTarget(Worker& worker, kj::HttpService& service) {
  return wrapHandle(worker, kServiceTargetHandle, &service);
}

kj::HttpService* unwrapServiceTarget(v8::Local<v8::Value> value) { return unwrapTarget(value); }

void installServiceFetchOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "serviceFetch", &serviceFetch);
  setOp(worker, ops, "fetchToken", &fetchToken);
  setOp(worker, ops, "fetchAbort", &fetchAbort);
  setOp(worker, ops, "globalOutbound", &globalOutbound);
}

}  // namespace colony::api
