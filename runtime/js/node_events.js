"use strict";
// node:events: EventEmitter (with captureRejections and errorMonitor), once() and on() for
// emitters and EventTargets, getEventListeners, setMaxListeners, addAbortListener.

const {
  ObjectCreate, ObjectDefineProperty, ObjectSetPrototypeOf, ReflectApply, ReflectOwnKeys,
  Promise: PromiseCtor, Error: ErrorCtor, TypeError: TypeErrorCtor,
} = internal.primordials;
const registry = internal.require("node_registry");
const abort = internal.require("abort");
const eventsInternal = internal.require("events");

const kCapture = Symbol("kCapture");
const kRejection = Symbol.for("nodejs.rejection");
const errorMonitor = Symbol("events.errorMonitor");
let defaultMaxListeners = 10;
let captureRejectionsDefault = false;

function checkListener(listener) { registry.validateFunction(listener, "listener"); }

function abortError(reason) {
  const err = new ErrorCtor("The operation was aborted", reason === undefined ? undefined : { cause: reason });
  err.name = "AbortError";
  err.code = "ABORT_ERR";
  return err;
}

function EventEmitter(opts) {
  EventEmitter.init.call(this, opts);
}
EventEmitter.prototype._events = undefined;
EventEmitter.prototype._eventsCount = 0;
EventEmitter.prototype._maxListeners = undefined;

EventEmitter.init = function init(opts) {
  if (this._events === undefined || this._events === ObjectGetPrototypeOfSafe(this)._events) {
    this._events = ObjectCreate(null);
    this._eventsCount = 0;
  }
  this._maxListeners = this._maxListeners || undefined;
  if (opts && opts.captureRejections !== undefined) {
    if (typeof opts.captureRejections !== "boolean") {
      throw registry.invalidArgType("options.captureRejections", "of type boolean", opts.captureRejections);
    }
    this[kCapture] = opts.captureRejections;
  } else {
    this[kCapture] = EventEmitter.prototype[kCapture];
  }
};
function ObjectGetPrototypeOfSafe(o) { return Object.getPrototypeOf(o) || {}; }

function emitUnhandledRejectionOrErr(ee, err, type, args) {
  if (typeof ee[kRejection] === "function") {
    ReflectApply(ee[kRejection], ee, [err, type, ...args]);
  } else {
    const prev = ee[kCapture];
    try {
      ee[kCapture] = false;
      ee.emit("error", err);
    } finally {
      ee[kCapture] = prev;
    }
  }
}

function addCatch(ee, promise, type, args) {
  try {
    const then = promise.then;
    if (typeof then === "function") {
      ReflectApply(then, promise, [undefined, (err) => {
        queueMicrotask(() => emitUnhandledRejectionOrErr(ee, err, type, args));
      }]);
    }
  } catch (err) {
    ee.emit("error", err);
  }
}

