"use strict";
// DOM events: Event, CustomEvent, EventTarget (no tree: every dispatch is at the target), and
// event handler attributes (onabort...). Listener errors are reported, never thrown to dispatch.

const {
  ArrayAppend, ArrayPrototypeSlice, ArrayPrototypeSplice, Boolean: BooleanCtor, FunctionPrototypeCall,
  ObjectDefineProperty, ReflectApply, String: StringCtor, TypeError: TypeErrorCtor,
  WeakMap: WeakMapCtor, WeakMapPrototypeGet, WeakMapPrototypeSet, WeakMapPrototypeHas, makeEnumerable,
  globalThis: theGlobal,
} = internal.primordials;
const { DOMException } = internal.require("dom_exception");
const ops = internal.ops;

const kNone = 0, kAtTarget = 2;

// Set by abort.js: (signal) -> bool, and (signal, algorithm) -> registers algorithm on abort.
const abortHooks = { isSignal: null, aborted: null, onAbort: null };

let setDispatchState, eventFlags, setTrusted, isEventImpl;

class Event {
  #type;
  #bubbles;
  #cancelable;
  #composed;
  #target = null;
  #currentTarget = null;
  #phase = kNone;
  #stopPropagation = false;
  #stopImmediate = false;
  #canceled = false;
  #inPassive = false;
  #dispatching = false;
  #trusted = false;

