// A worker: one V8 isolate running one worker service's code, and the entrypoints through which
// requests reach it. All of it runs on the runtime process's one thread.
#pragma once

#include <v8.h>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <kj/async.h>
#include <kj/compat/http.h>

#include "config/compat_flags.h"
#include "ipc/uv_event_port.h"
#include "runtime/http/http_server.h"
#include "runtime/service.h"
#include "runtime/worker_source.h"

namespace colony {

// A worker failed to compile or to run its top level; what() names the service, the module and
// the exception.
class WorkerStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What every worker of a runtime shares.
struct WorkerHost {
  UvEventPort& port;
  kj::HttpHeaderTable& headerTable;
  // Finds another service by name for service bindings (called while the worker starts).
  std::function<Service&(const std::string& name)> findService;
};

class ModuleRegistry;
namespace durable_objects {
class ObjectHost;
}
namespace api {
struct Timer;
}
class RequestContext;

class Worker {
 public:
  Worker(WorkerHost& host, WorkerSource source);
  ~Worker() noexcept(false);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Compiles every module and runs the top level. Throws WorkerStartError.
  void start();

  const std::string& serviceName() const { return source_.serviceName; }
  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  WorkerHost& host() { return host_; }
  const WorkerSource& source() const { return source_; }
  // The behaviours this worker's compatibilityDate and compatibilityFlags turn on.
  const config::CompatFlags& compatFlags() const { return compatFlags_; }
  // brotliContentEncoding, asked on every response: looked up once.
  bool brotliContentEncoding() const { return brotliContentEncoding_; }

  // The HTTP face of an entrypoint ("" = default export / fetch event listeners).
  kj::HttpService& entrypoint(kj::StringPtr name);

  // Names of the test handlers, "" for the default export's, in export order.
  std::vector<std::string> testNames();
  // Runs one test handler; the promise rejects with the error text and stack.
  kj::Promise<void> runTest(const std::string& name);

  // Runs the worker's scheduled handler (runtime/scheduled.cc): `scheduled(controller, env, ctx)`
  // of the default export, or the `scheduled` event of a service-worker script; resolves once it
  // and its waitUntil work are done, with the outcome (a failure's error text, noRetry()).
  struct ScheduledOutcome {
    bool ok = true;
    bool noRetry = false;
    std::string error;
  };
  kj::Promise<ScheduledOutcome> runScheduled(double scheduledTimeMs, const std::string& cron,
                                             const std::string& entrypoint = "");

  // Queue consumers (runtime/queue_consumer.cc): whether the entrypoint's handler has a queue()
  // method, and running it on one batch (bodies V8-serialized). The outcome says which messages
  // the handler acked or asked to retry.
  struct QueueMessage {
    std::string id;
    double timestampMs = 0;
    std::vector<unsigned char> body;
    uint32_t attempts = 1;
  };
  struct QueueOutcome {
    bool ok = true;
    std::string error;
    bool ackAll = false;
    bool retryAll = false;
    double retryAllDelaySeconds = 0;
    std::vector<std::string> acked;
    std::vector<std::string> retried;
    std::vector<double> retryDelaySeconds;  // for each of `retried`
  };
  bool hasQueueHandler(const std::string& entrypoint);
  kj::Promise<QueueOutcome> runQueue(const std::string& entrypoint, const std::string& queueName,
                                     std::vector<QueueMessage> messages);

  // Resolves when every ctx.waitUntil() promise so far has settled.
  kj::Promise<void> whenWaitUntilDone();

  // Delivers an event to a module worker's entrypoint the way Workers do: an object export is
  // called as method(event, env, ctx); a class export (extends WorkerEntrypoint) gets a new
  // instance constructed with (ctx, env) and is called as method(event). `makeEvent` runs only
  // once the method is known to exist. Inside enter(); unless CALLED a JS exception is pending:
  // on NO_METHOD "Handler does not export a METHOD() function." (naming a named entrypoint).
  enum class HandlerCall { CALLED, NO_METHOD, THREW };
  HandlerCall callHandler(const std::string& entrypoint, const char* method,
                          v8::Local<v8::Object> ctx,
                          kj::FunctionParam<v8::MaybeLocal<v8::Value>()> makeEvent,
                          v8::Local<v8::Value>& result);
  // Throws (in JS) the NO_METHOD error above.
  void throwNoHandlerMethod(const std::string& entrypoint, const char* method);

  // --- used by native ops and entrypoints ---------------------------------------------------
  static Worker& from(v8::Isolate* isolate) {
    return *static_cast<Worker*>(isolate->GetData(0));
  }
  // Runs `fn` in this worker's isolate and context, then runs the microtask checkpoint.
  template <typename Fn>
  auto enter(Fn&& fn) -> decltype(fn());

