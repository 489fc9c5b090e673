"use strict";
// setTimeout/setInterval/clearTimeout/clearInterval and queueMicrotask on the native timer ops.
// Callback exceptions are reported through ops.reportError, never propagated.

const { ArrayPrototypeSlice, Number: NumberCtor, NumberIsFinite, MathTrunc, ReflectApply, TypeError: TypeErrorCtor } = internal.primordials;
const ops = internal.ops;

function timerDelay(value) {
  const ms = NumberCtor(value);
  if (!NumberIsFinite(ms) || ms < 0) return 0;
  return MathTrunc(ms);
}

// A tracker (set by durable_objects.js) learns of the timers a Durable Object's code has pending,
// which keep the object in memory: owner() names the object the running code belongs to, if any;
// started/ended(owner, id) bracket a timer's life; run(owner, fn) runs its callback as that object's.
let tracker = null;

function makeTimer(name, repeat, handler, timeout, args) {
  if (typeof handler !== "function") {
    throw new TypeErrorCtor(`Failed to execute '${name}' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'function'.`);
  }
  const extra = args.length > 2 ? ArrayPrototypeSlice(args, 2) : [];
  const owner = tracker === null ? undefined : tracker.owner();
  const call = () => {
    try {
      ReflectApply(handler, undefined, extra);
    } catch (err) {
      ops.reportError(err);
    }
  };
  if (owner === undefined) return ops.setTimer(call, timerDelay(timeout), repeat);
  const t = tracker;
  const id = ops.setTimer(() => {
    if (!repeat) t.ended(owner, id);
    t.run(owner, call);
  }, timerDelay(timeout), repeat);
  t.started(owner, id);
  return id;
}

// Global operations are methods, not function declarations: as in WebIDL (and workerd), they are
// not constructors and have no prototype.
const setTimeout = { setTimeout(handler, timeout = 0, ...args) {
  return makeTimer("setTimeout", false, handler, timeout, arguments);
} }.setTimeout;
const setInterval = { setInterval(handler, timeout = 0, ...args) {
  return makeTimer("setInterval", true, handler, timeout, arguments);
} }.setInterval;
const clearTimeout = { clearTimeout(id = undefined) {
  if (id === undefined || id === null) return;
  ops.clearTimer(NumberCtor(id));
  if (tracker !== null) tracker.cleared(NumberCtor(id));
} }.clearTimeout;
const clearInterval = { clearInterval(id = undefined) {
  clearTimeout(id);
} }.clearInterval;
const queueMicrotask = { queueMicrotask(callback) {
  if (typeof callback !== "function") {
    throw new TypeErrorCtor("Failed to execute 'queueMicrotask' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'function'.");
  }
  ops.queueMicrotask(() => {
    try {
      callback();
    } catch (err) {
      ops.reportError(err);
    }
  });
} }.queueMicrotask;

exports.setTimeout = setTimeout;
exports.setInterval = setInterval;
exports.clearTimeout = clearTimeout;
exports.clearInterval = clearInterval;
exports.queueMicrotask = queueMicrotask;
exports.setTracker = (t) => { tracker = t; };
