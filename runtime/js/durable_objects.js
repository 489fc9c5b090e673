"use strict";
// Durable Objects, both sides:
// - callers: the `durableObjectNamespace` binding (DurableObjectNamespace), ids and stubs. A stub's
//   fetch() goes through ops.serviceFetch to the object's channel (ops.doTarget); any other method
//   is a JS RPC call whose arguments and result cross as structured-clone bytes (ops.doCall).
// - the worker that exports the class: one instance per object id, created on first use as
//   `new Class(ctx, env)`, its ctx (DurableObjectState), storage on SQLite (ops.sql*), the input
//   gate (events wait while blockConcurrencyWhile() or a transaction runs), alarms, and the
//   WebSocket hibernation API. runtime/durable_objects/README.md explains the design.

const {
  ArrayIsArray, ArrayPrototypeJoin, ArrayPrototypeMap, ArrayPrototypePush, DateNow, Error: ErrorCtor,
  JSONParse, JSONStringify, MapCtor, MathMin, MathPow, NumberIsFinite, ObjectCreate,
  ObjectDefineProperty, ObjectEntries, ObjectFreeze, PromisePrototypeThen, PromiseReject,
  PromiseResolve, ProxyCtor, ReflectApply, ReflectGet, StringCtor, SymbolIterator,
  TypeError: TypeErrorCtor, Uint8ArrayCtor,
} = primordialsFor(internal.primordials);

function primordialsFor(P) {
  return {
    ArrayIsArray: P.ArrayIsArray || Array.isArray,
    ArrayPrototypeJoin: P.ArrayPrototypeJoin,
    ArrayPrototypeMap: P.ArrayPrototypeMap,
    ArrayPrototypePush: P.ArrayPrototypePush,
    DateNow: P.DateNow || Date.now,
    Error: P.Error || Error,
    JSONParse: P.JSONParse || JSON.parse,
  JSONStringify: P.JSONStringify || JSON.stringify,
    MapCtor: P.Map || Map,
    MathMin: P.MathMin || Math.min,
    MathPow: P.MathPow || Math.pow,
    NumberIsFinite: P.NumberIsFinite || Number.isFinite,
    ObjectCreate: P.ObjectCreate || Object.create,
    ObjectDefineProperty: P.ObjectDefineProperty || Object.defineProperty,
    ObjectEntries: P.ObjectEntries || Object.entries,
    ObjectFreeze: P.ObjectFreeze || Object.freeze,
    PromisePrototypeThen: P.PromisePrototypeThen,
    PromiseReject: P.PromiseReject,
    PromiseResolve: P.PromiseResolve,
    ProxyCtor: P.Proxy || Proxy,
    ReflectApply: P.ReflectApply || Reflect.apply,
    ReflectGet: P.ReflectGet || Reflect.get,
    StringCtor: P.String || String,
    SymbolIterator: P.SymbolIterator || Symbol.iterator,
    TypeError: P.TypeError || TypeError,
    Uint8ArrayCtor: P.Uint8Array || Uint8Array,
  };
}

const ops = internal.ops;
const PromiseCtor = internal.primordials.Promise || Promise;
const { DOMException } = internal.require("dom_exception");
const fetchModule = internal.require("fetch");
const rpc = internal.require("rpc");
const timers = internal.require("timers");
const websocket = internal.require("websocket");
const { TextEncoder, atob, btoa } = internal.require("encoding");
const { console } = internal.require("console");

// An exception thrown by an object's fetch() reaches the caller's stub.fetch() as the same
// exception: the owner answers 500 with the serialized error in this header, and the stub throws it.
const kErrorHeader = "cf-colony-durable-object-error";

function bytesToBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += StringCtor.fromCharCode(bytes[i]);
  return btoa(binary);
}

