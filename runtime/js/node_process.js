"use strict";
// node:process (the `process` object: nextTick, env, versions, hrtime, emitWarning, an
// EventEmitter), node:timers and node:timers/promises (Timeout/Immediate objects, the promise
// forms and scheduler).

const { ReflectApply, Promise: PromiseCtor, ObjectSetPrototypeOf, BigInt: BigIntCtor, MathFloor } = internal.primordials;
const ops = internal.ops;
const registry = internal.require("node_registry");
const timers = internal.require("timers");
const abort = internal.require("abort");
const { EventEmitter } = internal.require("node_events");
const { wrapWithContext } = internal.require("node_async");

// ---- timers ------------------------------------------------------------------------------------

const kId = Symbol("timerId");
class Timeout {
  constructor(id, repeat) { this[kId] = id; this._repeat = repeat; this._ref = true; }
  ref() { this._ref = true; return this; }
  unref() { this._ref = false; return this; }
  hasRef() { return this._ref; }
  refresh() { return this; }
  close() { timers.clearTimeout(this[kId]); return this; }
  [Symbol.toPrimitive]() { return this[kId]; }
}
class Immediate {
  constructor(id) { this[kId] = id; this._ref = true; }
  ref() { this._ref = true; return this; }
  unref() { this._ref = false; return this; }
  hasRef() { return this._ref; }
  [Symbol.toPrimitive]() { return this[kId]; }
}

function idOf(t) {
  if (t instanceof Timeout || t instanceof Immediate) return t[kId];
  return t;
}

function nodeSetTimeout(callback, delay, ...args) {
  registry.validateFunction(callback, "callback");
  return new Timeout(timers.setTimeout(wrapWithContext(callback), delay, ...args), false);
}
function nodeSetInterval(callback, delay, ...args) {
  registry.validateFunction(callback, "callback");
  return new Timeout(timers.setInterval(wrapWithContext(callback), delay, ...args), true);
}
function nodeSetImmediate(callback, ...args) {
  registry.validateFunction(callback, "callback");
  return new Immediate(timers.setTimeout(wrapWithContext(callback), 0, ...args));
}
function nodeClearTimeout(t) { if (t != null) timers.clearTimeout(idOf(t)); }
function nodeClearInterval(t) { if (t != null) timers.clearInterval(idOf(t)); }
function nodeClearImmediate(t) { if (t != null) timers.clearTimeout(idOf(t)); }

function abortError(signal) {
  const err = new Error("The operation was aborted", { cause: signal.reason });
  err.name = "AbortError";
  err.code = "ABORT_ERR";
  return err;
}

function validateTimerOptions(options) {
  if (options === null || typeof options !== "object") throw registry.invalidArgType("options", "of type object", options);
  const { signal, ref } = options;
  if (signal !== undefined && !abort.isAbortSignal(signal)) throw registry.invalidArgType("options.signal", "an instance of AbortSignal", signal);
  if (ref !== undefined && typeof ref !== "boolean") throw registry.invalidArgType("options.ref", "of type boolean", ref);
  return signal;
}

