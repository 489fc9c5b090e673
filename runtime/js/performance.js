"use strict";
// performance (High Resolution Time: now() and timeOrigin, on Workers' clock whose origin is the
// Unix epoch) and scheduler.wait().

const {
  DateNow, MathTrunc, Number: NumberCtor, NumberIsFinite, PromiseReject, PromiseWithResolvers,
  TypeError: TypeErrorCtor, makeEnumerable,
} = internal.primordials;
const ops = internal.ops;
const abort = internal.require("abort");

const kInternal = Symbol("internal");

class Performance {
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
  }
  // Workers measure time from the Unix epoch, so timeOrigin is 0 and now() equals Date.now().
  get timeOrigin() { return 0; }
  now() { return DateNow(); }
  toJSON() { return { timeOrigin: 0 }; }
}
makeEnumerable(Performance, ["timeOrigin", "now", "toJSON"]);

class Scheduler {
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
  }
  // Resolves after `delay` milliseconds; rejects with the signal's reason if it aborts first.
  wait(delay = 0, options = undefined) {
    let ms = NumberCtor(delay);
    if (!NumberIsFinite(ms) || ms < 0) ms = 0;
    let signal;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") {
        return PromiseReject(new TypeErrorCtor("Failed to execute 'wait' on 'Scheduler': parameter 2 is not of type 'WaitOptions'."));
      }
      signal = options.signal;
      if (signal !== undefined && !abort.isAbortSignal(signal)) {
        return PromiseReject(new TypeErrorCtor("Failed to execute 'wait' on 'Scheduler': the signal option is not an AbortSignal."));
      }
    }
    if (signal !== undefined && abort.signalAborted(signal)) return PromiseReject(abort.signalReason(signal));
    const { promise, resolve, reject } = PromiseWithResolvers();
    let done = false;
    const id = ops.setTimer(() => { if (!done) { done = true; resolve(undefined); } }, MathTrunc(ms), false);
    if (signal !== undefined) {
      abort.signalOnAbort(signal, () => {
        if (done) return;
        done = true;
        ops.clearTimer(id);
        reject(abort.signalReason(signal));
      });
    }
    return promise;
  }
}
makeEnumerable(Scheduler, ["wait"]);

exports.Performance = Performance;
exports.performance = new Performance(kInternal);
exports.Scheduler = Scheduler;
exports.scheduler = new Scheduler(kInternal);