function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8ArrayCtor(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function rethrowObjectError(response) {
  const header = response.headers.get(kErrorHeader);
  if (header === null) return response;
  throw deserialize(base64ToBytes(header));
}

const makeDataCloneError = (message) => new DOMException(message, "DataCloneError");
const serialize = (value) => ops.doSerialize(value, makeDataCloneError);
const deserialize = (bytes) => ops.doDeserialize(bytes);
const then = (promise, onFulfilled, onRejected) => PromisePrototypeThen(promise, onFulfilled, onRejected);

// ---- ids ------------------------------------------------------------------------------------

const kInternal = Symbol("internal");
let ID;
class DurableObjectId {
  #hex;
  constructor(key = undefined, hex = undefined, name = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
    this.#hex = hex;
    ObjectDefineProperty(this, "jurisdiction", { value: undefined, enumerable: true });
    ObjectDefineProperty(this, "name", { value: name, enumerable: true });
  }
  toString() { return this.#hex; }
  equals(other) { return ID.isId(other) && other.#hex === this.#hex; }
  static {
    ID = { isId: (v) => typeof v === "object" && v !== null && #hex in v, hex: (v) => v.#hex };
  }
}

// ---- the namespace binding and stubs --------------------------------------------------------

const kReservedStubKeys = new Set(["then", "constructor", "fetch", "connect", "id", "name", "dup"]);

function makeStub(handle, id) {
  const hex = ID.hex(id);
  const name = id.name;
  let fetcher = null;
  const target = {};
  ObjectDefineProperty(target, "name", { value: name, enumerable: true });
  ObjectDefineProperty(target, "id", { value: id, enumerable: true });
  ObjectDefineProperty(target, "fetch", {
    value: function fetch(input, init = undefined) {
      if (fetcher === null) {
        try {
          fetcher = fetchModule.makeFetcher(ops.doTarget(handle, hex, name));
        } catch (err) {
          return PromiseReject(err);
        }
      }
      return then(fetcher.fetch(input, init), rethrowObjectError);
    },
  });
  ObjectDefineProperty(target, "connect", {
    value: function connect() {
      throw new TypeErrorCtor("connect() on a Durable Object stub is not supported.");
    },
  });
  ObjectDefineProperty(target, rpc.SymbolDispose, { value: function dispose() {} });
  // Any other property is a JS RPC stub (runtime/js/rpc.js); the method path and whether it is a
  // property read travel as the call's method text.
  const call = (path, get, bytes, caps) => ops.doCall(handle, hex, name, JSONStringify([path, get]), bytes, caps);
  const stub = new ProxyCtor(target, {
    get(t, prop, receiver) {
      if (typeof prop === "symbol" || kReservedStubKeys.has(prop)) return ReflectGet(t, prop, receiver);
      return rpc.makeObjectStub(call, prop);
    },
    set() { return false; },
    defineProperty() { return false; },
  });
  rpc.markForwardingStub(stub);
  return stub;
}

class DurableObjectNamespace {
  #handle;
  constructor(key = undefined, handle = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
    this.#handle = handle;
  }
  newUniqueId(options = undefined) {
    return new DurableObjectId(kInternal, ops.doNewUniqueId(this.#handle), undefined);
  }
  idFromName(name) {
    name = StringCtor(name);
    return new DurableObjectId(kInternal, ops.doIdFromName(this.#handle, name), name);
  }
  idFromString(id) {
    return new DurableObjectId(kInternal, ops.doIdFromString(this.#handle, StringCtor(id)), undefined);
  }
  get(id, options = undefined) {
    if (!ID.isId(id)) {
      throw new TypeErrorCtor("Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'.");
    }
    return makeStub(this.#handle, id);
  }
  getByName(name, options = undefined) { return this.get(this.idFromName(name), options); }
  getExisting(id, options = undefined) { return this.get(id, options); }
  jurisdiction(name) { return this; }
}

// ---- the owning side: instances and their events ----------------------------------------------

let classes = null;   // the worker's exports
let workerEnv = null;
const objects = new MapCtor();  // "Class\0id" -> entry
// Hibernation: the WebSockets an evicted object accepted with ctx.acceptWebSocket, kept until
// an event brings the object back ("Class\0id" -> {sockets, name}).
const dormant = new MapCtor();
const lifecycles = new MapCtor();  // className -> {kind, preventEviction, idleMs}

// `kWake` is not a method (those cross as JSON arrays): a call with it only brings the object up,
// which arms its stored alarm.
const kWake = "!wake";
const kOpenStorage = Symbol("open storage");

function setup(exports, env, classNames) {
  classes = exports;
  workerEnv = env;
  timers.setTracker(timerTracker);
  // Alarms stored on disk fire after a restart too: when one is due, the object is brought up
  // where it lives (in whichever process owns it).
  for (const className of classNames) {
    const config = ops.doStorageConfig(className);
    if (config.kind !== "disk") continue;
    for (const [hex, time] of ops.sqlStoredAlarms(config.directory)) {
      const delay = time - DateNow();
      armWake(className, hex, undefined, time);
    }
  }
}

function armWake(className, hex, name, time) {
  const delay = time - DateNow();
  internalTimeout(() => wake(className, hex, name), delay > 0 ? MathMin(delay, 2147483647) : 0);
}

function wake(className, hex, name) {
  try {
    const handle = ops.doNamespaceHandle(className);
    then(ops.doCall(handle, hex, name, kWake, serialize([])), undefined,
      (err) => console.error(`Durable Object ${className} ${hex}: cannot run its stored alarm:`, err));
  } catch (err) {
    console.error(`Durable Object ${className} ${hex}: cannot run its stored alarm:`, err);
  }
}

class Entry {
  constructor(className, hex, name) {
    this.className = className;
    this.hex = hex;
    this.name = name;
    this.key = className + "\0" + hex;
    this.gate = null;        // a promise events wait for (blockConcurrencyWhile, transactions)
    this.instance = null;
    this.state = null;
    this.storage = null;
    this.db = null;
    this.alarmTimer = null;
    this.alarmRetry = 0;
    this.waiting = [];       // events waiting for the gate to open
    // {ws, tags} accepted with ctx.acceptWebSocket, and the auto-response; they outlive the
    // instance when it is evicted (hibernation).
    this.sockets = { records: [], autoResponse: null, dead: false };
    this.inflight = 0;       // events being delivered, closed gates, waitUntil() promises
    this.openSockets = 0;    // WebSockets fetch() served that were not accepted for hibernation
    this.timers = 0;         // setTimeout/setInterval timers its code has pending
    this.idleTimer = null;
    this.evicted = false;
    this.broken = false;
  }
}

function lifecycle(className) {
  let life = lifecycles.get(className);
  if (life === undefined) {
    const config = ops.doStorageConfig(className);
    life = { kind: config.kind, preventEviction: config.preventEviction, idleMs: config.idleMs };
    lifecycles.set(className, life);
  }
  return life;
}

// ---- lifecycle: an object with nothing to do (no event being delivered, no closed gate, no
// waitUntil() promise, no pending timer its code set, no alarm retry waiting, no open WebSocket
// other than hibernatable ones) is evicted after the idle time, as in workerd: the instance is dropped (its in-memory storage and alarm with it; a
// localDisk database stays, and its stored alarm brings the object back when due). Hibernatable
// WebSockets stay open; an event on one constructs the object again.

function startActivity(entry) {
  entry.inflight++;
  cancelIdle(entry);
}

function cancelIdle(entry) {
  if (entry.idleTimer !== null) timers.clearTimeout(entry.idleTimer);
  entry.idleTimer = null;
}

function endActivity(entry) {
  entry.inflight--;
  scheduleIdle(entry);
}

function isIdle(entry) {
  // An alarm waiting to be retried keeps its object too (the back-off lives in the instance).
  return !entry.broken && entry.inflight === 0 && entry.openSockets === 0 && entry.timers === 0 &&
    entry.gate === null && entry.alarmRetry === 0;
}

// Code of an object runs with the object in its async context, which follows its awaits, so the
// timers it sets are known to be the object's (timers.js asks the tracker) and keep it in memory.
const kObjectKey = Symbol("Durable Object");
const MapPrototypeGet = internal.primordials.MapPrototypeGet;
const timerOwners = new MapCtor();  // timer id -> entry

function currentObject() {
  const frame = ops.getAsyncContext();
  return frame instanceof MapCtor ? MapPrototypeGet(frame, kObjectKey) : undefined;
}

function runAs(entry, fn) {
  const previous = ops.getAsyncContext();
  const frame = new MapCtor();
  frame.set(kObjectKey, entry);
  ops.setAsyncContext(frame);
  try {
    return fn();
  } finally {
    ops.setAsyncContext(previous);
  }
}

function timerEnded(entry, id) {
  if (timerOwners.get(id) !== entry) return;
  timerOwners.delete(id);
  entry.timers--;
  scheduleIdle(entry);
}

const timerTracker = {
  owner: currentObject,
  started(entry, id) {
    timerOwners.set(id, entry);
    entry.timers++;
    cancelIdle(entry);
  },
  ended: timerEnded,
  cleared(id) {
    const entry = timerOwners.get(id);
    if (entry !== undefined) timerEnded(entry, id);
  },
  run: runAs,
};

// The runtime's own timers (idle time, alarms, gates) belong to no object.
function internalTimeout(fn, ms) {
  const previous = ops.getAsyncContext();
  ops.setAsyncContext(undefined);
  try {
    return timers.setTimeout(fn, ms);
  } finally {
    ops.setAsyncContext(previous);
  }
}

function scheduleIdle(entry) {
  if (!isIdle(entry)) return;
  const life = lifecycle(entry.className);
  if (life.preventEviction) return;
  cancelIdle(entry);
  entry.idleTimer = internalTimeout(() => {
    entry.idleTimer = null;
    evict(entry);
  }, life.idleMs);
}

function evict(entry) {
  if (!isIdle(entry)) return;
  let alarm = null;
  if (entry.db !== null && lifecycle(entry.className).kind === "disk") {
    const rows = ops.sqlExec(entry.db, "SELECT value FROM _cf_METADATA WHERE key = ?", [kAlarmKey], true).rows;
    if (rows.length > 0) alarm = rows[0][0];
  }
  entry.evicted = true;
  breakEntry(entry);
  if (entry.sockets.records.length > 0) dormant.set(entry.key, { sockets: entry.sockets, name: entry.name });
  if (alarm !== null) armWake(entry.className, entry.hex, entry.name, alarm);
}

// A WebSocket that fetch() served keeps the object in memory until it closes, unless the object
// accepted it with ctx.acceptWebSocket (hibernatable).
function trackWebSocket(entry, response) {
  const client = response !== null && typeof response === "object" && response.status === 101
    ? response.webSocket : null;
  if (!websocket.isWebSocket(client)) return;
  const server = websocket.pairPartner(client);
  if (server === null) return;
  for (const record of entry.sockets.records) if (record.ws === server) return;
  entry.openSockets++;
  let open = true;
  const closed = () => {
    if (!open) return;
    open = false;
    entry.openSockets--;
    scheduleIdle(entry);
  };
  server.addEventListener("close", closed);
  server.addEventListener("error", closed);
}

function entryFor(className, hex, name) {
  const key = className + "\0" + hex;
  let entry = objects.get(key);
  if (entry !== undefined && !entry.broken) {
    if (entry.name === undefined && name) entry.name = name;
    return entry;
  }
  entry = new Entry(className, hex, name || undefined);
  const cls = classes === null ? undefined : classes[className];
  if (typeof cls !== "function") {
    throw new TypeErrorCtor(`The worker does not export a Durable Object class named "${className}".`);
  }
  // Back from hibernation: the new instance has the WebSockets the evicted one accepted.
  const hibernated = dormant.get(key);
  if (hibernated !== undefined) {
    dormant.delete(key);
    entry.sockets = hibernated.sockets;
    if (entry.name === undefined) entry.name = hibernated.name;
  }
  entry.state = new DurableObjectState(kInternal, entry);
  objects.set(key, entry);
  try {
    entry.instance = runAs(entry, () => new cls(entry.state, workerEnv));
  } catch (err) {
    objects.delete(key);
    if (hibernated !== undefined) dormant.set(key, hibernated);
    throw err;
  }
  scheduleIdle(entry);
  return entry;
}

// The object stops: later events get a new instance (storage on disk is kept).
function breakEntry(entry) {
  if (entry.broken) return;
  entry.broken = true;
  if (objects.get(entry.key) === entry) objects.delete(entry.key);
  if (entry.alarmTimer !== null) timers.clearTimeout(entry.alarmTimer);
  entry.alarmTimer = null;
  if (entry.db !== null) ops.sqlClose(entry.db);
  entry.db = null;
  if (entry.idleTimer !== null) timers.clearTimeout(entry.idleTimer);
  entry.idleTimer = null;
  if (!entry.evicted) {
    // A reset object loses its hibernatable WebSockets, as in workerd.
    const sockets = entry.sockets;
    sockets.dead = true;
    for (const record of sockets.records) {
      try {
        record.ws.close(1011, "Durable Object reset");
      } catch {}
    }
    sockets.records = [];
  }
}

// Events that arrived while the gate was closed are let in one at a time, each once the one
// before has run up to its first wait for something other than storage (a macrotask later), so
// a waiting read-modify-write is never interleaved with another.
function releaseNext(entry) {
  if (entry.gate !== null || entry.waiting.length === 0) return;
  const next = entry.waiting.shift();
  next();
  if (entry.waiting.length > 0) internalTimeout(() => releaseNext(entry), 0);
}

// Runs an event (request, call, alarm, WebSocket message) once the input gate is open.
function deliver(entry, fn) {
  startActivity(entry);
  const event = fn;
  fn = () => runAs(entry, event);
  let result;
  if (entry.gate === null && entry.waiting.length === 0) {
    try {
      result = PromiseResolve(fn());
    } catch (err) {
      result = PromiseReject(err);
    }
  } else {
    result = new PromiseCtor((resolve, reject) => {
      ArrayPrototypePush(entry.waiting, () => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      });
    });
  }
  return then(result, (value) => {
    endActivity(entry);
    return value;
  }, (err) => {
    endActivity(entry);
    throw err;
  });
}

function closeGateWhile(entry, promise, breakOnError) {
  startActivity(entry);
  const gate = then(promise, () => {}, () => { if (breakOnError) breakEntry(entry); });
  const previous = entry.gate;
  const combined = previous === null ? gate : then(previous, () => gate, () => gate);
  entry.gate = combined;
  then(combined, () => {
    if (entry.gate === combined) {
      entry.gate = null;
      releaseNext(entry);
    }
    endActivity(entry);
  });
}

function durableObjectFetch(className, hex, name, request) {
  let result;
  try {
    const entry = entryFor(className, hex, name);
    result = deliver(entry, () => {
      const instance = entry.instance;
      if (typeof instance.fetch !== "function") {
        throw new TypeErrorCtor(`Durable Object class "${className}" does not implement fetch().`);
      }
      return then(PromiseResolve(instance.fetch(request)), (response) => {
        trackWebSocket(entry, response);
        return response;
      });
    });
  } catch (err) {
    result = PromiseReject(err);
  }
  return then(result, undefined, (err) => {
    console.error(`Uncaught (in fetch() of Durable Object ${className})`, err);
    const headers = {};
    headers[kErrorHeader] = bytesToBase64(serialize(errorForTransport(err)));
    return new fetchModule.Response("Internal Server Error", { status: 500, headers });
  });
}

function errorForTransport(err) {
  try {
    serialize(err);
    return err;
  } catch {
    const e = new ErrorCtor(StringCtor(err && err.message !== undefined ? err.message : err));
    return e;
  }
}

const kNotRpc = new Set(["constructor", "fetch", "alarm", "webSocketMessage", "webSocketClose", "webSocketError"]);

// Always fulfills, with [bytes, caps] of {ok, value} (runtime/js/rpc.js).
function durableObjectCall(className, hex, name, method, argBytes, caps) {
  let entry;
  try {
    entry = entryFor(className, hex, name);
  } catch (err) {
    return rpc.encodeAnswer(false, rpc.errorForTransport(err));
  }
  if (method === kWake) {
    try {
      entry.state.storage[kOpenStorage]();
      return rpc.encodeAnswer(true, undefined);
    } catch (err) {
      return rpc.encodeAnswer(false, rpc.errorForTransport(err));
    }
  }
  const args = { made: [] };
  return rpc.answer(() => deliver(entry, () => {
    const [path, get] = JSONParse(method);
    const instance = entry.instance;
    const base = internal.hooks.builtinModules["cloudflare:workers"].DurableObject;
    if (!(instance instanceof base)) {
      throw new TypeErrorCtor("The receiving Durable Object does not support RPC, because its class was not declared with `extends DurableObject`. In order to enable RPC, make sure your class extends the special class `DurableObject`, which can be imported from the module \"cloudflare:workers\".");
    }
    if (kNotRpc.has(path[0])) {
      throw new TypeErrorCtor(`The RPC receiver does not implement the method "${path[0]}".`);
    }
    return rpc.dispatch(instance, path, get, rpc.decodeArgs(argBytes, caps, args));
  }), args);
}

// ---- ctx (DurableObjectState) -----------------------------------------------------------------

class DurableObjectState {
  #entry;
  constructor(key = undefined, entry = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
    this.#entry = entry;
    ObjectDefineProperty(this, "id", {
      value: new DurableObjectId(kInternal, entry.hex, entry.name), enumerable: true,
    });
  }
  get storage() {
    const entry = this.#entry;
    if (entry.storage === null) entry.storage = new DurableObjectStorage(kInternal, entry);
    return entry.storage;
  }
  waitUntil(promise) {
    // The object stays in memory until the work is done.
    const entry = this.#entry;
    startActivity(entry);
    then(PromiseResolve(promise), () => endActivity(entry), (err) => {
      console.error("Uncaught (in waitUntil)", err);
      endActivity(entry);
    });
  }
  blockConcurrencyWhile(callback) {
    const entry = this.#entry;
    let result;
    try {
      result = PromiseResolve(callback());
    } catch (err) {
      result = PromiseReject(err);
    }
    closeGateWhile(entry, result, true);
    return result;
  }
  // Resets the object, as workerd does: the instance is dropped and the error (the reason, or
  // workerd's own text) is thrown, so nothing after abort() runs and the caller sees it.
  abort(reason = undefined) {
    const error = new ErrorCtor(reason === undefined ? "Application called abort() to reset Durable Object."
      : StringCtor(reason));
    breakEntry(this.#entry);
    throw error;
  }
  // ---- WebSocket hibernation API: sockets the runtime delivers to the class's handlers.
  acceptWebSocket(ws, tags = []) {
    const entry = this.#entry;
    if (!websocket.isWebSocket(ws)) throw new TypeErrorCtor("acceptWebSocket() expects a WebSocket.");
    const tagList = [];
    for (const tag of tags) ArrayPrototypePush(tagList, StringCtor(tag));
    const record = { ws, tags: tagList };
    const sockets = entry.sockets;
    ArrayPrototypePush(sockets.records, record);
    ws.accept();
    // Events go to the object's instance of the moment: one constructed again if the one that
    // accepted the socket was evicted meanwhile (hibernation).
    const { className, hex } = entry;
    const handler = (name, ...args) => {
      if (sockets.dead) return PromiseResolve();
      let target;
      try {
        target = entryFor(className, hex, entry.name);
      } catch (err) {
        return PromiseReject(err);
      }
      return deliver(target, () => {
        const fn = target.instance && target.instance[name];
        if (typeof fn === "function") return ReflectApply(fn, target.instance, args);
        return undefined;
      });
    };
    const report = (p) => then(p, undefined, (err) => { console.error("Uncaught", err); });
    ws.addEventListener("message", (event) => {
      const auto = sockets.autoResponse;
      if (auto && typeof event.data === "string" && event.data === auto.request) {
        auto.time = new Date(DateNow());
        wsTimestamps.set(ws, auto.time);
        ws.send(auto.response);
        return;
      }
      report(handler("webSocketMessage", ws, event.data));
    });
    ws.addEventListener("close", (event) => {
      sockets.records = sockets.records.filter((r) => r !== record);
      report(handler("webSocketClose", ws, event.code, event.reason, event.wasClean));
    });
    ws.addEventListener("error", (event) => {
      report(handler("webSocketError", ws, event.error));
    });
  }
  getWebSockets(tag = undefined) {
    const out = [];
    for (const record of this.#entry.sockets.records) {
      if (tag === undefined || record.tags.includes(StringCtor(tag))) ArrayPrototypePush(out, record.ws);
    }
    return out;
  }
  getTags(ws) {
    for (const record of this.#entry.sockets.records) {
      if (record.ws === ws) return [...record.tags];
    }
    throw new TypeErrorCtor("getTags(): the WebSocket was not accepted with acceptWebSocket().");
  }
  setWebSocketAutoResponse(pair = undefined) {
    this.#entry.sockets.autoResponse = pair === undefined ? null : { request: pair.request, response: pair.response };
  }
  getWebSocketAutoResponse() {
    const auto = this.#entry.sockets.autoResponse;
    return auto ? new WebSocketRequestResponsePair(auto.request, auto.response) : null;
  }
  getWebSocketAutoResponseTimestamp(ws) { return wsTimestamps.get(ws) || null; }
  setHibernatableWebSocketEventTimeout(ms = undefined) {}
  getHibernatableWebSocketEventTimeout() { return null; }
}

const wsTimestamps = new WeakMap();
const wsAttachments = new WeakMap();

class WebSocketRequestResponsePair {
  #request;
  #response;
  constructor(request, response) {
    this.#request = StringCtor(request);
    this.#response = StringCtor(response);
  }
  get request() { return this.#request; }
  get response() { return this.#response; }
}

// Attachments survive hibernation: the socket keeps a structured clone.
if (websocket.WebSocket.prototype.serializeAttachment === undefined) {
  ObjectDefineProperty(websocket.WebSocket.prototype, "serializeAttachment", {
    value: function serializeAttachment(value) { wsAttachments.set(this, serialize(value)); },
    writable: true, configurable: true,
  });
  ObjectDefineProperty(websocket.WebSocket.prototype, "deserializeAttachment", {
    value: function deserializeAttachment() {
      const bytes = wsAttachments.get(this);
      return bytes === undefined ? null : deserialize(bytes);
    },
    writable: true, configurable: true,
  });
}

// ---- storage ----------------------------------------------------------------------------------

const kMaxKeyBytes = 2048;
const kSchema =
  "CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;" +
  "CREATE TABLE IF NOT EXISTS _cf_METADATA (key INTEGER PRIMARY KEY, value BLOB);";
const kAlarmKey = 1;
const kNotSqlite = "This Durable Object is not backed by SQLite storage, so the SQL API is not available. SQL can be enabled on a new Durable Object class by using the `new_sqlite_classes` instead of `new_classes` under `[[migrations]]` in your wrangler.toml, but an already-deployed class cannot be converted to SQLite (except by deleting the existing data).";
const kSqlNotEnabled = "SQL is not enabled for this Durable Object class. To enable it, change `new_classes` to `new_sqlite_classes` within the 'migrations' field in your wrangler.jsonc or wrangler.toml file. If using workerd directly,set `enableSql = true` in your workerd config for the class. Note that this change cannot be made after the class is already deployed to production.";

function checkKey(key) {
  const k = StringCtor(key);
  if (k.length * 3 > kMaxKeyBytes && new TextEncoder().encode(k).length > kMaxKeyBytes) {
    throw new RangeError(`Keys cannot be larger than ${kMaxKeyBytes} bytes.`);
  }
  return k;
}

function toBytes(buffer) { return new Uint8ArrayCtor(buffer); }

let savepointCounter = 0;

class DurableObjectStorage {
  #entry;
  #sql = null;
  constructor(key = undefined, entry = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
    this.#entry = entry;
  }

  [kOpenStorage]() { this.#db(); }

  #db() {
    const entry = this.#entry;
    if (entry.db !== null) return entry.db;
    if (entry.evicted) {
      throw new ErrorCtor("This Durable Object instance was evicted after being idle; its storage belongs to the instance that replaces it.");
    }
    const config = ops.doStorageConfig(entry.className);
    if (config.kind === "none") {
      throw new ErrorCtor("This Durable Object has no storage: the worker's durableObjectStorage is none (set inMemory or localDisk in the config).");
    }
    const path = config.kind === "disk" ? `${config.directory}/${entry.hex}.sqlite` : "";
    entry.db = ops.sqlOpen(path);
    entry.sqlRefusal = config.kind !== "disk" ? kNotSqlite : (config.enableSql ? null : kSqlNotEnabled);
    ops.sqlExec(entry.db, kSchema, [], true);
    // A stored alarm (localDisk) is armed again when the object comes back.
    this.#rearmAlarm();
    return entry.db;
  }
  #exec(sql, bindings) { return ops.sqlExec(this.#db(), sql, bindings, true); }

  // ---- key-value
  get(keys, options = undefined) {
    try {
      return PromiseResolve(this.getSync(keys));
    } catch (err) {
      return PromiseReject(err);
    }
  }
  getSync(keys) {
    if (ArrayIsArray(keys)) {
      if (keys.length > 128) throw new RangeError("A maximum of 128 keys can be retrieved at once.");
      const list = ArrayPrototypeMap(keys, checkKey);
      const result = new MapCtor();
      if (list.length === 0) return result;
      const marks = ArrayPrototypeJoin(ArrayPrototypeMap(list, () => "?"), ",");
      const rows = this.#exec(`SELECT key, value FROM _cf_KV WHERE key IN (${marks}) ORDER BY key`, list).rows;
      for (const row of rows) result.set(row[0], deserialize(toBytes(row[1])));
      return result;
    }
    const rows = this.#exec("SELECT value FROM _cf_KV WHERE key = ?", [checkKey(keys)]).rows;
    return rows.length === 0 ? undefined : deserialize(toBytes(rows[0][0]));
  }
  put(keyOrEntries, value = undefined, options = undefined) {
    try {
      this.putSync(keyOrEntries, value, arguments.length);
      return PromiseResolve();
    } catch (err) {
      return PromiseReject(err);
    }
  }
  putSync(keyOrEntries, value, argc = 2) {
    if (typeof keyOrEntries === "object" && keyOrEntries !== null) {
      const entries = ObjectEntries(keyOrEntries);
      if (entries.length > 128) throw new RangeError("A maximum of 128 pairs can be written at once.");
      const encoded = ArrayPrototypeMap(entries, ([k, v]) => [checkKey(k), serialize(v)]);
      this.#atomically(() => {
        for (const [k, v] of encoded) this.#exec("INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?, ?)", [k, v]);
      });
      return;
    }
    if (argc < 2 || value === undefined) {
      throw new TypeErrorCtor("put() requires a value (undefined cannot be stored; use delete()).");
    }
    const k = checkKey(keyOrEntries);
    this.#exec("INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?, ?)", [k, serialize(value)]);
  }
  delete(keys, options = undefined) {
    try {
      return PromiseResolve(this.deleteSync(keys));
    } catch (err) {
      return PromiseReject(err);
    }
  }
  deleteSync(keys) {
    if (ArrayIsArray(keys)) {
      if (keys.length > 128) throw new RangeError("A maximum of 128 keys can be deleted at once.");
      const list = ArrayPrototypeMap(keys, checkKey);
      let count = 0;
      this.#atomically(() => {
        for (const k of list) count += this.#exec("DELETE FROM _cf_KV WHERE key = ?", [k]).rowsWritten;
      });
      return count;
    }
    return this.#exec("DELETE FROM _cf_KV WHERE key = ?", [checkKey(keys)]).rowsWritten > 0;
  }
  list(options = undefined) {
    try {
      return PromiseResolve(this.listSync(options));
    } catch (err) {
      return PromiseReject(err);
    }
  }
  listSync(options = {}) {
    options = options || {};
    const where = [];
    const bindings = [];
    if (options.start !== undefined && options.startAfter !== undefined) {
      throw new TypeErrorCtor("list(): start and startAfter cannot both be set.");
    }
    if (options.start !== undefined) { ArrayPrototypePush(where, "key >= ?"); ArrayPrototypePush(bindings, StringCtor(options.start)); }
    if (options.startAfter !== undefined) { ArrayPrototypePush(where, "key > ?"); ArrayPrototypePush(bindings, StringCtor(options.startAfter)); }
    if (options.end !== undefined) { ArrayPrototypePush(where, "key < ?"); ArrayPrototypePush(bindings, StringCtor(options.end)); }
    if (options.prefix !== undefined && options.prefix !== "") {
      const prefix = StringCtor(options.prefix);
      ArrayPrototypePush(where, "key >= ? AND substr(key, 1, ?) = ?");
      ArrayPrototypePush(bindings, prefix, prefix.length, prefix);
    }
    let sql = "SELECT key, value FROM _cf_KV";
    if (where.length > 0) sql += " WHERE " + ArrayPrototypeJoin(where, " AND ");
    sql += options.reverse ? " ORDER BY key DESC" : " ORDER BY key";
    if (options.limit !== undefined) {
      const limit = +options.limit;
      if (!(limit > 0)) throw new RangeError("list(): limit must be a positive number.");
      sql += " LIMIT ?";
      ArrayPrototypePush(bindings, limit | 0);
    }
    const result = new MapCtor();
    for (const row of this.#exec(sql, bindings).rows) result.set(row[0], deserialize(toBytes(row[1])));
    return result;
  }
  async deleteAll(options = undefined) {
    this.#atomically(() => {
      this.#exec("DELETE FROM _cf_KV", []);
      const tables = this.#exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'", []).rows;
      for (const [name] of tables) this.#exec(`DROP TABLE IF EXISTS "${StringCtor(name).replace(/"/g, '""')}"`, []);
    });
  }
  #atomically(fn) {
    const name = `colony_${++savepointCounter}`;
    this.#exec(`SAVEPOINT ${name}`, []);
    try {
      fn();
    } catch (err) {
      this.#exec(`ROLLBACK TO ${name}`, []);
      this.#exec(`RELEASE ${name}`, []);
      throw err;
    }
    this.#exec(`RELEASE ${name}`, []);
  }

  // ---- transactions
  transactionSync(fn) {
    let result;
    this.#atomically(() => { result = fn(); });
    return result;
  }
  transaction(closure) {
    const entry = this.#entry;
    const name = `colony_txn_${++savepointCounter}`;
    let run;
    try {
      this.#exec(`SAVEPOINT ${name}`, []);
      const txn = new DurableObjectTransaction(kInternal, this);
      run = then(PromiseResolve(ReflectApply(closure, undefined, [txn])), (value) => {
        if (txn.rolledBack) {
          this.#exec(`ROLLBACK TO ${name}`, []);
        }
        this.#exec(`RELEASE ${name}`, []);
        return value;
      }, (err) => {
        this.#exec(`ROLLBACK TO ${name}`, []);
        this.#exec(`RELEASE ${name}`, []);
        throw err;
      });
    } catch (err) {
      return PromiseReject(err);
    }
    // Other events wait until the transaction ends, so they never see or join its writes.
    closeGateWhile(entry, run, false);
    return run;
  }
  sync() { return PromiseResolve(); }

  // ---- alarms
  getAlarm(options = undefined) {
    try {
      const rows = this.#exec("SELECT value FROM _cf_METADATA WHERE key = ?", [kAlarmKey]).rows;
      return PromiseResolve(rows.length === 0 ? null : rows[0][0]);
    } catch (err) {
      return PromiseReject(err);
    }
  }
  setAlarm(time, options = undefined) {
    try {
      const entry = this.#entry;
      const cls = classes[entry.className];
      if (typeof (entry.instance || cls.prototype).alarm !== "function") {
        throw new TypeErrorCtor("Your Durable Object class must have an alarm() handler in order to call setAlarm()");
      }
      const ms = typeof time === "number" ? time : (time instanceof Date ? time.getTime() : NaN);
      if (!NumberIsFinite(ms)) throw new TypeErrorCtor("setAlarm() expects a Date or a number of milliseconds since the epoch.");
      this.#exec("INSERT OR REPLACE INTO _cf_METADATA (key, value) VALUES (?, ?)", [kAlarmKey, ms]);
      entry.alarmRetry = 0;
      this.#schedule(ms);
      return PromiseResolve();
    } catch (err) {
      return PromiseReject(err);
    }
  }
  deleteAlarm(options = undefined) {
    try {
      this.#exec("DELETE FROM _cf_METADATA WHERE key = ?", [kAlarmKey]);
      const entry = this.#entry;
      if (entry.alarmTimer !== null) timers.clearTimeout(entry.alarmTimer);
      entry.alarmTimer = null;
      return PromiseResolve();
    } catch (err) {
      return PromiseReject(err);
    }
  }
  #rearmAlarm() {
    const rows = this.#exec("SELECT value FROM _cf_METADATA WHERE key = ?", [kAlarmKey]).rows;
    if (rows.length > 0 && this.#entry.alarmTimer === null) this.#schedule(rows[0][0]);
  }
  #alarmTime() {
    const rows = this.#exec("SELECT value FROM _cf_METADATA WHERE key = ?", [kAlarmKey]).rows;
    return rows.length === 0 ? null : rows[0][0];
  }
  #schedule(ms) {
    const entry = this.#entry;
    if (entry.alarmTimer !== null) timers.clearTimeout(entry.alarmTimer);
    const delay = ms - DateNow();
    entry.alarmTimer = internalTimeout(() => {
      entry.alarmTimer = null;
      this.#fire(ms);
    }, delay > 0 ? MathMin(delay, 2147483647) : 0);
  }
  #fire(scheduled) {
    const entry = this.#entry;
    if (entry.broken) return;
    const retryCount = entry.alarmRetry;
    then(deliver(entry, () => {
      if (this.#alarmTime() !== scheduled) return undefined;  // moved or deleted meanwhile
      return entry.instance.alarm({ retryCount, isRetry: retryCount > 0 });
    }), () => {
      entry.alarmRetry = 0;
      // Done, unless the handler set a new time.
      if (!entry.broken && this.#alarmTime() === scheduled) {
        this.#exec("DELETE FROM _cf_METADATA WHERE key = ?", [kAlarmKey]);
      }
      scheduleIdle(entry);
    }, (err) => {
      console.error(`Uncaught (in alarm of Durable Object ${entry.className}) `, err);
      if (entry.broken) return;
      if (retryCount + 1 > 6) {
        entry.alarmRetry = 0;
        if (this.#alarmTime() === scheduled) this.#exec("DELETE FROM _cf_METADATA WHERE key = ?", [kAlarmKey]);
        scheduleIdle(entry);
        return;
      }
      entry.alarmRetry = retryCount + 1;
      // Retries back off exponentially from 2 seconds.
      const delay = 1000 * MathPow(2, retryCount + 1);
      if (entry.alarmTimer !== null) timers.clearTimeout(entry.alarmTimer);
      entry.alarmTimer = internalTimeout(() => {
        entry.alarmTimer = null;
        this.#fire(scheduled);
      }, delay);
    });
  }

  // ---- SQL
  get sql() {
    if (this.#sql === null) {
      this.#db();
      // As in workerd, the refusal comes with the first statement: in-memory storage has no
      // SQL; on disk, enableSql turns it on.
      this.#sql = new SqlStorage(kInternal, () => {
        const db = this.#db();
        if (this.#entry.sqlRefusal !== null) throw new ErrorCtor(this.#entry.sqlRefusal);
        return db;
      });
    }
    return this.#sql;
  }
}

class DurableObjectTransaction {
  #storage;
  constructor(key, storage) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
    this.#storage = storage;
    this.rolledBack = false;
  }
  get(keys, options) { return this.#storage.get(keys, options); }
  put(k, v, options) { return arguments.length < 2 ? this.#storage.put(k) : this.#storage.put(k, v, options); }
  delete(keys, options) { return this.#storage.delete(keys, options); }
  list(options) { return this.#storage.list(options); }
  getAlarm(options) { return this.#storage.getAlarm(options); }
  setAlarm(t, options) { return this.#storage.setAlarm(t, options); }
  deleteAlarm(options) { return this.#storage.deleteAlarm(options); }
  rollback() { this.rolledBack = true; }
}

class SqlStorage {
  #db;
  constructor(key, db) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
    this.#db = db;
  }
  exec(query, ...bindings) {
    const result = ops.sqlExec(this.#db(), StringCtor(query), bindings, false);
    return new SqlStorageCursor(kInternal, result);
  }
  get databaseSize() { return ops.sqlDatabaseSize(this.#db()); }
}

class SqlStorageCursor {
  #result;
  #index = 0;
  constructor(key, result) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
    this.#result = result;
  }
  #object(row) {
    const out = {};
    const names = this.#result.columnNames;
    for (let i = 0; i < names.length; i++) out[names[i]] = row[i];
    return out;
  }
  next() {
    const rows = this.#result.rows;
    if (this.#index >= rows.length) return { done: true, value: undefined };
    return { done: false, value: this.#object(rows[this.#index++]) };
  }
  toArray() {
    const out = [];
    for (let r = this.next(); !r.done; r = this.next()) ArrayPrototypePush(out, r.value);
    return out;
  }
  one() {
    const rows = this.#result.rows;
    if (rows.length - this.#index !== 1) {
      throw new ErrorCtor(rows.length - this.#index === 0
        ? "Expected exactly one result from SQL query, but got no results."
        : "Expected exactly one result from SQL query, but got multiple results.");
    }
    return this.#object(rows[this.#index++]);
  }
  raw() {
    const self = this;
    const rows = this.#result.rows;
    const iterator = {
      next() {
        if (self.#index >= rows.length) return { done: true, value: undefined };
        return { done: false, value: [...rows[self.#index++]] };
      },
      toArray() {
        const out = [];
        for (let r = iterator.next(); !r.done; r = iterator.next()) ArrayPrototypePush(out, r.value);
        return out;
      },
      [SymbolIterator]() { return iterator; },
    };
    return iterator;
  }
  get columnNames() { return [...this.#result.columnNames]; }
  get rowsRead() { return this.#result.rowsRead; }
  get rowsWritten() { return this.#result.rowsWritten; }
  [SymbolIterator]() { return this; }
}

function makeNamespace(handle) { return new DurableObjectNamespace(kInternal, handle); }

internal.hooks.makeDurableObjectNamespace = makeNamespace;
internal.hooks.durableObjectSetup = setup;
internal.hooks.durableObjectFetch = durableObjectFetch;
internal.hooks.durableObjectCall = durableObjectCall;

exports.DurableObjectNamespace = DurableObjectNamespace;
exports.DurableObjectId = DurableObjectId;
exports.DurableObjectState = DurableObjectState;
exports.DurableObjectStorage = DurableObjectStorage;
exports.SqlStorage = SqlStorage;
exports.SqlStorageCursor = SqlStorageCursor;
exports.WebSocketRequestResponsePair = WebSocketRequestResponsePair;
