"use strict";
// WHATWG Streams: ReadableStream with a default controller and default reader (start/pull/
// cancel, queuing strategies, tee, async iteration, ReadableStream.from), plus
// CountQueuingStrategy/ByteLengthQueuingStrategy. Byte streams, WritableStream,
// TransformStream and pipes come later: the state lives in plain records (`#s`) whose shape
// follows the spec's internal slots so those can be added alongside.

const {
  ArrayAppend, ArrayPrototypeShift, FunctionPrototypeCall, Number: NumberCtor, NumberIsNaN,
  ObjectCreate, ObjectDefineProperty, AsyncIteratorPrototype, PromisePrototypeThen, PromiseResolve,
  PromiseReject, PromiseWithResolvers, PromiseMarkHandled, RangeError: RangeErrorCtor, ReflectApply,
  TypeError: TypeErrorCtor, WeakMap: WeakMapCtor, WeakMapPrototypeGet, WeakMapPrototypeSet,
  makeEnumerable, SymbolAsyncIterator, SymbolIterator,
} = internal.primordials;
const ops = internal.ops;

// ---- helpers -----------------------------------------------------------------------------------

function then(p, onFulfilled, onRejected) { return PromisePrototypeThen(p, onFulfilled, onRejected); }
function markHandled(p) { PromiseMarkHandled(p); return p; }

// Call method `name` of `obj` with args, returning a promise (rejections for throws).
function promiseCall(fn, self, args) {
  if (fn === undefined) return PromiseResolve(undefined);
  try {
    return PromiseResolve(ReflectApply(fn, self, args));
  } catch (err) {
    return PromiseReject(err);
  }
}

function getMethod(obj, name, context) {
  const m = obj[name];
  if (m === undefined || m === null) return undefined;
  if (typeof m !== "function") throw new TypeErrorCtor(`${context}: '${name}' must be a function.`);
  return m;
}

function extractHighWaterMark(strategy, defaultHWM) {
  const hwm = strategy.highWaterMark;
  if (hwm === undefined) return defaultHWM;
  const n = NumberCtor(hwm);
  if (NumberIsNaN(n) || n < 0) {
    throw new RangeErrorCtor("Failed to construct 'ReadableStream': highWaterMark must be a non-negative number.");
  }
  return n;
}

function extractSizeAlgorithm(strategy) {
  const size = strategy.size;
  if (size === undefined) return () => 1;
  if (typeof size !== "function") {
    throw new TypeErrorCtor("Failed to construct 'ReadableStream': the strategy's size must be a function.");
  }
  return (chunk) => size(chunk);
}

// ---- ReadableStream ------------------------------------------------------------------------

const kInternal = Symbol("internal construction");
let RS; // internal accessors, set in static blocks

class ReadableStream {
  #s;

  constructor(underlyingSource = undefined, strategy = undefined) {
    this.#s = { state: "readable", reader: null, storedError: undefined, disturbed: false, controller: null, stream: this };
    if (underlyingSource === kInternal) return;
    const source = underlyingSource ?? {};
    if (typeof source !== "object" && typeof source !== "function") {
      throw new TypeErrorCtor("Failed to construct 'ReadableStream': parameter 1 is not of type 'UnderlyingSource'.");
    }
    const strat = strategy ?? {};
    if (typeof strat !== "object" && typeof strat !== "function") {
      throw new TypeErrorCtor("Failed to construct 'ReadableStream': parameter 2 is not of type 'QueuingStrategy'.");
    }
    const type = source.type;
    if (type !== undefined && `${type}` === "bytes") {
      throw new TypeErrorCtor("Failed to construct 'ReadableStream': byte streams (type: 'bytes') are not supported yet.");
    }
    if (type !== undefined) {
      throw new TypeErrorCtor(`Failed to construct 'ReadableStream': '${type}' is not a valid ReadableStreamType.`);
    }
    const ctx = "Failed to construct 'ReadableStream'";
    const start = getMethod(source, "start", ctx);
    const pull = getMethod(source, "pull", ctx);
    const cancel = getMethod(source, "cancel", ctx);
    const sizeAlgorithm = extractSizeAlgorithm(strat);
    const hwm = extractHighWaterMark(strat, 1);
    setUpController(this.#s,
      (controller) => (start === undefined ? undefined : ReflectApply(start, source, [controller])),
      (controller) => promiseCall(pull, source, [controller]),
      (reason) => promiseCall(cancel, source, [reason]),
      hwm, sizeAlgorithm);
  }