  constructor(type, eventInitDict = undefined) {
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to construct 'Event': 1 argument required, but only 0 present.");
    }
    this.#type = StringCtor(type);
    const init = eventInitDict ?? {};
    if (typeof init !== "object" && typeof init !== "function") {
      throw new TypeErrorCtor("Failed to construct 'Event': parameter 2 is not of type 'EventInit'.");
    }
    this.#bubbles = BooleanCtor(init.bubbles);
    this.#cancelable = BooleanCtor(init.cancelable);
    this.#composed = BooleanCtor(init.composed);
  }

  get type() { return this.#type; }
  get target() { return this.#target; }
  get srcElement() { return this.#target; }
  get currentTarget() { return this.#currentTarget; }
  get eventPhase() { return this.#phase; }
  get bubbles() { return this.#bubbles; }
  get cancelable() { return this.#cancelable; }
  get composed() { return this.#composed; }
  get defaultPrevented() { return this.#canceled; }
  get isTrusted() { return this.#trusted; }
  // Date.now() is the only clock built-ins have; like the reference runtime, report 0.
  get timeStamp() { return 0; }
  get returnValue() { return !this.#canceled; }
  set returnValue(value) { if (!value) this.preventDefault(); }
  get cancelBubble() { return this.#stopPropagation; }
  set cancelBubble(value) { if (value) this.#stopPropagation = true; }

  composedPath() {
    return this.#dispatching && this.#currentTarget !== null ? [this.#currentTarget] : [];
  }
  stopPropagation() { this.#stopPropagation = true; }
  stopImmediatePropagation() { this.#stopPropagation = true; this.#stopImmediate = true; }
  preventDefault() {
    if (this.#cancelable && !this.#inPassive) this.#canceled = true;
  }

  static {
    setDispatchState = (event, state) => {
      switch (state.step) {
        case "begin":
          event.#dispatching = true;
          event.#target = state.target;
          event.#currentTarget = state.target;
          event.#phase = kAtTarget;
          break;
        case "passive": event.#inPassive = state.value; break;
        case "end":
          event.#dispatching = false;
          event.#currentTarget = null;
          event.#phase = kNone;
          event.#stopPropagation = false;
          event.#stopImmediate = false;
          break;
      }
    };
    eventFlags = (event) => ({
      dispatching: event.#dispatching, stopImmediate: event.#stopImmediate,
      canceled: event.#canceled,
    });
    setTrusted = (event) => { event.#trusted = true; };
    isEventImpl = (value) => typeof value === "object" && value !== null && #type in value;
  }
}
const eventConstants = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 };
for (const name of ["NONE", "CAPTURING_PHASE", "AT_TARGET", "BUBBLING_PHASE"]) {
  const desc = { value: eventConstants[name], enumerable: true, writable: false, configurable: false };
  ObjectDefineProperty(Event, name, desc);
  ObjectDefineProperty(Event.prototype, name, desc);
}
makeEnumerable(Event, ["type", "target", "srcElement", "currentTarget", "eventPhase", "bubbles",
  "cancelable", "composed", "defaultPrevented", "isTrusted", "timeStamp", "returnValue",
  "cancelBubble", "composedPath", "stopPropagation", "stopImmediatePropagation", "preventDefault"]);

function isEvent(value) { return isEventImpl(value); }

class CustomEvent extends Event {
  #detail;
  constructor(type, eventInitDict = undefined) {
    if (arguments.length === 0) {
      throw new TypeErrorCtor("Failed to construct 'CustomEvent': 1 argument required, but only 0 present.");
    }
    super(type, eventInitDict);
    this.#detail = eventInitDict?.detail ?? null;
  }
  get detail() { return this.#detail; }
}
makeEnumerable(CustomEvent, ["detail"]);

// Listener storage lives in a WeakMap keyed by target so that any object (including the global
// object, which cannot hold private fields) can be made an EventTarget.
const listenerMaps = new WeakMapCtor();

function listenersOf(target, create) {
  let map = WeakMapPrototypeGet(listenerMaps, target);
  if (map === undefined) {
    if (!create) return undefined;
    if (!WeakMapPrototypeHas(eventTargets, target)) {
      throw new TypeErrorCtor("Illegal invocation: 'this' is not an EventTarget.");
    }
    map = { __proto__: null };
    WeakMapPrototypeSet(listenerMaps, target, map);
  }
  return map;
}
const eventTargets = new WeakMapCtor();

function initEventTarget(target) {
  WeakMapPrototypeSet(eventTargets, target, true);
}

function thisTarget(self, method) {
  // Members of the global scope may be called with an undefined `this` (a bare
  // `addEventListener(...)` in a module); WebIDL then uses the global object.
  const target = self ?? theGlobal;
  if (!WeakMapPrototypeHas(eventTargets, target)) {
    throw new TypeErrorCtor(`Failed to execute '${method}' on 'EventTarget': Illegal invocation.`);
  }
  return target;
}

function flattenOptions(options) {
  if (typeof options === "boolean" || options === undefined || options === null) {
    return { capture: BooleanCtor(options) };
  }
  return options;
}

function checkCallback(callback, method) {
  if (callback === null || callback === undefined) return false;
  if (typeof callback !== "function" && typeof callback !== "object") {
    throw new TypeErrorCtor(`Failed to execute '${method}' on 'EventTarget': parameter 2 is not of type 'function or HandlerObject'.`);
  }
  return true;
}

class EventTarget {
  constructor() {
    initEventTarget(this);
  }

  addEventListener(type, callback, options = undefined) {
    const target = thisTarget(this, "addEventListener");
    if (arguments.length < 2) {
      throw new TypeErrorCtor(`Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
    }
    type = StringCtor(type);
    if (!checkCallback(callback, "addEventListener")) return;
    const opts = flattenOptions(options);
    const capture = BooleanCtor(opts.capture);
    const once = BooleanCtor(opts.once);
    const passive = BooleanCtor(opts.passive);
    const signal = opts.signal;
    if (signal !== undefined) {
      if (abortHooks.isSignal === null || !abortHooks.isSignal(signal)) {
        throw new TypeErrorCtor("Failed to execute 'addEventListener' on 'EventTarget': The 'signal' option must be an AbortSignal.");
      }
      if (abortHooks.aborted(signal)) return;
    }
    const map = listenersOf(target, true);
    const list = map[type] ?? (map[type] = []);
    for (let i = 0; i < list.length; i++) {
      if (list[i].callback === callback && list[i].capture === capture) return;
    }
    const listener = { callback, capture, once, passive, removed: false };
    ArrayAppend(list, listener);
    if (signal !== undefined) {
      abortHooks.onAbort(signal, () => removeListener(target, type, callback, capture));
    }
  }

  removeEventListener(type, callback, options = undefined) {
    const target = thisTarget(this, "removeEventListener");
    if (arguments.length < 2) {
      throw new TypeErrorCtor(`Failed to execute 'removeEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
    }
    if (!checkCallback(callback, "removeEventListener")) return;
    removeListener(target, StringCtor(type), callback, BooleanCtor(flattenOptions(options).capture));
  }

  dispatchEvent(event) {
    const target = thisTarget(this, "dispatchEvent");
    if (!isEvent(event)) {
      throw new TypeErrorCtor("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    }
    if (eventFlags(event).dispatching) {
      throw new DOMException("The event is already being dispatched.", "InvalidStateError");
    }
    return dispatch(target, event);
  }
}
makeEnumerable(EventTarget, ["addEventListener", "removeEventListener", "dispatchEvent"]);

function removeListener(target, type, callback, capture) {
  const map = listenersOf(target, false);
  const list = map?.[type];
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    const l = list[i];
    if (l.callback === callback && l.capture === capture) {
      l.removed = true;
      ArrayPrototypeSplice(list, i, 1);
      return;
    }
  }
}

// Invoke the listeners of `target` for `event` (at-target phase only) and return
// !defaultPrevented. Listener exceptions go to reportError.
function dispatch(target, event) {
  setDispatchState(event, { step: "begin", target });
  try {
    const list = listenersOf(target, false)?.[event.type];
    if (list !== undefined) {
      const snapshot = ArrayPrototypeSlice(list);
      for (let i = 0; i < snapshot.length; i++) {
        const l = snapshot[i];
        if (l.removed) continue;
        if (l.once) removeListener(target, event.type, l.callback, l.capture);
        if (l.passive) setDispatchState(event, { step: "passive", value: true });
        try {
          const cb = l.callback;
          if (typeof cb === "function") {
            ReflectApply(cb, target, [event]);
          } else {
            const handleEvent = cb.handleEvent;
            if (typeof handleEvent !== "function") {
              throw new TypeErrorCtor("The event listener object has no callable 'handleEvent' method.");
            }
            ReflectApply(handleEvent, cb, [event]);
          }
        } catch (err) {
          ops.reportError(err);
        }
        if (l.passive) setDispatchState(event, { step: "passive", value: false });
        if (eventFlags(event).stopImmediate) break;
      }
    }
  } finally {
    setDispatchState(event, { step: "end" });
  }
  return !eventFlags(event).canceled;
}

// Event handler IDL attributes (e.g. AbortSignal.prototype.onabort): the handler is stored per
// target and wrapped in a single listener registered on first assignment.
const handlerStore = new WeakMapCtor();
function defineEventHandler(proto, name) {
  const type = name;
  ObjectDefineProperty(proto, `on${name}`, {
    enumerable: true,
    configurable: true,
    get() {
      const handlers = WeakMapPrototypeGet(handlerStore, this);
      return handlers?.[type]?.value ?? null;
    },
    set(value) {
      let handlers = WeakMapPrototypeGet(handlerStore, this);
      if (handlers === undefined) {
        handlers = { __proto__: null };
        WeakMapPrototypeSet(handlerStore, this, handlers);
      }
      const fn = typeof value === "function" || (typeof value === "object" && value !== null) ? value : null;
      let record = handlers[type];
      if (record === undefined) {
        if (fn === null) return;
        record = handlers[type] = { value: fn };
        const self = this;
        FunctionPrototypeCall(EventTarget.prototype.addEventListener, this, type, function (event) {
          const h = record.value;
          if (typeof h !== "function") return undefined;
          const result = ReflectApply(h, self, [event]);
          if (result === false) event.preventDefault();
          return result;
        });
      } else {
        record.value = fn;
      }
    },
  });
}

exports.Event = Event;
exports.CustomEvent = CustomEvent;
exports.EventTarget = EventTarget;
exports.isEvent = isEvent;
exports.initEventTarget = initEventTarget;
exports.dispatch = dispatch;
exports.setTrusted = setTrusted;
exports.defineEventHandler = defineEventHandler;
exports.abortHooks = abortHooks;
exports.hasListeners = (target, type) => {
  const list = listenersOf(target, false)?.[type];
  return list !== undefined && list.length > 0;
};
