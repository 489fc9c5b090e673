"use strict";
// AbortController and AbortSignal (DOM Standard), including AbortSignal.abort/timeout/any.

const {
  ArrayAppend, Number: NumberCtor, NumberIsFinite, MathTrunc, ReflectApply, TypeError: TypeErrorCtor,
  makeEnumerable,
} = internal.primordials;
const { DOMException } = internal.require("dom_exception");
const events = internal.require("events");
const { Event, EventTarget } = events;
const ops = internal.ops;

const kConstruct = Symbol("AbortSignal construction");
let signalState;

class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  #algorithms = [];

  constructor(key = undefined) {
    if (key !== kConstruct) throw new TypeErrorCtor("Illegal constructor");
    super();
  }

  get aborted() { return this.#aborted; }
  get reason() { return this.#reason; }

  throwIfAborted() {
    if (this.#aborted) throw this.#reason;
  }

  static abort(reason = undefined) {
    const signal = new AbortSignal(kConstruct);
    signal.#aborted = true;
    signal.#reason = reason === undefined ? defaultReason() : reason;
    return signal;
  }

  static timeout(milliseconds) {
    const ms = NumberCtor(milliseconds);
    if (!NumberIsFinite(ms) || ms < 0 || ms > 9007199254740991) {
      throw new TypeErrorCtor("Failed to execute 'timeout' on 'AbortSignal': The timeout must be a non-negative finite number.");
    }
    const signal = new AbortSignal(kConstruct);
    ops.setTimer(() => {
      signalAbort(signal, new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    }, MathTrunc(ms), false);
    return signal;
  }

  static any(signals) {
    const list = [];
    if (signals === null || typeof signals !== "object" || typeof signals[Symbol.iterator] !== "function") {
      throw new TypeErrorCtor("Failed to execute 'any' on 'AbortSignal': The signals argument must be a sequence of AbortSignal.");
    }
    for (const s of signals) {
      if (!isAbortSignal(s)) {
        throw new TypeErrorCtor("Failed to execute 'any' on 'AbortSignal': Every element of the signals argument must be an AbortSignal.");
      }
      ArrayAppend(list, s);
    }
    const result = new AbortSignal(kConstruct);
    for (let i = 0; i < list.length; i++) {
      if (list[i].#aborted) {
        result.#aborted = true;
        result.#reason = list[i].#reason;
        return result;
      }
    }
    for (let i = 0; i < list.length; i++) {
      const source = list[i];
      ArrayAppend(source.#algorithms, () => signalAbort(result, source.#reason));
    }
    return result;
  }

  static {
    signalState = {
      isSignal: (value) => typeof value === "object" && value !== null && #aborted in value,
      aborted: (signal) => signal.#aborted,
      reason: (signal) => signal.#reason,
      onAbort: (signal, algorithm) => { ArrayAppend(signal.#algorithms, algorithm); },
      abort: (signal, reason) => {
        if (signal.#aborted) return;
        signal.#aborted = true;
        signal.#reason = reason === undefined ? defaultReason() : reason;
        const algorithms = signal.#algorithms;
        signal.#algorithms = [];
        for (let i = 0; i < algorithms.length; i++) {
          try { algorithms[i](); } catch (err) { ops.reportError(err); }
        }
        const event = new Event("abort");
        events.setTrusted(event);
        events.dispatch(signal, event);
      },
    };
  }
}
makeEnumerable(AbortSignal, ["aborted", "reason", "throwIfAborted"]);
events.defineEventHandler(AbortSignal.prototype, "abort");

function defaultReason() {
  return new DOMException("The operation was aborted", "AbortError");
}
function isAbortSignal(value) { return signalState.isSignal(value); }
function signalAbort(signal, reason) { signalState.abort(signal, reason); }

class AbortController {
  #signal = new AbortSignal(kConstruct);
  get signal() { return this.#signal; }
  abort(reason = undefined) { signalAbort(this.#signal, reason); }
}
makeEnumerable(AbortController, ["signal", "abort"]);

events.abortHooks.isSignal = isAbortSignal;
events.abortHooks.aborted = signalState.aborted;
events.abortHooks.onAbort = signalState.onAbort;

exports.AbortSignal = AbortSignal;
exports.AbortController = AbortController;
exports.isAbortSignal = isAbortSignal;
exports.signalAborted = signalState.aborted;
exports.signalReason = signalState.reason;
exports.signalOnAbort = signalState.onAbort;
exports.signalAbort = signalAbort;
exports.newSignal = () => new AbortSignal(kConstruct);
