"use strict";
// WHATWG Streams: ReadableStream (default and byte controllers, default and BYOB readers, tee,
// pipeTo/pipeThrough, async iteration, ReadableStream.from), WritableStream with its writer,
// TransformStream, and the two queuing strategies. Each object keeps its spec internal slots in
// a plain record held in a private field; the abstract operations below work on those records.

const {
  ArrayAppend, ArrayBuffer: ArrayBufferCtor, ArrayBufferIsView, ArrayBufferPrototypeGetByteLength,
  ArrayBufferPrototypeSlice, ArrayPrototypeShift, DataView: DataViewCtor, DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength, DataViewPrototypeGetByteOffset, MathMin, Number: NumberCtor,
  NumberIsInteger, NumberIsNaN, ObjectCreate, ObjectDefineProperty, AsyncIteratorPrototype,
  PromisePrototypeThen, PromiseResolve, PromiseReject, PromiseWithResolvers, PromiseMarkHandled,
  RangeError: RangeErrorCtor, ReflectApply, String: StringCtor, TypeError: TypeErrorCtor,
  TypedArrayPrototypeGetBuffer, TypedArrayPrototypeGetByteLength, TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetLength, TypedArrayPrototypeGetSymbolToStringTag, TypedArrayPrototypeSet,
  Uint8Array: Uint8ArrayCtor, WeakMap: WeakMapCtor, WeakMapPrototypeGet, WeakMapPrototypeSet,
  makeEnumerable, SymbolAsyncIterator, SymbolIterator,
} = internal.primordials;
const primordials = internal.primordials;
const ops = internal.ops;
const abort = internal.require("abort");

// ---- helpers -----------------------------------------------------------------------------------

function then(p, onFulfilled, onRejected) { return PromisePrototypeThen(p, onFulfilled, onRejected); }
function markHandled(p) { PromiseMarkHandled(p); return p; }
const resolved = () => PromiseResolve(undefined);
function rejectedHandled(e) { return markHandled(PromiseReject(e)); }

// A promise with its settle functions and whether it is still pending.
function deferred() {
  const d = PromiseWithResolvers();
  const rec = { promise: d.promise, pending: true, resolve: null, reject: null };
  rec.resolve = (v) => { if (rec.pending) { rec.pending = false; d.resolve(v); } };
  rec.reject = (e) => { if (rec.pending) { rec.pending = false; d.reject(e); } };
  return rec;
}
function settledDeferred(value) {
  return { promise: PromiseResolve(value), pending: false, resolve() {}, reject() {} };
}
function rejectedDeferred(e) {
  return { promise: rejectedHandled(e), pending: false, resolve() {}, reject() {} };
}

// Call `fn` with `self` and args; a throw becomes a rejected promise.
function promiseCall(fn, self, args) {
  if (fn === undefined) return resolved();
  try {
    return PromiseResolve(ReflectApply(fn, self, args));
  } catch (err) {
    return PromiseReject(err);
  }
}

function isObject(v) { return (typeof v === "object" && v !== null) || typeof v === "function"; }

function getMethod(obj, name, context) {
  const m = obj[name];
  if (m === undefined || m === null) return undefined;
  if (typeof m !== "function") throw new TypeErrorCtor(`${context}: '${name}' must be a function.`);
  return m;
}

function dictionary(value, context, type) {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new TypeErrorCtor(`${context}: parameter is not of type '${type}'.`);
  return value;
}

function extractHighWaterMark(strategy, defaultHWM, context) {
  const hwm = strategy.highWaterMark;
  if (hwm === undefined) return defaultHWM;
  const n = NumberCtor(hwm);
  if (NumberIsNaN(n) || n < 0) throw new RangeErrorCtor(`${context}: highWaterMark must be a non-negative number.`);
  return n;
}

function extractSizeAlgorithm(strategy, context) {
  const size = strategy.size;
  if (size === undefined) return () => 1;
  if (typeof size !== "function") throw new TypeErrorCtor(`${context}: the strategy's size must be a function.`);
  return (chunk) => ReflectApply(size, undefined, [chunk]);
}

// Queue-with-sizes operations shared by the default readable and writable controllers.
function enqueueValueWithSize(c, value, size) {
  const n = NumberCtor(size);
  if (NumberIsNaN(n) || n < 0 || n === Infinity) {
    throw new RangeErrorCtor("The chunk size returned by the queuing strategy must be a finite, non-negative number.");
  }
  ArrayAppend(c.queue, { value, size: n });
  c.queueTotalSize += n;
}
function dequeueValue(c) {
  const entry = ArrayPrototypeShift(c.queue);
  c.queueTotalSize -= entry.size;
  if (c.queueTotalSize < 0) c.queueTotalSize = 0;
  return entry.value;
}
function resetQueue(c) { c.queue = []; c.queueTotalSize = 0; }

// ---- ArrayBuffer views -------------------------------------------------------------------------

const typedArrayInfo = { __proto__: null };
for (const [name, size] of [["Int8Array", 1], ["Uint8Array", 1], ["Uint8ClampedArray", 1], ["Int16Array", 2],
  ["Uint16Array", 2], ["Int32Array", 4], ["Uint32Array", 4], ["Float32Array", 4], ["Float64Array", 8],
  ["BigInt64Array", 8], ["BigUint64Array", 8]]) {
  if (primordials[name] !== undefined) typedArrayInfo[name] = { ctor: primordials[name], size };
}

// {buffer, byteOffset, byteLength, elementSize, ctor, length} of an ArrayBufferView, or null.
function viewInfo(view) {
  if (!ArrayBufferIsView(view)) return null;
  const tag = TypedArrayPrototypeGetSymbolToStringTag(view);
  if (tag !== undefined) {
    const info = typedArrayInfo[tag];
    return {
      buffer: TypedArrayPrototypeGetBuffer(view), byteOffset: TypedArrayPrototypeGetByteOffset(view),
      byteLength: TypedArrayPrototypeGetByteLength(view), elementSize: info.size, ctor: info.ctor,
      length: TypedArrayPrototypeGetLength(view),
    };
  }
  const byteLength = DataViewPrototypeGetByteLength(view);
  return {
    buffer: DataViewPrototypeGetBuffer(view), byteOffset: DataViewPrototypeGetByteOffset(view),
    byteLength, elementSize: 1, ctor: DataViewCtor, length: byteLength,
  };
}
const transferBuffer = (buffer) => ops.transferArrayBuffer(buffer);
const isDetached = (buffer) => ops.isDetached(buffer);
const bufferByteLength = (buffer) => ArrayBufferPrototypeGetByteLength(buffer);
function copyBytes(dest, destOffset, src, srcOffset, n) {
  TypedArrayPrototypeSet(new Uint8ArrayCtor(dest, destOffset, n), new Uint8ArrayCtor(src, srcOffset, n));
}

// ---- ReadableStream ----------------------------------------------------------------------------

const kInternal = Symbol("internal construction");
let RS; // private-state accessors

class ReadableStream {
  #s;