  get locked() { return this.#s.reader !== null; }

  cancel(reason = undefined) {
    if (!RS.isStream(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a ReadableStream."));
    if (this.#s.reader !== null) {
      return PromiseReject(new TypeErrorCtor("Cannot cancel a ReadableStream that is locked to a reader."));
    }
    return streamCancel(this.#s, reason);
  }

  getReader(options = undefined) {
    const mode = options?.mode;
    if (mode !== undefined) {
      if (`${mode}` === "byob") {
        throw new TypeErrorCtor("Failed to execute 'getReader' on 'ReadableStream': BYOB readers need a byte stream, which is not supported yet.");
      }
      throw new TypeErrorCtor(`Failed to execute 'getReader' on 'ReadableStream': '${mode}' is not a valid reader mode.`);
    }
    return new ReadableStreamDefaultReader(this);
  }

  tee() {
    return teeStream(this.#s);
  }

  values(options = undefined) {
    const preventCancel = !!options?.preventCancel;
    const reader = new ReadableStreamDefaultReader(this);
    return createAsyncIterator(reader, preventCancel);
  }

  static from(asyncIterable) {
    return streamFromIterable(asyncIterable);
  }

  static {
    RS = {
      isStream: (v) => typeof v === "object" && v !== null && #s in v,
      state: (stream) => stream.#s,
    };
  }
}
ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
  value: ReadableStream.prototype.values, writable: true, configurable: true,
});
makeEnumerable(ReadableStream, ["locked", "cancel", "getReader", "tee", "values"]);

// -- controller --

let CTRL;
class ReadableStreamDefaultController {
  #c;
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
  }
  get desiredSize() { return desiredSize(this.#c); }
  close() {
    const c = this.#c;
    if (!canCloseOrEnqueue(c)) {
      throw new TypeErrorCtor("Failed to execute 'close' on 'ReadableStreamDefaultController': the stream is closed or closing.");
    }
    controllerClose(c);
  }
  enqueue(chunk = undefined) {
    const c = this.#c;
    if (!canCloseOrEnqueue(c)) {
      throw new TypeErrorCtor("Failed to execute 'enqueue' on 'ReadableStreamDefaultController': the stream is closed or closing.");
    }
    controllerEnqueue(c, chunk);
  }
  error(e = undefined) { controllerError(this.#c, e); }
  static {
    CTRL = { create: (c) => { const ctl = new ReadableStreamDefaultController(kInternal); ctl.#c = c; return ctl; } };
  }
}
makeEnumerable(ReadableStreamDefaultController, ["desiredSize", "close", "enqueue", "error"]);

function setUpController(s, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, sizeAlgorithm) {
  const c = {
    stream: s, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
    pullAgain: false, pulling: false, strategyHWM: hwm, strategySizeAlgorithm: sizeAlgorithm,
    pullAlgorithm, cancelAlgorithm, object: null,
  };
  c.object = CTRL.create(c);
  s.controller = c;
  let startResult;
  startResult = startAlgorithm(c.object); // may throw: propagates to the constructor
  then(PromiseResolve(startResult), () => {
    c.started = true;
    callPullIfNeeded(c);
  }, (r) => controllerError(c, r));
}

function canCloseOrEnqueue(c) {
  return !c.closeRequested && c.stream.state === "readable";
}

function desiredSize(c) {
  const state = c.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return c.strategyHWM - c.queueTotalSize;
}

function clearAlgorithms(c) {
  c.pullAlgorithm = undefined;
  c.cancelAlgorithm = undefined;
  c.strategySizeAlgorithm = undefined;
}

function controllerClose(c) {
  if (!canCloseOrEnqueue(c)) return;
  c.closeRequested = true;
  if (c.queue.length === 0) {
    clearAlgorithms(c);
    streamClose(c.stream);
  }
}

function controllerEnqueue(c, chunk) {
  if (!canCloseOrEnqueue(c)) return;
  const s = c.stream;
  const reader = s.reader;
  if (reader !== null && reader.readRequests.length > 0) {
    const request = ArrayPrototypeShift(reader.readRequests);
    request.chunk(chunk);
  } else {
    let size;
    try {
      size = c.strategySizeAlgorithm(chunk);
    } catch (err) {
      controllerError(c, err);
      throw err;
    }
    const n = NumberCtor(size);
    if (NumberIsNaN(n) || n < 0 || n === Infinity) {
      const err = new RangeErrorCtor("The chunk size returned by the queuing strategy must be a finite, non-negative number.");
      controllerError(c, err);
      throw err;
    }
    ArrayAppend(c.queue, { value: chunk, size: n });
    c.queueTotalSize += n;
  }
  callPullIfNeeded(c);
}

function controllerError(c, e) {
  if (c.stream.state !== "readable") return;
  c.queue = [];
  c.queueTotalSize = 0;
  clearAlgorithms(c);
  streamError(c.stream, e);
}

function shouldCallPull(c) {
  if (!canCloseOrEnqueue(c) || !c.started) return false;
  const reader = c.stream.reader;
  if (reader !== null && reader.readRequests.length > 0) return true;
  return desiredSize(c) > 0;
}

function callPullIfNeeded(c) {
  if (!shouldCallPull(c)) return;
  if (c.pulling) { c.pullAgain = true; return; }
  c.pulling = true;
  then(c.pullAlgorithm(c.object), () => {
    c.pulling = false;
    if (c.pullAgain) {
      c.pullAgain = false;
      callPullIfNeeded(c);
    }
  }, (e) => controllerError(c, e));
}

// The controller's [[PullSteps]]: satisfy a read request from the queue or wait.
function controllerPullSteps(c, request) {
  if (c.queue.length > 0) {
    const entry = ArrayPrototypeShift(c.queue);
    c.queueTotalSize -= entry.size;
    if (c.queueTotalSize < 0) c.queueTotalSize = 0;
    if (c.closeRequested && c.queue.length === 0) {
      clearAlgorithms(c);
      streamClose(c.stream);
    } else {
      callPullIfNeeded(c);
    }
    request.chunk(entry.value);
  } else {
    ArrayAppend(c.stream.reader.readRequests, request);
    callPullIfNeeded(c);
  }
}

// -- stream abstract operations --

function streamClose(s) {
  s.state = "closed";
  const reader = s.reader;
  if (reader === null) return;
  reader.closed.resolve(undefined);
  const requests = reader.readRequests;
  reader.readRequests = [];
  for (let i = 0; i < requests.length; i++) requests[i].close();
}

function streamError(s, e) {
  s.state = "errored";
  s.storedError = e;
  const reader = s.reader;
  if (reader === null) return;
  reader.closed.reject(e);
  markHandled(reader.closed.promise);
  const requests = reader.readRequests;
  reader.readRequests = [];
  for (let i = 0; i < requests.length; i++) requests[i].error(e);
}

function streamCancel(s, reason) {
  s.disturbed = true;
  if (s.state === "closed") return PromiseResolve(undefined);
  if (s.state === "errored") return PromiseReject(s.storedError);
  streamClose(s);
  const c = s.controller;
  c.queue = [];
  c.queueTotalSize = 0;
  const algorithm = c.cancelAlgorithm;
  clearAlgorithms(c);
  const result = algorithm === undefined ? PromiseResolve(undefined) : algorithm(reason);
  return then(result, () => undefined);
}

// ---- ReadableStreamDefaultReader ---------------------------------------------------------------

let READER;
class ReadableStreamDefaultReader {
  #r;
  constructor(stream) {
    if (!RS.isStream(stream)) {
      throw new TypeErrorCtor("Failed to construct 'ReadableStreamDefaultReader': parameter 1 is not of type 'ReadableStream'.");
    }
    const s = RS.state(stream);
    if (s.reader !== null) {
      throw new TypeErrorCtor("This ReadableStream is currently locked to a reader.");
    }
    const r = { stream: s, readRequests: [], closed: PromiseWithResolvers(), object: this };
    this.#r = r;
    s.reader = r;
    if (s.state === "closed") r.closed.resolve(undefined);
    else if (s.state === "errored") { r.closed.reject(s.storedError); markHandled(r.closed.promise); }
  }

  get closed() { return this.#r.closed.promise; }

  read() {
    const r = this.#r;
    if (r.stream === null) return PromiseReject(new TypeErrorCtor("This readable stream reader has been released."));
    const { promise, resolve, reject } = PromiseWithResolvers();
    readerRead(r, {
      chunk: (value) => resolve({ value, done: false }),
      close: () => resolve({ value: undefined, done: true }),
      error: (e) => reject(e),
    });
    return promise;
  }

  releaseLock() {
    const r = this.#r;
    if (r.stream === null) return;
    readerRelease(r);
  }

  cancel(reason = undefined) {
    const r = this.#r;
    if (r.stream === null) return PromiseReject(new TypeErrorCtor("This readable stream reader has been released."));
    return streamCancel(r.stream, reason);
  }

  static {
    READER = { record: (reader) => reader.#r };
  }
}
makeEnumerable(ReadableStreamDefaultReader, ["closed", "read", "releaseLock", "cancel"]);

function readerRead(r, request) {
  const s = r.stream;
  s.disturbed = true;
  if (s.state === "closed") request.close();
  else if (s.state === "errored") request.error(s.storedError);
  else controllerPullSteps(s.controller, request);
}

function readerRelease(r) {
  const s = r.stream;
  const err = new TypeErrorCtor("This readable stream reader has been released.");
  if (s.state === "readable") r.closed.reject(err);
  else r.closed = { promise: PromiseReject(err), resolve() {}, reject() {} };
  markHandled(r.closed.promise);
  const requests = r.readRequests;
  r.readRequests = [];
  for (let i = 0; i < requests.length; i++) requests[i].error(err);
  s.reader = null;
  r.stream = null;
}

// Read one chunk through an internal reader record; resolves {value, done}.
function readInternal(r) {
  const { promise, resolve, reject } = PromiseWithResolvers();
  readerRead(r, {
    chunk: (value) => resolve({ value, done: false }),
    close: () => resolve({ value: undefined, done: true }),
    error: reject,
  });
  return promise;
}

// ---- async iteration ---------------------------------------------------------------------------

const iteratorState = new WeakMapCtor();
const ReadableStreamAsyncIteratorPrototype = ObjectCreate(AsyncIteratorPrototype);
ObjectDefineProperty(ReadableStreamAsyncIteratorPrototype, "next", {
  writable: true, enumerable: true, configurable: true,
  value: function next() {
    const st = WeakMapPrototypeGet(iteratorState, this);
    if (st === undefined) return PromiseReject(new TypeErrorCtor("next() called on an object that is not a ReadableStream async iterator."));
    const step = () => {
      if (st.done) return { value: undefined, done: true };
      const r = st.reader;
      if (r.stream === null) return PromiseReject(new TypeErrorCtor("The reader of this iterator has been released."));
      return then(readInternal(r), (result) => {
        if (result.done) { st.done = true; readerRelease(r); }
        return result;
      }, (e) => { st.done = true; readerRelease(r); throw e; });
    };
    st.ongoing = st.ongoing ? then(st.ongoing, step, step) : PromiseResolve(step());
    return st.ongoing;
  },
});
ObjectDefineProperty(ReadableStreamAsyncIteratorPrototype, "return", {
  writable: true, enumerable: true, configurable: true,
  value: function (value = undefined) {
    const st = WeakMapPrototypeGet(iteratorState, this);
    if (st === undefined) return PromiseReject(new TypeErrorCtor("return() called on an object that is not a ReadableStream async iterator."));
    const finish = () => {
      if (st.done) return { value, done: true };
      st.done = true;
      const r = st.reader;
      if (r.stream === null) return { value, done: true };
      if (!st.preventCancel) {
        const s = r.stream;
        const result = streamCancel(s, value);
        readerRelease(r);
        return then(result, () => ({ value, done: true }));
      }
      readerRelease(r);
      return { value, done: true };
    };
    st.ongoing = st.ongoing ? then(st.ongoing, finish, finish) : PromiseResolve(finish());
    return st.ongoing;
  },
});

function createAsyncIterator(reader, preventCancel) {
  const it = ObjectCreate(ReadableStreamAsyncIteratorPrototype);
  WeakMapPrototypeSet(iteratorState, it, { reader: READER.record(reader), preventCancel, done: false, ongoing: null });
  return it;
}

// ---- internal constructors --------------------------------------------------------------------

// A stream driven by functions: pull(controllerRecord) -> promise, cancel(reason) -> promise.
// `start` runs synchronously. Controller records support enqueue/close/error via the exports.
function createStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm = 1, sizeAlgorithm = () => 1) {
  const stream = new ReadableStream(kInternal);
  const s = RS.state(stream);
  setUpController(s,
    (ctl) => startAlgorithm(s.controller),
    () => pullAlgorithm(s.controller),
    (reason) => cancelAlgorithm(reason),
    hwm, sizeAlgorithm);
  return stream;
}

// A byte-producing stream pulling from `read()` (-> promise of Uint8Array | null) with
// `cancel(reason)`; used for bodies backed by native handles or other sources.
function streamFromPull(read, cancel) {
  return createStream(() => undefined, (c) => then(read(), (chunk) => {
    if (chunk === null || chunk === undefined) controllerClose(c);
    else controllerEnqueue(c, chunk);
  }), (reason) => PromiseResolve(cancel(reason)), 0);
}

function teeStream(s) {
  if (s.reader !== null) throw new TypeErrorCtor("Cannot tee a ReadableStream that is locked to a reader.");
  const stream = s.stream;
  const reader = READER.record(new ReadableStreamDefaultReader(stream));
  let reading = false, readAgain = false, canceled1 = false, canceled2 = false;
  let reason1, reason2, branch1, branch2;
  const cancelDone = PromiseWithResolvers();
  const pull = () => {
    if (reading) { readAgain = true; return PromiseResolve(undefined); }
    reading = true;
    readerRead(reader, {
      chunk: (chunk) => {
        // Deliver in a microtask so a synchronous close in the same turn is seen in order.
        ops.queueMicrotask(() => {
          readAgain = false;
          if (!canceled1) controllerEnqueue(RS.state(branch1).controller, chunk);
          if (!canceled2) controllerEnqueue(RS.state(branch2).controller, chunk);
          reading = false;
          if (readAgain) pull();
        });
      },
      close: () => {
        reading = false;
        if (!canceled1) controllerClose(RS.state(branch1).controller);
        if (!canceled2) controllerClose(RS.state(branch2).controller);
        if (!canceled1 || !canceled2) cancelDone.resolve(undefined);
      },
      error: () => { reading = false; },
    });
    return PromiseResolve(undefined);
  };
  const cancelBoth = () => {
    const result = streamCancel(s, [reason1, reason2]);
    then(result, (v) => cancelDone.resolve(v), (e) => cancelDone.reject(e));
  };
  branch1 = createStream(() => undefined, pull, (reason) => {
    canceled1 = true; reason1 = reason;
    if (canceled2) cancelBoth();
    return cancelDone.promise;
  });
  branch2 = createStream(() => undefined, pull, (reason) => {
    canceled2 = true; reason2 = reason;
    if (canceled1) cancelBoth();
    return cancelDone.promise;
  });
  then(reader.closed.promise, undefined, (e) => {
    controllerError(RS.state(branch1).controller, e);
    controllerError(RS.state(branch2).controller, e);
    if (!canceled1 || !canceled2) cancelDone.resolve(undefined);
  });
  return [branch1, branch2];
}

function streamFromIterable(asyncIterable) {
  if (asyncIterable === null || asyncIterable === undefined) {
    throw new TypeErrorCtor("Failed to execute 'from' on 'ReadableStream': parameter 1 is not iterable.");
  }
  let method = asyncIterable[SymbolAsyncIterator];
  let iterator;
  if (method === undefined || method === null) {
    const syncMethod = asyncIterable[SymbolIterator];
    if (typeof syncMethod !== "function") {
      throw new TypeErrorCtor("Failed to execute 'from' on 'ReadableStream': parameter 1 is not iterable.");
    }
    const syncIterator = ReflectApply(syncMethod, asyncIterable, []);
    const next = syncIterator.next;
    iterator = {
      next: () => {
        const r = ReflectApply(next, syncIterator, []);
        return then(PromiseResolve(r.value), (value) => ({ value, done: r.done }));
      },
      return: (v) => {
        const ret = syncIterator.return;
        return PromiseResolve(ret === undefined ? { done: true, value: v } : ReflectApply(ret, syncIterator, [v]));
      },
    };
  } else {
    if (typeof method !== "function") {
      throw new TypeErrorCtor("Failed to execute 'from' on 'ReadableStream': parameter 1 is not async iterable.");
    }
    const it = ReflectApply(method, asyncIterable, []);
    if (it === null || typeof it !== "object") {
      throw new TypeErrorCtor("Failed to execute 'from' on 'ReadableStream': the async iterator is not an object.");
    }
    const next = it.next;
    iterator = {
      next: () => ReflectApply(next, it, []),
      return: (v) => {
        const ret = it.return;
        return ret === undefined ? PromiseResolve(undefined) : ReflectApply(ret, it, [v]);
      },
    };
  }
  return createStream(() => undefined, (c) => {
    let result;
    try { result = PromiseResolve(iterator.next()); } catch (e) { return PromiseReject(e); }
    return then(result, (r) => {
      if (r === null || typeof r !== "object") throw new TypeErrorCtor("The iterator's next() result is not an object.");
      if (r.done) controllerClose(c);
      else controllerEnqueue(c, r.value);
    });
  }, (reason) => {
    let result;
    try { result = PromiseResolve(iterator.return(reason)); } catch (e) { return PromiseReject(e); }
    return then(result, (r) => {
      if (r !== undefined && (r === null || typeof r !== "object")) {
        throw new TypeErrorCtor("The iterator's return() result is not an object.");
      }
    });
  }, 0);
}

// ---- queuing strategies -----------------------------------------------------------------------

class CountQueuingStrategy {
  #hwm;
  constructor(init) {
    if (init === null || typeof init !== "object" || init.highWaterMark === undefined) {
      throw new TypeErrorCtor("Failed to construct 'CountQueuingStrategy': highWaterMark is required.");
    }
    this.#hwm = NumberCtor(init.highWaterMark);
  }
  get highWaterMark() { return this.#hwm; }
  get size() { return countSize; }
}
const countSize = function size() { return 1; };
class ByteLengthQueuingStrategy {
  #hwm;
  constructor(init) {
    if (init === null || typeof init !== "object" || init.highWaterMark === undefined) {
      throw new TypeErrorCtor("Failed to construct 'ByteLengthQueuingStrategy': highWaterMark is required.");
    }
    this.#hwm = NumberCtor(init.highWaterMark);
  }
  get highWaterMark() { return this.#hwm; }
  get size() { return byteLengthSize; }
}
const byteLengthSize = function size(chunk) { return chunk.byteLength; };
makeEnumerable(CountQueuingStrategy, ["highWaterMark", "size"]);
makeEnumerable(ByteLengthQueuingStrategy, ["highWaterMark", "size"]);

// ---- body helpers -----------------------------------------------------------------------------

function isDisturbed(stream) { return RS.state(stream).disturbed; }
function isLocked(stream) { return RS.state(stream).reader !== null; }
function isErrored(stream) { return RS.state(stream).state === "errored"; }

// Lock `stream` and return {read() -> Promise<chunk|null>, cancel(reason)} for consumers that
// drain it (bodies, responseParts).
function acquireInternalReader(stream) {
  const reader = READER.record(new ReadableStreamDefaultReader(stream));
  return {
    read: () => then(readInternal(reader), (r) => (r.done ? null : r.value)),
    cancel: (reason) => (reader.stream === null ? PromiseResolve(undefined) : streamCancel(reader.stream, reason)),
    release: () => { if (reader.stream !== null) readerRelease(reader); },
  };
}

exports.ReadableStream = ReadableStream;
exports.ReadableStreamDefaultReader = ReadableStreamDefaultReader;
exports.ReadableStreamDefaultController = ReadableStreamDefaultController;
exports.CountQueuingStrategy = CountQueuingStrategy;
exports.ByteLengthQueuingStrategy = ByteLengthQueuingStrategy;
exports.isReadableStream = RS.isStream;
exports.isDisturbed = isDisturbed;
exports.isLocked = isLocked;
exports.isErrored = isErrored;
exports.streamFromPull = streamFromPull;
exports.createStream = createStream;
exports.controllerEnqueue = controllerEnqueue;
exports.controllerClose = controllerClose;
exports.controllerError = controllerError;
exports.teeStream = (stream) => teeStream(RS.state(stream));
exports.acquireInternalReader = acquireInternalReader;
exports.cancelStream = (stream, reason) => streamCancel(RS.state(stream), reason);