  // The built-ins' hooks object (hooks.makeRequest etc.).
  v8::Local<v8::Object> hooks() { return hooks_.Get(isolate_); }
  v8::Local<v8::Function> hook(const char* name);
  // The hooks every request calls, looked up once.
  enum class HotHook { MAKE_REQUEST, RESPONSE_PARTS, SETTLE, DISPATCH_FETCH_EVENT, CALL_FETCH, COUNT };
  v8::Local<v8::Function> hook(HotHook which);
  // What hooks.callFetch returns for a handler without a fetch() method.
  v8::Local<v8::Value> hooksNoHandler();
  // The native function hooks.responseParts hands a Response's parts to (runtime/worker.cc).
  v8::Local<v8::Function> responsePartsSink();
  // `name` as an internalized string, made once per isolate.
  v8::Local<v8::String> key(std::string_view name);
  // Calls a hook; on a JS exception throws a kj::Exception with its description.
  v8::Local<v8::Value> callHook(const char* name, std::initializer_list<v8::Local<v8::Value>> args);

  // A kj promise for a JS value: settles when the JS promise does (or at once for non-promises).
  // Rejections become kj exceptions whose description is the JS error's stack.
  kj::Promise<v8::Global<v8::Value>> awaitJs(v8::Local<v8::Value> value);
  // A JS promise for a kj promise: `convert` turns the result into a JS value inside the isolate.
  template <typename T, typename Convert>
  v8::Local<v8::Promise> toJsPromise(kj::Promise<T> promise, Convert convert);
  v8::Local<v8::Promise> toJsPromise(kj::Promise<void> promise);

  // Background work that belongs to this worker (body reads, service calls); errors are logged.
  void addTask(kj::Promise<void> task) { tasks_.add(kj::mv(task)); }
  void addWaitUntil(kj::Promise<void> task);

  // Logs an uncaught error the way console.error would, tagged with the service.
  void logError(const std::string& text);

  // The worker's pending JS timers by id (runtime/api/timers.cc keeps them).
  std::map<uint32_t, api::Timer*>& timers() { return timers_; }
  uint32_t nextTimerId() { return nextTimerId_++; }

  v8::Local<v8::FunctionTemplate> contextTemplate() { return contextTemplate_.Get(isolate_); }
  // The template of native handles (see runtime/api/native_handle.h), made once per isolate.
  v8::Local<v8::ObjectTemplate> handleTemplate();
  v8::Local<v8::Object> env() { return env_.Get(isolate_); }
  // Where the worker's own outbound requests go (Worker.globalOutbound).
  kj::HttpService& globalOutbound();

  // The Durable Object namespaces this worker exports (runtime/durable_objects).
  durable_objects::ObjectHost& durableObjects();
  // An HTTP face that hands each request, as a Request object, to hooks[hookName](...hookArgs,
  // request), whose result (a Response or a promise of one) is sent back: how a Durable Object
  // receives fetch() calls.
  std::unique_ptr<kj::HttpService> newHookEntrypoint(std::string hookName,
                                                     std::vector<std::string> hookArgs);
  // The main module's exports (empty for service-worker syntax or before start()).
  v8::Local<v8::Object> moduleExports() {
    return exports_.IsEmpty() ? v8::Local<v8::Object>() : exports_.Get(isolate_);
  }

 private:
  class TaskErrors : public kj::TaskSet::ErrorHandler {
   public:
    explicit TaskErrors(Worker& w) : worker(w) {}
    void taskFailed(kj::Exception&& exception) override;
    Worker& worker;
  };
  class Entrypoint;

  void loadBuiltins();
  void runServiceWorkerScript();
  void runModules();
  v8::Local<v8::Object> makeEnv(bool asGlobals);
  v8::Local<v8::Value> bindingValue(const WorkerSource::Binding& binding);
  v8::MaybeLocal<v8::Object> handlerObject(const std::string& entrypoint);

