"use strict";
// Installs the public globals (WebIDL-style: writable, configurable, non-enumerable), makes the
// global object an EventTarget (ServiceWorkerGlobalScope -> WorkerGlobalScope -> EventTarget),
// and fills internal.hooks for the runtime.

const {
  FunctionPrototypeCall, ObjectDefineProperty, ObjectFreeze, ObjectSetPrototypeOf, PromisePrototypeThen,
  Symbol: SymbolCtor, TypeError: TypeErrorCtor,
  globalThis: theGlobal,
} = internal.primordials;

const { DOMException } = internal.require("dom_exception");
const events = internal.require("events");
const abort = internal.require("abort");
const { console: consoleObject } = internal.require("console");
const timers = internal.require("timers");
const encoding = internal.require("encoding");
const url = internal.require("url");
const { Headers } = internal.require("headers");
const streams = internal.require("streams");
const streamAdapters = internal.require("streams_adapters");
const blob = internal.require("blob");
const formData = internal.require("form_data");
const { structuredClone } = internal.require("structured_clone");
const perf = internal.require("performance");
const rejection = internal.require("promise_rejection");
const fetch = internal.require("fetch");
const globalFetch = internal.require("global_fetch");
const crypto = internal.require("crypto");
const websocket = internal.require("websocket");
const messageChannel = internal.require("message_channel");
const compression = internal.require("compression");

function define(name, value) {
  ObjectDefineProperty(theGlobal, name, { value, writable: true, configurable: true, enumerable: false });
}
// Operations of the global scope (setTimeout, fetch, ...) are enumerable methods of
// ServiceWorkerGlobalScope.prototype, as in workerd; the functions are methods themselves, so not
// constructors.
function defineOperation(name, fn) {
  ObjectDefineProperty(ServiceWorkerGlobalScope.prototype, name, {
    value: fn, writable: true, configurable: true, enumerable: true,
  });
}

// ---- the global scope's prototype chain --------------------------------------------------------

function WorkerGlobalScope() { throw new TypeErrorCtor("Illegal constructor"); }
ObjectSetPrototypeOf(WorkerGlobalScope.prototype, events.EventTarget.prototype);
ObjectSetPrototypeOf(WorkerGlobalScope, events.EventTarget);
function ServiceWorkerGlobalScope() { throw new TypeErrorCtor("Illegal constructor"); }
ObjectSetPrototypeOf(ServiceWorkerGlobalScope.prototype, WorkerGlobalScope.prototype);
ObjectSetPrototypeOf(ServiceWorkerGlobalScope, WorkerGlobalScope);
// Per worker: the global object a worker's context gets is not the one the built-ins were
// evaluated with for the startup snapshot, so it is registered when the worker starts.
internal.onWorkerStart(() => { events.initEventTarget(theGlobal); });
ObjectSetPrototypeOf(theGlobal, ServiceWorkerGlobalScope.prototype);

// ---- globals ---------------------------------------------------------------------------------

const navigator = {};
ObjectDefineProperty(navigator, "userAgent", { value: "Cloudflare-Workers", enumerable: true });
// Each isolate runs on one thread.
ObjectDefineProperty(navigator, "hardwareConcurrency", { value: 1, enumerable: true });
ObjectFreeze(navigator);

define("self", theGlobal);
define("WorkerGlobalScope", WorkerGlobalScope);
define("ServiceWorkerGlobalScope", ServiceWorkerGlobalScope);
define("DOMException", DOMException);
define("Event", events.Event);
define("CustomEvent", events.CustomEvent);
define("EventTarget", events.EventTarget);
define("AbortController", abort.AbortController);
define("AbortSignal", abort.AbortSignal);
define("console", consoleObject);
defineOperation("setTimeout", timers.setTimeout);
defineOperation("setInterval", timers.setInterval);
defineOperation("clearTimeout", timers.clearTimeout);
defineOperation("clearInterval", timers.clearInterval);
defineOperation("queueMicrotask", timers.queueMicrotask);
defineOperation("reportError", { reportError(error) { internal.ops.reportError(error); } }.reportError);
define("TextEncoder", encoding.TextEncoder);
define("TextDecoder", encoding.TextDecoder);
defineOperation("atob", encoding.atob);
defineOperation("btoa", encoding.btoa);
define("URL", url.URL);
define("URLSearchParams", url.URLSearchParams);
define("Headers", Headers);
define("ReadableStream", streams.ReadableStream);
define("ReadableStreamDefaultReader", streams.ReadableStreamDefaultReader);
define("ReadableStreamDefaultController", streams.ReadableStreamDefaultController);
define("ReadableStreamBYOBReader", streams.ReadableStreamBYOBReader);
define("ReadableStreamBYOBRequest", streams.ReadableStreamBYOBRequest);
define("ReadableByteStreamController", streams.ReadableByteStreamController);
define("WritableStream", streams.WritableStream);
define("WritableStreamDefaultWriter", streams.WritableStreamDefaultWriter);
define("WritableStreamDefaultController", streams.WritableStreamDefaultController);
define("TransformStream", streams.TransformStream);
define("TransformStreamDefaultController", streams.TransformStreamDefaultController);
define("CountQueuingStrategy", streams.CountQueuingStrategy);
define("ByteLengthQueuingStrategy", streams.ByteLengthQueuingStrategy);
define("IdentityTransformStream", streamAdapters.IdentityTransformStream);
define("FixedLengthStream", streamAdapters.FixedLengthStream);
define("TextEncoderStream", streamAdapters.TextEncoderStream);
define("TextDecoderStream", streamAdapters.TextDecoderStream);
define("Blob", blob.Blob);
define("File", blob.File);
define("FormData", formData.FormData);
defineOperation("structuredClone", structuredClone);
define("Performance", perf.Performance);
define("performance", perf.performance);
define("Scheduler", perf.Scheduler);
define("scheduler", perf.scheduler);
define("PromiseRejectionEvent", rejection.PromiseRejectionEvent);
define("Request", fetch.Request);
define("Response", fetch.Response);
define("Fetcher", fetch.Fetcher);
define("FetchEvent", fetch.FetchEvent);
defineOperation("fetch", globalFetch.fetch);
define("Crypto", crypto.Crypto);
define("crypto", crypto.crypto);
define("WebSocket", websocket.WebSocket);
define("WebSocketPair", websocket.WebSocketPair);
define("CloseEvent", websocket.CloseEvent);
define("ErrorEvent", websocket.ErrorEvent);
define("navigator", navigator);
define("MessageEvent", messageChannel.MessageEvent);
define("CompressionStream", compression.CompressionStream);
define("DecompressionStream", compression.DecompressionStream);
{
  // Cache API (runtime/js/cache.js).
  const cache = internal.require("cache");
  define("caches", cache.caches);
  define("Cache", cache.Cache);
  define("CacheStorage", cache.CacheStorage);
}
// MessageChannel and MessagePort are globals from the 2025-08-15 compatibility date on (or with
// the expose_global_message_channel flag), as in workerd.
// Compatibility flags are the worker's: they are read when it starts (the built-ins themselves
// are evaluated once, into the startup snapshot).
internal.onWorkerStart(() => {
  if (internal.ops.compatFlag("exposeGlobalMessageChannel")) {
    define("MessageChannel", messageChannel.MessageChannel);
    define("MessagePort", messageChannel.MessagePort);
  }
});

