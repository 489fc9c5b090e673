// ops.serviceFetch: a service binding's fetch(), calling another service's kj::HttpService on the
// same thread (for a worker: a function call into its isolate, no socket).
#include <kj/debug.h>

#include "runtime/api/ops.h"
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
};

// Receives the called service's response: the head is handed back to JS as soon as it is sent,
// and the body flows through a pipe that JS reads with ops.bodyRead.
class CapturingResponse final : public kj::HttpService::Response {
 public:
  explicit CapturingResponse(kj::Own<kj::PromiseFulfiller<ResponseHead>> fulfiller)
      : fulfiller_(kj::mv(fulfiller)) {}

  kj::Own<kj::AsyncOutputStream> send(uint statusCode, kj::StringPtr statusText,
                                      const kj::HttpHeaders& headers,
                                      kj::Maybe<uint64_t> expectedBodySize) override {
    KJ_REQUIRE(!sent_, "the service sent two responses to one request");
    sent_ = true;
    ResponseHead head{statusCode, kj::str(statusText), {}, kj::Own<kj::AsyncInputStream>(), true};
    headers.forEach([&](kj::StringPtr name, kj::StringPtr value) {
      head.headers.add(kj::str(name));
      head.headers.add(kj::str(value));
    });
    KJ_IF_MAYBE(size, expectedBodySize) { head.hasBody = *size > 0; }
    auto pipe = kj::newOneWayPipe(expectedBodySize);
    head.body = kj::mv(pipe.in);
    fulfiller_->fulfill(kj::mv(head));
    return kj::mv(pipe.out);
  }

  kj::Own<kj::WebSocket> acceptWebSocket(const kj::HttpHeaders&) override {
    KJ_UNIMPLEMENTED("WebSockets over service bindings are not supported yet");
  }

  bool sent() const { return sent_; }
  void fail(kj::Exception&& e) {
    if (!sent_) fulfiller_->reject(kj::mv(e));
  }

 private:
  kj::Own<kj::PromiseFulfiller<ResponseHead>> fulfiller_;
  bool sent_ = false;
};

kj::HttpService* unwrapTarget(v8::Local<v8::Value> value) {
  if (!value->IsObject()) return nullptr;
  auto obj = value.As<v8::Object>();
  if (obj->InternalFieldCount() != 2) return nullptr;
  return static_cast<kj::HttpService*>(obj->GetAlignedPointerFromInternalField(0));
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
    body = newJsBodyStream(worker, v8::Global<v8::Object>(isolate, info[4].As<v8::Object>()));
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

  auto paf = kj::newPromiseAndFulfiller<ResponseHead>();
  auto response = kj::heap<CapturingResponse>(kj::mv(paf.fulfiller));
  auto& responseRef = *response;
  // Start the call from the event loop, not from inside this JS call, so the callee never runs
  // nested inside the caller's stack.
  kj::StringPtr urlPtr = url;
  auto* headersPtr = headers.get();
  auto* bodyPtr = body.get();
  auto call = kj::evalLater([service, method, urlPtr, headersPtr, bodyPtr, &responseRef]() {
                return service->request(method, urlPtr, *headersPtr, *bodyPtr, responseRef);
              })
                  .then(
                      [&responseRef]() {
                        responseRef.fail(KJ_EXCEPTION(
                            FAILED, "the service finished without sending a response"));
                      },
                      [&responseRef](kj::Exception&& e) { responseRef.fail(kj::mv(e)); });
  worker.addTask(call.attach(kj::mv(url), kj::mv(headers), kj::mv(body), kj::mv(response)));

  info.GetReturnValue().Set(worker.toJsPromise(
      kj::mv(paf.promise), [&worker](ResponseHead&& head) -> v8::Local<v8::Value> {
        auto* isolate = worker.isolate();
        std::vector<v8::Local<v8::Value>> flat;
        for (auto& h : head.headers) flat.push_back(js::str(isolate, h.cStr()));
        v8::Local<v8::Value> bodyValue = v8::Null(isolate);
        if (head.hasBody) bodyValue = BodyHandle::wrap(worker, BodyHandle::own(kj::mv(head.body)));
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

void installServiceFetchOps(Worker& worker, v8::Local<v8::Object> ops) {
  setOp(worker, ops, "serviceFetch", &serviceFetch);
}

}  // namespace colony::api
