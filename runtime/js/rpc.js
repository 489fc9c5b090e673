"use strict";
// JS RPC, shared by service bindings to entrypoints and Durable Object stubs (runtime/api/rpc.cc
// holds the native side; runtime/durable_objects/README.md describes the protocol):
// - values cross as V8 structured-clone bytes; functions and RpcTarget instances inside them cross
//   by reference, as stubs whose calls go back to the isolate that holds the value (Cap'n Proto
//   capabilities, so this works between processes too); ReadableStream, WritableStream, Request,
//   Response and Headers are rebuilt on the other side (a stream's bytes go through a stub), and a
//   service binding arrives as a stub whose fetch() reaches the entrypoint's fetch handler;
// - a stub's property is itself a stub: calling it calls the remote method, awaiting it reads the
//   remote property; the promise a call returns is also a stub-like proxy, so that
//   `stub.getCounter().increment()` works without awaiting the first call;
// - the receiving side resolves the method path on the target: for WorkerEntrypoint, DurableObject
//   and RpcTarget instances only what their classes define (prototype methods and getters) is
//   reachable, as in workerd.

const P = internal.primordials;
const ArrayIsArray = P.ArrayIsArray || Array.isArray;
const ArrayPrototypePush = P.ArrayPrototypePush;
const ArrayPrototypeSlice = P.ArrayPrototypeSlice;
const ErrorCtor = P.Error || Error;
const MapCtor = P.Map || Map;
const SetCtor = P.Set || Set;
const ObjectCreate = P.ObjectCreate || Object.create;
const ObjectDefineProperty = P.ObjectDefineProperty || Object.defineProperty;
const ObjectGetOwnPropertyDescriptor = P.ObjectGetOwnPropertyDescriptor || Object.getOwnPropertyDescriptor;
const ObjectGetPrototypeOf = P.ObjectGetPrototypeOf || Object.getPrototypeOf;
const ObjectIsExtensible = P.ObjectIsExtensible || Object.isExtensible;
const ObjectKeys = P.ObjectKeys || Object.keys;
const ObjectPrototype = Object.prototype;
const FunctionPrototype = Function.prototype;
const PromisePrototypeThen = P.PromisePrototypeThen;
const PromiseReject = P.PromiseReject;
const PromiseResolve = P.PromiseResolve;
const ProxyCtor = P.Proxy || Proxy;
const ReflectApply = P.ReflectApply || Reflect.apply;
const ReflectGet = P.ReflectGet || Reflect.get;
const StringCtor = P.String || String;
const TypeErrorCtor = P.TypeError || TypeError;
const WeakMapCtor = P.WeakMap || WeakMap;
const WeakSetCtor = P.WeakSet || WeakSet;
const SymbolCtor = Symbol;

const ops = internal.ops;
const { DOMException } = internal.require("dom_exception");
const fetchModule = internal.require("fetch");
const headersModule = internal.require("headers");
const streams = internal.require("streams");
const workers = internal.hooks.builtinModules["cloudflare:workers"];
const { RpcTarget, WorkerEntrypoint, DurableObject } = workers;

// `using` needs Symbol.dispose; this V8 has none, so it is defined here (as workerd does), which
// also lets code call stub[Symbol.dispose]() explicitly.
for (const name of ["dispose", "asyncDispose"]) {
  if (typeof SymbolCtor[name] !== "symbol") {
    ObjectDefineProperty(SymbolCtor, name, { value: SymbolCtor(`Symbol.${name}`) });
  }
}
const SymbolDispose = SymbolCtor.dispose;

const then = (promise, onFulfilled, onRejected) => PromisePrototypeThen(promise, onFulfilled, onRejected);
const makeDataCloneError = (message) => new DOMException(message, "DataCloneError");
const kDisposed = "RPC stub used after being disposed.";
// Placeholder index of a value rebuilt from its description alone (Headers).
const kNoCap = 0xffffffff;

// ---- stubs ------------------------------------------------------------------------------------

