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

function makeTimer(name, repeat, handler, timeout, args) {
  if (typeof handler !== "function") {
    throw new TypeErrorCtor(`Failed to execute '${name}' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'function'.`);
  }
  const extra = args.length > 2 ? ArrayPrototypeSlice(args, 2) : [];
  return ops.setTimer(() => {
    try {
      ReflectApply(handler, undefined, extra);
    } catch (err) {
      ops.reportError(err);
    }
  }, timerDelay(timeout), repeat);
}

function setTimeout(handler, timeout = 0, ...args) {
  return makeTimer("setTimeout", false, handler, timeout, arguments);
}
function setInterval(handler, timeout = 0, ...args) {
  return makeTimer("setInterval", true, handler, timeout, arguments);
}
function clearTimeout(id = undefined) {
  if (id === undefined || id === null) return;
  ops.clearTimer(NumberCtor(id));
}
function clearInterval(id = undefined) {
  clearTimeout(id);
}
function queueMicrotask(callback) {
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
}

exports.setTimeout = setTimeout;
exports.setInterval = setInterval;
exports.clearTimeout = clearTimeout;
exports.clearInterval = clearInterval;
exports.queueMicrotask = queueMicrotask;