  constructor(underlyingSource = undefined, strategy = undefined) {
    this.#s = {
      state: "readable", reader: null, storedError: undefined, disturbed: false, controller: null, stream: this,
      knownLength: -1, nativeBody: null,
    };
    if (underlyingSource === kInternal) return;
    const ctx = "Failed to construct 'ReadableStream'";
    const source = dictionary(underlyingSource, ctx, "UnderlyingSource");
    const strat = dictionary(strategy, ctx, "QueuingStrategy");
    const autoAllocate = source.autoAllocateChunkSize;
    const cancel = getMethod(source, "cancel", ctx);
    const pull = getMethod(source, "pull", ctx);
    const start = getMethod(source, "start", ctx);
    const type = source.type;
    const startAlgorithm = (controller) => (start === undefined ? undefined : ReflectApply(start, source, [controller]));
    const pullAlgorithm = (controller) => promiseCall(pull, source, [controller]);
    const cancelAlgorithm = (reason) => promiseCall(cancel, source, [reason]);
    if (type !== undefined && `${type}` === "bytes") {
      if (strat.size !== undefined) throw new RangeErrorCtor(`${ctx}: a byte stream's queuing strategy cannot have a size function.`);
      const hwm = extractHighWaterMark(strat, 0, ctx);
      let chunkSize;
      if (autoAllocate !== undefined) {
        chunkSize = NumberCtor(autoAllocate);
        if (!NumberIsInteger(chunkSize) || chunkSize <= 0) {
          throw new TypeErrorCtor(`${ctx}: autoAllocateChunkSize must be a positive integer.`);
        }
      }
      setUpByteController(this.#s, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, chunkSize);
      return;
    }
    if (type !== undefined) throw new TypeErrorCtor(`${ctx}: '${type}' is not a valid ReadableStreamType.`);
    const sizeAlgorithm = extractSizeAlgorithm(strat, ctx);
    const hwm = extractHighWaterMark(strat, 1, ctx);
    setUpDefaultController(this.#s, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, sizeAlgorithm);
  }

  get locked() { return rsState(this, "locked").reader !== null; }

  cancel(reason = undefined) {
    if (!RS.isStream(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a ReadableStream."));
    if (this.#s.reader !== null) {
      return PromiseReject(new TypeErrorCtor("Cannot cancel a ReadableStream that is locked to a reader."));
    }
    return streamCancel(this.#s, reason);
  }

  getReader(options = undefined) {
    const s = rsState(this, "getReader");
    const opts = dictionary(options, "Failed to execute 'getReader' on 'ReadableStream'", "ReadableStreamGetReaderOptions");
    const mode = opts.mode;
    if (mode === undefined) return new ReadableStreamDefaultReader(this);
    if (`${mode}` === "byob") return new ReadableStreamBYOBReader(s.stream);
    throw new TypeErrorCtor(`Failed to execute 'getReader' on 'ReadableStream': '${mode}' is not a valid reader mode (expected 'byob').`);
  }

  pipeThrough(transform, options = undefined) {
    const s = rsState(this, "pipeThrough");
    const ctx = "Failed to execute 'pipeThrough' on 'ReadableStream'";
    if (!isObject(transform)) throw new TypeErrorCtor(`${ctx}: parameter 1 is not of type 'ReadableWritablePair'.`);
    const readable = transform.readable;
    if (!RS.isStream(readable)) throw new TypeErrorCtor(`${ctx}: the pair's 'readable' is not a ReadableStream.`);
    const writable = transform.writable;
    if (!WS.isStream(writable)) throw new TypeErrorCtor(`${ctx}: the pair's 'writable' is not a WritableStream.`);
    const opts = pipeOptions(options, ctx);
    if (s.reader !== null) throw new TypeErrorCtor(`${ctx}: this ReadableStream is locked to a reader.`);
    const ws = WS.state(writable);
    if (ws.writer !== null) throw new TypeErrorCtor(`${ctx}: the WritableStream is locked to a writer.`);
    markHandled(pipeTo(s, ws, opts));
    return readable;
  }

  pipeTo(destination, options = undefined) {
    if (!RS.isStream(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a ReadableStream."));
    const ctx = "Failed to execute 'pipeTo' on 'ReadableStream'";
    if (!WS.isStream(destination)) return PromiseReject(new TypeErrorCtor(`${ctx}: parameter 1 is not of type 'WritableStream'.`));
    let opts;
    try { opts = pipeOptions(options, ctx); } catch (e) { return PromiseReject(e); }
    if (this.#s.reader !== null) return PromiseReject(new TypeErrorCtor(`${ctx}: this ReadableStream is locked to a reader.`));
    const ws = WS.state(destination);
    if (ws.writer !== null) return PromiseReject(new TypeErrorCtor(`${ctx}: the WritableStream is locked to a writer.`));
    return pipeTo(this.#s, ws, opts);
  }

  tee() {
    const s = rsState(this, "tee");
    if (s.reader !== null) throw new TypeErrorCtor("Failed to execute 'tee' on 'ReadableStream': the stream is locked to a reader.");
    return teeStream(s);
  }

  values(options = undefined) {
    const s = rsState(this, "values");
    const opts = dictionary(options, "Failed to execute 'values' on 'ReadableStream'", "ReadableStreamIteratorOptions");
    const preventCancel = !!opts.preventCancel;
    const reader = new ReadableStreamDefaultReader(s.stream);
    return createAsyncIterator(READER.record(reader), preventCancel);
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
function rsState(self, method) {
  if (!RS.isStream(self)) throw new TypeErrorCtor(`Failed to execute '${method}': illegal invocation (not a ReadableStream).`);
  return RS.state(self);
}
ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
  value: ReadableStream.prototype.values, writable: true, configurable: true,
});
makeEnumerable(ReadableStream, ["locked", "cancel", "getReader", "pipeThrough", "pipeTo", "tee", "values"]);

function pipeOptions(options, ctx) {
  const opts = dictionary(options, ctx, "StreamPipeOptions");
  const preventAbort = !!opts.preventAbort;
  const preventCancel = !!opts.preventCancel;
  const preventClose = !!opts.preventClose;
  const signal = opts.signal;
  if (signal !== undefined && !abort.isAbortSignal(signal)) {
    throw new TypeErrorCtor(`${ctx}: the signal option is not an AbortSignal.`);
  }
  return { preventAbort, preventCancel, preventClose, signal };
}

// ---- stream abstract operations ---------------------------------------------------------------

function streamClose(s) {
  s.state = "closed";
  const reader = s.reader;
  if (reader === null) return;
  reader.closed.resolve(undefined);
  if (reader.byob) return;
  const requests = reader.requests;
  reader.requests = [];
  for (let i = 0; i < requests.length; i++) requests[i].close();
}

function streamError(s, e) {
  s.state = "errored";
  s.storedError = e;
  const reader = s.reader;
  if (reader === null) return;
  reader.closed.reject(e);
  markHandled(reader.closed.promise);
  const requests = reader.requests;
  reader.requests = [];
  for (let i = 0; i < requests.length; i++) requests[i].error(e);
}

function streamCancel(s, reason) {
  s.disturbed = true;
  if (s.state === "closed") return resolved();
  if (s.state === "errored") return PromiseReject(s.storedError);
  streamClose(s);
  const reader = s.reader;
  if (reader !== null && reader.byob) {
    const requests = reader.requests;
    reader.requests = [];
    for (let i = 0; i < requests.length; i++) requests[i].close(undefined);
  }
  const c = s.controller;
  if (c.byte) clearPendingPullIntos(c);
  resetQueue(c);
  const algorithm = c.cancelAlgorithm;
  clearReadableAlgorithms(c);
  const result = algorithm === undefined ? resolved() : algorithm(reason);
  return then(result, () => undefined);
}

function numRequests(s) { return s.reader === null ? 0 : s.reader.requests.length; }
function hasDefaultReader(s) { return s.reader !== null && !s.reader.byob; }
function hasBYOBReader(s) { return s.reader !== null && s.reader.byob; }

function fulfillReadRequest(s, chunk, done) {
  const request = ArrayPrototypeShift(s.reader.requests);
  if (done) request.close();
  else request.chunk(chunk);
}

// ---- ReadableStreamDefaultController -----------------------------------------------------------

let CTRL;
class ReadableStreamDefaultController {
  #c;
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
  }
  get desiredSize() { return readableDesiredSize(this.#c); }
  close() {
    const c = this.#c;
    if (!canCloseOrEnqueue(c)) {
      throw new TypeErrorCtor("Failed to execute 'close' on 'ReadableStreamDefaultController': the stream is closed or closing.");
    }
    defaultControllerClose(c);
  }
  enqueue(chunk = undefined) {
    const c = this.#c;
    if (!canCloseOrEnqueue(c)) {
      throw new TypeErrorCtor("Failed to execute 'enqueue' on 'ReadableStreamDefaultController': the stream is closed or closing.");
    }
    defaultControllerEnqueue(c, chunk);
  }
  error(e = undefined) { readableControllerError(this.#c, e); }
  static {
    CTRL = { create: (c) => { const ctl = new ReadableStreamDefaultController(kInternal); ctl.#c = c; return ctl; } };
  }
}
makeEnumerable(ReadableStreamDefaultController, ["desiredSize", "close", "enqueue", "error"]);

function setUpDefaultController(s, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, sizeAlgorithm) {
  const c = {
    byte: false, stream: s, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
    pullAgain: false, pulling: false, strategyHWM: hwm, strategySizeAlgorithm: sizeAlgorithm,
    pullAlgorithm, cancelAlgorithm, object: null,
  };
  c.object = CTRL.create(c);
  s.controller = c;
  startController(c, startAlgorithm);
}

function startController(c, startAlgorithm) {
  const startResult = startAlgorithm(c.object); // a throw propagates to the constructor
  then(PromiseResolve(startResult), () => {
    c.started = true;
    readableCallPullIfNeeded(c);
  }, (r) => readableControllerError(c, r));
}

function canCloseOrEnqueue(c) {
  return !c.closeRequested && c.stream.state === "readable";
}

function readableDesiredSize(c) {
  const state = c.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return c.strategyHWM - c.queueTotalSize;
}

function clearReadableAlgorithms(c) {
  c.pullAlgorithm = undefined;
  c.cancelAlgorithm = undefined;
  c.strategySizeAlgorithm = undefined;
}

function defaultControllerClose(c) {
  if (!canCloseOrEnqueue(c)) return;
  c.closeRequested = true;
  if (c.queue.length === 0) {
    clearReadableAlgorithms(c);
    streamClose(c.stream);
  }
}

function defaultControllerEnqueue(c, chunk) {
  if (!canCloseOrEnqueue(c)) return;
  const s = c.stream;
  if (hasDefaultReader(s) && numRequests(s) > 0) {
    fulfillReadRequest(s, chunk, false);
  } else {
    try {
      enqueueValueWithSize(c, chunk, c.strategySizeAlgorithm(chunk));
    } catch (err) {
      readableControllerError(c, err);
      throw err;
    }
  }
  readableCallPullIfNeeded(c);
}

function readableControllerError(c, e) {
  if (c.stream.state !== "readable") return;
  if (c.byte) clearPendingPullIntos(c);
  resetQueue(c);
  clearReadableAlgorithms(c);
  streamError(c.stream, e);
}

function readableShouldCallPull(c) {
  const s = c.stream;
  if (!canCloseOrEnqueue(c) || !c.started) return false;
  if (s.reader !== null && numRequests(s) > 0) return true;
  return readableDesiredSize(c) > 0;
}

function readableCallPullIfNeeded(c) {
  if (!readableShouldCallPull(c)) return;
  if (c.pulling) { c.pullAgain = true; return; }
  c.pulling = true;
  then(c.pullAlgorithm(c.object), () => {
    c.pulling = false;
    if (c.pullAgain) {
      c.pullAgain = false;
      readableCallPullIfNeeded(c);
    }
  }, (e) => readableControllerError(c, e));
}

function defaultPullSteps(c, request) {
  const s = c.stream;
  if (c.queue.length > 0) {
    const chunk = dequeueValue(c);
    if (c.closeRequested && c.queue.length === 0) {
      clearReadableAlgorithms(c);
      streamClose(s);
    } else {
      readableCallPullIfNeeded(c);
    }
    request.chunk(chunk);
  } else {
    ArrayAppend(s.reader.requests, request);
    readableCallPullIfNeeded(c);
  }
}

// ---- ReadableByteStreamController -------------------------------------------------------------

let BCTRL;
class ReadableByteStreamController {
  #c;
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
  }
  get byobRequest() { return getBYOBRequest(this.#c); }
  get desiredSize() { return readableDesiredSize(this.#c); }
  close() {
    const c = this.#c;
    if (c.closeRequested) throw new TypeErrorCtor("Failed to execute 'close' on 'ReadableByteStreamController': the stream is already closing.");
    if (c.stream.state !== "readable") throw new TypeErrorCtor("Failed to execute 'close' on 'ReadableByteStreamController': the stream is not readable.");
    byteControllerClose(c);
  }
  enqueue(chunk) {
    const c = this.#c;
    const ctx = "Failed to execute 'enqueue' on 'ReadableByteStreamController'";
    const info = viewInfo(chunk);
    if (info === null) throw new TypeErrorCtor(`${ctx}: parameter 1 is not of type 'ArrayBufferView'.`);
    if (info.byteLength === 0) throw new TypeErrorCtor(`${ctx}: the chunk is empty.`);
    if (bufferByteLength(info.buffer) === 0) throw new TypeErrorCtor(`${ctx}: the chunk's buffer is detached or empty.`);
    if (c.closeRequested) throw new TypeErrorCtor(`${ctx}: the stream is closing.`);
    if (c.stream.state !== "readable") throw new TypeErrorCtor(`${ctx}: the stream is not readable.`);
    byteControllerEnqueue(c, info);
  }
  error(e = undefined) { readableControllerError(this.#c, e); }
  static {
    BCTRL = { create: (c) => { const ctl = new ReadableByteStreamController(kInternal); ctl.#c = c; return ctl; } };
  }
}
makeEnumerable(ReadableByteStreamController, ["byobRequest", "desiredSize", "close", "enqueue", "error"]);

let BYOBREQ;
class ReadableStreamBYOBRequest {
  #controller;
  #view;
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
  }
  get view() { return this.#view; }
  respond(bytesWritten) {
    const ctx = "Failed to execute 'respond' on 'ReadableStreamBYOBRequest'";
    const c = this.#controller;
    const n = NumberCtor(bytesWritten);
    if (c === null) {
      // The stream closed and answered the read itself; only "nothing written" is consistent.
      if (n !== 0) throw new TypeErrorCtor(`${ctx}: the stream is closed, so bytesWritten must be 0.`);
      return;
    }
    if (c === undefined) throw new TypeErrorCtor(`${ctx}: this request has already been responded to.`);
    if (!(n >= 0) || n === Infinity) throw new TypeErrorCtor(`${ctx}: bytesWritten must be a non-negative number.`);
    if (isDetached(viewInfo(this.#view).buffer)) throw new TypeErrorCtor(`${ctx}: the view's buffer has been detached.`);
    byteControllerRespond(c, n - (n % 1));
  }
  respondWithNewView(view) {
    const ctx = "Failed to execute 'respondWithNewView' on 'ReadableStreamBYOBRequest'";
    const info = viewInfo(view);
    if (info === null) throw new TypeErrorCtor(`${ctx}: parameter 1 is not of type 'ArrayBufferView'.`);
    const c = this.#controller;
    if (c === null) {
      if (info.byteLength !== 0) throw new TypeErrorCtor(`${ctx}: the stream is closed, so the view must be empty.`);
      return;
    }
    if (c === undefined) throw new TypeErrorCtor(`${ctx}: this request has already been responded to.`);
    if (isDetached(info.buffer)) throw new TypeErrorCtor(`${ctx}: the view's buffer has been detached.`);
    byteControllerRespondWithNewView(c, info);
  }
  static {
    BYOBREQ = {
      create: (c, view) => {
        const req = new ReadableStreamBYOBRequest(kInternal);
        req.#controller = c;
        req.#view = view;
        return req;
      },
      invalidate: (req) => { req.#controller = undefined; req.#view = null; },
      spend: (req) => { req.#controller = null; req.#view = null; },
    };
  }
}
makeEnumerable(ReadableStreamBYOBRequest, ["view", "respond", "respondWithNewView"]);

function setUpByteController(s, startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm, autoAllocateChunkSize) {
  const c = {
    byte: true, stream: s, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
    pullAgain: false, pulling: false, strategyHWM: hwm, pullAlgorithm, cancelAlgorithm,
    autoAllocateChunkSize, pendingPullIntos: [], byobRequest: null, object: null,
  };
  c.object = BCTRL.create(c);
  s.controller = c;
  startController(c, startAlgorithm);
}

function getBYOBRequest(c) {
  if (c.byobRequest === null && c.pendingPullIntos.length > 0) {
    const first = c.pendingPullIntos[0];
    const view = new Uint8ArrayCtor(first.buffer, first.byteOffset + first.bytesFilled, first.byteLength - first.bytesFilled);
    c.byobRequest = BYOBREQ.create(c, view);
  }
  return c.byobRequest;
}

function invalidateBYOBRequest(c) {
  if (c.byobRequest === null) return;
  BYOBREQ.invalidate(c.byobRequest);
  c.byobRequest = null;
}

function clearPendingPullIntos(c) {
  invalidateBYOBRequest(c);
  c.pendingPullIntos = [];
}

function shiftPendingPullInto(c) {
  return ArrayPrototypeShift(c.pendingPullIntos);
}

function byteControllerClose(c) {
  if (c.closeRequested || c.stream.state !== "readable") return;
  if (c.queueTotalSize > 0) { c.closeRequested = true; return; }
  if (c.pendingPullIntos.length > 0) {
    const first = c.pendingPullIntos[0];
    if (first.bytesFilled % first.elementSize !== 0) {
      const e = new TypeErrorCtor("The byte stream was closed in the middle of an element of the pending read's view.");
      readableControllerError(c, e);
      throw e;
    }
  }
  byteStreamClosed(c);
}

// Closes a byte stream whose queue is empty. Like workerd, Colony answers the reads still waiting
// on the source itself instead of leaving them until the source calls byobRequest.respond(0): each
// pending BYOB read resolves with done and an empty view over its own buffer, and a byobRequest
// the source still holds becomes spent (respond(0) on it does nothing).
function byteStreamClosed(c) {
  const s = c.stream;
  clearReadableAlgorithms(c);
  streamClose(s);
  if (c.pendingPullIntos.length === 0) return;
  if (c.byobRequest !== null) {
    BYOBREQ.spend(c.byobRequest);
    c.byobRequest = null;
  }
  if (c.pendingPullIntos[0].readerType === "none") shiftPendingPullInto(c);
  if (hasBYOBReader(s)) {
    const answered = [];
    while (answered.length < numRequests(s) && c.pendingPullIntos.length > 0) ArrayAppend(answered, shiftPendingPullInto(c));
    for (let i = 0; i < answered.length; i++) commitPullIntoDescriptor(s, answered[i]);
  }
  c.pendingPullIntos = [];
}

function enqueueChunkToQueue(c, buffer, byteOffset, byteLength) {
  ArrayAppend(c.queue, { buffer, byteOffset, byteLength });
  c.queueTotalSize += byteLength;
}

function enqueueClonedChunkToQueue(c, buffer, byteOffset, byteLength) {
  let clone;
  try {
    clone = ArrayBufferPrototypeSlice(buffer, byteOffset, byteOffset + byteLength);
  } catch (e) {
    readableControllerError(c, e);
    throw e;
  }
  enqueueChunkToQueue(c, clone, 0, byteLength);
}

function enqueueDetachedPullIntoToQueue(c, d) {
  if (d.bytesFilled > 0) enqueueClonedChunkToQueue(c, d.buffer, d.byteOffset, d.bytesFilled);
  shiftPendingPullInto(c);
}

// Enqueue the bytes of a view (described by viewInfo) into a byte stream.
function byteControllerEnqueue(c, info) {
  const s = c.stream;
  if (c.closeRequested || s.state !== "readable") return;
  const { byteOffset, byteLength } = info;
  if (isDetached(info.buffer)) throw new TypeErrorCtor("The chunk's buffer has been detached.");
  const buffer = transferBuffer(info.buffer);
  if (c.pendingPullIntos.length > 0) {
    const first = c.pendingPullIntos[0];
    if (isDetached(first.buffer)) throw new TypeErrorCtor("The pending read's buffer has been detached.");
    invalidateBYOBRequest(c);
    first.buffer = transferBuffer(first.buffer);
    if (first.readerType === "none") enqueueDetachedPullIntoToQueue(c, first);
  }
  if (hasDefaultReader(s)) {
    processReadRequestsUsingQueue(c);
    if (numRequests(s) === 0) {
      enqueueChunkToQueue(c, buffer, byteOffset, byteLength);
    } else {
      if (c.pendingPullIntos.length > 0) shiftPendingPullInto(c);
      fulfillReadRequest(s, new Uint8ArrayCtor(buffer, byteOffset, byteLength), false);
    }
  } else if (hasBYOBReader(s)) {
    enqueueChunkToQueue(c, buffer, byteOffset, byteLength);
    const filled = processPullIntoDescriptorsUsingQueue(c);
    for (let i = 0; i < filled.length; i++) commitPullIntoDescriptor(s, filled[i]);
  } else {
    enqueueChunkToQueue(c, buffer, byteOffset, byteLength);
  }
  readableCallPullIfNeeded(c);
}

function processReadRequestsUsingQueue(c) {
  const reader = c.stream.reader;
  while (reader.requests.length > 0) {
    if (c.queueTotalSize === 0) return;
    fillReadRequestFromQueue(c, ArrayPrototypeShift(reader.requests));
  }
}

function fillReadRequestFromQueue(c, request) {
  const entry = ArrayPrototypeShift(c.queue);
  c.queueTotalSize -= entry.byteLength;
  handleQueueDrain(c);
  request.chunk(new Uint8ArrayCtor(entry.buffer, entry.byteOffset, entry.byteLength));
}

function handleQueueDrain(c) {
  if (c.queueTotalSize === 0 && c.closeRequested) {
    byteStreamClosed(c);
  } else {
    readableCallPullIfNeeded(c);
  }
}

function fillHeadPullIntoDescriptor(c, size, d) {
  d.bytesFilled += size;
}

function fillPullIntoDescriptorFromQueue(c, d) {
  const maxBytesToCopy = MathMin(c.queueTotalSize, d.byteLength - d.bytesFilled);
  const maxBytesFilled = d.bytesFilled + maxBytesToCopy;
  let remaining = maxBytesToCopy;
  let ready = false;
  const maxAlignedBytes = maxBytesFilled - (maxBytesFilled % d.elementSize);
  if (maxAlignedBytes >= d.minimumFill) {
    remaining = maxAlignedBytes - d.bytesFilled;
    ready = true;
  }
  while (remaining > 0) {
    const head = c.queue[0];
    const n = MathMin(remaining, head.byteLength);
    copyBytes(d.buffer, d.byteOffset + d.bytesFilled, head.buffer, head.byteOffset, n);
    if (head.byteLength === n) ArrayPrototypeShift(c.queue);
    else { head.byteOffset += n; head.byteLength -= n; }
    c.queueTotalSize -= n;
    fillHeadPullIntoDescriptor(c, n, d);
    remaining -= n;
  }
  return ready;
}

function processPullIntoDescriptorsUsingQueue(c) {
  const filled = [];
  while (c.pendingPullIntos.length > 0) {
    if (c.queueTotalSize === 0) break;
    const d = c.pendingPullIntos[0];
    if (fillPullIntoDescriptorFromQueue(c, d)) {
      shiftPendingPullInto(c);
      ArrayAppend(filled, d);
    } else {
      break;
    }
  }
  return filled;
}

function convertPullIntoDescriptor(d) {
  const buffer = transferBuffer(d.buffer);
  return new d.viewConstructor(buffer, d.byteOffset, d.bytesFilled / d.elementSize);
}

function commitPullIntoDescriptor(s, d) {
  const done = s.state === "closed";
  const view = convertPullIntoDescriptor(d);
  if (d.readerType === "default") {
    fulfillReadRequest(s, view, done);
  } else {
    const request = ArrayPrototypeShift(s.reader.requests);
    if (done) request.close(view);
    else request.chunk(view);
  }
}

function bytePullSteps(c, request) {
  const s = c.stream;
  if (c.queueTotalSize > 0) {
    fillReadRequestFromQueue(c, request);
    return;
  }
  const size = c.autoAllocateChunkSize;
  if (size !== undefined) {
    let buffer;
    try { buffer = new ArrayBufferCtor(size); } catch (e) { request.error(e); return; }
    ArrayAppend(c.pendingPullIntos, {
      buffer, bufferByteLength: size, byteOffset: 0, byteLength: size, bytesFilled: 0, minimumFill: 1,
      elementSize: 1, viewConstructor: Uint8ArrayCtor, readerType: "default",
    });
  }
  ArrayAppend(s.reader.requests, request);
  readableCallPullIfNeeded(c);
}

function byteControllerPullInto(c, info, min, request) {
  const s = c.stream;
  let buffer;
  try { buffer = transferBuffer(info.buffer); } catch (e) { request.error(e); return; }
  const d = {
    buffer, bufferByteLength: bufferByteLength(buffer), byteOffset: info.byteOffset, byteLength: info.byteLength,
    bytesFilled: 0, minimumFill: min * info.elementSize, elementSize: info.elementSize, viewConstructor: info.ctor,
    readerType: "byob",
  };
  if (c.pendingPullIntos.length > 0) {
    ArrayAppend(c.pendingPullIntos, d);
    ArrayAppend(s.reader.requests, request);
    return;
  }
  if (s.state === "closed") {
    request.close(new d.viewConstructor(d.buffer, d.byteOffset, 0));
    return;
  }
  if (c.queueTotalSize > 0) {
    if (fillPullIntoDescriptorFromQueue(c, d)) {
      const view = convertPullIntoDescriptor(d);
      handleQueueDrain(c);
      request.chunk(view);
      return;
    }
    if (c.closeRequested) {
      const e = new TypeErrorCtor("The byte stream closed in the middle of an element of the read's view.");
      readableControllerError(c, e);
      request.error(e);
      return;
    }
  }
  ArrayAppend(c.pendingPullIntos, d);
  ArrayAppend(s.reader.requests, request);
  readableCallPullIfNeeded(c);
}

function byteControllerRespond(c, bytesWritten) {
  const first = c.pendingPullIntos[0];
  if (c.stream.state === "closed") {
    if (bytesWritten !== 0) throw new TypeErrorCtor("bytesWritten must be 0 once the stream is closed.");
  } else {
    if (bytesWritten === 0) throw new TypeErrorCtor("bytesWritten must be greater than 0 while the stream is readable.");
    if (first.bytesFilled + bytesWritten > first.byteLength) throw new RangeErrorCtor("bytesWritten is larger than the view.");
  }
  first.buffer = transferBuffer(first.buffer);
  byteControllerRespondInternal(c, bytesWritten);
}

function byteControllerRespondWithNewView(c, info) {
  const first = c.pendingPullIntos[0];
  if (c.stream.state === "closed") {
    if (info.byteLength !== 0) throw new TypeErrorCtor("The view must be empty once the stream is closed.");
  } else if (info.byteLength === 0) {
    throw new TypeErrorCtor("The view must not be empty while the stream is readable.");
  }
  if (first.byteOffset + first.bytesFilled !== info.byteOffset) throw new RangeErrorCtor("The view's offset does not match the request's view.");
  if (first.bufferByteLength !== bufferByteLength(info.buffer)) throw new RangeErrorCtor("The view's buffer length does not match the request's buffer.");
  if (first.bytesFilled + info.byteLength > first.byteLength) throw new RangeErrorCtor("The view is larger than the request's view.");
  first.buffer = transferBuffer(info.buffer);
  byteControllerRespondInternal(c, info.byteLength);
}

function byteControllerRespondInternal(c, bytesWritten) {
  const s = c.stream;
  const first = c.pendingPullIntos[0];
  invalidateBYOBRequest(c);
  if (s.state === "closed") {
    if (first.readerType === "none") shiftPendingPullInto(c);
    if (hasBYOBReader(s)) {
      const filled = [];
      while (filled.length < numRequests(s)) ArrayAppend(filled, shiftPendingPullInto(c));
      for (let i = 0; i < filled.length; i++) commitPullIntoDescriptor(s, filled[i]);
    }
  } else {
    fillHeadPullIntoDescriptor(c, bytesWritten, first);
    if (first.readerType === "none") {
      enqueueDetachedPullIntoToQueue(c, first);
      const filled = processPullIntoDescriptorsUsingQueue(c);
      for (let i = 0; i < filled.length; i++) commitPullIntoDescriptor(s, filled[i]);
    } else if (first.bytesFilled >= first.minimumFill) {
      shiftPendingPullInto(c);
      const remainder = first.bytesFilled % first.elementSize;
      if (remainder > 0) {
        const end = first.byteOffset + first.bytesFilled;
        enqueueClonedChunkToQueue(c, first.buffer, end - remainder, remainder);
      }
      first.bytesFilled -= remainder;
      const filled = processPullIntoDescriptorsUsingQueue(c);
      commitPullIntoDescriptor(s, first);
      for (let i = 0; i < filled.length; i++) commitPullIntoDescriptor(s, filled[i]);
    }
  }
  readableCallPullIfNeeded(c);
}

// ---- readers -----------------------------------------------------------------------------------

// Reader record: {stream, requests, closed (deferred), byob, object}.
function setUpReader(r, stream, ctx) {
  if (!RS.isStream(stream)) throw new TypeErrorCtor(`${ctx}: parameter 1 is not of type 'ReadableStream'.`);
  const s = RS.state(stream);
  if (s.reader !== null) throw new TypeErrorCtor(`${ctx}: this ReadableStream is already locked to a reader.`);
  r.stream = s;
  s.reader = r;
  if (s.state === "readable") r.closed = deferred();
  else if (s.state === "closed") r.closed = settledDeferred(undefined);
  else r.closed = rejectedDeferred(s.storedError);
}

function readerGenericCancel(r, reason) {
  return streamCancel(r.stream, reason);
}

function readerRelease(r) {
  const s = r.stream;
  const err = new TypeErrorCtor("This readable stream reader has been released.");
  if (r.closed.pending) r.closed.reject(err);
  else r.closed = rejectedDeferred(err);
  markHandled(r.closed.promise);
  if (s.controller.byte && s.controller.pendingPullIntos.length > 0) {
    const first = s.controller.pendingPullIntos[0];
    first.readerType = "none";
    s.controller.pendingPullIntos = [first];
  }
  s.reader = null;
  r.stream = null;
  const requests = r.requests;
  r.requests = [];
  for (let i = 0; i < requests.length; i++) requests[i].error(err);
}

function readerRead(r, request) {
  const s = r.stream;
  s.disturbed = true;
  if (s.state === "closed") request.close();
  else if (s.state === "errored") request.error(s.storedError);
  else if (s.controller.byte) bytePullSteps(s.controller, request);
  else defaultPullSteps(s.controller, request);
}

let READER;
class ReadableStreamDefaultReader {
  #r;
  constructor(stream) {
    const r = { stream: null, requests: [], closed: null, byob: false, object: this };
    setUpReader(r, stream, "Failed to construct 'ReadableStreamDefaultReader'");
    this.#r = r;
  }

  get closed() { return readerRecord(this, "closed").closed.promise; }

  read() {
    if (!READER.is(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a ReadableStreamDefaultReader."));
    const r = this.#r;
    if (r.stream === null) return PromiseReject(new TypeErrorCtor("This readable stream reader has been released."));
    const { promise, resolve, reject } = PromiseWithResolvers();
    readerRead(r, {
      chunk: (value) => resolve({ value, done: false }),
      close: () => resolve({ value: undefined, done: true }),
      error: reject,
    });
    return promise;
  }

  releaseLock() {
    const r = readerRecord(this, "releaseLock");
    if (r.stream === null) return;
    readerRelease(r);
  }

  cancel(reason = undefined) {
    if (!READER.is(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a ReadableStreamDefaultReader."));
    const r = this.#r;
    if (r.stream === null) return PromiseReject(new TypeErrorCtor("This readable stream reader has been released."));
    return readerGenericCancel(r, reason);
  }

  static {
    READER = { record: (reader) => reader.#r, is: (v) => typeof v === "object" && v !== null && #r in v };
  }
}
function readerRecord(self, method) {
  if (!READER.is(self)) throw new TypeErrorCtor(`Failed to execute '${method}': illegal invocation (not a ReadableStreamDefaultReader).`);
  return READER.record(self);
}
makeEnumerable(ReadableStreamDefaultReader, ["closed", "read", "releaseLock", "cancel"]);

let BYOB;
class ReadableStreamBYOBReader {
  #r;
  constructor(stream) {
    const ctx = "Failed to construct 'ReadableStreamBYOBReader'";
    if (RS.isStream(stream) && !RS.state(stream).controller?.byte) {
      throw new TypeErrorCtor(`${ctx}: a BYOB reader needs a byte stream (a ReadableStream created with type: 'bytes').`);
    }
    const r = { stream: null, requests: [], closed: null, byob: true, object: this };
    setUpReader(r, stream, ctx);
    this.#r = r;
  }

  get closed() { return byobRecord(this, "closed").closed.promise; }

  read(view, options = undefined) {
    if (!BYOB.is(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a ReadableStreamBYOBReader."));
    const ctx = "Failed to execute 'read' on 'ReadableStreamBYOBReader'";
    const info = viewInfo(view);
    if (info === null) return PromiseReject(new TypeErrorCtor(`${ctx}: parameter 1 is not of type 'ArrayBufferView'.`));
    let min = 1;
    if (options !== undefined && options !== null) {
      if (!isObject(options)) return PromiseReject(new TypeErrorCtor(`${ctx}: parameter 2 is not of type 'ReadableStreamBYOBReaderReadOptions'.`));
      if (options.min !== undefined) min = NumberCtor(options.min);
    }
    return byobRead(this.#r, info, min, ctx);
  }

  // workerd's extension: read until at least `minBytes` bytes fill `view` (or the stream ends).
  readAtLeast(minBytes, view) {
    if (!BYOB.is(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a ReadableStreamBYOBReader."));
    const ctx = "Failed to execute 'readAtLeast' on 'ReadableStreamBYOBReader'";
    const info = viewInfo(view);
    if (info === null) return PromiseReject(new TypeErrorCtor(`${ctx}: parameter 2 is not of type 'ArrayBufferView'.`));
    const n = NumberCtor(minBytes);
    if (!NumberIsInteger(n) || n <= 0) return PromiseReject(new TypeErrorCtor(`${ctx}: minBytes must be a positive integer.`));
    if (n > info.byteLength) return PromiseReject(new RangeErrorCtor(`${ctx}: minBytes is larger than the view.`));
    return byobRead(this.#r, info, MathCeilDiv(n, info.elementSize), ctx);
  }

  releaseLock() {
    const r = byobRecord(this, "releaseLock");
    if (r.stream === null) return;
    readerRelease(r);
  }

  cancel(reason = undefined) {
    if (!BYOB.is(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a ReadableStreamBYOBReader."));
    const r = this.#r;
    if (r.stream === null) return PromiseReject(new TypeErrorCtor("This readable stream reader has been released."));
    return readerGenericCancel(r, reason);
  }

  static {
    BYOB = { record: (reader) => reader.#r, is: (v) => typeof v === "object" && v !== null && #r in v };
  }
}
function MathCeilDiv(a, b) { return (a + b - 1 - ((a + b - 1) % b)) / b; }
function byobRecord(self, method) {
  if (!BYOB.is(self)) throw new TypeErrorCtor(`Failed to execute '${method}': illegal invocation (not a ReadableStreamBYOBReader).`);
  return BYOB.record(self);
}
makeEnumerable(ReadableStreamBYOBReader, ["closed", "read", "readAtLeast", "releaseLock", "cancel"]);

function byobRead(r, info, min, ctx) {
  if (info.byteLength === 0) return PromiseReject(new TypeErrorCtor(`${ctx}: the view is empty.`));
  if (bufferByteLength(info.buffer) === 0) {
    return PromiseReject(new TypeErrorCtor(`${ctx}: the view's buffer is empty or detached.`));
  }
  if (!NumberIsInteger(min) || min <= 0) return PromiseReject(new TypeErrorCtor(`${ctx}: min must be a positive integer.`));
  if (min > info.length) return PromiseReject(new RangeErrorCtor(`${ctx}: min is larger than the view.`));
  if (r.stream === null) return PromiseReject(new TypeErrorCtor("This readable stream reader has been released."));
  const { promise, resolve, reject } = PromiseWithResolvers();
  byobReadInto(r, info, min, {
    chunk: (value) => resolve({ value, done: false }),
    close: (value) => resolve({ value, done: true }),
    error: reject,
  });
  return promise;
}

function byobReadInto(r, info, min, request) {
  const s = r.stream;
  s.disturbed = true;
  if (s.state === "errored") request.error(s.storedError);
  else byteControllerPullInto(s.controller, info, min, request);
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

function acquireReaderRecord(s) {
  return READER.record(new ReadableStreamDefaultReader(s.stream));
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
        const result = readerGenericCancel(r, value);
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

function createAsyncIterator(readerRecordValue, preventCancel) {
  const it = ObjectCreate(ReadableStreamAsyncIteratorPrototype);
  WeakMapPrototypeSet(iteratorState, it, { reader: readerRecordValue, preventCancel, done: false, ongoing: null });
  return it;
}

// ---- internal constructors --------------------------------------------------------------------

// A default stream driven by algorithms that receive the controller *record*.
function createStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm = 1, sizeAlgorithm = () => 1) {
  const stream = new ReadableStream(kInternal);
  const s = RS.state(stream);
  setUpDefaultController(s,
    () => startAlgorithm(s.controller),
    () => pullAlgorithm(s.controller),
    (reason) => cancelAlgorithm(reason),
    hwm, sizeAlgorithm);
  return stream;
}

// A byte stream driven by algorithms that receive the controller record.
function createByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, hwm = 0, autoAllocateChunkSize = undefined) {
  const stream = new ReadableStream(kInternal);
  const s = RS.state(stream);
  setUpByteController(s,
    () => startAlgorithm(s.controller),
    () => pullAlgorithm(s.controller),
    (reason) => cancelAlgorithm(reason),
    hwm, autoAllocateChunkSize);
  return stream;
}

// Enqueue into either kind of controller record (byte streams take ArrayBufferViews).
function controllerEnqueue(c, chunk) {
  if (c.byte) {
    const info = viewInfo(chunk);
    if (info === null) throw new TypeErrorCtor("A byte stream can only enqueue ArrayBufferView chunks.");
    if (info.byteLength === 0) return;
    byteControllerEnqueue(c, info);
  } else {
    defaultControllerEnqueue(c, chunk);
  }
}
function controllerClose(c) {
  if (c.byte) byteControllerClose(c);
  else defaultControllerClose(c);
}

// A byte stream pulling from `read()` (-> promise of Uint8Array | null) with `cancel(reason)`;
// used for bodies backed by native handles. Nothing is read before a consumer asks.
function streamFromPull(read, cancel) {
  return createByteStream(() => undefined, (c) => then(read(), (chunk) => {
    if (chunk === null || chunk === undefined) {
      if (c.closeRequested || c.stream.state !== "readable") return;
      byteControllerClose(c);
    } else {
      controllerEnqueue(c, chunk);
    }
  }), (reason) => PromiseResolve(cancel(reason)), 0);
}

// Tee: two branches of the kind of `s` (default or byte). A byte stream's second branch gets
// copies of the chunks, so neither branch sees the other's transfers.
function teeStream(s) {
  const byte = s.controller.byte;
  const reader = acquireReaderRecord(s);
  let reading = false, readAgain = false, canceled1 = false, canceled2 = false;
  let reason1, reason2, branch1, branch2;
  const cancelDone = deferred();
  const c1 = () => RS.state(branch1).controller;
  const c2 = () => RS.state(branch2).controller;
  const pull = () => {
    if (reading) { readAgain = true; return resolved(); }
    reading = true;
    readerRead(reader, {
      chunk: (chunk) => {
        // Deliver in a microtask, so that a close or error queued in the same turn is seen after it.
        ops.queueMicrotask(() => {
          readAgain = false;
          let second = chunk;
          if (byte && !canceled1 && !canceled2) {
            const info = viewInfo(chunk);
            second = new Uint8ArrayCtor(ArrayBufferPrototypeSlice(info.buffer, info.byteOffset, info.byteOffset + info.byteLength));
          }
          if (!canceled1) controllerEnqueue(c1(), chunk);
          if (!canceled2) controllerEnqueue(c2(), second);
          reading = false;
          if (readAgain) pull();
        });
      },
      close: () => {
        reading = false;
        for (const [c, canceled] of [[c1(), canceled1], [c2(), canceled2]]) {
          if (canceled) continue;
          controllerClose(c);
          if (byte && c.pendingPullIntos.length > 0) byteControllerRespondInternal(c, 0);
        }
        if (!canceled1 || !canceled2) cancelDone.resolve(undefined);
      },
      error: () => { reading = false; },
    });
    return resolved();
  };
  const cancelBoth = () => {
    then(streamCancel(s, [reason1, reason2]), cancelDone.resolve, cancelDone.reject);
  };
  const create = byte ? createByteStream : createStream;
  branch1 = create(() => undefined, pull, (reason) => {
    canceled1 = true; reason1 = reason;
    if (canceled2) cancelBoth();
    return cancelDone.promise;
  });
  branch2 = create(() => undefined, pull, (reason) => {
    canceled2 = true; reason2 = reason;
    if (canceled1) cancelBoth();
    return cancelDone.promise;
  });
  then(reader.closed.promise, undefined, (e) => {
    readableControllerError(c1(), e);
    readableControllerError(c2(), e);
    if (!canceled1 || !canceled2) cancelDone.resolve(undefined);
  });
  return [branch1, branch2];
}

function streamFromIterable(asyncIterable) {
  const ctx = "Failed to execute 'from' on 'ReadableStream'";
  if (asyncIterable === null || asyncIterable === undefined) throw new TypeErrorCtor(`${ctx}: parameter 1 is not iterable.`);
  const method = asyncIterable[SymbolAsyncIterator];
  let iterator;
  if (method === undefined || method === null) {
    const syncMethod = asyncIterable[SymbolIterator];
    if (typeof syncMethod !== "function") throw new TypeErrorCtor(`${ctx}: parameter 1 is not iterable.`);
    const syncIterator = ReflectApply(syncMethod, asyncIterable, []);
    if (!isObject(syncIterator)) throw new TypeErrorCtor(`${ctx}: the iterator is not an object.`);
    const next = syncIterator.next;
    iterator = {
      next: () => {
        const r = ReflectApply(next, syncIterator, []);
        if (!isObject(r)) throw new TypeErrorCtor("The iterator's next() result is not an object.");
        if (r.done) return PromiseResolve({ done: true, value: undefined });
        return then(PromiseResolve(r.value), (value) => ({ value, done: false }));
      },
      return: (v) => {
        const ret = syncIterator.return;
        return PromiseResolve(ret === undefined || ret === null ? undefined : ReflectApply(ret, syncIterator, [v]));
      },
    };
  } else {
    if (typeof method !== "function") throw new TypeErrorCtor(`${ctx}: parameter 1 is not async iterable.`);
    const it = ReflectApply(method, asyncIterable, []);
    if (!isObject(it)) throw new TypeErrorCtor(`${ctx}: the async iterator is not an object.`);
    const next = it.next;
    iterator = {
      next: () => ReflectApply(next, it, []),
      return: (v) => {
        const ret = it.return;
        return ret === undefined || ret === null ? resolved() : ReflectApply(ret, it, [v]);
      },
    };
  }
  return createStream(() => undefined, (c) => {
    let result;
    try { result = PromiseResolve(iterator.next()); } catch (e) { return PromiseReject(e); }
    return then(result, (r) => {
      if (!isObject(r)) throw new TypeErrorCtor("The iterator's next() result is not an object.");
      if (r.done) defaultControllerClose(c);
      else defaultControllerEnqueue(c, r.value);
    });
  }, (reason) => {
    let result;
    try { result = PromiseResolve(iterator.return(reason)); } catch (e) { return PromiseReject(e); }
    return then(result, (r) => {
      if (r !== undefined && !isObject(r)) throw new TypeErrorCtor("The iterator's return() result is not an object.");
    });
  }, 0);
}

// ---- WritableStream ----------------------------------------------------------------------------

let WS;
const kCloseSentinel = Symbol("close");

class WritableStream {
  #s;
  constructor(underlyingSink = undefined, strategy = undefined) {
    this.#s = newWritableState(this);
    if (underlyingSink === kInternal) return;
    const ctx = "Failed to construct 'WritableStream'";
    const sink = dictionary(underlyingSink, ctx, "UnderlyingSink");
    const strat = dictionary(strategy, ctx, "QueuingStrategy");
    const abortFn = getMethod(sink, "abort", ctx);
    const closeFn = getMethod(sink, "close", ctx);
    const startFn = getMethod(sink, "start", ctx);
    const type = sink.type;
    const writeFn = getMethod(sink, "write", ctx);
    if (type !== undefined) throw new RangeErrorCtor(`${ctx}: the sink's type must be undefined.`);
    const sizeAlgorithm = extractSizeAlgorithm(strat, ctx);
    const hwm = extractHighWaterMark(strat, 1, ctx);
    setUpWritableController(this.#s,
      (controller) => (startFn === undefined ? undefined : ReflectApply(startFn, sink, [controller])),
      (chunk, controller) => promiseCall(writeFn, sink, [chunk, controller]),
      () => promiseCall(closeFn, sink, []),
      (reason) => promiseCall(abortFn, sink, [reason]),
      hwm, sizeAlgorithm);
  }

  get locked() { return wsState(this, "locked").writer !== null; }

  abort(reason = undefined) {
    if (!WS.isStream(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a WritableStream."));
    if (this.#s.writer !== null) return PromiseReject(new TypeErrorCtor("Cannot abort a WritableStream that is locked to a writer."));
    return writableStreamAbort(this.#s, reason);
  }

  close() {
    if (!WS.isStream(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a WritableStream."));
    const s = this.#s;
    if (s.writer !== null) return PromiseReject(new TypeErrorCtor("Cannot close a WritableStream that is locked to a writer."));
    if (closeQueuedOrInFlight(s)) return PromiseReject(new TypeErrorCtor("The WritableStream is already closing or closed."));
    return writableStreamClose(s);
  }

  getWriter() {
    wsState(this, "getWriter");
    return new WritableStreamDefaultWriter(this);
  }

  static {
    WS = {
      isStream: (v) => typeof v === "object" && v !== null && #s in v,
      state: (stream) => stream.#s,
    };
  }
}
function wsState(self, method) {
  if (!WS.isStream(self)) throw new TypeErrorCtor(`Failed to execute '${method}': illegal invocation (not a WritableStream).`);
  return WS.state(self);
}
makeEnumerable(WritableStream, ["locked", "abort", "close", "getWriter"]);

function newWritableState(stream) {
  return {
    state: "writable", storedError: undefined, writer: null, controller: null, inFlightWriteRequest: null,
    closeRequest: null, inFlightCloseRequest: null, pendingAbortRequest: null, writeRequests: [],
    backpressure: false, stream,
  };
}

function writableStreamAbort(s, reason) {
  if (s.state === "closed" || s.state === "errored") return resolved();
  abort.signalAbort(s.controller.signal, reason);
  const state = s.state;
  if (state === "closed" || state === "errored") return resolved();
  if (s.pendingAbortRequest !== null) return s.pendingAbortRequest.promise.promise;
  let wasAlreadyErroring = false;
  if (state === "erroring") { wasAlreadyErroring = true; reason = undefined; }
  const promise = deferred();
  s.pendingAbortRequest = { promise, reason, wasAlreadyErroring };
  if (!wasAlreadyErroring) writableStartErroring(s, reason);
  return promise.promise;
}

function writableStreamClose(s) {
  const state = s.state;
  if (state === "closed" || state === "errored") {
    return PromiseReject(new TypeErrorCtor("The WritableStream is closed or errored and cannot be closed."));
  }
  const promise = deferred();
  s.closeRequest = promise;
  const writer = s.writer;
  if (writer !== null && s.backpressure && state === "writable") writer.ready.resolve(undefined);
  const c = s.controller;
  enqueueValueWithSize(c, kCloseSentinel, 0);
  writableAdvanceQueueIfNeeded(c);
  return promise.promise;
}

function writableDealWithRejection(s, error) {
  if (s.state === "writable") { writableStartErroring(s, error); return; }
  writableFinishErroring(s);
}

function writableStartErroring(s, reason) {
  const c = s.controller;
  s.state = "erroring";
  s.storedError = reason;
  const writer = s.writer;
  if (writer !== null) writerEnsureReadyPromiseRejected(writer, reason);
  if (!hasOperationMarkedInFlight(s) && c.started) writableFinishErroring(s);
}

function writableFinishErroring(s) {
  s.state = "errored";
  resetQueue(s.controller);
  const storedError = s.storedError;
  const requests = s.writeRequests;
  s.writeRequests = [];
  for (let i = 0; i < requests.length; i++) requests[i].reject(storedError);
  const abortRequest = s.pendingAbortRequest;
  if (abortRequest === null) { rejectCloseAndClosedPromiseIfNeeded(s); return; }
  s.pendingAbortRequest = null;
  if (abortRequest.wasAlreadyErroring) {
    abortRequest.promise.reject(storedError);
    rejectCloseAndClosedPromiseIfNeeded(s);
    return;
  }
  const c = s.controller;
  const algorithm = c.abortAlgorithm;
  clearWritableAlgorithms(c);
  const result = algorithm === undefined ? resolved() : algorithm(abortRequest.reason);
  then(result, () => {
    abortRequest.promise.resolve(undefined);
    rejectCloseAndClosedPromiseIfNeeded(s);
  }, (r) => {
    abortRequest.promise.reject(r);
    rejectCloseAndClosedPromiseIfNeeded(s);
  });
}

function rejectCloseAndClosedPromiseIfNeeded(s) {
  if (s.closeRequest !== null) {
    s.closeRequest.reject(s.storedError);
    s.closeRequest = null;
  }
  const writer = s.writer;
  if (writer !== null) {
    writer.closed.reject(s.storedError);
    markHandled(writer.closed.promise);
  }
}

function closeQueuedOrInFlight(s) { return s.closeRequest !== null || s.inFlightCloseRequest !== null; }
function hasOperationMarkedInFlight(s) { return s.inFlightWriteRequest !== null || s.inFlightCloseRequest !== null; }

function writableUpdateBackpressure(s, backpressure) {
  const writer = s.writer;
  if (writer !== null && backpressure !== s.backpressure) {
    if (backpressure) writer.ready = deferred();
    else writer.ready.resolve(undefined);
  }
  s.backpressure = backpressure;
}

// -- writer --

let WRITER;
class WritableStreamDefaultWriter {
  #w;
  constructor(stream) {
    const ctx = "Failed to construct 'WritableStreamDefaultWriter'";
    if (!WS.isStream(stream)) throw new TypeErrorCtor(`${ctx}: parameter 1 is not of type 'WritableStream'.`);
    const s = WS.state(stream);
    if (s.writer !== null) throw new TypeErrorCtor(`${ctx}: this WritableStream is already locked to a writer.`);
    const w = { stream: s, ready: null, closed: null, object: this };
    this.#w = w;
    s.writer = w;
    const state = s.state;
    if (state === "writable") {
      w.ready = !closeQueuedOrInFlight(s) && s.backpressure ? deferred() : settledDeferred(undefined);
      w.closed = deferred();
    } else if (state === "erroring") {
      w.ready = rejectedDeferred(s.storedError);
      w.closed = deferred();
    } else if (state === "closed") {
      w.ready = settledDeferred(undefined);
      w.closed = settledDeferred(undefined);
    } else {
      w.ready = rejectedDeferred(s.storedError);
      w.closed = rejectedDeferred(s.storedError);
    }
  }

  get closed() { return writerRecord(this, "closed").closed.promise; }
  get ready() { return writerRecord(this, "ready").ready.promise; }
  get desiredSize() {
    const w = writerRecord(this, "desiredSize");
    if (w.stream === null) throw new TypeErrorCtor("This writer has been released.");
    return writerGetDesiredSize(w);
  }

  abort(reason = undefined) {
    if (!WRITER.is(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a WritableStreamDefaultWriter."));
    const w = this.#w;
    if (w.stream === null) return PromiseReject(new TypeErrorCtor("This writer has been released."));
    return writableStreamAbort(w.stream, reason);
  }

  close() {
    if (!WRITER.is(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a WritableStreamDefaultWriter."));
    const w = this.#w;
    const s = w.stream;
    if (s === null) return PromiseReject(new TypeErrorCtor("This writer has been released."));
    if (closeQueuedOrInFlight(s)) return PromiseReject(new TypeErrorCtor("The WritableStream is already closing or closed."));
    return writableStreamClose(s);
  }

  releaseLock() {
    const w = writerRecord(this, "releaseLock");
    if (w.stream === null) return;
    writerRelease(w);
  }

  write(chunk = undefined) {
    if (!WRITER.is(this)) return PromiseReject(new TypeErrorCtor("Illegal invocation: not a WritableStreamDefaultWriter."));
    const w = this.#w;
    if (w.stream === null) return PromiseReject(new TypeErrorCtor("This writer has been released."));
    return writerWrite(w, chunk);
  }

  static {
    WRITER = { record: (writer) => writer.#w, is: (v) => typeof v === "object" && v !== null && #w in v };
  }
}
function writerRecord(self, method) {
  if (!WRITER.is(self)) throw new TypeErrorCtor(`Failed to execute '${method}': illegal invocation (not a WritableStreamDefaultWriter).`);
  return WRITER.record(self);
}
makeEnumerable(WritableStreamDefaultWriter, ["closed", "ready", "desiredSize", "abort", "close", "releaseLock", "write"]);

function writerGetDesiredSize(w) {
  const s = w.stream;
  if (s.state === "errored" || s.state === "erroring") return null;
  if (s.state === "closed") return 0;
  return s.controller.strategyHWM - s.controller.queueTotalSize;
}

function writerEnsureReadyPromiseRejected(w, error) {
  if (w.ready.pending) w.ready.reject(error);
  else w.ready = rejectedDeferred(error);
  markHandled(w.ready.promise);
}
function writerEnsureClosedPromiseRejected(w, error) {
  if (w.closed.pending) w.closed.reject(error);
  else w.closed = rejectedDeferred(error);
  markHandled(w.closed.promise);
}

function writerRelease(w) {
  const s = w.stream;
  const err = new TypeErrorCtor("This writer has been released.");
  writerEnsureReadyPromiseRejected(w, err);
  writerEnsureClosedPromiseRejected(w, err);
  s.writer = null;
  w.stream = null;
}

function writerWrite(w, chunk) {
  const s = w.stream;
  const c = s.controller;
  const chunkSize = writableGetChunkSize(c, chunk);
  if (s !== w.stream) return PromiseReject(new TypeErrorCtor("This writer has been released."));
  const state = s.state;
  if (state === "errored") return PromiseReject(s.storedError);
  if (closeQueuedOrInFlight(s) || state === "closed") {
    return PromiseReject(new TypeErrorCtor("Cannot write to a WritableStream that is closing or closed."));
  }
  if (state === "erroring") return PromiseReject(s.storedError);
  const request = deferred();
  ArrayAppend(s.writeRequests, request);
  writableControllerWrite(c, chunk, chunkSize);
  return request.promise;
}

function writerCloseWithErrorPropagation(w) {
  const s = w.stream;
  if (closeQueuedOrInFlight(s) || s.state === "closed") return resolved();
  if (s.state === "errored") return PromiseReject(s.storedError);
  return writableStreamClose(s);
}

// -- controller --

let WCTRL;
class WritableStreamDefaultController {
  #c;
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
  }
  get signal() { return this.#c.signal; }
  error(e = undefined) {
    const c = this.#c;
    if (c.stream.state !== "writable") return;
    writableControllerError(c, e);
  }
  static {
    WCTRL = { create: (c) => { const ctl = new WritableStreamDefaultController(kInternal); ctl.#c = c; return ctl; } };
  }
}
makeEnumerable(WritableStreamDefaultController, ["signal", "error"]);

function setUpWritableController(s, startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, hwm, sizeAlgorithm) {
  const c = {
    stream: s, queue: [], queueTotalSize: 0, started: false, strategyHWM: hwm, strategySizeAlgorithm: sizeAlgorithm,
    writeAlgorithm, closeAlgorithm, abortAlgorithm, signal: abort.newSignal(), object: null,
  };
  c.object = WCTRL.create(c);
  s.controller = c;
  writableUpdateBackpressure(s, writableGetBackpressure(c));
  const startResult = startAlgorithm(c.object);
  then(PromiseResolve(startResult), () => {
    c.started = true;
    writableAdvanceQueueIfNeeded(c);
  }, (r) => {
    c.started = true;
    writableDealWithRejection(s, r);
  });
}

function clearWritableAlgorithms(c) {
  c.writeAlgorithm = undefined;
  c.closeAlgorithm = undefined;
  c.abortAlgorithm = undefined;
  c.strategySizeAlgorithm = undefined;
}

function writableGetBackpressure(c) { return c.strategyHWM - c.queueTotalSize <= 0; }

function writableGetChunkSize(c, chunk) {
  if (c.strategySizeAlgorithm === undefined) return 1;
  try {
    return c.strategySizeAlgorithm(chunk);
  } catch (e) {
    writableControllerErrorIfNeeded(c, e);
    return 1;
  }
}

function writableControllerWrite(c, chunk, chunkSize) {
  try {
    enqueueValueWithSize(c, chunk, chunkSize);
  } catch (e) {
    writableControllerErrorIfNeeded(c, e);
    return;
  }
  const s = c.stream;
  if (!closeQueuedOrInFlight(s) && s.state === "writable") writableUpdateBackpressure(s, writableGetBackpressure(c));
  writableAdvanceQueueIfNeeded(c);
}

function writableAdvanceQueueIfNeeded(c) {
  const s = c.stream;
  if (!c.started || s.inFlightWriteRequest !== null) return;
  if (s.state === "erroring") { writableFinishErroring(s); return; }
  if (c.queue.length === 0) return;
  const value = c.queue[0].value;
  if (value === kCloseSentinel) writableProcessClose(c);
  else writableProcessWrite(c, value);
}

function writableControllerErrorIfNeeded(c, e) {
  if (c.stream.state === "writable") writableControllerError(c, e);
}

function writableControllerError(c, e) {
  clearWritableAlgorithms(c);
  writableStartErroring(c.stream, e);
}

function writableProcessClose(c) {
  const s = c.stream;
  s.inFlightCloseRequest = s.closeRequest;
  s.closeRequest = null;
  dequeueValue(c);
  const algorithm = c.closeAlgorithm;
  clearWritableAlgorithms(c);
  then(algorithm(), () => {
    s.inFlightCloseRequest.resolve(undefined);
    s.inFlightCloseRequest = null;
    if (s.state === "erroring") {
      s.storedError = undefined;
      if (s.pendingAbortRequest !== null) {
        s.pendingAbortRequest.promise.resolve(undefined);
        s.pendingAbortRequest = null;
      }
    }
    s.state = "closed";
    if (s.writer !== null) s.writer.closed.resolve(undefined);
  }, (reason) => {
    s.inFlightCloseRequest.reject(reason);
    s.inFlightCloseRequest = null;
    if (s.pendingAbortRequest !== null) {
      s.pendingAbortRequest.promise.reject(reason);
      s.pendingAbortRequest = null;
    }
    writableDealWithRejection(s, reason);
  });
}

function writableProcessWrite(c, chunk) {
  const s = c.stream;
  s.inFlightWriteRequest = ArrayPrototypeShift(s.writeRequests);
  then(c.writeAlgorithm(chunk, c.object), () => {
    s.inFlightWriteRequest.resolve(undefined);
    s.inFlightWriteRequest = null;
    dequeueValue(c);
    if (!closeQueuedOrInFlight(s) && s.state === "writable") writableUpdateBackpressure(s, writableGetBackpressure(c));
    writableAdvanceQueueIfNeeded(c);
  }, (reason) => {
    if (s.state === "writable") clearWritableAlgorithms(c);
    s.inFlightWriteRequest.reject(reason);
    s.inFlightWriteRequest = null;
    writableDealWithRejection(s, reason);
  });
}

// A WritableStream driven by internal algorithms (write(chunk) -> promise, close(), abort(reason)).
function createWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, hwm = 1, sizeAlgorithm = () => 1) {
  const stream = new WritableStream(kInternal);
  setUpWritableController(WS.state(stream), startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, hwm, sizeAlgorithm);
  return stream;
}

// ---- pipeTo ------------------------------------------------------------------------------------

function pipeTo(source, dest, { preventClose, preventAbort, preventCancel, signal }) {
  const reader = acquireReaderRecord(source);
  const writer = WRITER.record(new WritableStreamDefaultWriter(dest.stream));
  source.disturbed = true;
  let shuttingDown = false;
  let finished = false;
  let currentWrite = resolved();
  const result = deferred();

  const finalize = (isError, error) => {
    finished = true;
    writerRelease(writer);
    if (reader.stream !== null) readerRelease(reader);
    if (isError) result.reject(error);
    else result.resolve(undefined);
  };
  const waitForWrites = (next) => {
    const old = currentWrite;
    then(old, () => (currentWrite === old ? next() : waitForWrites(next)), () => (currentWrite === old ? next() : waitForWrites(next)));
  };
  const shouldWaitForWrites = () => dest.state === "writable" && !closeQueuedOrInFlight(dest);
  const shutdownWithAction = (action, originalIsError, originalError) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const doAction = () => {
      let p;
      try { p = PromiseResolve(action()); } catch (e) { p = PromiseReject(e); }
      then(p, () => finalize(originalIsError, originalError), (e) => finalize(true, e));
    };
    if (shouldWaitForWrites()) waitForWrites(doAction);
    else doAction();
  };
  const shutdown = (isError, error) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (shouldWaitForWrites()) waitForWrites(() => finalize(isError, error));
    else finalize(isError, error);
  };

  if (signal !== undefined) {
    const abortAlgorithm = () => {
      if (finished) return;
      const error = abort.signalReason(signal);
      shutdownWithAction(() => {
        const actions = [];
        if (!preventAbort) ArrayAppend(actions, dest.state === "writable" ? writableStreamAbort(dest, error) : resolved());
        if (!preventCancel) ArrayAppend(actions, source.state === "readable" ? streamCancel(source, error) : resolved());
        return allSettledThenFirstError(actions);
      }, true, error);
    };
    if (abort.signalAborted(signal)) {
      abortAlgorithm();
      return result.promise;
    }
    abort.signalOnAbort(signal, abortAlgorithm);
  }

  // Errors and closes propagate forward and backward.
  const onSourceErrored = (storedError) => {
    if (!preventAbort) shutdownWithAction(() => writableStreamAbort(dest, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  const onDestErrored = (storedError) => {
    if (!preventCancel) shutdownWithAction(() => streamCancel(source, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  const onSourceClosed = () => {
    if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer));
    else shutdown();
  };

  if (source.state === "errored") onSourceErrored(source.storedError);
  else then(reader.closed.promise, () => { if (!shuttingDown) onSourceClosed(); }, (e) => onSourceErrored(e));
  if (dest.state === "errored" || dest.state === "erroring") onDestErrored(dest.storedError);
  else then(writer.closed.promise, undefined, (e) => onDestErrored(e));
  if (source.state === "closed") onSourceClosed();
  if (closeQueuedOrInFlight(dest) || dest.state === "closed") {
    const destClosed = new TypeErrorCtor("The destination WritableStream is closing or closed.");
    if (!preventCancel) shutdownWithAction(() => streamCancel(source, destClosed), true, destClosed);
    else shutdown(true, destClosed);
  }

  const step = () => {
    if (shuttingDown) return;
    then(writer.ready.promise, () => {
      if (shuttingDown || reader.stream === null) return;
      readerRead(reader, {
        chunk: (chunk) => {
          currentWrite = markHandled(then(writerWrite(writer, chunk), undefined, () => undefined));
          step();
        },
        close: () => {},
        error: () => {},
      });
    }, () => {});
  };
  step();
  return result.promise;
}

// Wait for every promise; reject with the first rejection, if any.
function allSettledThenFirstError(promises) {
  let remaining = promises.length;
  if (remaining === 0) return resolved();
  const d = deferred();
  let firstError, failed = false;
  for (let i = 0; i < promises.length; i++) {
    then(promises[i], () => {
      if (--remaining === 0) { if (failed) d.reject(firstError); else d.resolve(undefined); }
    }, (e) => {
      if (!failed) { failed = true; firstError = e; }
      if (--remaining === 0) d.reject(firstError);
    });
  }
  return d.promise;
}

// ---- TransformStream ---------------------------------------------------------------------------

let TS;
class TransformStream {
  #t;
  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    if (transformer === kInternal) return;
    const ctx = "Failed to construct 'TransformStream'";
    const tr = dictionary(transformer, ctx, "Transformer");
    const wStrat = dictionary(writableStrategy, ctx, "QueuingStrategy");
    const rStrat = dictionary(readableStrategy, ctx, "QueuingStrategy");
    const cancelFn = getMethod(tr, "cancel", ctx);
    const flushFn = getMethod(tr, "flush", ctx);
    const readableType = tr.readableType;
    const startFn = getMethod(tr, "start", ctx);
    const transformFn = getMethod(tr, "transform", ctx);
    const writableType = tr.writableType;
    if (readableType !== undefined) throw new RangeErrorCtor(`${ctx}: readableType must be undefined.`);
    if (writableType !== undefined) throw new RangeErrorCtor(`${ctx}: writableType must be undefined.`);
    const readableHWM = extractHighWaterMark(rStrat, 0, ctx);
    const readableSize = extractSizeAlgorithm(rStrat, ctx);
    const writableHWM = extractHighWaterMark(wStrat, 1, ctx);
    const writableSize = extractSizeAlgorithm(wStrat, ctx);
    const startPromise = deferred();
    const t = initializeTransformStream(this, startPromise.promise, writableHWM, writableSize, readableHWM, readableSize);
    this.#t = t;
    const transformAlgorithm = transformFn === undefined
      ? (chunk) => {
        try { transformControllerEnqueue(t.controller, chunk); } catch (e) { return PromiseReject(e); }
        return resolved();
      }
      : (chunk) => promiseCall(transformFn, tr, [chunk, t.controller.object]);
    setUpTransformController(t, transformAlgorithm,
      () => promiseCall(flushFn, tr, [t.controller.object]),
      (reason) => promiseCall(cancelFn, tr, [reason]));
    if (startFn !== undefined) startPromise.resolve(ReflectApply(startFn, tr, [t.controller.object]));
    else startPromise.resolve(undefined);
  }

  get readable() { return tsRecord(this, "readable").readable; }
  get writable() { return tsRecord(this, "writable").writable; }

  static {
    TS = {
      is: (v) => typeof v === "object" && v !== null && #t in v,
      record: (v) => v.#t,
      setRecord: (v, t) => { v.#t = t; },
    };
  }
}
function tsRecord(self, method) {
  if (!TS.is(self)) throw new TypeErrorCtor(`Failed to execute '${method}': illegal invocation (not a TransformStream).`);
  return TS.record(self);
}
makeEnumerable(TransformStream, ["readable", "writable"]);

function initializeTransformStream(object, startPromise, writableHWM, writableSize, readableHWM, readableSize) {
  const t = {
    readable: null, writable: null, backpressure: undefined, backpressureChange: null, controller: null, object,
  };
  const startAlgorithm = () => startPromise;
  t.writable = createWritableStream(startAlgorithm, (chunk) => transformSinkWrite(t, chunk),
    () => transformSinkClose(t), (reason) => transformSinkAbort(t, reason), writableHWM, writableSize);
  t.readable = createStream(startAlgorithm, () => transformSourcePull(t), (reason) => transformSourceCancel(t, reason),
    readableHWM, readableSize);
  transformSetBackpressure(t, true);
  return t;
}

const readableOf = (t) => RS.state(t.readable);
const writableOf = (t) => WS.state(t.writable);

function transformStreamError(t, e) {
  readableControllerError(readableOf(t).controller, e);
  transformErrorWritableAndUnblockWrite(t, e);
}
function transformErrorWritableAndUnblockWrite(t, e) {
  clearTransformAlgorithms(t.controller);
  writableControllerErrorIfNeeded(writableOf(t).controller, e);
  transformUnblockWrite(t);
}
function transformUnblockWrite(t) {
  if (t.backpressure) transformSetBackpressure(t, false);
}
function transformSetBackpressure(t, backpressure) {
  if (t.backpressureChange !== null) t.backpressureChange.resolve(undefined);
  t.backpressureChange = deferred();
  t.backpressure = backpressure;
}

let TCTRL;
class TransformStreamDefaultController {
  #c;
  constructor(key = undefined) {
    if (key !== kInternal) throw new TypeErrorCtor("Illegal constructor");
  }
  get desiredSize() { return readableDesiredSize(readableOf(this.#c.stream).controller); }
  enqueue(chunk = undefined) { transformControllerEnqueue(this.#c, chunk); }
  error(reason = undefined) { transformStreamError(this.#c.stream, reason); }
  terminate() { transformControllerTerminate(this.#c); }
  static {
    TCTRL = { create: (c) => { const ctl = new TransformStreamDefaultController(kInternal); ctl.#c = c; return ctl; } };
  }
}
makeEnumerable(TransformStreamDefaultController, ["desiredSize", "enqueue", "error", "terminate"]);

function setUpTransformController(t, transformAlgorithm, flushAlgorithm, cancelAlgorithm) {
  const c = { stream: t, transformAlgorithm, flushAlgorithm, cancelAlgorithm, finishPromise: null, object: null };
  c.object = TCTRL.create(c);
  t.controller = c;
}

function clearTransformAlgorithms(c) {
  c.transformAlgorithm = undefined;
  c.flushAlgorithm = undefined;
  c.cancelAlgorithm = undefined;
}

function transformControllerEnqueue(c, chunk) {
  const t = c.stream;
  const rc = readableOf(t).controller;
  if (!canCloseOrEnqueue(rc)) {
    throw new TypeErrorCtor("Failed to execute 'enqueue' on 'TransformStreamDefaultController': the readable side is closed or errored.");
  }
  try {
    controllerEnqueue(rc, chunk);
  } catch (e) {
    transformErrorWritableAndUnblockWrite(t, e);
    throw readableOf(t).storedError;
  }
  const backpressure = !readableShouldCallPull(rc);
  if (backpressure !== t.backpressure) transformSetBackpressure(t, true);
}

function transformControllerTerminate(c) {
  const t = c.stream;
  controllerClose(readableOf(t).controller);
  transformErrorWritableAndUnblockWrite(t, new TypeErrorCtor("The TransformStream has been terminated."));
}

function transformPerform(c, chunk) {
  return then(c.transformAlgorithm(chunk), undefined, (r) => {
    transformStreamError(c.stream, r);
    throw r;
  });
}

function transformSinkWrite(t, chunk) {
  const c = t.controller;
  if (t.backpressure) {
    return then(t.backpressureChange.promise, () => {
      const ws = writableOf(t);
      if (ws.state === "erroring") throw ws.storedError;
      return transformPerform(c, chunk);
    });
  }
  return transformPerform(c, chunk);
}

function transformSinkAbort(t, reason) {
  const c = t.controller;
  if (c.finishPromise !== null) return c.finishPromise.promise;
  const rs = readableOf(t);
  c.finishPromise = deferred();
  const cancelPromise = c.cancelAlgorithm(reason);
  clearTransformAlgorithms(c);
  then(cancelPromise, () => {
    if (rs.state === "errored") c.finishPromise.reject(rs.storedError);
    else { readableControllerError(rs.controller, reason); c.finishPromise.resolve(undefined); }
  }, (r) => {
    readableControllerError(rs.controller, r);
    c.finishPromise.reject(r);
  });
  return c.finishPromise.promise;
}

function transformSinkClose(t) {
  const c = t.controller;
  if (c.finishPromise !== null) return c.finishPromise.promise;
  const rs = readableOf(t);
  c.finishPromise = deferred();
  const flushPromise = c.flushAlgorithm();
  clearTransformAlgorithms(c);
  then(flushPromise, () => {
    if (rs.state === "errored") c.finishPromise.reject(rs.storedError);
    else { controllerClose(rs.controller); c.finishPromise.resolve(undefined); }
  }, (r) => {
    readableControllerError(rs.controller, r);
    c.finishPromise.reject(r);
  });
  return c.finishPromise.promise;
}

function transformSourcePull(t) {
  transformSetBackpressure(t, false);
  return t.backpressureChange.promise;
}

function transformSourceCancel(t, reason) {
  const c = t.controller;
  if (c.finishPromise !== null) return c.finishPromise.promise;
  const ws = writableOf(t);
  c.finishPromise = deferred();
  const cancelPromise = c.cancelAlgorithm(reason);
  clearTransformAlgorithms(c);
  then(cancelPromise, () => {
    if (ws.state === "errored") c.finishPromise.reject(ws.storedError);
    else {
      writableControllerErrorIfNeeded(ws.controller, reason);
      transformUnblockWrite(t);
      c.finishPromise.resolve(undefined);
    }
  }, (r) => {
    writableControllerErrorIfNeeded(ws.controller, r);
    transformUnblockWrite(t);
    c.finishPromise.reject(r);
  });
  return c.finishPromise.promise;
}

// A transform built from internal algorithms, installed on `object` (an instance of a subclass
// of TransformStream constructed with kInternal). `transform(chunk, c)` and `flush(c)` return
// promises; c is the controller record (use transformEnqueue/transformError on it).
function makeTransform(object, { transform, flush, cancel, writableHWM = 1, writableSize = () => 1, readableHWM = 0, readableSize = () => 1, byteReadable = false }) {
  const startPromise = resolved();
  let t;
  if (byteReadable) {
    t = { readable: null, writable: null, backpressure: undefined, backpressureChange: null, controller: null, object };
    const startAlgorithm = () => startPromise;
    t.writable = createWritableStream(startAlgorithm, (chunk) => transformSinkWrite(t, chunk),
      () => transformSinkClose(t), (reason) => transformSinkAbort(t, reason), writableHWM, writableSize);
    t.readable = createByteStream(startAlgorithm, () => transformSourcePull(t), (reason) => transformSourceCancel(t, reason), readableHWM);
    transformSetBackpressure(t, true);
  } else {
    t = initializeTransformStream(object, startPromise, writableHWM, writableSize, readableHWM, readableSize);
  }
  const call = (fn, args) => {
    try { return PromiseResolve(ReflectApply(fn, undefined, args)); } catch (e) { return PromiseReject(e); }
  };
  setUpTransformController(t, (chunk) => call(transform, [chunk, t.controller]),
    () => (flush === undefined ? resolved() : call(flush, [t.controller])),
    (reason) => (cancel === undefined ? resolved() : call(cancel, [reason])));
  TS.setRecord(object, t);
  return t;
}

// ---- queuing strategies -----------------------------------------------------------------------

function strategyInit(init, name) {
  if (!isObject(init)) throw new TypeErrorCtor(`Failed to construct '${name}': parameter 1 is not of type 'QueuingStrategyInit'.`);
  const hwm = init.highWaterMark;
  if (hwm === undefined) throw new TypeErrorCtor(`Failed to construct '${name}': required member highWaterMark is undefined.`);
  return NumberCtor(hwm);
}

let CQS;
class CountQueuingStrategy {
  #hwm;
  constructor(init) { this.#hwm = strategyInit(init, "CountQueuingStrategy"); }
  get highWaterMark() {
    if (!CQS(this)) throw new TypeErrorCtor("Illegal invocation: not a CountQueuingStrategy.");
    return this.#hwm;
  }
  get size() {
    if (!CQS(this)) throw new TypeErrorCtor("Illegal invocation: not a CountQueuingStrategy.");
    return countSize;
  }
  static { CQS = (v) => typeof v === "object" && v !== null && #hwm in v; }
}
const countSize = function size() { return 1; };
let BLQS;
class ByteLengthQueuingStrategy {
  #hwm;
  constructor(init) { this.#hwm = strategyInit(init, "ByteLengthQueuingStrategy"); }
  get highWaterMark() {
    if (!BLQS(this)) throw new TypeErrorCtor("Illegal invocation: not a ByteLengthQueuingStrategy.");
    return this.#hwm;
  }
  get size() {
    if (!BLQS(this)) throw new TypeErrorCtor("Illegal invocation: not a ByteLengthQueuingStrategy.");
    return byteLengthSize;
  }
  static { BLQS = (v) => typeof v === "object" && v !== null && #hwm in v; }
}
const byteLengthSize = function size(chunk) { return chunk.byteLength; };
makeEnumerable(CountQueuingStrategy, ["highWaterMark", "size"]);
makeEnumerable(ByteLengthQueuingStrategy, ["highWaterMark", "size"]);

// ---- body helpers -----------------------------------------------------------------------------

function isDisturbed(stream) { return RS.state(stream).disturbed; }
function isLocked(stream) { return RS.state(stream).reader !== null; }
function isErrored(stream) { return RS.state(stream).state === "errored"; }

// Lock `stream` and return {read() -> Promise<chunk|null>, cancel(reason), release()} for
// consumers that drain it (bodies, responseParts).
function acquireInternalReader(stream) {
  const reader = acquireReaderRecord(RS.state(stream));
  return {
    read: () => then(readInternal(reader), (r) => (r.done ? null : r.value)),
    cancel: (reason) => (reader.stream === null ? resolved() : streamCancel(reader.stream, reason)),
    release: () => { if (reader.stream !== null) readerRelease(reader); },
  };
}

// What a body consumer may know of a stream without reading it: the exact number of bytes it
// will produce (a FixedLengthStream's readable side; -1 when unknown), and the native body it
// reads from (a fetched response's or an inbound request's body), which takeNativeBody hands over while nothing has read
// from the stream yet (locking it, so nothing else can).
function setKnownLength(stream, length) { RS.state(stream).knownLength = length; }
function knownLength(stream) {
  const s = RS.state(stream);
  return s.disturbed ? -1 : s.knownLength;
}
function setNativeBody(stream, handle) { RS.state(stream).nativeBody = handle; }
function takeNativeBody(stream) {
  const s = RS.state(stream);
  if (s.nativeBody === null || s.disturbed || s.reader !== null || s.state !== "readable") return null;
  acquireReaderRecord(s);
  s.disturbed = true;
  const handle = s.nativeBody;
  s.nativeBody = null;
  return handle;
}

exports.ReadableStream = ReadableStream;
exports.setKnownLength = setKnownLength;
exports.knownLength = knownLength;
exports.setNativeBody = setNativeBody;
exports.takeNativeBody = takeNativeBody;
exports.ReadableStreamDefaultReader = ReadableStreamDefaultReader;
exports.ReadableStreamBYOBReader = ReadableStreamBYOBReader;
exports.ReadableStreamBYOBRequest = ReadableStreamBYOBRequest;
exports.ReadableStreamDefaultController = ReadableStreamDefaultController;
exports.ReadableByteStreamController = ReadableByteStreamController;
exports.WritableStream = WritableStream;
exports.WritableStreamDefaultWriter = WritableStreamDefaultWriter;
exports.WritableStreamDefaultController = WritableStreamDefaultController;
exports.TransformStream = TransformStream;
exports.TransformStreamDefaultController = TransformStreamDefaultController;
exports.CountQueuingStrategy = CountQueuingStrategy;
exports.ByteLengthQueuingStrategy = ByteLengthQueuingStrategy;
exports.isReadableStream = RS.isStream;
exports.isWritableStream = WS.isStream;
exports.isDisturbed = isDisturbed;
exports.isLocked = isLocked;
exports.isErrored = isErrored;
exports.streamFromPull = streamFromPull;
exports.createStream = createStream;
exports.createByteStream = createByteStream;
exports.createWritableStream = createWritableStream;
exports.controllerEnqueue = controllerEnqueue;
exports.controllerClose = controllerClose;
exports.controllerError = readableControllerError;
exports.teeStream = (stream) => teeStream(RS.state(stream));
exports.acquireInternalReader = acquireInternalReader;
exports.cancelStream = (stream, reason) => streamCancel(RS.state(stream), reason);
exports.makeTransform = makeTransform;
exports.kInternal = kInternal;
exports.transformEnqueue = transformControllerEnqueue;
exports.transformError = (c, e) => transformStreamError(c.stream, e);
exports.transformTerminate = transformControllerTerminate;
exports.viewInfo = viewInfo;
exports.writableState = (stream) => WS.state(stream).state;
