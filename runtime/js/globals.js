"use strict";
// Installs the public globals (WebIDL-style: writable, configurable, non-enumerable), makes the
// global object an EventTarget (ServiceWorkerGlobalScope -> WorkerGlobalScope -> EventTarget),
// and fills internal.hooks for the runtime.

const {
  ObjectDefineProperty, ObjectFreeze, ObjectSetPrototypeOf, TypeError: TypeErrorCtor, globalThis: theGlobal,
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
const fetch = internal.require("fetch");
const crypto = internal.require("crypto");

function define(name, value) {
  ObjectDefineProperty(theGlobal, name, { value, writable: true, configurable: true, enumerable: false });
}

// ---- the global scope's prototype chain --------------------------------------------------------

function WorkerGlobalScope() { throw new TypeErrorCtor("Illegal constructor"); }
ObjectSetPrototypeOf(WorkerGlobalScope.prototype, events.EventTarget.prototype);
ObjectSetPrototypeOf(WorkerGlobalScope, events.EventTarget);
function ServiceWorkerGlobalScope() { throw new TypeErrorCtor("Illegal constructor"); }
ObjectSetPrototypeOf(ServiceWorkerGlobalScope.prototype, WorkerGlobalScope.prototype);
ObjectSetPrototypeOf(ServiceWorkerGlobalScope, WorkerGlobalScope);
events.initEventTarget(theGlobal);
ObjectSetPrototypeOf(theGlobal, ServiceWorkerGlobalScope.prototype);

// ---- globals ---------------------------------------------------------------------------------

const navigator = {};
ObjectDefineProperty(navigator, "userAgent", { value: "Cloudflare-Workers", enumerable: true });
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
define("setTimeout", timers.setTimeout);
define("setInterval", timers.setInterval);
define("clearTimeout", timers.clearTimeout);
define("clearInterval", timers.clearInterval);
define("queueMicrotask", timers.queueMicrotask);
define("reportError", function reportError(error) { internal.ops.reportError(error); });
define("TextEncoder", encoding.TextEncoder);
define("TextDecoder", encoding.TextDecoder);
define("atob", encoding.atob);
define("btoa", encoding.btoa);
define("URL", url.URL);
define("URLSearchParams", url.URLSearchParams);
define("Headers", Headers);
define("ReadableStream", streams.ReadableStream);
define("ReadableStreamDefaultReader", streams.ReadableStreamDefaultReader);
define("ReadableStreamDefaultController", streams.ReadableStreamDefaultController);
define("CountQueuingStrategy", streams.CountQueuingStrategy);
define("ByteLengthQueuingStrategy", streams.ByteLengthQueuingStrategy);
define("Request", fetch.Request);
define("Response", fetch.Response);
define("Fetcher", fetch.Fetcher);
define("FetchEvent", fetch.FetchEvent);
define("Crypto", crypto.Crypto);
define("crypto", crypto.crypto);
define("navigator", navigator);

// ---- hooks -----------------------------------------------------------------------------------

const hooks = internal.hooks;
hooks.makeRequest = fetch.makeRequest;
hooks.responseParts = fetch.responseParts;
hooks.makeResponse = (status, statusText, headers, body) => fetch.makeResponse(status, statusText, headers, body);
hooks.makeFetcher = fetch.makeFetcher;
hooks.dispatchFetchEvent = fetch.dispatchFetchEvent;
hooks.hasFetchListeners = () => events.hasListeners(theGlobal, "fetch");
hooks.makeTestController = () => ObjectFreeze({});