const methods = {
  setMaxListeners(n) {
    if (typeof n !== "number" || n < 0 || n !== n) {
      throw registry.codedError(RangeError, "ERR_OUT_OF_RANGE",
        `The value of "n" is out of range. It must be a non-negative number. Received ${n}`);
    }
    this._maxListeners = n;
    return this;
  },
  getMaxListeners() { return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners; },
  emit(type, ...args) {
    const events = this._events;
    if (type === "error" && events !== undefined && events[errorMonitor] !== undefined) {
      this.emit(errorMonitor, ...args);
    }
    const handler = events === undefined ? undefined : events[type];
    if (handler === undefined) {
      if (type === "error") {
        const er = args[0];
        if (er instanceof ErrorCtor) throw er;
        let shown;
        try { shown = internal.require("node_util").inspect(er); } catch { shown = String(er); }
        const err = registry.codedError(ErrorCtor, "ERR_UNHANDLED_ERROR", `Unhandled error. (${shown})`);
        err.context = er;
        throw err;
      }
      return false;
    }
    const capture = this[kCapture];
    if (typeof handler === "function") {
      const result = ReflectApply(handler, this, args);
      if (capture && result !== undefined && result !== null) addCatch(this, result, type, args);
    } else {
      const listeners = handler.slice();
      for (let i = 0; i < listeners.length; i++) {
        const result = ReflectApply(listeners[i], this, args);
        if (capture && result !== undefined && result !== null) addCatch(this, result, type, args);
      }
    }
    return true;
  },
  addListener(type, listener) { return addListener(this, type, listener, false); },
  on(type, listener) { return addListener(this, type, listener, false); },
  prependListener(type, listener) { return addListener(this, type, listener, true); },
  once(type, listener) { checkListener(listener); this.on(type, onceWrapper(this, type, listener)); return this; },
  prependOnceListener(type, listener) { checkListener(listener); this.prependListener(type, onceWrapper(this, type, listener)); return this; },
  removeListener(type, listener) {
    checkListener(listener);
    const events = this._events;
    if (events === undefined) return this;
    const list = events[type];
    if (list === undefined) return this;
    if (list === listener || list.listener === listener) {
      this._eventsCount -= 1;
      if (this._eventsCount === 0) this._events = ObjectCreate(null);
      else delete events[type];
      if (events.removeListener !== undefined) this.emit("removeListener", type, list.listener || listener);
    } else if (typeof list !== "function") {
      let position = -1;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i] === listener || list[i].listener === listener) { position = i; break; }
      }
      if (position < 0) return this;
      const removed = list[position];
      list.splice(position, 1);
      if (list.length === 1) events[type] = list[0];
      if (events.removeListener !== undefined) this.emit("removeListener", type, removed.listener || listener);
    }
    return this;
  },
  off(type, listener) { return this.removeListener(type, listener); },
  removeAllListeners(type) {
    const events = this._events;
    if (events === undefined) return this;
    if (events.removeListener === undefined) {
      if (arguments.length === 0) {
        this._events = ObjectCreate(null);
        this._eventsCount = 0;
      } else if (events[type] !== undefined) {
        if (--this._eventsCount === 0) this._events = ObjectCreate(null);
        else delete events[type];
      }
      return this;
    }
    if (arguments.length === 0) {
      for (const key of ReflectOwnKeys(events)) {
        if (key === "removeListener") continue;
        this.removeAllListeners(key);
      }
      this.removeAllListeners("removeListener");
      this._events = ObjectCreate(null);
      this._eventsCount = 0;
      return this;
    }
    const listeners = events[type];
    if (typeof listeners === "function") this.removeListener(type, listeners);
    else if (listeners !== undefined) {
      for (let i = listeners.length - 1; i >= 0; i--) this.removeListener(type, listeners[i]);
    }
    return this;
  },
  listeners(type) { return listenersOf(this, type, true); },
  rawListeners(type) { return listenersOf(this, type, false); },
  listenerCount(type, listener) {
    const events = this._events;
    if (events === undefined) return 0;
    const list = events[type];
    if (list === undefined) return 0;
    if (typeof list === "function") {
      return listener == null || list === listener || list.listener === listener ? 1 : 0;
    }
    if (listener == null) return list.length;
    let n = 0;
    for (const l of list) if (l === listener || l.listener === listener) n++;
    return n;
  },
  eventNames() { return this._eventsCount > 0 ? ReflectOwnKeys(this._events) : []; },
};
for (const key of Object.keys(methods)) {
  ObjectDefineProperty(EventEmitter.prototype, key, { value: methods[key], writable: true, configurable: true, enumerable: true });
}
EventEmitter.prototype[kCapture] = false;
ObjectDefineProperty(EventEmitter.prototype, kRejection, { value: undefined, writable: true, configurable: true, enumerable: false });
delete EventEmitter.prototype[kRejection];

function addListener(target, type, listener, prepend) {
  checkListener(listener);
  let events = target._events;
  if (events === undefined) {
    events = target._events = ObjectCreate(null);
    target._eventsCount = 0;
  } else if (events.newListener !== undefined) {
    target.emit("newListener", type, listener.listener ? listener.listener : listener);
    events = target._events;
  }
  const existing = events[type];
  if (existing === undefined) {
    events[type] = listener;
    ++target._eventsCount;
    return target;
  }
  let list;
  if (typeof existing === "function") list = events[type] = prepend ? [listener, existing] : [existing, listener];
  else { list = existing; if (prepend) list.unshift(listener); else list.push(listener); }
  const max = target.getMaxListeners();
  if (max > 0 && list.length > max && !list.warned) {
    list.warned = true;
    const w = new ErrorCtor(`Possible EventEmitter memory leak detected. ${list.length} ${String(type)} listeners added to ` +
      `${target.constructor && target.constructor.name || "EventEmitter"}. MaxListeners is ${max}. Use emitter.setMaxListeners() to increase limit`);
    w.name = "MaxListenersExceededWarning";
    w.emitter = target;
    w.type = type;
    w.count = list.length;
    const proc = globalThis.process;
    if (proc && typeof proc.emitWarning === "function") proc.emitWarning(w);
    else console.warn(`${w.name}: ${w.message}`);
  }
  return target;
}