// Globals whose file is evaluated on first use (runtime/builtins.cc): data properties that V8
// fills in when they are first read.
internal.onWorkerStart(() => {
  internal.ops.defineLazyProperty(theGlobal, "CryptoKey", "subtle");
  internal.ops.defineLazyProperty(theGlobal, "SubtleCrypto", "subtle");
  internal.ops.defineLazyProperty(theGlobal, "URLPattern", "url_pattern");
});

// ---- nodejs_compat ---------------------------------------------------------------------------
// With nodejs_compat or nodejs_als, timers and queueMicrotask keep the AsyncLocalStorage context
// of the code that scheduled them; with nodejs_compat_v2, Buffer, process, global and
// setImmediate/clearImmediate are globals, as in workerd.
internal.onWorkerStart(() => {
  const nodeRegistry = internal.require("node_registry");
  const nodeFlags = nodeRegistry.flags();
  if (nodeFlags.compat || nodeFlags.als) {
    const { wrapWithContext } = internal.require("node_async");
    defineOperation("setTimeout", { setTimeout(handler, timeout = 0, ...args) {
      return timers.setTimeout(wrapWithContext(handler), timeout, ...args);
    } }.setTimeout);
    defineOperation("setInterval", { setInterval(handler, timeout = 0, ...args) {
      return timers.setInterval(wrapWithContext(handler), timeout, ...args);
    } }.setInterval);
    defineOperation("queueMicrotask", { queueMicrotask(callback) {
      return timers.queueMicrotask(wrapWithContext(callback));
    } }.queueMicrotask);
  }
  if (nodeFlags.v2) {
    const nodeProcess = internal.require("node_process");
    define("Buffer", nodeRegistry.load("buffer").Buffer);
    define("process", nodeRegistry.load("process"));
    define("global", theGlobal);
    define("setImmediate", nodeProcess.setImmediate);
    define("clearImmediate", nodeProcess.clearImmediate);
  }
});

// ---- hooks -----------------------------------------------------------------------------------

const hooks = internal.hooks;
hooks.makeRequest = fetch.makeRequest;
hooks.responseParts = fetch.responseParts;
hooks.makeResponse = (status, statusText, headers, body) => fetch.makeResponse(status, statusText, headers, body);
hooks.webSocketForResponse = websocket.webSocketForResponse;
hooks.bindWebSocket = websocket.bindWebSocket;
hooks.dispatchFetchEvent = fetch.dispatchFetchEvent;
// A module worker's fetch(request, env, ctx) on an exported object, the Request made here: one
// call from the runtime for all three steps. hooks.noHandler when the object has no fetch().
hooks.noHandler = SymbolCtor("no handler");
hooks.callFetch = (handler, method, url, headersFlat, body, env, ctx) => {
  const fn = handler.fetch;
  if (typeof fn !== "function") return hooks.noHandler;
  return FunctionPrototypeCall(fn, handler, fetch.makeRequest(method, url, headersFlat, body), env, ctx);
};
hooks.unhandledRejection = rejection.unhandledRejection;
hooks.rejectionHandled = rejection.rejectionHandled;
hooks.hasFetchListeners = () => events.hasListeners(theGlobal, "fetch");
hooks.makeTestController = () => ObjectFreeze({});
// The runtime awaits a promise (Worker::awaitJs): report how it settles, by id.
hooks.settle = (promise, id) => {
  PromisePrototypeThen(promise, (value) => { internal.ops.promiseSettled(id, true, value); },
    (error) => { internal.ops.promiseSettled(id, false, error); });
};