  WorkerHost& host_;
  WorkerSource source_;
  config::CompatFlags compatFlags_;
  bool brotliContentEncoding_ = false;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Object> hooks_;
  v8::Global<v8::Object> env_;
  v8::Global<v8::Object> exports_;  // the main module's namespace (modules syntax)
  // Exported handler objects by entrypoint ("" for the default), read from exports_ on first
  // use (handlerObject()).
  std::unordered_map<std::string, v8::Global<v8::Object>> handlers_;
  v8::Global<v8::FunctionTemplate> contextTemplate_;
  v8::Global<v8::ObjectTemplate> handleTemplate_;
  v8::Global<v8::Function> hotHooks_[static_cast<int>(HotHook::COUNT)];
  v8::Global<v8::Value> noHandler_;
  v8::Global<v8::Function> responsePartsSink_;
  // Requests in flight by the id their `ctx` object holds (runtime/request_context.cc).
  std::unordered_map<uint64_t, RequestContext*> liveContexts_;
  uint64_t nextContextId_ = 1;
  std::map<uint32_t, api::Timer*> timers_;
  uint32_t nextTimerId_ = 1;
  std::vector<std::pair<v8::Global<v8::Promise>, v8::Global<v8::Value>>> unhandledRejections_;
  // Rejections already reported as unhandled (the most recent ones), and those of them that got a
  // handler since: they fire `rejectionhandled` at the next checkpoint.
  std::vector<std::pair<v8::Global<v8::Promise>, v8::Global<v8::Value>>> reportedRejections_;
  std::vector<std::pair<v8::Global<v8::Promise>, v8::Global<v8::Value>>> handledLater_;
  int enterDepth_ = 0;
  // Leaves this isolate entered on this thread after enter() returns (see worker.cc), so that
  // the next entry into the same isolate is a counter increment instead of V8 allocating and
  // freeing an entry record: most runtime processes serve one worker's requests back to back.
  void keepEntered();
  void releaseKeptEntry();
  // enter() calls running on this thread, across all workers.
  static inline thread_local int entersRunning = 0;
  static void onPromiseReject(v8::PromiseRejectMessage message);
  void reportUnhandledRejections();
  // What the outermost enter() does on its way out: runs the microtasks, then reports promise
  // rejections left unhandled.
  void runMicrotaskCheckpoint() {
    isolate_->PerformMicrotaskCheckpoint();
    if (!unhandledRejections_.empty() || !handledLater_.empty()) reportUnhandledRejections();
  }
  std::unique_ptr<ModuleRegistry> modules_;
  // JS promises awaited by awaitJs(), by the id hooks.settle() reports them with.
  std::unordered_map<uint64_t, kj::Own<kj::PromiseFulfiller<v8::Global<v8::Value>>>> settling_;
  uint64_t nextSettleId_ = 1;
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, v8::Eternal<v8::String>, KeyHash, std::equal_to<>> keys_;
  static void onSettled(const v8::FunctionCallbackInfo<v8::Value>& info);
  std::unique_ptr<durable_objects::ObjectHost> durableObjects_;
  std::map<std::string, std::unique_ptr<Entrypoint>, std::less<>> entrypoints_;
  TaskErrors taskErrors_{*this};
  kj::TaskSet tasks_{taskErrors_};
  TaskErrors waitUntilErrors_{*this};
  kj::TaskSet waitUntil_{waitUntilErrors_};
  friend class RequestContext;
  friend class ModuleRegistry;
};

template <typename Fn>
auto Worker::enter(Fn&& fn) -> decltype(fn()) {
  keepEntered();
  v8::Isolate::Scope isolateScope(isolate_);
  v8::HandleScope handleScope(isolate_);
  v8::Context::Scope contextScope(context());
  // Microtasks run when the outermost entry returns, never while JS is on the stack.
  struct Checkpoint {
    Worker* worker;
    explicit Checkpoint(Worker* w) : worker(w) {
      // Responses batched a while ago go out before JavaScript that may run long.
      if (entersRunning == 0) http::flushOldResponseBatches();
      ++worker->enterDepth_;
      ++entersRunning;
    }
    ~Checkpoint() {
      if (--worker->enterDepth_ == 0) worker->runMicrotaskCheckpoint();
      --entersRunning;
    }
  } checkpoint(this);
  return fn();
}

template <typename T, typename Convert>
v8::Local<v8::Promise> Worker::toJsPromise(kj::Promise<T> promise, Convert convert) {
  auto resolver = v8::Promise::Resolver::New(context()).ToLocalChecked();
  auto global = std::make_shared<v8::Global<v8::Promise::Resolver>>(isolate_, resolver);
  addTask(promise.then(
      [this, global, convert = kj::mv(convert)](T&& value) mutable {
        enter([&] {
          v8::TryCatch tryCatch(isolate_);
          v8::Local<v8::Value> js = convert(kj::mv(value));
          auto r = global->Get(isolate_);
          if (tryCatch.HasCaught()) {
            r->Reject(context(), tryCatch.Exception()).Check();
          } else {
            r->Resolve(context(), js).Check();
          }
        });
      },
      [this, global](kj::Exception&& e) {
        enter([&] {
          auto r = global->Get(isolate_);
          auto error = v8::Exception::Error(
              v8::String::NewFromUtf8(isolate_, e.getDescription().cStr()).ToLocalChecked());
          r->Reject(context(), error).Check();
        });
      }));
  return resolver->GetPromise();
}

}  // namespace colony