// stub -> {call, path, handle}: `call(path, get, bytes, caps)` sends one call (a promise of
// [bytes, caps]); `handle` is the native stub handle (null for Durable Object stubs).
const stubs = new WeakMapCtor();
// env.SERVICE proxies -> their service target (so that they can be sent over RPC).
const serviceBindings = new WeakMapCtor();
// Durable Object stubs (runtime/js/durable_objects.js). Sent over RPC, one travels as a
// capability on the stub itself: calls and fetch() from the receiver run through it here.
const forwardingStubs = new WeakSetCtor();
function markForwardingStub(stub) { forwardingStubs.add(stub); }

function handleCaller(handle) {
  return (path, get, bytes, caps) => ops.rpcCall(handle, path, get, bytes, caps);
}

function disposeHandle(handle) {
  if (handle !== null) ops.rpcDispose(handle);
}

function stubToJSON() { return undefined; }
function bindingToJSON() { return {}; }

// A stub for the remote value at `path` below the one `call` reaches.
function makeStub(call, handle, path) {
  let disposer = null;
  const stub = new ProxyCtor(function RpcStub() {}, {
    get(target, prop) {
      if (prop === SymbolDispose) {
        if (disposer === null) disposer = function dispose() { if (path.length === 0) disposeHandle(handle); };
        return disposer;
      }
      if (typeof prop === "symbol") return undefined;
      if (path.length === 0) {
        // A stub is not a promise (so that it can be the value of one), but it can be duplicated.
        if (prop === "then") return undefined;
        if (prop === "dup" && handle !== null) {
          return function dup() {
            const copy = ops.rpcDup(handle);
            return makeStub(handleCaller(copy), copy, []);
          };
        }
        // JSON.stringify() leaves a stub out (as workerd does) instead of calling a remote method.
        if (prop === "toJSON") return stubToJSON;
      } else if (prop === "then" || prop === "catch" || prop === "finally") {
        // Awaiting a stub's property reads it from the remote side.
        const read = () => callRemote(call, handle, path, true, []);
        if (prop === "then") return (onFulfilled, onRejected) => then(read(), onFulfilled, onRejected);
        if (prop === "catch") return (onRejected) => then(read(), undefined, onRejected);
        return (onFinally) => P.PromisePrototypeFinally(read(), onFinally);
      }
      const next = ArrayPrototypeSlice(path);
      ArrayPrototypePush(next, prop);
      return makeStub(call, handle, next);
    },
    apply(target, thisArg, args) {
      return pipelined(callRemote(call, handle, path, false, args));
    },
    set() { return false; },
    defineProperty() { return false; },
    deleteProperty() { return false; },
    has(target, prop) { return typeof prop === "string"; },
  });
  stubs.set(stub, { call, path, handle });
  return stub;
}

function callRemote(call, handle, path, get, args) {
  let encoded;
  try {
    if (handle !== null && ops.rpcIsDisposed(handle)) throw new ErrorCtor(kDisposed);
    encoded = encode(args);
  } catch (err) {
    return PromiseReject(err);
  }
  let sent;
  try {
    sent = call(path, get, encoded.bytes, encoded.caps);
  } catch (err) {
    return PromiseReject(err);
  }
  return then(sent, decodeAnswer);
}

// A service binding received over RPC (workerd's ServiceStub): fetch() sends the Request to the
// entrypoint's fetch handler over RPC, any other property is an RPC stub.
function makeServiceStub(handle) {
  const call = handleCaller(handle);
  const target = {};
  ObjectDefineProperty(target, "fetch", {
    value: function fetch(input, init = undefined) {
      let request;
      try {
        request = new fetchModule.Request(input, init);
      } catch (err) {
        return PromiseReject(err);
      }
      return callRemote(call, handle, ["fetch"], false, [request]);
    },
  });
  ObjectDefineProperty(target, SymbolDispose, { value: function dispose() { disposeHandle(handle); } });
  const stub = new ProxyCtor(target, {
    get(t, prop) {
      if (typeof prop === "symbol" || prop === "fetch") return ReflectGet(t, prop);
      if (prop === "then") return undefined;
      return makeStub(call, handle, [prop]);
    },
    set() { return false; },
    defineProperty() { return false; },
  });
  stubs.set(stub, { call, path: [], handle });
  return stub;
}