function onceWrapper(target, type, listener) {
  const state = { fired: false, target, type, listener };
  function wrapped(...args) {
    if (!state.fired) {
      state.target.removeListener(state.type, wrapped);
      state.fired = true;
      return ReflectApply(state.listener, state.target, args);
    }
  }
  wrapped.listener = listener;
  return wrapped;
}

function listenersOf(target, type, unwrap) {
  const events = target._events;
  if (events === undefined) return [];
  const list = events[type];
  if (list === undefined) return [];
  if (typeof list === "function") return unwrap ? [list.listener || list] : [list];
  return unwrap ? list.map((l) => l.listener || l) : list.slice();
}

ObjectDefineProperty(EventEmitter, "defaultMaxListeners", {
  enumerable: true,
  get() { return defaultMaxListeners; },
  set(n) {
    if (typeof n !== "number" || n < 0 || n !== n) {
      throw registry.codedError(RangeError, "ERR_OUT_OF_RANGE",
        `The value of "defaultMaxListeners" is out of range. It must be a non-negative number. Received ${n}`);
    }
    defaultMaxListeners = n;
  },
});
ObjectDefineProperty(EventEmitter, "captureRejections", {
  enumerable: true,
  get() { return captureRejectionsDefault; },
  set(v) {
    if (typeof v !== "boolean") throw registry.invalidArgType("EventEmitter.captureRejections", "of type boolean", v);
    captureRejectionsDefault = v;
    EventEmitter.prototype[kCapture] = v;
  },
});

// ---- static helpers ----------------------------------------------------------------------------

function isEventTarget(v) { return v !== null && typeof v === "object" && typeof v.addEventListener === "function" && typeof v.on !== "function"; }

function validateSignal(signal) {
  if (signal !== undefined && !abort.isAbortSignal(signal)) throw registry.invalidArgType("options.signal", "an instance of AbortSignal", signal);
}

