"use strict";
// node:async_hooks (AsyncLocalStorage, AsyncResource) and node:diagnostics_channel.
//
// The async context is one immutable "frame" (a Map from AsyncLocalStorage to its store) kept
// in V8's continuation-preserved embedder data: V8 saves it when a promise reaction is queued
// and restores it when the reaction runs, so it follows await and then(). Timers and
// queueMicrotask carry it through wrapWithContext() (installed by globals.js).

const { ReflectApply, Map: MapCtor, Error: ErrorCtor, Promise: PromiseCtor, ObjectFreeze } = internal.primordials;
const ops = internal.ops;
const registry = internal.require("node_registry");

function currentFrame() {
  const f = ops.getAsyncContext();
  return f === undefined || f === null ? undefined : f;
}

function runInFrame(frame, fn, thisArg, args) {
  const prev = ops.getAsyncContext();
  ops.setAsyncContext(frame);
  try {
    return ReflectApply(fn, thisArg, args);
  } finally {
    ops.setAsyncContext(prev);
  }
}

// Returns `fn` bound to the async context current now (or `fn` itself when there is none).
function wrapWithContext(fn) {
  const frame = ops.getAsyncContext();
  if (frame === undefined || typeof fn !== "function") return fn;
  return function (...args) { return runInFrame(frame, fn, this, args); };
}

function frameWith(storage, store) {
  const frame = new MapCtor(currentFrame());
  frame.set(storage, store);
  return frame;
}
function frameWithout(storage) {
  const cur = currentFrame();
  if (cur === undefined || !cur.has(storage)) return cur;
  const frame = new MapCtor(cur);
  frame.delete(storage);
  return frame.size === 0 ? undefined : frame;
}

class AsyncLocalStorage {
  static bind(fn) {
    registry.validateFunction(fn, "fn");
    const frame = currentFrame();
    return function (...args) { return runInFrame(frame, fn, this, args); };
  }
  static snapshot() {
    const frame = currentFrame();
    return function runInSnapshot(fn, ...args) {
      registry.validateFunction(fn, "fn");
      return runInFrame(frame, fn, this, args);
    };
  }
  constructor(options = undefined) {
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw registry.invalidArgType("options", "of type object", options);
    }
    this.name = options && options.name !== undefined ? `${options.name}` : undefined;
    this.defaultValue = options ? options.defaultValue : undefined;
  }
  run(store, fn, ...args) {
    registry.validateFunction(fn, "callback");
    return runInFrame(frameWith(this, store), fn, undefined, args);
  }
  exit(fn, ...args) {
    registry.validateFunction(fn, "callback");
    return runInFrame(frameWithout(this), fn, undefined, args);
  }
  getStore() {
    const frame = currentFrame();
    if (frame === undefined || !frame.has(this)) return this.defaultValue;
    return frame.get(this);
  }
  enterWith(store) { ops.setAsyncContext(frameWith(this, store)); }
  disable() { ops.setAsyncContext(frameWithout(this)); }
}

let nextAsyncId = 1;
const kFrame = Symbol("asyncFrame");
class AsyncResource {
  constructor(type, options = undefined) {
    if (typeof type !== "string") throw registry.invalidArgType("type", "of type string", type);
    this[kFrame] = currentFrame();
    this.type = type;
    this._asyncId = nextAsyncId++;
    this._triggerAsyncId = typeof options === "number" ? options : options && options.triggerAsyncId || 0;
  }
  runInAsyncScope(fn, thisArg, ...args) { return runInFrame(this[kFrame], fn, thisArg, args); }
  bind(fn, thisArg = undefined) {
    registry.validateFunction(fn, "fn");
    const resource = this;
    const bound = function (...args) { return resource.runInAsyncScope(fn, thisArg === undefined ? this : thisArg, ...args); };
    Object.defineProperties(bound, {
      length: { value: fn.length, configurable: true },
      asyncResource: { value: this, configurable: true, enumerable: true, writable: true },
    });
    return bound;
  }
  static bind(fn, type = undefined, thisArg = undefined) {
    registry.validateFunction(fn, "fn");
    return new AsyncResource(type || fn.name || "bound-anonymous-fn").bind(fn, thisArg);
  }
  emitDestroy() { return this; }
  asyncId() { return this._asyncId; }
  triggerAsyncId() { return this._triggerAsyncId; }
}

registry.define("async_hooks", () => ({
  AsyncLocalStorage, AsyncResource,
  createHook() { throw registry.notImplemented("async_hooks.createHook"); },
  executionAsyncId() { return 0; },
  triggerAsyncId() { return 0; },
  executionAsyncResource() { return {}; },
  asyncWrapProviders: ObjectFreeze({ __proto__: null }),
}));

// ---- diagnostics_channel -----------------------------------------------------------------------