function delayed(delay, value, options, schedule) {
  let signal;
  try { signal = validateTimerOptions(options); } catch (err) { return PromiseCtor.reject(err); }
  if (signal && signal.aborted) return PromiseCtor.reject(abortError(signal));
  return new PromiseCtor((resolve, reject) => {
    let id;
    const onAbort = () => { timers.clearTimeout(id); reject(abortError(signal)); };
    id = schedule(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, delay);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

const timersPromises = {
  setTimeout(delay = 1, value = undefined, options = {}) { return delayed(delay, value, options, timers.setTimeout); },
  setImmediate(value = undefined, options = {}) { return delayed(0, value, options, timers.setTimeout); },
  setInterval(delay = 1, value = undefined, options = {}) {
    const signal = validateTimerOptions(options);
    let pending = 0;
    let waiter = null;
    let done = false;
    let id = null;
    const start = () => {
      id = timers.setInterval(() => {
        if (waiter) { const w = waiter; waiter = null; w.resolve({ value, done: false }); } else pending++;
      }, delay);
    };
    const finish = () => { done = true; if (id !== null) timers.clearInterval(id); };
    if (signal) {
      signal.addEventListener("abort", () => {
        finish();
        if (waiter) { const w = waiter; waiter = null; w.reject(abortError(signal)); }
      }, { once: true });
    }
    const iterator = {
      next() {
        if (signal && signal.aborted) { finish(); return PromiseCtor.reject(abortError(signal)); }
        if (done) return PromiseCtor.resolve({ value: undefined, done: true });
        if (id === null) start();
        if (pending > 0) { pending--; return PromiseCtor.resolve({ value, done: false }); }
        return new PromiseCtor((resolve, reject) => { waiter = { resolve, reject }; });
      },
      return() {
        finish();
        if (waiter) { const w = waiter; waiter = null; w.resolve({ value: undefined, done: true }); }
        return PromiseCtor.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() { return this; },
    };
    return iterator;
  },
  scheduler: {
    wait(delay, options = {}) { return delayed(delay, undefined, options, timers.setTimeout); },
    yield() { return delayed(0, undefined, {}, timers.setTimeout); },
  },
};

registry.define("timers", () => ({
  setTimeout: nodeSetTimeout, setInterval: nodeSetInterval, setImmediate: nodeSetImmediate,
  clearTimeout: nodeClearTimeout, clearInterval: nodeClearInterval, clearImmediate: nodeClearImmediate,
  promises: timersPromises,
}));
registry.define("timers/promises", () => timersPromises);

// ---- process -----------------------------------------------------------------------------------

// When the worker started (node_registry keeps it: this file is evaluated on first use).
const startTime = registry.workerStartTime();
function hrtimeNs() {
  const perf = globalThis.performance;
  const ms = perf && typeof perf.now === "function" ? perf.now() + (perf.timeOrigin || startTime) : Date.now();
  return ms * 1e6;
}

function makeProcess() {
  const proc = new EventEmitter();
  const nextTick = (callback, ...args) => {
    registry.validateFunction(callback, "callback");
    const run = wrapWithContext(callback);
    timers.queueMicrotask(() => ReflectApply(run, undefined, args));
  };
  function hrtime(previous) {
    const ns = hrtimeNs();
    let sec = MathFloor(ns / 1e9);
    let nsec = MathFloor(ns - sec * 1e9);
    if (previous !== undefined) {
      if (!Array.isArray(previous)) throw registry.invalidArgType("time", "an instance of Array", previous);
      sec -= previous[0];
      nsec -= previous[1];
      if (nsec < 0) { sec--; nsec += 1e9; }
    }
    return [sec, nsec];
  }
  hrtime.bigint = () => BigIntCtor(MathFloor(hrtimeNs()));
  const props = {
    nextTick,
    // Text and JSON bindings, with nodejs_compat_populate_process_env (on with nodejs_compat from
    // 2025-04-01), as in workerd.
    env: ops.compatFlag("populateProcessEnv") ? ops.nodeProcessEnv() : {},
    argv: [],
    argv0: "",
    execArgv: [],
    execPath: "",
    exitCode: undefined,
    title: "workerd",
    pid: 1,
    ppid: 0,
    platform: "linux",
    arch: "x64",
    version: "v22.14.0",
    versions: { node: "22.14.0" },
    release: { name: "node" },
    features: { inspector: false, ipv6: true, tls: true, typescript: false },
    config: {},
    hrtime,
    cwd() { return "/"; },
    chdir() { throw registry.notImplemented("process.chdir"); },
    umask() { return 0o22; },
    uptime() { return (Date.now() - startTime) / 1000; },
    memoryUsage() { return { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }; },
    cpuUsage() { return { user: 0, system: 0 }; },
    emitWarning(warning, type = undefined, code = undefined) {
      if (typeof type === "object" && type !== null) { code = type.code; type = type.type; }
      if (typeof warning === "string") {
        const w = new Error(warning);
        w.name = type || "Warning";
        if (code !== undefined) w.code = code;
        warning = w;
      }
      if (proc.listenerCount("warning") > 0) {
        timers.queueMicrotask(() => proc.emit("warning", warning));
      } else {
        console.warn(`${warning.code ? `[${warning.code}] ` : ""}${warning.name}: ${warning.message}`);
      }
    },
    exit(code) {
      if (code !== undefined) proc.exitCode = code;
      proc.emit("exit", proc.exitCode || 0);
      throw registry.notImplemented("process.exit");
    },
    abort() { throw registry.notImplemented("process.abort"); },
    kill() { throw registry.notImplemented("process.kill"); },
    getBuiltinModule(id) {
      const name = `${id}`.startsWith("node:") ? `${id}`.slice(5) : `${id}`;
      try { return registry.load(name); } catch { return undefined; }
    },
    binding() { throw registry.notImplemented("process.binding"); },
  };
  Object.assign(proc, props);
  return proc;
}

let processObject = null;
function getProcess() {
  if (processObject === null) processObject = makeProcess();
  return processObject;
}

registry.define("process", getProcess);

exports.getProcess = getProcess;
exports.setImmediate = nodeSetImmediate;
exports.clearImmediate = nodeClearImmediate;