// The promise of a call, which can also be used as a stub for its result before it settles:
// `p.method(...)` calls the method once `p` resolves, `await p.prop` reads a property of it.
function pipelined(promise) {
  return pipelineNode(() => promise, null, null);
}

function pipelineNode(getValue, parent, prop) {
  let cached = null;
  const value = () => (cached === null ? (cached = getValue()) : cached);
  return new ProxyCtor(function RpcPromise() {}, {
    get(target, key) {
      if (key === "then") return (onFulfilled, onRejected) => then(value(), onFulfilled, onRejected);
      if (key === "catch") return (onRejected) => then(value(), undefined, onRejected);
      if (key === "finally") return (onFinally) => P.PromisePrototypeFinally(value(), onFinally);
      if (key === SymbolDispose) {
        return function dispose() {
          then(value(), (v) => {
            if ((typeof v === "object" || typeof v === "function") && v !== null) {
              const d = v[SymbolDispose];
              if (typeof d === "function") ReflectApply(d, v, []);
            }
          }, () => {});
        };
      }
      if (typeof key === "symbol") return undefined;
      return pipelineNode(() => then(value(), (v) => v[key]), value, key);
    },
    apply(target, thisArg, args) {
      if (parent === null) {
        // Calling a call's result calls what it resolves to, as in workerd (a failed call's
        // error comes out again).
        return pipelined(then(value(), (v) => {
          if (typeof v !== "function") throw new TypeErrorCtor("An RPC result is not a function.");
          return ReflectApply(v, undefined, args);
        }));
      }
      // Sent now, not when awaited: an RPC call happens whether or not its result is used.
      const result = then(parent(), (v) => {
        const fn = v[prop];
        if (typeof fn !== "function") throw new TypeErrorCtor(`"${prop}" is not a function.`);
        return ReflectApply(fn, v, args);
      });
      return pipelined(result);
    },
    set() { return false; },
  });
}

// ---- encoding ---------------------------------------------------------------------------------

function isPlainObject(v) {
  const proto = ObjectGetPrototypeOf(v);
  return proto === ObjectPrototype || proto === null;
}