const channels = new MapCtor();

class Channel {
  constructor(name) {
    this.name = name;
    this._subscribers = [];
    this._stores = new MapCtor();
  }
  get hasSubscribers() { return this._subscribers.length > 0 || this._stores.size > 0; }
  subscribe(fn) { registry.validateFunction(fn, "subscription"); this._subscribers = [...this._subscribers, fn]; }
  unsubscribe(fn) {
    const i = this._subscribers.indexOf(fn);
    if (i === -1) return false;
    this._subscribers = [...this._subscribers.slice(0, i), ...this._subscribers.slice(i + 1)];
    return true;
  }
  publish(data) {
    for (const fn of this._subscribers) {
      try {
        fn(data, this.name);
      } catch (err) {
        queueMicrotask(() => { throw err; });
      }
    }
  }
  bindStore(store, transform = undefined) { this._stores.set(store, transform); }
  unbindStore(store) { return this._stores.delete(store); }
  runStores(data, fn, thisArg, ...args) {
    let run = () => {
      this.publish(data);
      return ReflectApply(fn, thisArg, args);
    };
    for (const [store, transform] of this._stores) {
      const next = run;
      run = () => store.run(transform ? transform(data) : data, next);
    }
    return run();
  }
}

function channel(name) {
  if (typeof name !== "string" && typeof name !== "symbol") throw registry.invalidArgType("channel", "of type string or symbol", name);
  let ch = channels.get(name);
  if (ch === undefined) { ch = new Channel(name); channels.set(name, ch); }
  return ch;
}

const traceEvents = ["start", "end", "asyncStart", "asyncEnd", "error"];
class TracingChannel {
  constructor(nameOrChannels) {
    for (const ev of traceEvents) {
      this[ev] = typeof nameOrChannels === "string" ? channel(`tracing:${nameOrChannels}:${ev}`) : nameOrChannels[ev];
    }
  }
  get hasSubscribers() { return traceEvents.some((ev) => this[ev].hasSubscribers); }
  subscribe(handlers) { for (const ev of traceEvents) if (handlers[ev]) this[ev].subscribe(handlers[ev]); }
  unsubscribe(handlers) {
    let done = true;
    for (const ev of traceEvents) if (handlers[ev] && !this[ev].unsubscribe(handlers[ev])) done = false;
    return done;
  }
  traceSync(fn, context = {}, thisArg = undefined, ...args) {
    if (!this.hasSubscribers) return ReflectApply(fn, thisArg, args);
    return this.start.runStores(context, () => {
      try {
        const result = ReflectApply(fn, thisArg, args);
        context.result = result;
        return result;
      } catch (err) {
        context.error = err;
        this.error.publish(context);
        throw err;
      } finally {
        this.end.publish(context);
      }
    });
  }
  tracePromise(fn, context = {}, thisArg = undefined, ...args) {
    if (!this.hasSubscribers) return ReflectApply(fn, thisArg, args);
    return this.start.runStores(context, () => {
      try {
        const promise = ReflectApply(fn, thisArg, args);
        return PromiseCtor.resolve(promise).then((result) => {
          context.result = result;
          this.asyncStart.publish(context);
          this.asyncEnd.publish(context);
          return result;
        }, (err) => {
          context.error = err;
          this.error.publish(context);
          this.asyncStart.publish(context);
          this.asyncEnd.publish(context);
          throw err;
        });
      } catch (err) {
        context.error = err;
        this.error.publish(context);
        throw err;
      } finally {
        this.end.publish(context);
      }
    });
  }
  traceCallback(fn, position = -1, context = {}, thisArg = undefined, ...args) {
    if (!this.hasSubscribers) return ReflectApply(fn, thisArg, args);
    const index = position < 0 ? args.length + position : position;
    const callback = args[index];
    registry.validateFunction(callback, "callback");
    const self = this;
    args[index] = function wrappedCallback(err, result) {
      if (err) { context.error = err; self.error.publish(context); } else context.result = result;
      return self.asyncStart.runStores(context, () => {
        try { return ReflectApply(callback, this, arguments); } finally { self.asyncEnd.publish(context); }
      });
    };
    return this.traceSync(fn, context, thisArg, ...args);
  }
}

registry.define("diagnostics_channel", () => ({
  channel,
  hasSubscribers(name) { const ch = channels.get(name); return ch !== undefined && ch.hasSubscribers; },
  subscribe(name, fn) { channel(name).subscribe(fn); },
  unsubscribe(name, fn) { return channel(name).unsubscribe(fn); },
  tracingChannel(nameOrChannels) { return new TracingChannel(nameOrChannels); },
  Channel,
}));

exports.wrapWithContext = wrapWithContext;
exports.AsyncLocalStorage = AsyncLocalStorage;