function once(emitter, name, options = {}) {
  const signal = options ? options.signal : undefined;
  validateSignal(signal);
  if (signal && signal.aborted) return PromiseCtor.reject(abortError(signal.reason));
  return new PromiseCtor((resolve, reject) => {
    let onAbort;
    const cleanupSignal = () => { if (signal) signal.removeEventListener("abort", onAbort); };
    if (isEventTarget(emitter)) {
      const listener = (...args) => { cleanupSignal(); resolve(args); };
      emitter.addEventListener(name, listener, { once: true });
      onAbort = () => { emitter.removeEventListener(name, listener); reject(abortError(signal.reason)); };
    } else {
      const errorListener = (err) => {
        emitter.removeListener(name, resolver);
        cleanupSignal();
        reject(err);
      };
      const resolver = (...args) => {
        if (name !== "error") emitter.removeListener("error", errorListener);
        cleanupSignal();
        resolve(args);
      };
      emitter.once(name, resolver);
      if (name !== "error") emitter.once("error", errorListener);
      onAbort = () => {
        emitter.removeListener(name, resolver);
        emitter.removeListener("error", errorListener);
        reject(abortError(signal.reason));
      };
    }
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

function on(emitter, event, options = {}) {
  const signal = options ? options.signal : undefined;
  validateSignal(signal);
  if (signal && signal.aborted) throw abortError(signal.reason);
  const queue = [];
  const waiting = [];
  let error = null;
  let finished = false;
  const closeEvents = options && options.close ? options.close : [];
  const eventHandler = (...args) => {
    const w = waiting.shift();
    if (w) w.resolve({ value: args, done: false });
    else queue.push(args);
  };
  const errorHandler = (err) => {
    finished = true;
    const w = waiting.shift();
    if (w) w.reject(err);
    else error = err;
    iterator.return();
  };
  const closeHandler = () => { iterator.return(); };
  const onAbort = () => errorHandler(abortError(signal.reason));
  const add = (name, fn) => isEventTarget(emitter) ? emitter.addEventListener(name, fn) : emitter.on(name, fn);
  const remove = (name, fn) => isEventTarget(emitter) ? emitter.removeEventListener(name, fn) : emitter.removeListener(name, fn);
  add(event, eventHandler);
  if (event !== "error" && !isEventTarget(emitter)) add("error", errorHandler);
  for (const name of closeEvents) add(name, closeHandler);
  if (signal) signal.addEventListener("abort", onAbort, { once: true });
  const iterator = {
    next() {
      if (queue.length) return PromiseCtor.resolve({ value: queue.shift(), done: false });
      if (error) { const p = PromiseCtor.reject(error); error = null; return p; }
      if (finished) return PromiseCtor.resolve({ value: undefined, done: true });
      return new PromiseCtor((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      remove(event, eventHandler);
      if (event !== "error" && !isEventTarget(emitter)) remove("error", errorHandler);
      for (const name of closeEvents) remove(name, closeHandler);
      if (signal) signal.removeEventListener("abort", onAbort);
      finished = true;
      for (const w of waiting.splice(0)) w.resolve({ value: undefined, done: true });
      return PromiseCtor.resolve({ value: undefined, done: true });
    },
    throw(err) {
      error = err;
      remove(event, eventHandler);
      return PromiseCtor.reject(err);
    },
    [Symbol.asyncIterator]() { return this; },
  };
  ObjectSetPrototypeOf(iterator, Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype));
  return iterator;
}

function getEventListeners(emitterOrTarget, type) {
  if (emitterOrTarget && typeof emitterOrTarget.listeners === "function") return emitterOrTarget.listeners(type);
  if (emitterOrTarget && typeof eventsInternal.listenersOf === "function") return eventsInternal.listenersOf(emitterOrTarget, type);
  throw registry.invalidArgType("emitter", "an instance of EventEmitter or EventTarget", emitterOrTarget);
}

function getMaxListeners(emitterOrTarget) {
  if (emitterOrTarget && typeof emitterOrTarget.getMaxListeners === "function") return emitterOrTarget.getMaxListeners();
  return defaultMaxListeners;
}

function setMaxListeners(n = defaultMaxListeners, ...targets) {
  if (typeof n !== "number" || n < 0 || n !== n) {
    throw registry.codedError(RangeError, "ERR_OUT_OF_RANGE", `The value of "n" is out of range. It must be a non-negative number. Received ${n}`);
  }
  if (targets.length === 0) defaultMaxListeners = n;
  for (const t of targets) if (t && typeof t.setMaxListeners === "function") t.setMaxListeners(n);
}

function listenerCount(emitter, type) { return emitter.listenerCount(type); }

function addAbortListener(signal, listener) {
  if (!abort.isAbortSignal(signal)) throw registry.invalidArgType("signal", "an instance of AbortSignal", signal);
  checkListener(listener);
  let removed = false;
  const wrapped = (e) => { if (!removed) listener(e); };
  if (signal.aborted) queueMicrotask(() => wrapped());
  else signal.addEventListener("abort", wrapped, { once: true });
  return { [Symbol.dispose || Symbol.for("nodejs.dispose")]() { removed = true; signal.removeEventListener("abort", wrapped); } };
}

class EventEmitterAsyncResource extends EventEmitter {
  constructor(options = undefined) {
    super(options);
    const { AsyncResource } = registry.load("async_hooks");
    const name = options && options.name || new.target.name;
    this.asyncResource = new AsyncResource(name);
  }
  emit(event, ...args) {
    return this.asyncResource.runInAsyncScope(super.emit, this, event, ...args);
  }
  emitDestroy() {}
  get asyncId() { return this.asyncResource.asyncId(); }
  get triggerAsyncId() { return this.asyncResource.triggerAsyncId(); }
}

function build() {
  const statics = {
    EventEmitter, once, on, getEventListeners, getMaxListeners, setMaxListeners, listenerCount, addAbortListener,
    errorMonitor, captureRejectionSymbol: kRejection, EventEmitterAsyncResource, usingDomains: false,
  };
  for (const key of Object.keys(statics)) {
    ObjectDefineProperty(EventEmitter, key, { value: statics[key], writable: true, configurable: true, enumerable: true });
  }
  return EventEmitter;
}

registry.define("events", build);
exports.EventEmitter = EventEmitter;