// A ReadableStream's bytes, pulled by the receiving side through a stub.
class StreamSource extends RpcTarget {
  #reader;
  constructor(stream) {
    super();
    this.#reader = stream.getReader();
  }
  async read() {
    const r = await this.#reader.read();
    return r.done ? null : r.value;
  }
  cancel(reason) { return this.#reader.cancel(reason); }
}

// A WritableStream's writer, written to by the receiving side through a stub.
class StreamSink extends RpcTarget {
  #writer;
  constructor(stream) {
    super();
    this.#writer = stream.getWriter();
  }
  write(chunk) { return this.#writer.write(chunk); }
  close() { return this.#writer.close(); }
  abort(reason) { return this.#writer.abort(reason); }
}

function writableFromStub(stub) {
  const release = () => stub[SymbolDispose]();
  return new streams.WritableStream({
    write(chunk) { return stub.write(chunk); },
    close() { return then(PromiseResolve(stub.close()), release, (err) => { release(); throw err; }); },
    abort(reason) { return then(PromiseResolve(stub.abort(StringCtor(reason))), release, release); },
  });
}

function streamFromStub(stub) {
  return new streams.ReadableStream({
    async pull(controller) {
      const chunk = await stub.read();
      if (chunk === null) {
        controller.close();
        stub[SymbolDispose]();
      } else {
        controller.enqueue(chunk);
      }
    },
    cancel(reason) {
      const release = () => stub[SymbolDispose]();
      return then(PromiseResolve(stub.cancel(StringCtor(reason))), release, release);
    },
  });
}

function headerList(headers) {
  const list = [];
  for (const pair of headers) ArrayPrototypePush(list, [pair[0], pair[1]]);
  return list;
}

// Replaces what cannot be structured-cloned (functions, RpcTargets, stubs, streams, requests,
// responses, headers) by placeholders, copying the objects and arrays that contain them.
class Encoder {
  constructor() {
    this.caps = [];
    this.seen = new MapCtor();
  }
  placeholder(cap, meta) {
    if (cap === null) return ops.rpcPlaceholder(kNoCap, meta);
    ArrayPrototypePush(this.caps, cap);
    return ops.rpcPlaceholder(this.caps.length - 1, meta);
  }
  walk(v) {
    const type = typeof v;
    if (type !== "object" && type !== "function") return v;
    if (v === null) return v;
    const known = this.seen.get(v);
    if (known !== undefined) return known;
    const out = this.replace(v);
    this.seen.set(v, out);
    return out;
  }
  replace(v) {
    if (typeof v === "function") {
      const info = stubs.get(v);
      if (info !== undefined && info.handle !== null && info.path.length === 0) {
        if (ops.rpcIsDisposed(info.handle)) throw new ErrorCtor(kDisposed);
        // A handle of its own: the sender may dispose its stub before the message leaves.
        return this.placeholder(ops.rpcDup(info.handle), undefined);
      }
      return this.placeholder(v, undefined);
    }
    if (v instanceof RpcTarget || forwardingStubs.has(v)) return this.placeholder(v, undefined);
    const binding = serviceBindings.get(v);
    if (binding !== undefined) {
      const handle = ops.rpcEntrypoint(binding);
      if (handle === null) throw makeDataCloneError("A service binding to a service that is not a worker cannot be sent over RPC.");
      return this.placeholder(handle, "service");
    }
    const info = stubs.get(v);
    if (info !== undefined && info.handle !== null && info.path.length === 0) {
      if (ops.rpcIsDisposed(info.handle)) throw new ErrorCtor(kDisposed);
      return this.placeholder(ops.rpcDup(info.handle), "service");
    }
    if (streams.isReadableStream(v)) {
      if (v.locked) throw new TypeErrorCtor("The ReadableStream has been locked to a reader.");
      return this.placeholder(new StreamSource(v), "stream");
    }
    if (streams.isWritableStream(v)) {
      if (v.locked) throw new TypeErrorCtor("The WritableStream has been locked to a writer.");
      return this.placeholder(new StreamSink(v), "writable");
    }
    if (fetchModule.isResponse(v)) {
      if (v.bodyUsed) throw new TypeErrorCtor("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
      const body = v.body;
      return this.placeholder(body === null ? null : new StreamSource(body), {
        t: "response", status: v.status, statusText: v.statusText, headers: headerList(v.headers),
        body: body !== null,
      });
    }
    if (fetchModule.isRequest(v)) {
      if (v.bodyUsed) throw new TypeErrorCtor("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
      const body = v.body;
      return this.placeholder(body === null ? null : new StreamSource(body), {
        t: "request", method: v.method, url: v.url, headers: headerList(v.headers), body: body !== null,
      });
    }
    if (headersModule.isHeaders(v)) return this.placeholder(null, { t: "headers", headers: headerList(v) });
    if (ArrayIsArray(v)) {
      this.seen.set(v, v);
      let copy = null;
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        const replaced = this.walk(item);
        if (replaced !== item && copy === null) copy = ArrayPrototypeSlice(v, 0, i);
        if (copy !== null) copy[i] = replaced;
      }
      return copy === null ? v : copy;
    }
    if (v instanceof MapCtor) {
      this.seen.set(v, v);
      let changed = false;
      const entries = [];
      for (const [key, value] of v) {
        const k = this.walk(key);
        const val = this.walk(value);
        if (k !== key || val !== value) changed = true;
        ArrayPrototypePush(entries, [k, val]);
      }
      return changed ? new MapCtor(entries) : v;
    }
    if (v instanceof SetCtor) {
      this.seen.set(v, v);
      let changed = false;
      const items = [];
      for (const item of v) {
        const replaced = this.walk(item);
        if (replaced !== item) changed = true;
        ArrayPrototypePush(items, replaced);
      }
      return changed ? new SetCtor(items) : v;
    }
    if (isPlainObject(v)) {
      this.seen.set(v, v);
      let copy = null;
      const keys = ObjectKeys(v);
      for (let i = 0; i < keys.length; i++) {
        const value = v[keys[i]];
        const replaced = this.walk(value);
        if (replaced !== value && copy === null) {
          copy = {};
          for (let j = 0; j < i; j++) copy[keys[j]] = v[keys[j]];
        }
        if (copy !== null) copy[keys[i]] = replaced;
      }
      return copy === null ? v : copy;
    }
    return v;
  }
}

// -> {bytes, caps}: caps are stub handles (forwarded) or values to export (functions, targets).
function encode(value) {
  const encoder = new Encoder();
  const replaced = encoder.walk(value);
  return { bytes: ops.rpcSerialize(replaced, makeDataCloneError), caps: encoder.caps };
}

// -> the value, with stubs for the capabilities `caps` (native handles) and a Symbol.dispose on
// an object result that disposes every stub inside it.
function decode(bytes, caps) {
  const made = [];
  const [raw, count] = ops.rpcDeserialize(bytes);
  if (count === 0) return { value: raw, made };
  const revive = (index, meta) => {
    if (index === kNoCap && meta.t === "headers") return new headersModule.Headers(meta.headers);
    // Requests and responses without a body have no capability.
    const stub = index === kNoCap ? null : makeStub(handleCaller(caps[index]), caps[index], []);
    if (meta === undefined) {
      ArrayPrototypePush(made, stub);
      return stub;
    }
    if (meta === "service") {
      const service = makeServiceStub(caps[index]);
      ArrayPrototypePush(made, service);
      return service;
    }
    if (meta === "stream") return streamFromStub(stub);
    if (meta === "writable") return writableFromStub(stub);
    if (meta.t === "response") {
      return new fetchModule.Response(meta.body ? streamFromStub(stub) : null,
        { status: meta.status, statusText: meta.statusText, headers: meta.headers });
    }
    if (meta.t === "request") {
      return new fetchModule.Request(meta.url, {
        method: meta.method, headers: meta.headers, body: meta.body ? streamFromStub(stub) : null,
      });
    }
    throw new ErrorCtor("malformed RPC message");
  };
  // The deserialized value is new, so its placeholders are replaced in place.
  const seen = new MapCtor();
  const fix = (v) => {
    if (typeof v !== "object" || v === null) return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    const placeholder = ops.rpcPlaceholderOf(v);
    if (placeholder !== undefined) {
      const revived = revive(placeholder[0], placeholder[1]);
      seen.set(v, revived);
      return revived;
    }
    seen.set(v, v);
    if (ArrayIsArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = fix(v[i]);
    } else if (v instanceof MapCtor) {
      const entries = [];
      for (const [key, value] of v) ArrayPrototypePush(entries, [fix(key), fix(value)]);
      v.clear();
      for (const [key, value] of entries) v.set(key, value);
    } else if (v instanceof SetCtor) {
      const items = [];
      for (const item of v) ArrayPrototypePush(items, fix(item));
      v.clear();
      for (const item of items) v.add(item);
    } else if (isPlainObject(v)) {
      const keys = ObjectKeys(v);
      for (let i = 0; i < keys.length; i++) v[keys[i]] = fix(v[keys[i]]);
    }
    return v;
  };
  return { value: fix(raw), made };
}

function disposeAll(made) {
  for (const stub of made) stub[SymbolDispose]();
}

function decodeAnswer(answer) {
  const { value: result, made } = decode(answer[0], answer[1]);
  if (!result.ok) throw result.value;
  const value = result.value;
  if (typeof value === "object" && value !== null && ObjectIsExtensible(value) &&
      ObjectGetOwnPropertyDescriptor(value, SymbolDispose) === undefined &&
      !fetchModule.isResponse(value) && !streams.isReadableStream(value)) {
    ObjectDefineProperty(value, SymbolDispose, { value: () => disposeAll(made), configurable: true, writable: true });
  }
  return value;
}

// ---- the receiving side -----------------------------------------------------------------------

function isRpcObject(v) {
  return v instanceof RpcTarget || v instanceof WorkerEntrypoint || v instanceof DurableObject;
}

const kMissing = Symbol("missing");

// The property `name` of an object reached over RPC (kMissing when there is none). On class-based
// RPC objects only what the class defines counts (not instance fields, not Object.prototype).
function rpcProperty(obj, name) {
  if (typeof obj !== "object" || obj === null) return kMissing;
  if (name === "constructor" || name === "__proto__") return kMissing;
  if (forwardingStubs.has(obj)) return obj[name];  // fetch(), or a stub for any other name
  if (isRpcObject(obj)) {
    for (let proto = ObjectGetPrototypeOf(obj); proto !== null && proto !== ObjectPrototype;
      proto = ObjectGetPrototypeOf(proto)) {
      if (proto === RpcTarget.prototype || proto === WorkerEntrypoint.prototype ||
          proto === DurableObject.prototype) break;
      if (ObjectGetOwnPropertyDescriptor(proto, name) !== undefined) return ReflectGet(proto, name, obj);
    }
    return kMissing;
  }
  if (isPlainObject(obj) || ArrayIsArray(obj)) {
    return ObjectGetOwnPropertyDescriptor(obj, name) !== undefined ? obj[name] : kMissing;
  }
  return kMissing;
}

const notImplemented = (name) => new TypeErrorCtor(`The RPC receiver does not implement the method "${name}".`);

// Runs a call (or property read, `get`) at `path` on `target`.
function dispatch(target, path, get, args) {
  if (path.length === 0) {
    if (typeof target !== "function") throw new TypeErrorCtor("The RPC receiver is not a function.");
    return ReflectApply(target, undefined, args);
  }
  let obj = target;
  for (let i = 0; i < path.length - 1; i++) {
    obj = rpcProperty(obj, path[i]);
    if (obj === kMissing) throw notImplemented(path[i]);
  }
  const name = path[path.length - 1];
  const value = rpcProperty(obj, name);
  if (value === kMissing) throw notImplemented(name);
  if (get) return value;
  if (typeof value !== "function") throw new TypeErrorCtor(`"${name}" is not a function.`);
  return ReflectApply(value, obj, args);
}

function errorForTransport(err) {
  try {
    ops.rpcSerialize(err, makeDataCloneError);
    return err;
  } catch {
    return new ErrorCtor(StringCtor(err && err.message !== undefined ? err.message : err));
  }
}

function encodeAnswer(ok, value) {
  let encoded;
  try {
    encoded = encode({ ok, value });
  } catch (err) {
    encoded = encode({ ok: false, value: errorForTransport(err) });
  }
  return [encoded.bytes, encoded.caps];
}

// Always fulfills, with [bytes, caps] of {ok, value}. The stubs that came with the arguments
// (`args.made`, filled by fn) are disposed once the answer is encoded, as in workerd: a callee
// that keeps one for later must dup() it.
function answer(fn, args) {
  let result;
  try {
    result = PromiseResolve(fn());
  } catch (err) {
    result = PromiseReject(err);
  }
  const done = (encoded) => {
    disposeAll(args.made);
    return encoded;
  };
  return then(result, (value) => done(encodeAnswer(true, value)),
    (err) => done(encodeAnswer(false, errorForTransport(err))));
}

// The arguments of a call: {value, made} (see answer()).
function decodeArgs(bytes, caps, args) {
  const decoded = decode(bytes, caps);
  args.made = decoded.made;
  return decoded.value;
}

// hooks.rpcInvoke: a call on an exported function or RpcTarget.
function invoke(target, path, get, bytes, caps) {
  const args = { made: [] };
  return answer(() => dispatch(target, path, get, decodeArgs(bytes, caps, args)), args);
}

// Handler methods that are events, not RPC methods.
const kHandlerMethods = new SetCtor(["fetch", "connect", "tail", "trace", "scheduled", "queue", "test",
  "alarm", "webSocketMessage", "webSocketClose", "webSocketError", "email"]);

// hooks.rpcInvokeEntrypoint: a call through a service binding, on a new instance of the
// entrypoint's class.
function invokeEntrypoint(exports, env, entrypoint, ctx, path, get, bytes, caps) {
  const decoded = { made: [] };
  return answer(() => {
    const handler = exports === undefined ? undefined : exports[entrypoint === "" ? "default" : entrypoint];
    const args = decodeArgs(bytes, caps, decoded);
    if (path.length === 1 && path[0] === "fetch" && !get && args.length === 1 && fetchModule.isRequest(args[0])) {
      // fetch() of a service binding that was sent over RPC.
      if (typeof handler === "function") return new handler(ctx, env).fetch(args[0]);
      return ReflectApply(handler.fetch, handler, [args[0], env, ctx]);
    }
    if (path.length > 0 && kHandlerMethods.has(path[0])) {
      throw new TypeErrorCtor(`Cannot call handler method "${path[0]}" over RPC.`);
    }
    if (typeof handler === "function") {
      if (!(handler.prototype instanceof WorkerEntrypoint)) {
        throw new TypeErrorCtor("The RPC receiver does not support RPC, because its class was not declared with `extends WorkerEntrypoint`. In order to enable RPC, make sure your class extends the special class `WorkerEntrypoint`, which can be imported from the module \"cloudflare:workers\".");
      }
      return dispatch(new handler(ctx, env), path, get, args);
    }
    // An object handler: its functions are handlers, called as method(arg, env, ctx).
    if (path.length !== 1 || typeof handler !== "object" || handler === null) {
      throw notImplemented(path.length === 0 ? "" : path[0]);
    }
    const name = path[0];
    const fn = ObjectGetOwnPropertyDescriptor(handler, name) !== undefined ? handler[name] : undefined;
    if (typeof fn !== "function" || get) throw notImplemented(name);
    if (args.length !== 1) {
      throw new TypeErrorCtor(`Attempted to call RPC function "${name}" with the wrong number of arguments. When calling a top-level handler function that is not declared as part of a class, you must always send exactly one argument. In order to support variable numbers of arguments, the server must use class-based syntax (extending WorkerEntrypoint) instead.`);
    }
    return ReflectApply(fn, handler, [args[0], env, ctx]);
  }, decoded);
}

// env.SERVICE: the Fetcher (fetch() stays HTTP) whose other properties are RPC stubs on the
// entrypoint behind it (when it is a worker).
function makeServiceBinding(target) {
  const fetcher = fetchModule.makeFetcher(target);
  let root;
  const bound = new MapCtor();
  const binding = new ProxyCtor(fetcher, {
    get(t, prop) {
      if (typeof prop === "symbol" || prop in t) {
        const value = ReflectGet(t, prop, t);
        if (typeof value !== "function") return value;
        let b = bound.get(prop);
        if (b === undefined || b.fn !== value) {
          b = { fn: value, bound: (...args) => ReflectApply(value, t, args) };
          bound.set(prop, b);
        }
        return b.bound;
      }
      if (prop === "then") return undefined;
      if (prop === "toJSON") return bindingToJSON;
      if (root === undefined) root = ops.rpcEntrypoint(target);
      if (root === null) return undefined;
      return makeStub(handleCaller(root), root, [prop]);
    },
  });
  serviceBindings.set(binding, target);
  return binding;
}

// A stub for a Durable Object's RPC methods: `call` sends through the object's channel.
function makeObjectStub(call, prop) {
  return makeStub(call, null, [prop]);
}

// new RpcStub(value) (cloudflare:workers).
function makeRpcStub(value) {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) {
    throw new TypeErrorCtor("RpcStub can only wrap a function or an object.");
  }
  const info = stubs.get(value);
  if (info !== undefined && info.handle !== null && info.path.length === 0) {
    const handle = ops.rpcDup(info.handle);
    return makeStub(handleCaller(handle), handle, []);
  }
  const handle = ops.rpcExport(value);
  return makeStub(handleCaller(handle), handle, []);
}

// hooks.rpcReleased: the last stub on a value went away.
function released(value) {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return;
  const dispose = value[SymbolDispose];
  if (typeof dispose === "function") ReflectApply(dispose, value, []);
}

internal.hooks.makeFetcher = makeServiceBinding;
internal.hooks.rpcReleased = released;
internal.hooks.makeRpcStub = makeRpcStub;
internal.hooks.rpcInvoke = invoke;
internal.hooks.rpcInvokeEntrypoint = invokeEntrypoint;

exports.encode = encode;
exports.decode = decode;
exports.dispatch = dispatch;
exports.answer = answer;
exports.decodeArgs = decodeArgs;
exports.encodeAnswer = encodeAnswer;
exports.decodeAnswer = decodeAnswer;
exports.errorForTransport = errorForTransport;
exports.makeServiceBinding = makeServiceBinding;
exports.makeObjectStub = makeObjectStub;
exports.markForwardingStub = markForwardingStub;
exports.SymbolDispose = SymbolDispose;
