"use strict";
// node:stream and its sub-modules (stream/promises, stream/web, stream/consumers): Readable,
// Writable, Duplex, Transform and PassThrough with Node's buffering, backpressure, event order and
// destroy rules, plus finished(), pipeline(), addAbortSignal(), Readable.from() and the adapters
// between these streams and the web stream classes.
//
// Stream classes are plain constructor functions (not ES classes) because npm packages still
// subclass them with `Readable.call(this, options)` and util.inherits().

const {
  ObjectDefineProperty, ObjectDefineProperties, ObjectSetPrototypeOf, ObjectKeys, ObjectGetOwnPropertyDescriptor,
  ReflectApply, Promise: PromiseCtor, Error: ErrorCtor, TypeError: TypeErrorCtor,
  RangeError: RangeErrorCtor, Symbol: SymbolCtor, SymbolAsyncIterator, SymbolIterator, SymbolHasInstance,
  ArrayIsArray, ArrayPrototypePush, ArrayPrototypeShift, ArrayPrototypeUnshift, ArrayPrototypeSplice,
  ArrayPrototypeIndexOf, ArrayPrototypeSlice, NumberIsInteger, NumberIsNaN, NumberParseInt, MathFloor,
  FunctionPrototypeCall, Set: SetCtor, SetPrototypeAdd, SetPrototypeDelete, SetPrototypeClear, SetPrototypeGetSize,
  Uint8Array: Uint8ArrayCtor, PromisePrototypeThen, StringPrototypeSlice, StringPrototypeIncludes,
  StringPrototypeToLowerCase, FunctionPrototypeBind, JSONParse,
} = internal.primordials;
const registry = internal.require("node_registry");
const timers = internal.require("timers");
const { EventEmitter } = internal.require("node_events");
const { Buffer } = internal.require("node_buffer");
const { StringDecoder } = internal.require("node_text");
const abort = internal.require("abort");
const webStreams = internal.require("streams");
const streamAdapters = internal.require("streams_adapters");
const compression = internal.require("compression");
const blobModule = internal.require("blob");
const encoding = internal.require("encoding");

const FunctionPrototypeSymbolHasInstance = (fn, obj) => FunctionPrototypeCall(Function.prototype[SymbolHasInstance], fn, obj);

function nextTick(fn, ...args) {
  timers.queueMicrotask(() => ReflectApply(fn, undefined, args));
}
function nop() {}

// ---- errors ------------------------------------------------------------------------------------

const err = (Ctor, code, message) => registry.codedError(Ctor, code, message);
const E = {
  pushAfterEof: () => err(ErrorCtor, "ERR_STREAM_PUSH_AFTER_EOF", "stream.push() after EOF"),
  unshiftAfterEnd: () => err(ErrorCtor, "ERR_STREAM_UNSHIFT_AFTER_END_EVENT", "stream.unshift() after end event"),
  writeAfterEnd: () => err(ErrorCtor, "ERR_STREAM_WRITE_AFTER_END", "write after end"),
  destroyed: (what) => err(ErrorCtor, "ERR_STREAM_DESTROYED", `Cannot call ${what} after a stream was destroyed`),
  alreadyFinished: (what) => err(ErrorCtor, "ERR_STREAM_ALREADY_FINISHED", `Cannot call ${what} after a stream was finished`),
  prematureClose: () => err(ErrorCtor, "ERR_STREAM_PREMATURE_CLOSE", "Premature close"),
  nullValues: () => err(TypeErrorCtor, "ERR_STREAM_NULL_VALUES", "May not write null values to stream"),
  multipleCallback: () => err(ErrorCtor, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times"),
  notImplemented: (what) => err(ErrorCtor, "ERR_METHOD_NOT_IMPLEMENTED", `The ${what} method is not implemented`),
  missingArgs: (name) => err(TypeErrorCtor, "ERR_MISSING_ARGS", `The "${name}" argument must be specified`),
  unknownEncoding: (enc) => err(TypeErrorCtor, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${enc}`),
  invalidReturn: (expected, name, value) => err(TypeErrorCtor, "ERR_INVALID_RETURN_VALUE",
    `Expected ${expected} to be returned from the "${name}" function but got ${value === null ? "null" : typeof value}.`),
  invalidValue: (name, value, reason) => err(TypeErrorCtor, "ERR_INVALID_ARG_VALUE",
    `The ${StringPrototypeIncludes(name, ".") ? "property" : "argument"} '${name}' ${reason}.${registry.describeReceived(value)}`),
  outOfRange: (name, range, value) => err(RangeErrorCtor, "ERR_OUT_OF_RANGE",
    `The value of "${name}" is out of range. It must be ${range}. Received ${value}`),
};
const invalidArgType = registry.invalidArgType;

class AbortError extends ErrorCtor {
  constructor(message = "The operation was aborted", options = undefined) {
    super(message, options);
    this.code = "ABORT_ERR";
    this.name = "AbortError";
  }
}

function aggregateTwoErrors(inner, outer) {
  if (inner && outer && inner !== outer) {
    if (ArrayIsArray(outer.errors)) { ArrayPrototypePush(outer.errors, inner); return outer; }
    const e = new AggregateError([outer, inner], outer.message);
    e.code = outer.code;
    return e;
  }
  return inner || outer;
}

function once(callback) {
  let called = false;
  return function(...args) {
    if (called) return;
    called = true;
    return ReflectApply(callback, this, args);
  };
}

// ---- high water marks --------------------------------------------------------------------------

let defaultHwmBytes = 64 * 1024;
let defaultHwmObjects = 16;
function getDefaultHighWaterMark(objectMode) { return objectMode ? defaultHwmObjects : defaultHwmBytes; }
function setDefaultHighWaterMark(objectMode, value) {
  if (typeof value !== "number" || !NumberIsInteger(value) || value < 0) throw E.outOfRange("value", ">= 0", value);
  if (objectMode) defaultHwmObjects = value; else defaultHwmBytes = value;
}
function getHighWaterMark(options, duplexKey, isDuplex, objectMode) {
  let hwm = options.highWaterMark;
  if (hwm == null && isDuplex) hwm = options[duplexKey];
  if (hwm == null) return getDefaultHighWaterMark(objectMode);
  if (typeof hwm !== "number" || !NumberIsInteger(hwm) || hwm < 0) {
    throw E.invalidValue(isDuplex && options.highWaterMark == null ? `options.${duplexKey}` : "options.highWaterMark", hwm, "is invalid");
  }
  return MathFloor(hwm);
}

// ---- type tests --------------------------------------------------------------------------------

const isObj = (v) => v !== null && (typeof v === "object" || typeof v === "function");
function isReadableNodeStream(obj, strict = false) {
  return isObj(obj) && typeof obj.pipe === "function" && typeof obj.on === "function" &&
    (!strict || (typeof obj.pause === "function" && typeof obj.resume === "function")) &&
    (!obj._writableState || (obj._readableState && obj._readableState.readable !== false)) &&
    (!obj._writableState || obj._readableState);
}
function isWritableNodeStream(obj) {
  return isObj(obj) && typeof obj.write === "function" && typeof obj.on === "function" &&
    (!obj._readableState || (obj._writableState && obj._writableState.writable !== false));
}
function isDuplexNodeStream(obj) {
  return isObj(obj) && typeof obj.pipe === "function" && obj._readableState !== undefined &&
    typeof obj.on === "function" && typeof obj.write === "function";
}
function isNodeStream(obj) {
  return isObj(obj) && (obj._readableState || obj._writableState ||
    (typeof obj.write === "function" && typeof obj.on === "function") ||
    (typeof obj.pipe === "function" && typeof obj.on === "function"));
}
const isReadableStream = (obj) => isObj(obj) && webStreams.isReadableStream(obj);
const isWritableStream = (obj) => isObj(obj) && webStreams.isWritableStream(obj);
const isTransformStream = (obj) => isObj(obj) && obj instanceof webStreams.TransformStream;
function isIterable(obj, isAsync) {
  if (obj == null) return false;
  if (isAsync === true) return typeof obj[SymbolAsyncIterator] === "function";
  if (isAsync === false) return typeof obj[SymbolIterator] === "function";
  return typeof obj[SymbolAsyncIterator] === "function" || typeof obj[SymbolIterator] === "function";
}
function isDestroyed(stream) {
  const w = stream._writableState, r = stream._readableState;
  return !!(stream.destroyed || (w || r) && (w || r).destroyed);
}
function isReadableFinished(stream, strict) {
  const r = stream._readableState;
  if (!r || r.errored) return false;
  return !!(r.endEmitted || (strict === false && r.ended === true && r.length === 0));
}
function isWritableFinished(stream, strict) {
  const w = stream._writableState;
  if (!w || w.errored) return false;
  return !!(w.finished || (strict === false && w.ended === true && w.length === 0));
}
function isReadable(stream) {
  if (stream && stream._readableState && stream._readableState.readable === false) return false;
  if (typeof stream.readable !== "boolean") return null;
  if (isDestroyed(stream)) return false;
  return isReadableNodeStream(stream) && stream.readable && !isReadableFinished(stream);
}
function isWritable(stream) {
  if (typeof stream.writable !== "boolean") return null;
  if (isDestroyed(stream)) return false;
  const w = stream._writableState;
  return isWritableNodeStream(stream) && stream.writable && !(w && w.ending);
}
function errorOf(stream) {
  const w = stream._writableState, r = stream._readableState;
  return (w && w.errored) || (r && r.errored) || null;
}
function isErrored(stream) { return !!(stream && (stream.errored || errorOf(stream))); }
function isDisturbed(stream) {
  if (isReadableStream(stream)) return webStreams.isDisturbed(stream);
  return !!(stream && (stream._readableState && (stream._readableState.dataEmitted || stream._readableState.endEmitted)));
}

// ---- destroy -----------------------------------------------------------------------------------

const kDestroy = SymbolCtor("kDestroy");
const kConstruct = SymbolCtor("kConstruct");

function destroy(error, cb) {
  const r = this._readableState, w = this._writableState;
  const s = w || r;
  if ((w && w.destroyed) || (r && r.destroyed)) {
    if (typeof cb === "function") cb();
    return this;
  }
  if (error) {
    if (w && !w.errored) w.errored = error;
    if (r && !r.errored) r.errored = error;
  }
  if (w) w.destroyed = true;
  if (r) r.destroyed = true;
  if (!s.constructed) {
    this.once(kDestroy, (er) => runDestroy(this, aggregateTwoErrors(er, error), cb));
  } else {
    runDestroy(this, error, cb);
  }
  return this;
}

function runDestroy(self, error, cb) {
  let called = false;
  function onDestroy(er) {
    if (called) return;
    called = true;
    const r = self._readableState, w = self._writableState;
    if (er) {
      if (w && !w.errored) w.errored = er;
      if (r && !r.errored) r.errored = er;
    }
    if (w) w.closed = true;
    if (r) r.closed = true;
    if (typeof cb === "function") cb(er);
    if (er) nextTick(emitErrorCloseNT, self, er); else nextTick(emitCloseNT, self);
  }
  try {
    self._destroy(error || null, onDestroy);
  } catch (e) {
    onDestroy(e);
  }
}

function emitErrorCloseNT(self, error) { emitErrorNT(self, error); emitCloseNT(self); }
function emitCloseNT(self) {
  const r = self._readableState, w = self._writableState;
  if (w) w.closeEmitted = true;
  if (r) r.closeEmitted = true;
  if ((w && w.emitClose) || (r && r.emitClose)) self.emit("close");
}
function emitErrorNT(self, error) {
  const r = self._readableState, w = self._writableState;
  if ((w && w.errorEmitted) || (r && r.errorEmitted)) return;
  if (w) w.errorEmitted = true;
  if (r) r.errorEmitted = true;
  self.emit("error", error);
}

// Errors a stream: destroys it when autoDestroy is on, else only emits 'error'.
function errorOrDestroy(stream, error, sync) {
  const r = stream._readableState, w = stream._writableState;
  if ((w && w.destroyed) || (r && r.destroyed)) return;
  if ((r && r.autoDestroy) || (w && w.autoDestroy)) {
    stream.destroy(error);
  } else if (error) {
    if (w && !w.errored) w.errored = error;
    if (r && !r.errored) r.errored = error;
    if (sync) nextTick(emitErrorNT, stream, error); else emitErrorNT(stream, error);
  }
}

function undestroy() {
  const r = this._readableState, w = this._writableState;
  if (r) {
    r.constructed = true; r.closed = false; r.closeEmitted = false; r.destroyed = false; r.errored = null;
    r.errorEmitted = false; r.reading = false; r.ended = r.readable === false; r.endEmitted = r.readable === false;
  }
  if (w) {
    w.constructed = true; w.destroyed = false; w.closed = false; w.closeEmitted = false; w.errored = null;
    w.errorEmitted = false; w.finalCalled = false; w.prefinished = false; w.ended = w.writable === false;
    w.ending = w.writable === false; w.finished = w.writable === false;
  }
}

function construct(stream, cb) {
  if (typeof stream._construct !== "function") return;
  const r = stream._readableState, w = stream._writableState;
  if (r) r.constructed = false;
  if (w) w.constructed = false;
  stream.once(kConstruct, cb);
  if (stream.listenerCount(kConstruct) > 1) return; // a Duplex: already scheduled by its Readable half
  nextTick(constructNT, stream);
}
function constructNT(stream) {
  let called = false;
  function onConstruct(error) {
    if (called) { errorOrDestroy(stream, error == null ? E.multipleCallback() : error); return; }
    called = true;
    const r = stream._readableState, w = stream._writableState;
    const s = w || r;
    if (r) r.constructed = true;
    if (w) w.constructed = true;
    if (s.destroyed) stream.emit(kDestroy, error);
    else if (error) errorOrDestroy(stream, error, true);
    else nextTick(() => stream.emit(kConstruct));
  }
  try {
    stream._construct((error) => nextTick(onConstruct, error));
  } catch (error) {
    nextTick(onConstruct, error);
  }
}

// Destroys any stream-like object the way pipeline() and the adapters need.
function destroyer(stream, error) {
  if (!stream || isDestroyed(stream)) return;
  if (!error && !isFinished(stream)) error = new AbortError();
  if (typeof stream.destroy === "function") stream.destroy(error);
  else if (typeof stream.close === "function") stream.close();
  else if (isReadableStream(stream)) PromisePrototypeThen(stream.cancel(error), undefined, nop);
  else if (isWritableStream(stream)) PromisePrototypeThen(stream.abort(error), undefined, nop);
}
function isFinished(stream) {
  return isDestroyed(stream) || (isReadableFinished(stream, false) !== false && isWritableFinished(stream, false) !== false &&
    (stream._readableState || stream._writableState) !== undefined &&
    (!stream._readableState || isReadableFinished(stream, false)) && (!stream._writableState || isWritableFinished(stream, false)));
}

// ---- Stream (legacy) ---------------------------------------------------------------------------

function Stream(opts) { ReflectApply(EventEmitter, this, [opts]); }
ObjectSetPrototypeOf(Stream.prototype, EventEmitter.prototype);
ObjectSetPrototypeOf(Stream, EventEmitter);

// The pre-streams2 pipe(): forwards 'data' and pauses on backpressure.
Stream.prototype.pipe = function pipe(dest, options) {
  const source = this;
  function ondata(chunk) {
    if (dest.writable && dest.write(chunk) === false && source.pause) source.pause();
  }
  source.on("data", ondata);
  function ondrain() { if (source.readable && source.resume) source.resume(); }
  dest.on("drain", ondrain);
  let didOnEnd = false;
  function onend() { if (didOnEnd) return; didOnEnd = true; dest.end(); }
  function onclose() { if (didOnEnd) return; didOnEnd = true; if (typeof dest.destroy === "function") dest.destroy(); }
  if (!dest._isStdio && (!options || options.end !== false)) {
    source.on("end", onend);
    source.on("close", onclose);
  }
  function onerror(er) {
    cleanup();
    if (this.listenerCount("error") === 0) this.emit("error", er);
  }
  source.prependListener("error", onerror);
  dest.prependListener("error", onerror);
  function cleanup() {
    source.removeListener("data", ondata); dest.removeListener("drain", ondrain);
    source.removeListener("end", onend); source.removeListener("close", onclose);
    source.removeListener("error", onerror); dest.removeListener("error", onerror);
    source.removeListener("end", cleanup); source.removeListener("close", cleanup); dest.removeListener("close", cleanup);
  }
  source.on("end", cleanup); source.on("close", cleanup); dest.on("close", cleanup);
  dest.emit("pipe", source);
  return dest;
};

// ---- Readable ----------------------------------------------------------------------------------

function ReadableState(options, stream, isDuplex) {
  options = options || {};
  if (typeof isDuplex !== "boolean") isDuplex = stream instanceof Duplex;
  this.objectMode = !!(options.objectMode || (isDuplex && options.readableObjectMode));
  this.highWaterMark = getHighWaterMark(options, "readableHighWaterMark", isDuplex, this.objectMode);
  this.buffer = [];
  this.length = 0;
  this.pipes = [];
  this.flowing = null;
  this.paused = null;
  this.ended = false;
  this.endEmitted = false;
  this.reading = false;
  this.constructed = true;
  this.sync = true;
  this.needReadable = false;
  this.emittedReadable = false;
  this.readableListening = false;
  this.resumeScheduled = false;
  this.errorEmitted = false;
  this.emitClose = options.emitClose !== false;
  this.autoDestroy = options.autoDestroy !== false;
  this.destroyed = false;
  this.errored = null;
  this.closed = false;
  this.closeEmitted = false;
  this.defaultEncoding = options.defaultEncoding || "utf8";
  this.awaitDrainWriters = new SetCtor();
  this.readingMore = false;
  this.dataEmitted = false;
  this.decoder = null;
  this.encoding = null;
  if (options.encoding) {
    this.decoder = new StringDecoder(options.encoding);
    this.encoding = this.decoder.encoding;
  }
}

function Readable(options) {
  if (!(this instanceof Readable)) return new Readable(options);
  const isDuplex = this instanceof Duplex;
  this._readableState = new ReadableState(options, this, isDuplex);
  if (options) {
    if (typeof options.read === "function") this._read = options.read;
    if (typeof options.destroy === "function") this._destroy = options.destroy;
    if (typeof options.construct === "function") this._construct = options.construct;
    if (options.signal && !isDuplex) addAbortSignal(options.signal, this);
  }
  ReflectApply(Stream, this, [options]);
  construct(this, () => {
    if (this._readableState.needReadable) maybeReadMore(this, this._readableState);
  });
}
ObjectSetPrototypeOf(Readable.prototype, Stream.prototype);
ObjectSetPrototypeOf(Readable, Stream);
Readable.ReadableState = ReadableState;

Readable.prototype.destroy = destroy;
Readable.prototype._undestroy = undestroy;
Readable.prototype._destroy = function(error, cb) { cb(error); };
Readable.prototype[EventEmitter.captureRejectionSymbol] = function(error) { this.destroy(error); };

Readable.prototype.push = function push(chunk, enc) { return readableAddChunk(this, chunk, enc, false); };
Readable.prototype.unshift = function unshift(chunk, enc) { return readableAddChunk(this, chunk, enc, true); };

function readableAddChunk(stream, chunk, enc, addToFront) {
  const state = stream._readableState;
  let error;
  if (!state.objectMode) {
    if (typeof chunk === "string") {
      enc = enc || state.defaultEncoding;
      if (state.encoding !== enc) {
        if (addToFront && state.encoding) {
          chunk = Buffer.from(chunk, enc).toString(state.encoding);
        } else {
          chunk = Buffer.from(chunk, enc);
          enc = "";
        }
      }
    } else if (chunk instanceof Buffer) {
      enc = "";
    } else if (chunk instanceof Uint8ArrayCtor) {
      chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      enc = "";
    } else if (chunk != null) {
      error = invalidArgType("chunk", "of type string or an instance of Buffer or Uint8Array", chunk);
    }
  }
  if (error) {
    errorOrDestroy(stream, error);
  } else if (chunk === null) {
    state.reading = false;
    onEofChunk(stream, state);
  } else if (state.objectMode || (chunk && chunk.length > 0)) {
    if (addToFront) {
      if (state.endEmitted) errorOrDestroy(stream, E.unshiftAfterEnd());
      else if (state.destroyed || state.errored) return false;
      else addChunk(stream, state, chunk, true);
    } else if (state.ended) {
      errorOrDestroy(stream, E.pushAfterEof());
    } else if (state.destroyed || state.errored) {
      return false;
    } else {
      state.reading = false;
      if (state.decoder && !enc) {
        chunk = state.decoder.write(chunk);
        if (state.objectMode || chunk.length !== 0) addChunk(stream, state, chunk, false);
        else maybeReadMore(stream, state);
      } else {
        addChunk(stream, state, chunk, false);
      }
    }
  } else if (!addToFront) {
    state.reading = false;
    maybeReadMore(stream, state);
  }
  return !state.ended && (state.length < state.highWaterMark || state.length === 0);
}

function addChunk(stream, state, chunk, addToFront) {
  if (state.flowing && state.length === 0 && !state.sync && stream.listenerCount("data") > 0) {
    SetPrototypeClear(state.awaitDrainWriters);
    state.dataEmitted = true;
    stream.emit("data", chunk);
  } else {
    state.length += state.objectMode ? 1 : chunk.length;
    if (addToFront) ArrayPrototypeUnshift(state.buffer, chunk);
    else ArrayPrototypePush(state.buffer, chunk);
    if (state.needReadable) emitReadable(stream);
  }
  maybeReadMore(stream, state);
}

Readable.prototype.isPaused = function isPaused() {
  const state = this._readableState;
  return state.paused === true || state.flowing === false;
};

Readable.prototype.setEncoding = function setEncoding(enc) {
  const decoder = new StringDecoder(enc);
  const state = this._readableState;
  state.decoder = decoder;
  state.encoding = decoder.encoding;
  let content = "";
  for (let i = 0; i < state.buffer.length; i++) content += decoder.write(state.buffer[i]);
  state.buffer = content === "" ? [] : [content];
  state.length = content.length;
  return this;
};

const MAX_HWM = 0x40000000;
function computeNewHighWaterMark(n) {
  if (n > MAX_HWM) throw E.outOfRange("size", "<= 1GiB", n);
  n--; n |= n >>> 1; n |= n >>> 2; n |= n >>> 4; n |= n >>> 8; n |= n >>> 16; n++;
  return n;
}

function howMuchToRead(n, state) {
  if (n <= 0 || (state.length === 0 && state.ended)) return 0;
  if (state.objectMode) return 1;
  if (NumberIsNaN(n)) {
    if (state.flowing && state.length) return state.buffer[0].length;
    return state.length;
  }
  if (n <= state.length) return n;
  return state.ended ? state.length : 0;
}

Readable.prototype.read = function read(n) {
  if (n === undefined) n = NaN;
  else if (!NumberIsInteger(n)) n = NumberParseInt(n, 10);
  const state = this._readableState;
  const nOrig = n;
  if (n > state.highWaterMark) state.highWaterMark = computeNewHighWaterMark(n);
  if (n !== 0) state.emittedReadable = false;
  if (n === 0 && state.needReadable &&
      ((state.highWaterMark !== 0 ? state.length >= state.highWaterMark : state.length > 0) || state.ended)) {
    if (state.length === 0 && state.ended) endReadable(this);
    else emitReadable(this);
    return null;
  }
  n = howMuchToRead(n, state);
  if (n === 0 && state.ended) {
    if (state.length === 0) endReadable(this);
    return null;
  }
  let doRead = state.needReadable;
  if (state.length === 0 || state.length - n < state.highWaterMark) doRead = true;
  if (state.ended || state.reading || state.destroyed || state.errored || !state.constructed) {
    doRead = false;
  } else if (doRead) {
    state.reading = true;
    state.sync = true;
    if (state.length === 0) state.needReadable = true;
    try {
      this._read(state.highWaterMark);
    } catch (error) {
      errorOrDestroy(this, error);
    }
    state.sync = false;
    if (!state.reading) n = howMuchToRead(nOrig, state);
  }
  let ret = n > 0 ? fromList(n, state) : null;
  if (ret === null) {
    state.needReadable = state.length <= state.highWaterMark;
    n = 0;
  } else {
    state.length -= n;
    SetPrototypeClear(state.awaitDrainWriters);
  }
  if (state.length === 0) {
    if (!state.ended) state.needReadable = true;
    if (nOrig !== n && state.ended) endReadable(this);
  }
  if (ret !== null && !state.errorEmitted && !state.closeEmitted) {
    state.dataEmitted = true;
    this.emit("data", ret);
  }
  return ret;
};

// Takes n units (bytes, characters or one object) off the front of the buffer.
function fromList(n, state) {
  if (state.length === 0) return null;
  const buf = state.buffer;
  if (state.objectMode) return ArrayPrototypeShift(buf);
  if (n >= state.length) {
    let ret;
    if (state.decoder) {
      ret = "";
      for (let i = 0; i < buf.length; i++) ret += buf[i];
    } else if (buf.length === 1) {
      ret = buf[0];
    } else {
      ret = Buffer.concat(buf, state.length);
    }
    state.buffer = [];
    return ret;
  }
  if (state.decoder) {
    let ret = "";
    while (ret.length < n) {
      const s = buf[0];
      const need = n - ret.length;
      if (s.length <= need) { ret += s; ArrayPrototypeShift(buf); }
      else { ret += StringPrototypeSlice(s, 0, need); buf[0] = StringPrototypeSlice(s, need); }
    }
    return ret;
  }
  if (n < buf[0].length) {
    const ret = buf[0].subarray(0, n);
    buf[0] = buf[0].subarray(n);
    return ret;
  }
  if (n === buf[0].length) return ArrayPrototypeShift(buf);
  const ret = Buffer.allocUnsafe(n);
  let off = 0;
  while (off < n) {
    const b = buf[0];
    const need = n - off;
    if (b.length <= need) { ret.set(b, off); off += b.length; ArrayPrototypeShift(buf); }
    else { ret.set(b.subarray(0, need), off); buf[0] = b.subarray(need); off += need; }
  }
  return ret;
}

function onEofChunk(stream, state) {
  if (state.ended) return;
  if (state.decoder) {
    const chunk = state.decoder.end();
    if (chunk && chunk.length) {
      ArrayPrototypePush(state.buffer, chunk);
      state.length += state.objectMode ? 1 : chunk.length;
    }
  }
  state.ended = true;
  if (state.sync) {
    emitReadable(stream);
  } else {
    state.needReadable = false;
    state.emittedReadable = true;
    emitReadableNT(stream);
  }
}

function emitReadable(stream) {
  const state = stream._readableState;
  state.needReadable = false;
  if (!state.emittedReadable) {
    state.emittedReadable = true;
    nextTick(emitReadableNT, stream);
  }
}
function emitReadableNT(stream) {
  const state = stream._readableState;
  if (!state.destroyed && !state.errored && (state.length || state.ended)) {
    stream.emit("readable");
    state.emittedReadable = false;
  }
  state.needReadable = !state.flowing && !state.ended && state.length <= state.highWaterMark;
  flow(stream);
}

function maybeReadMore(stream, state) {
  if (!state.readingMore && state.constructed) {
    state.readingMore = true;
    nextTick(maybeReadMoreNT, stream, state);
  }
}
function maybeReadMoreNT(stream, state) {
  while (!state.reading && !state.ended &&
         (state.length < state.highWaterMark || (state.flowing && state.length === 0))) {
    const len = state.length;
    stream.read(0);
    if (len === state.length) break;
  }
  state.readingMore = false;
}

Readable.prototype._read = function _read() { throw E.notImplemented("_read()"); };

Readable.prototype.pipe = function pipe(dest, pipeOpts) {
  const src = this;
  const state = this._readableState;
  ArrayPrototypePush(state.pipes, dest);
  const doEnd = !pipeOpts || pipeOpts.end !== false;
  const endFn = doEnd ? onend : unpipe;
  if (state.endEmitted) nextTick(endFn);
  else src.once("end", endFn);
  dest.on("unpipe", onunpipe);
  function onunpipe(readable, info) {
    if (readable === src && info && info.hasUnpiped === false) {
      info.hasUnpiped = true;
      cleanup();
    }
  }
  function onend() { dest.end(); }
  let ondrain;
  let cleanedUp = false;
  function cleanup() {
    dest.removeListener("close", onclose);
    dest.removeListener("finish", onfinish);
    if (ondrain) dest.removeListener("drain", ondrain);
    dest.removeListener("error", onerror);
    dest.removeListener("unpipe", onunpipe);
    src.removeListener("end", onend);
    src.removeListener("end", unpipe);
    src.removeListener("data", ondata);
    cleanedUp = true;
    if (ondrain && SetPrototypeGetSize(state.awaitDrainWriters) && (!dest._writableState || dest._writableState.needDrain)) ondrain();
  }
  function pause() {
    if (!cleanedUp) SetPrototypeAdd(state.awaitDrainWriters, dest);
    src.pause();
    if (!ondrain) {
      ondrain = () => {
        SetPrototypeDelete(state.awaitDrainWriters, dest);
        if (SetPrototypeGetSize(state.awaitDrainWriters) === 0 && src.listenerCount("data")) {
          state.flowing = true;
          state.paused = false;
          flow(src);
        }
      };
      dest.on("drain", ondrain);
    }
  }
  src.on("data", ondata);
  function ondata(chunk) {
    if (dest.write(chunk) === false) pause();
  }
  function onerror(er) {
    unpipe();
    dest.removeListener("error", onerror);
    if (dest.listenerCount("error") === 0) {
      const s = dest._writableState || dest._readableState;
      if (s && !s.errorEmitted) errorOrDestroy(dest, er);
      else dest.emit("error", er);
    }
  }
  dest.prependListener("error", onerror);
  function onclose() { dest.removeListener("finish", onfinish); unpipe(); }
  dest.once("close", onclose);
  function onfinish() { dest.removeListener("close", onclose); unpipe(); }
  dest.once("finish", onfinish);
  function unpipe() { src.unpipe(dest); }
  dest.emit("pipe", src);
  if (dest.writableNeedDrain === true) pause();
  else if (!state.flowing) src.resume();
  return dest;
};

Readable.prototype.unpipe = function unpipe(dest) {
  const state = this._readableState;
  if (state.pipes.length === 0) return this;
  if (!dest) {
    const dests = state.pipes;
    state.pipes = [];
    this.pause();
    for (let i = 0; i < dests.length; i++) dests[i].emit("unpipe", this, { hasUnpiped: false });
    return this;
  }
  const index = ArrayPrototypeIndexOf(state.pipes, dest);
  if (index === -1) return this;
  ArrayPrototypeSplice(state.pipes, index, 1);
  if (state.pipes.length === 0) this.pause();
  dest.emit("unpipe", this, { hasUnpiped: false });
  return this;
};

Readable.prototype.on = function on(ev, fn) {
  const res = ReflectApply(Stream.prototype.on, this, [ev, fn]);
  const state = this._readableState;
  if (ev === "data") {
    state.readableListening = this.listenerCount("readable") > 0;
    if (state.flowing !== false) this.resume();
  } else if (ev === "readable") {
    if (!state.endEmitted && !state.readableListening) {
      state.readableListening = state.needReadable = true;
      state.flowing = false;
      state.emittedReadable = false;
      if (state.length) emitReadable(this);
      else if (!state.reading) nextTick((self) => self.read(0), this);
    }
  }
  return res;
};
Readable.prototype.addListener = Readable.prototype.on;
Readable.prototype.removeListener = function removeListener(ev, fn) {
  const res = ReflectApply(Stream.prototype.removeListener, this, [ev, fn]);
  if (ev === "readable") nextTick(updateReadableListening, this);
  return res;
};
Readable.prototype.off = Readable.prototype.removeListener;
Readable.prototype.removeAllListeners = function removeAllListeners(ev) {
  const res = ReflectApply(Stream.prototype.removeAllListeners, this, arguments);
  if (ev === "readable" || ev === undefined) nextTick(updateReadableListening, this);
  return res;
};
function updateReadableListening(self) {
  const state = self._readableState;
  state.readableListening = self.listenerCount("readable") > 0;
  if (state.resumeScheduled && state.paused === false) state.flowing = true;
  else if (self.listenerCount("data") > 0) self.resume();
  else if (!state.readableListening) state.flowing = null;
}

Readable.prototype.resume = function resume() {
  const state = this._readableState;
  if (!state.flowing) {
    state.flowing = !state.readableListening;
    if (!state.resumeScheduled) {
      state.resumeScheduled = true;
      nextTick(resumeNT, this, state);
    }
  }
  state.paused = false;
  return this;
};
function resumeNT(stream, state) {
  if (!state.reading) stream.read(0);
  state.resumeScheduled = false;
  stream.emit("resume");
  flow(stream);
  if (state.flowing && !state.reading) stream.read(0);
}

Readable.prototype.pause = function pause() {
  const state = this._readableState;
  if (state.flowing !== false) {
    state.flowing = false;
    this.emit("pause");
  }
  state.paused = true;
  return this;
};

function flow(stream) {
  const state = stream._readableState;
  while (state.flowing && stream.read() !== null);
}

// Wraps an old-style stream (only 'data'/'end' events and pause/resume) in this Readable.
Readable.prototype.wrap = function wrap(stream) {
  let paused = false;
  stream.on("data", (chunk) => {
    if (!this.push(chunk) && stream.pause) { paused = true; stream.pause(); }
  });
  stream.on("end", () => this.push(null));
  stream.on("error", (error) => errorOrDestroy(this, error));
  stream.on("close", () => this.destroy());
  stream.on("destroy", () => this.destroy());
  this._read = () => {
    if (paused && stream.resume) { paused = false; stream.resume(); }
  };
  const keys = ObjectKeys(stream);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (this[k] === undefined && typeof stream[k] === "function") this[k] = FunctionPrototypeBind(stream[k], stream);
  }
  return this;
};

Readable.prototype[SymbolAsyncIterator] = function() { return streamToAsyncIterator(this); };
Readable.prototype.iterator = function iterator(options) {
  return streamToAsyncIterator(this, options);
};

function streamToAsyncIterator(stream, options) {
  if (typeof stream.read !== "function") stream = Readable.wrap(stream, { objectMode: true });
  const iter = createAsyncIterator(stream, options);
  iter.stream = stream;
  return iter;
}

async function* createAsyncIterator(stream, options) {
  let callback = nop;
  function next(resolve) {
    if (this === stream) { callback(); callback = nop; } else { callback = resolve; }
  }
  stream.on("readable", next);
  let error;
  const cleanup = eos(stream, { writable: false }, (e) => {
    error = e ? aggregateTwoErrors(error, e) : null;
    callback();
    callback = nop;
  });
  try {
    while (true) {
      const chunk = stream.destroyed ? null : stream.read();
      if (chunk !== null) yield chunk;
      else if (error) throw error;
      else if (error === null) return;
      else await new PromiseCtor(next);
    }
  } catch (e) {
    error = aggregateTwoErrors(error, e);
    throw error;
  } finally {
    if ((error || !options || options.destroyOnReturn !== false) &&
        (error === undefined || stream._readableState.autoDestroy)) {
      destroyer(stream, null);
    } else {
      stream.off("readable", next);
      cleanup();
    }
  }
}

function defineGetters(proto, getters) {
  const descs = {};
  const keys = ObjectKeys(getters);
  for (let i = 0; i < keys.length; i++) {
    const v = getters[keys[i]];
    descs[keys[i]] = typeof v === "function" ? { get: v, enumerable: false, configurable: true }
      : { get: v.get, set: v.set, enumerable: false, configurable: true };
  }
  ObjectDefineProperties(proto, descs);
}

defineGetters(Readable.prototype, {
  readable: {
    get() {
      const r = this._readableState;
      return !!r && r.readable !== false && !r.destroyed && !r.errorEmitted && !r.endEmitted;
    },
    set(v) { if (this._readableState) this._readableState.readable = !!v; },
  },
  readableDidRead() { return this._readableState.dataEmitted; },
  readableAborted() {
    const r = this._readableState;
    return !!(r.readable !== false && (r.destroyed || r.errored) && !r.endEmitted);
  },
  readableHighWaterMark() { return this._readableState.highWaterMark; },
  readableBuffer() { return this._readableState && this._readableState.buffer; },
  readableFlowing: {
    get() { return this._readableState.flowing; },
    set(v) { if (this._readableState) this._readableState.flowing = v; },
  },
  readableLength() { return this._readableState.length; },
  readableObjectMode() { return this._readableState ? this._readableState.objectMode : false; },
  readableEncoding() { return this._readableState ? this._readableState.encoding : null; },
  errored() { return this._readableState ? this._readableState.errored : null; },
  closed() { return this._readableState ? this._readableState.closed : false; },
  destroyed: {
    get() { return this._readableState ? this._readableState.destroyed : false; },
    set(v) { if (this._readableState) this._readableState.destroyed = v; },
  },
  readableEnded() { return this._readableState ? this._readableState.endEmitted : false; },
});

function endReadable(stream) {
  const state = stream._readableState;
  if (!state.endEmitted) {
    state.ended = true;
    nextTick(endReadableNT, state, stream);
  }
}
function endReadableNT(state, stream) {
  if (!state.errored && !state.closeEmitted && !state.endEmitted && state.length === 0) {
    state.endEmitted = true;
    stream.emit("end");
    const w = stream._writableState;
    if (w && stream.allowHalfOpen === false && stream.writable) {
      nextTick((s) => s.end(), stream);
    } else if (state.autoDestroy) {
      const autoDestroy = !w || (w.autoDestroy && (w.finished || w.writable === false));
      if (autoDestroy) stream.destroy();
    }
  }
}

Readable.from = function from(iterable, opts) { return readableFrom(Readable, iterable, opts); };

function readableFrom(Ctor, iterable, opts) {
  if (typeof iterable === "string" || iterable instanceof Buffer) {
    return new Ctor({
      objectMode: true, ...opts,
      read() { this.push(iterable); this.push(null); },
    });
  }
  let iterator, isAsync;
  if (iterable && typeof iterable[SymbolAsyncIterator] === "function") {
    isAsync = true;
    iterator = iterable[SymbolAsyncIterator]();
  } else if (iterable && typeof iterable[SymbolIterator] === "function") {
    isAsync = false;
    iterator = iterable[SymbolIterator]();
  } else {
    throw invalidArgType("iterable", "an instance of Iterable", iterable);
  }
  const readable = new Ctor({ objectMode: true, highWaterMark: 1, ...opts });
  let reading = false;
  readable._read = function() {
    if (!reading) { reading = true; pull(); }
  };
  readable._destroy = function(error, cb) {
    PromisePrototypeThen(close(), () => nextTick(cb, error), (e) => nextTick(cb, e || error));
  };
  async function close() {
    if (typeof iterator.return === "function") {
      const { value } = await iterator.return();
      await value;
    }
  }
  async function pull() {
    for (;;) {
      try {
        const { value, done } = isAsync ? await iterator.next() : iterator.next();
        if (done) {
          readable.push(null);
        } else {
          const res = value && typeof value.then === "function" ? await value : value;
          if (res === null) {
            reading = false;
            throw E.nullValues();
          } else if (readable.push(res)) {
            continue;
          } else {
            reading = false;
          }
        }
      } catch (e) {
        readable.destroy(e);
      }
      break;
    }
  }
  return readable;
}

// Old-style stream or web ReadableStream -> Readable.
Readable.wrap = function(src, options) {
  return new Readable({
    objectMode: (src.readableObjectMode !== undefined ? src.readableObjectMode : src.objectMode) !== false,
    ...options,
    destroy(error, callback) { destroyer(src, error); callback(error); },
  }).wrap(src);
};

Readable.isDisturbed = isDisturbed;
Readable.isErrored = isErrored;
Readable.isReadable = (s) => !!(s && isReadable(s));

// Operators on Readables (the stable ones plus the commonly used experimental ones).
function validateOpFn(fn) { registry.validateFunction(fn, "fn"); }
Readable.prototype.toArray = async function toArray(options) {
  const result = [];
  for await (const v of this) {
    if (options && options.signal && options.signal.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
    ArrayPrototypePush(result, v);
  }
  return result;
};
Readable.prototype.forEach = async function forEach(fn, options) {
  validateOpFn(fn);
  for await (const v of this) await fn(v, { signal: options && options.signal });
};
Readable.prototype.reduce = async function reduce(fn, initial, options) {
  validateOpFn(fn);
  let hasInitial = arguments.length > 1;
  let acc = initial;
  for await (const v of this) {
    if (!hasInitial) { acc = v; hasInitial = true; continue; }
    acc = await fn(acc, v, { signal: options && options.signal });
  }
  if (!hasInitial) throw err(TypeErrorCtor, "ERR_INVALID_ARGS", "Reduce of an empty stream requires an initial value");
  return acc;
};
Readable.prototype.some = async function some(fn, options) {
  validateOpFn(fn);
  for await (const v of this) if (await fn(v, { signal: options && options.signal })) return true;
  return false;
};
Readable.prototype.every = async function every(fn, options) {
  validateOpFn(fn);
  for await (const v of this) if (!(await fn(v, { signal: options && options.signal }))) return false;
  return true;
};
Readable.prototype.find = async function find(fn, options) {
  validateOpFn(fn);
  for await (const v of this) if (await fn(v, { signal: options && options.signal })) return v;
  return undefined;
};
function operatorStream(src, gen) {
  return Readable.from(gen(src), { objectMode: true });
}
Readable.prototype.map = function map(fn, options) {
  validateOpFn(fn);
  return operatorStream(this, async function*(s) { for await (const v of s) yield await fn(v, { signal: options && options.signal }); });
};
Readable.prototype.filter = function filter(fn, options) {
  validateOpFn(fn);
  return operatorStream(this, async function*(s) { for await (const v of s) if (await fn(v, { signal: options && options.signal })) yield v; });
};
Readable.prototype.flatMap = function flatMap(fn, options) {
  validateOpFn(fn);
  return operatorStream(this, async function*(s) { for await (const v of s) yield* await fn(v, { signal: options && options.signal }); });
};
function validateCount(n) {
  n = Number(n);
  if (NumberIsNaN(n)) n = 0;
  if (n < 0) throw E.outOfRange("number", ">= 0", n);
  return n;
}
Readable.prototype.take = function take(n) {
  n = validateCount(n);
  return operatorStream(this, async function*(s) {
    if (n <= 0) return;
    for await (const v of s) { yield v; if (--n <= 0) return; }
  });
};
Readable.prototype.drop = function drop(n) {
  n = validateCount(n);
  return operatorStream(this, async function*(s) { for await (const v of s) { if (n-- > 0) continue; yield v; } });
};
Readable.prototype.asIndexedPairs = function asIndexedPairs() {
  return operatorStream(this, async function*(s) { let i = 0; for await (const v of s) yield [i++, v]; });
};

// ---- Writable ----------------------------------------------------------------------------------

function WritableState(options, stream, isDuplex) {
  options = options || {};
  if (typeof isDuplex !== "boolean") isDuplex = stream instanceof Duplex;
  this.objectMode = !!(options.objectMode || (isDuplex && options.writableObjectMode));
  this.highWaterMark = getHighWaterMark(options, "writableHighWaterMark", isDuplex, this.objectMode);
  this.finalCalled = false;
  this.needDrain = false;
  this.ending = false;
  this.ended = false;
  this.finished = false;
  this.destroyed = false;
  this.decodeStrings = options.decodeStrings !== false;
  this.defaultEncoding = options.defaultEncoding || "utf8";
  this.length = 0;
  this.writing = false;
  this.corked = 0;
  this.sync = true;
  this.bufferProcessing = false;
  this.onwrite = (er) => onwrite(stream, er);
  this.writecb = null;
  this.writelen = 0;
  this.afterWriteTickInfo = null;
  resetBuffer(this);
  this.pendingcb = 0;
  this.constructed = true;
  this.prefinished = false;
  this.errorEmitted = false;
  this.emitClose = options.emitClose !== false;
  this.autoDestroy = options.autoDestroy !== false;
  this.errored = null;
  this.closed = false;
  this.closeEmitted = false;
  this.onFinished = [];
}
function resetBuffer(state) {
  state.buffered = [];
  state.bufferedIndex = 0;
  state.allBuffers = true;
  state.allNoop = true;
}
WritableState.prototype.getBuffer = function getBuffer() { return ArrayPrototypeSlice(this.buffered, this.bufferedIndex); };
ObjectDefineProperty(WritableState.prototype, "bufferedRequestCount", {
  get() { return this.buffered.length - this.bufferedIndex; },
});

function Writable(options) {
  const isDuplex = this instanceof Duplex;
  if (!isDuplex && !FunctionPrototypeSymbolHasInstance(Writable, this)) return new Writable(options);
  this._writableState = new WritableState(options, this, isDuplex);
  if (options) {
    if (typeof options.write === "function") this._write = options.write;
    if (typeof options.writev === "function") this._writev = options.writev;
    if (typeof options.destroy === "function") this._destroy = options.destroy;
    if (typeof options.final === "function") this._final = options.final;
    if (typeof options.construct === "function") this._construct = options.construct;
    if (options.signal) addAbortSignal(options.signal, this);
  }
  if (!isDuplex) ReflectApply(Stream, this, [options]);
  construct(this, () => {
    const state = this._writableState;
    if (!state.writing) clearBuffer(this, state);
    finishMaybe(this, state);
  });
}
ObjectSetPrototypeOf(Writable.prototype, Stream.prototype);
ObjectSetPrototypeOf(Writable, Stream);
Writable.WritableState = WritableState;

ObjectDefineProperty(Writable, SymbolHasInstance, {
  value(object) {
    if (FunctionPrototypeSymbolHasInstance(this, object)) return true;
    if (this !== Writable) return false;
    return !!(object && object._writableState instanceof WritableState);
  },
});

Writable.prototype.pipe = function pipe() {
  errorOrDestroy(this, err(ErrorCtor, "ERR_STREAM_CANNOT_PIPE", "Cannot pipe, not readable"));
};

function writeChunk(stream, chunk, enc, cb) {
  const state = stream._writableState;
  if (typeof enc === "function") {
    cb = enc;
    enc = state.defaultEncoding;
  } else {
    if (!enc) enc = state.defaultEncoding;
    else if (enc !== "buffer" && !Buffer.isEncoding(enc)) throw E.unknownEncoding(enc);
    if (typeof cb !== "function") cb = nop;
  }
  if (chunk === null) throw E.nullValues();
  if (!state.objectMode) {
    if (typeof chunk === "string") {
      if (state.decodeStrings !== false) {
        chunk = Buffer.from(chunk, enc);
        enc = "buffer";
      }
    } else if (chunk instanceof Buffer) {
      enc = "buffer";
    } else if (chunk instanceof Uint8ArrayCtor) {
      chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      enc = "buffer";
    } else {
      throw invalidArgType("chunk", "of type string or an instance of Buffer or Uint8Array", chunk);
    }
  }
  let error;
  if (state.ending) error = E.writeAfterEnd();
  else if (state.destroyed) error = E.destroyed("write");
  if (error) {
    nextTick(cb, error);
    errorOrDestroy(stream, error, true);
    return error;
  }
  state.pendingcb++;
  return writeOrBuffer(stream, state, chunk, enc, cb);
}

Writable.prototype.write = function write(chunk, enc, cb) {
  return writeChunk(this, chunk, enc, cb) === true;
};
Writable.prototype.cork = function cork() { this._writableState.corked++; };
Writable.prototype.uncork = function uncork() {
  const state = this._writableState;
  if (state.corked) {
    state.corked--;
    if (!state.writing) clearBuffer(this, state);
  }
};
Writable.prototype.setDefaultEncoding = function setDefaultEncoding(enc) {
  if (typeof enc === "string") enc = StringPrototypeToLowerCase(enc);
  if (!Buffer.isEncoding(enc)) throw E.unknownEncoding(enc);
  this._writableState.defaultEncoding = enc;
  return this;
};

function writeOrBuffer(stream, state, chunk, enc, callback) {
  const len = state.objectMode ? 1 : chunk.length;
  state.length += len;
  const ret = state.length < state.highWaterMark;
  if (!ret) state.needDrain = true;
  if (state.writing || state.corked || state.errored || !state.constructed) {
    ArrayPrototypePush(state.buffered, { chunk, encoding: enc, callback });
    if (state.allBuffers && enc !== "buffer") state.allBuffers = false;
    if (state.allNoop && callback !== nop) state.allNoop = false;
  } else {
    state.writelen = len;
    state.writecb = callback;
    state.writing = true;
    state.sync = true;
    stream._write(chunk, enc, state.onwrite);
    state.sync = false;
  }
  return ret && !state.errored && !state.destroyed;
}

function doWrite(stream, state, writev, len, chunk, enc, cb) {
  state.writelen = len;
  state.writecb = cb;
  state.writing = true;
  state.sync = true;
  if (state.destroyed) state.onwrite(E.destroyed("write"));
  else if (writev) stream._writev(chunk, state.onwrite);
  else stream._write(chunk, enc, state.onwrite);
  state.sync = false;
}

function onwriteError(stream, state, er, cb) {
  --state.pendingcb;
  cb(er);
  errorBuffer(state);
  errorOrDestroy(stream, er);
}

function onwrite(stream, er) {
  const state = stream._writableState;
  const sync = state.sync;
  const cb = state.writecb;
  if (typeof cb !== "function") {
    errorOrDestroy(stream, E.multipleCallback());
    return;
  }
  state.writing = false;
  state.writecb = null;
  state.length -= state.writelen;
  state.writelen = 0;
  if (er) {
    if (!state.errored) state.errored = er;
    if (stream._readableState && !stream._readableState.errored) stream._readableState.errored = er;
    if (sync) nextTick(onwriteError, stream, state, er, cb);
    else onwriteError(stream, state, er, cb);
  } else {
    if (state.buffered.length > state.bufferedIndex) clearBuffer(stream, state);
    if (sync) {
      if (state.afterWriteTickInfo !== null && state.afterWriteTickInfo.cb === cb) {
        state.afterWriteTickInfo.count++;
      } else {
        state.afterWriteTickInfo = { count: 1, cb, stream, state };
        nextTick(afterWriteTick, state.afterWriteTickInfo);
      }
    } else {
      afterWrite(stream, state, 1, cb);
    }
  }
}
function afterWriteTick(info) {
  info.state.afterWriteTickInfo = null;
  afterWrite(info.stream, info.state, info.count, info.cb);
}
function afterWrite(stream, state, count, cb) {
  const needDrain = !state.ending && !stream.destroyed && state.length === 0 && state.needDrain;
  if (needDrain) {
    state.needDrain = false;
    stream.emit("drain");
  }
  while (count-- > 0) {
    state.pendingcb--;
    cb(null);
  }
  if (state.destroyed) errorBuffer(state);
  finishMaybe(stream, state);
}

function errorBuffer(state) {
  if (state.writing) return;
  for (let n = state.bufferedIndex; n < state.buffered.length; ++n) {
    const { chunk, callback } = state.buffered[n];
    state.length -= state.objectMode ? 1 : chunk.length;
    callback(state.errored || E.destroyed("write"));
  }
  const onFinished = ArrayPrototypeSplice(state.onFinished, 0);
  for (let i = 0; i < onFinished.length; i++) onFinished[i](state.errored || E.destroyed("end"));
  resetBuffer(state);
}

function clearBuffer(stream, state) {
  if (state.corked || state.bufferProcessing || state.destroyed || !state.constructed) return;
  const { buffered, bufferedIndex, objectMode } = state;
  const bufferedLength = buffered.length - bufferedIndex;
  if (!bufferedLength) return;
  let i = bufferedIndex;
  state.bufferProcessing = true;
  if (bufferedLength > 1 && stream._writev) {
    state.pendingcb -= bufferedLength - 1;
    const callback = state.allNoop ? nop : (e) => {
      for (let n = i; n < buffered.length; ++n) buffered[n].callback(e);
    };
    const chunks = state.allNoop && i === 0 ? buffered : ArrayPrototypeSlice(buffered, i);
    chunks.allBuffers = state.allBuffers;
    doWrite(stream, state, true, state.length, chunks, "", callback);
    resetBuffer(state);
  } else {
    do {
      const { chunk, encoding: enc, callback } = buffered[i];
      buffered[i++] = null;
      doWrite(stream, state, false, objectMode ? 1 : chunk.length, chunk, enc, callback);
    } while (i < buffered.length && !state.writing);
    if (i === buffered.length) {
      resetBuffer(state);
    } else if (i > 256) {
      ArrayPrototypeSplice(buffered, 0, i);
      state.bufferedIndex = 0;
    } else {
      state.bufferedIndex = i;
    }
  }
  state.bufferProcessing = false;
}

Writable.prototype._write = function _write(chunk, enc, cb) {
  if (this._writev) this._writev([{ chunk, encoding: enc }], cb);
  else throw E.notImplemented("_write()");
};
Writable.prototype._writev = null;

Writable.prototype.end = function end(chunk, enc, cb) {
  const state = this._writableState;
  if (typeof chunk === "function") { cb = chunk; chunk = null; enc = null; }
  else if (typeof enc === "function") { cb = enc; enc = null; }
  let error;
  if (chunk !== null && chunk !== undefined) {
    const ret = writeChunk(this, chunk, enc);
    if (ret instanceof ErrorCtor) error = ret;
  }
  if (state.corked) {
    state.corked = 1;
    this.uncork();
  }
  if (error) {
    // the write already reported it
  } else if (!state.errored && !state.ending) {
    state.ending = true;
    finishMaybe(this, state, true);
    state.ended = true;
  } else if (state.finished) {
    error = E.alreadyFinished("end");
  } else if (state.destroyed) {
    error = E.destroyed("end");
  }
  if (typeof cb === "function") {
    if (error || state.finished) nextTick(cb, error);
    else ArrayPrototypePush(state.onFinished, cb);
  }
  return this;
};

function needFinish(state) {
  return state.ending && !state.destroyed && state.constructed && state.length === 0 && !state.errored &&
    state.buffered.length === state.bufferedIndex && !state.finished && !state.writing && !state.errorEmitted &&
    !state.closeEmitted;
}

function callFinal(stream, state) {
  let called = false;
  function onFinish(error) {
    if (called) {
      errorOrDestroy(stream, error == null ? E.multipleCallback() : error);
      return;
    }
    called = true;
    state.pendingcb--;
    if (error) {
      const onFinished = ArrayPrototypeSplice(state.onFinished, 0);
      for (let i = 0; i < onFinished.length; i++) onFinished[i](error);
      errorOrDestroy(stream, error, state.sync);
    } else if (needFinish(state)) {
      state.prefinished = true;
      stream.emit("prefinish");
      state.pendingcb++;
      nextTick(finish, stream, state);
    }
  }
  state.sync = true;
  state.pendingcb++;
  try {
    stream._final(onFinish);
  } catch (e) {
    onFinish(e);
  }
  state.sync = false;
}

function prefinish(stream, state) {
  if (!state.prefinished && !state.finalCalled) {
    if (typeof stream._final === "function" && !state.destroyed) {
      state.finalCalled = true;
      callFinal(stream, state);
    } else {
      state.prefinished = true;
      stream.emit("prefinish");
    }
  }
}

function finishMaybe(stream, state, sync) {
  if (needFinish(state)) {
    prefinish(stream, state);
    if (state.pendingcb === 0) {
      if (sync) {
        state.pendingcb++;
        nextTick(() => {
          if (needFinish(state)) finish(stream, state);
          else state.pendingcb--;
        });
      } else if (needFinish(state)) {
        state.pendingcb++;
        finish(stream, state);
      }
    }
  }
}

function finish(stream, state) {
  state.pendingcb--;
  state.finished = true;
  const onFinished = ArrayPrototypeSplice(state.onFinished, 0);
  for (let i = 0; i < onFinished.length; i++) onFinished[i](null);
  stream.emit("finish");
  if (state.autoDestroy) {
    const r = stream._readableState;
    const autoDestroy = !r || (r.autoDestroy && (r.endEmitted || r.readable === false));
    if (autoDestroy) stream.destroy();
  }
}

Writable.prototype.destroy = function(error, cb) {
  const state = this._writableState;
  if (!state.destroyed && (state.bufferedIndex < state.buffered.length || state.onFinished.length)) {
    nextTick(errorBuffer, state);
  }
  ReflectApply(destroy, this, [error, cb]);
  return this;
};
Writable.prototype._undestroy = undestroy;
Writable.prototype._destroy = function(error, cb) { cb(error); };
Writable.prototype[EventEmitter.captureRejectionSymbol] = function(error) { this.destroy(error); };

const writableGetters = {
  closed() { return this._writableState ? this._writableState.closed : false; },
  destroyed: {
    get() { return this._writableState ? this._writableState.destroyed : false; },
    set(v) { if (this._writableState) this._writableState.destroyed = v; },
  },
  writable: {
    get() {
      const w = this._writableState;
      return !!w && w.writable !== false && !w.destroyed && !w.errored && !w.ending && !w.ended;
    },
    set(v) { if (this._writableState) this._writableState.writable = !!v; },
  },
  writableFinished() { return this._writableState ? this._writableState.finished : false; },
  writableObjectMode() { return this._writableState ? this._writableState.objectMode : false; },
  writableBuffer() { return this._writableState && this._writableState.getBuffer(); },
  writableEnded() { return this._writableState ? this._writableState.ending : false; },
  writableNeedDrain() {
    const w = this._writableState;
    return w ? !w.destroyed && !w.ending && w.needDrain : false;
  },
  writableHighWaterMark() { return this._writableState && this._writableState.highWaterMark; },
  writableCorked() { return this._writableState ? this._writableState.corked : 0; },
  writableLength() { return this._writableState && this._writableState.length; },
  errored() { return this._writableState ? this._writableState.errored : null; },
  writableAborted() {
    const w = this._writableState;
    return !!(w.writable !== false && (w.destroyed || w.errored) && !w.finished);
  },
};
defineGetters(Writable.prototype, writableGetters);

Writable.fromWeb = (ws, options) => newWritableFromWeb(ws, options);
Writable.toWeb = (w) => newWritableToWeb(w);

// ---- Duplex ------------------------------------------------------------------------------------

function Duplex(options) {
  if (!(this instanceof Duplex)) return new Duplex(options);
  ReflectApply(Readable, this, [options]);
  ReflectApply(Writable, this, [options]);
  if (options) {
    this.allowHalfOpen = options.allowHalfOpen !== false;
    if (options.readable === false) {
      this._readableState.readable = false;
      this._readableState.ended = true;
      this._readableState.endEmitted = true;
    }
    if (options.writable === false) {
      this._writableState.writable = false;
      this._writableState.ending = true;
      this._writableState.ended = true;
      this._writableState.finished = true;
    }
  } else {
    this.allowHalfOpen = true;
  }
}
ObjectSetPrototypeOf(Duplex.prototype, Readable.prototype);
ObjectSetPrototypeOf(Duplex, Readable);
{
  const names = ["write", "cork", "uncork", "setDefaultEncoding", "end", "_write", "_writev"];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (!Duplex.prototype[name] || Duplex.prototype[name] === Readable.prototype[name]) {
      ObjectDefineProperty(Duplex.prototype, name, { value: Writable.prototype[name], writable: true, configurable: true });
    }
  }
  Duplex.prototype.destroy = Writable.prototype.destroy;
  const keys = ObjectKeys(writableGetters);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === "destroyed" || key === "errored" || key === "closed") continue;
    ObjectDefineProperty(Duplex.prototype, key, ObjectGetOwnPropertyDescriptor(Writable.prototype, key));
  }
  defineGetters(Duplex.prototype, {
    destroyed: {
      get() {
        const r = this._readableState, w = this._writableState;
        if (r === undefined || w === undefined) return false;
        return r.destroyed && w.destroyed;
      },
      set(v) {
        if (this._readableState && this._writableState) {
          this._readableState.destroyed = v;
          this._writableState.destroyed = v;
        }
      },
    },
  });
}

Duplex.fromWeb = (pair, options) => newDuplexFromWeb(pair, options);
Duplex.toWeb = (duplex) => ({ readable: newReadableToWeb(duplex), writable: newWritableToWeb(duplex) });
Duplex.from = (body) => duplexFrom(body, "body");

// ---- Transform / PassThrough -------------------------------------------------------------------

const kCallback = SymbolCtor("kCallback");

function Transform(options) {
  if (!(this instanceof Transform)) return new Transform(options);
  const readableHwm = options ? getHighWaterMark(options, "readableHighWaterMark", true, !!(options.objectMode || options.readableObjectMode)) : null;
  if (readableHwm === 0) {
    options = {
      ...options, highWaterMark: null, readableHighWaterMark: readableHwm,
      writableHighWaterMark: options.writableHighWaterMark || 0,
    };
  }
  ReflectApply(Duplex, this, [options]);
  this._readableState.sync = false;
  this[kCallback] = null;
  if (options) {
    if (typeof options.transform === "function") this._transform = options.transform;
    if (typeof options.flush === "function") this._flush = options.flush;
  }
  this.on("prefinish", transformPrefinish);
}
ObjectSetPrototypeOf(Transform.prototype, Duplex.prototype);
ObjectSetPrototypeOf(Transform, Duplex);

function transformFinal(cb) {
  if (typeof this._flush === "function" && !this.destroyed) {
    this._flush((er, data) => {
      if (er) {
        if (cb) cb(er); else this.destroy(er);
        return;
      }
      if (data != null) this.push(data);
      this.push(null);
      if (cb) cb();
    });
  } else {
    this.push(null);
    if (cb) cb();
  }
}
function transformPrefinish() {
  if (this._final !== transformFinal) ReflectApply(transformFinal, this, []);
}
Transform.prototype._final = transformFinal;
Transform.prototype._transform = function() { throw E.notImplemented("_transform()"); };
Transform.prototype._write = function(chunk, enc, callback) {
  const rState = this._readableState;
  const wState = this._writableState;
  const length = rState.length;
  this._transform(chunk, enc, (error, val) => {
    if (error) { callback(error); return; }
    if (val != null) this.push(val);
    if (rState.ended) { nextTick(callback); return; }
    if (wState.ended || length === rState.length || rState.length < rState.highWaterMark) callback();
    else this[kCallback] = callback;
  });
};
Transform.prototype._read = function() {
  if (this[kCallback]) {
    const callback = this[kCallback];
    this[kCallback] = null;
    callback();
  }
};

function PassThrough(options) {
  if (!(this instanceof PassThrough)) return new PassThrough(options);
  ReflectApply(Transform, this, [options]);
}
ObjectSetPrototypeOf(PassThrough.prototype, Transform.prototype);
ObjectSetPrototypeOf(PassThrough, Transform);
PassThrough.prototype._transform = function(chunk, enc, cb) { cb(null, chunk); };

// ---- finished (end-of-stream) ------------------------------------------------------------------

function willEmitClose(stream) {
  const s = stream._writableState || stream._readableState;
  return !!s && s.autoDestroy && s.emitClose && s.closed === false;
}
function isClosed(stream) {
  const s = stream._writableState || stream._readableState;
  return !!(s && s.closed);
}

function eos(stream, options, callback) {
  if (arguments.length === 2) { callback = options; options = {}; }
  else if (options == null) options = {};
  else if (typeof options !== "object") throw invalidArgType("options", "of type object", options);
  registry.validateFunction(callback, "callback");
  callback = once(callback);
  if (!isNodeStream(stream)) {
    // Web streams cannot be watched without locking them, so finished() takes Node streams only.
    throw invalidArgType("stream", "an instance of Stream", stream);
  }
  const readable = options.readable != null ? options.readable : !!isReadableNodeStream(stream);
  const writable = options.writable != null ? options.writable : !!isWritableNodeStream(stream);
  const wState = stream._writableState;
  const rState = stream._readableState;
  const onlegacyfinish = () => { if (!stream.writable) onfinish(); };
  let emitsClose = willEmitClose(stream) && !!isReadableNodeStream(stream) === readable &&
    !!isWritableNodeStream(stream) === writable;
  let writableFinished = isWritableFinished(stream, false);
  const onfinish = () => {
    writableFinished = true;
    if (stream.destroyed) emitsClose = false;
    if (emitsClose && (!stream.readable || readable)) return;
    if (!readable || readableFinished) FunctionPrototypeCall(callback, stream);
  };
  let readableFinished = isReadableFinished(stream, false);
  const onend = () => {
    readableFinished = true;
    if (stream.destroyed) emitsClose = false;
    if (emitsClose && (!stream.writable || writable)) return;
    if (!writable || writableFinished) FunctionPrototypeCall(callback, stream);
  };
  const onerror = (e) => { FunctionPrototypeCall(callback, stream, e); };
  let closed = isClosed(stream);
  const onclose = () => {
    closed = true;
    const errored = errorOf(stream);
    if (errored) return FunctionPrototypeCall(callback, stream, errored);
    if (readable && !readableFinished && isReadableNodeStream(stream, true) && !isReadableFinished(stream, false)) {
      return FunctionPrototypeCall(callback, stream, E.prematureClose());
    }
    if (writable && !writableFinished && !isWritableFinished(stream, false)) {
      return FunctionPrototypeCall(callback, stream, E.prematureClose());
    }
    FunctionPrototypeCall(callback, stream);
  };
  const onrequest = () => { stream.req.on("finish", onfinish); };
  if (stream.setHeader && typeof stream.abort === "function") {
    stream.on("complete", onfinish);
    if (!emitsClose) stream.on("abort", onclose);
    if (stream.req) onrequest(); else stream.on("request", onrequest);
  } else if (writable && !wState) {
    stream.on("end", onlegacyfinish);
    stream.on("close", onlegacyfinish);
  }
  stream.on("end", onend);
  stream.on("finish", onfinish);
  if (options.error !== false) stream.on("error", onerror);
  stream.on("close", onclose);

  if (closed) {
    nextTick(onclose);
  } else if ((wState && wState.errorEmitted) || (rState && rState.errorEmitted)) {
    if (!emitsClose) nextTick(onclose);
  } else if (!readable && (!emitsClose || isReadable(stream)) && (writableFinished || isWritable(stream) === false)) {
    nextTick(onclose);
  } else if (!writable && (!emitsClose || isWritable(stream)) && (readableFinished || isReadable(stream) === false)) {
    nextTick(onclose);
  }

  const cleanup = () => {
    callback = nop;
    stream.removeListener("aborted", onclose);
    stream.removeListener("complete", onfinish);
    stream.removeListener("abort", onclose);
    stream.removeListener("request", onrequest);
    if (stream.req) stream.req.removeListener("finish", onfinish);
    stream.removeListener("end", onlegacyfinish);
    stream.removeListener("close", onlegacyfinish);
    stream.removeListener("finish", onfinish);
    stream.removeListener("end", onend);
    stream.removeListener("error", onerror);
    stream.removeListener("close", onclose);
  };
  if (options.signal && !closed) {
    const signal = options.signal;
    const onAbort = () => {
      const endCallback = callback;
      cleanup();
      FunctionPrototypeCall(endCallback, stream, new AbortError(undefined, { cause: signal.reason }));
    };
    if (signal.aborted) {
      nextTick(onAbort);
    } else {
      signal.addEventListener("abort", onAbort, { once: true });
      const original = callback;
      callback = once((...args) => {
        signal.removeEventListener("abort", onAbort);
        ReflectApply(original, stream, args);
      });
    }
  }
  return cleanup;
}

function finished(stream, options, callback) { return ReflectApply(eos, undefined, arguments); }
finished.finished = finished;

// ---- addAbortSignal ----------------------------------------------------------------------------

function addAbortSignal(signal, stream) {
  if (!abort.isAbortSignal(signal)) throw invalidArgType("signal", "an instance of AbortSignal", signal);
  if (!isNodeStream(stream) && !isReadableStream(stream) && !isWritableStream(stream)) {
    throw invalidArgType("stream", "an instance of ReadableStream, WritableStream, or Stream", stream);
  }
  const onAbort = () => {
    const reason = signal.reason;
    if (isReadableStream(stream) || isWritableStream(stream)) {
      destroyer(stream, new AbortError(undefined, { cause: reason }));
    } else {
      stream.destroy(new AbortError(undefined, { cause: reason }));
    }
  };
  if (signal.aborted) {
    onAbort();
  } else {
    signal.addEventListener("abort", onAbort, { once: true });
    if (isNodeStream(stream)) eos(stream, () => signal.removeEventListener("abort", onAbort));
  }
  return stream;
}

// ---- pipeline ----------------------------------------------------------------------------------

function popCallback(streams) {
  const cb = streams[streams.length - 1];
  registry.validateFunction(cb, "streams[stream.length - 1]");
  streams.length--;
  return cb;
}

function pipeline(...streams) {
  const callback = popCallback(streams);
  if (streams.length === 1 && ArrayIsArray(streams[0])) streams = streams[0];
  return pipelineImpl(streams, callback);
}

function makeAsyncIterable(val) {
  if (isIterable(val)) return val;
  if (isReadableNodeStream(val)) return streamToAsyncIterator(val);
  throw invalidArgType("val", "an instance of Readable, Iterable, or AsyncIterable", val);
}

async function pumpToNode(iterable, writable, finish, { end }) {
  let error;
  let onresolve = null;
  const resume = (e) => {
    if (e) error = e;
    if (onresolve) { const cb = onresolve; onresolve = null; cb(); }
  };
  const wait = () => new PromiseCtor((resolve, reject) => {
    if (error) reject(error);
    else onresolve = () => { if (error) reject(error); else resolve(); };
  });
  writable.on("drain", resume);
  const cleanup = eos(writable, { readable: false }, resume);
  try {
    if (writable.writableNeedDrain) await wait();
    for await (const chunk of iterable) {
      if (!writable.write(chunk)) await wait();
    }
    if (end) {
      writable.end();
      await wait();
    }
    finish();
  } catch (e) {
    finish(error !== e ? aggregateTwoErrors(error, e) : e);
  } finally {
    cleanup();
    writable.off("drain", resume);
  }
}

function pipeStreams(src, dst, finish, end) {
  let ended = false;
  dst.on("close", () => { if (!ended) finish(E.prematureClose()); });
  src.pipe(dst, { end: false });
  if (end) {
    const endFn = () => { ended = true; dst.end(); };
    if (isReadableFinished(src)) nextTick(endFn); else src.once("end", endFn);
    eos(dst, { readable: false, writable: true }, finish);
  } else {
    finish();
  }
  eos(src, { readable: true, writable: false }, (e) => {
    const r = src._readableState;
    if (e && e.code === "ERR_STREAM_PREMATURE_CLOSE" && r && r.ended && !r.errored && !r.errorEmitted) {
      src.once("end", finish).once("error", finish);
    } else {
      finish(e);
    }
  });
}

function toNodeStage(stream) {
  if (isReadableStream(stream)) return Readable.fromWeb(stream);
  if (isWritableStream(stream)) return Writable.fromWeb(stream);
  if (isTransformStream(stream)) return Duplex.fromWeb(stream);
  return stream;
}

function pipelineImpl(streams, callback, opts) {
  if (streams.length < 2) throw E.missingArgs("streams");
  const ac = new abort.AbortController();
  const signal = ac.signal;
  const outerSignal = opts && opts.signal;
  const destroys = [];
  let error;
  let value;
  let finishCount = 0;
  let done = false;

  function finish(e) { finishImpl(e, --finishCount === 0); }
  function finishImpl(e, final) {
    if (e && (!error || error.code === "ERR_STREAM_PREMATURE_CLOSE")) error = e;
    if (!error && !final) return;
    while (destroys.length) ArrayPrototypeShift(destroys)(error);
    if (outerSignal) outerSignal.removeEventListener("abort", onOuterAbort);
    ac.abort();
    if (final && !done) {
      done = true;
      nextTick(callback, error, value);
    }
  }
  function onOuterAbort() { finishImpl(new AbortError(undefined, { cause: outerSignal.reason }), false); }

  let ret;
  try {
    for (let i = 0; i < streams.length; i++) {
      const stream = toNodeStage(streams[i]);
      const reading = i < streams.length - 1;
      const writing = i > 0;
      const end = reading || !opts || opts.end !== false;
      if (isNodeStream(stream)) {
        finishCount++;
        let streamDone = false;
        eos(stream, { readable: reading, writable: writing }, (e) => {
          streamDone = !e;
          finish(e);
        });
        destroys.push((e) => {
          if (streamDone) return;
          streamDone = true;
          destroyer(stream, e || E.destroyed("pipe"));
        });
      }
      if (i === 0) {
        if (typeof stream === "function") {
          ret = stream({ signal });
          if (!isIterable(ret)) throw E.invalidReturn("Iterable, AsyncIterable or Stream", "source", ret);
        } else if (isIterable(stream) || isReadableNodeStream(stream)) {
          ret = stream;
        } else {
          ret = Duplex.from(stream);
        }
      } else if (typeof stream === "function") {
        ret = stream(makeAsyncIterable(ret), { signal });
        if (reading) {
          if (!isIterable(ret, true)) throw E.invalidReturn("AsyncIterable", `transform[${i - 1}]`, ret);
        } else {
          const pt = new PassThrough({ objectMode: true });
          const then = ret && ret.then;
          if (typeof then === "function") {
            finishCount++;
            FunctionPrototypeCall(then, ret, (val) => {
              value = val;
              if (val != null) pt.write(val);
              if (end) pt.end();
              nextTick(finish);
            }, (e) => {
              pt.destroy(e);
              nextTick(finish, e);
            });
          } else if (isIterable(ret, true)) {
            finishCount++;
            pumpToNode(ret, pt, finish, { end });
          } else {
            throw E.invalidReturn("AsyncIterable or Promise", "destination", ret);
          }
          ret = pt;
          finishCount++;
          let ptDone = false;
          eos(pt, { readable: false, writable: true }, (e) => { ptDone = !e; finish(e); });
          destroys.push((e) => { if (!ptDone) { ptDone = true; destroyer(pt, e || E.destroyed("pipe")); } });
        }
      } else if (isNodeStream(stream)) {
        if (isReadableNodeStream(ret)) {
          finishCount += 2;
          pipeStreams(ret, stream, finish, end);
        } else if (isIterable(ret)) {
          finishCount++;
          pumpToNode(ret, stream, finish, { end });
        } else {
          throw invalidArgType("val", "an instance of Readable, Iterable, AsyncIterable, ReadableStream, or TransformStream", ret);
        }
        ret = stream;
      } else {
        ret = Duplex.from(stream);
      }
    }
  } catch (e) {
    finishImpl(e, true);
    return ret;
  }
  if (outerSignal) {
    if (outerSignal.aborted) nextTick(onOuterAbort);
    else outerSignal.addEventListener("abort", onOuterAbort);
  }
  return ret;
}

// compose(): several stages as one Duplex: writes go to the first stage, reads come from the last.
function compose(...streams) {
  if (streams.length === 0) throw E.missingArgs("streams");
  if (streams.length === 1) return duplexFrom(streams[0], "streams[0]");
  const stages = ArrayPrototypeSlice(streams);
  if (typeof stages[0] === "function") stages[0] = duplexFrom(stages[0], "streams[0]");
  const head = toNodeStage(stages[0]);
  stages[0] = head;
  let result = null;
  let failure = null;
  const tail = pipelineImpl(stages, (e) => {
    if (e) { failure = e; if (result !== null) destroyer(result, e); }
  });
  result = duplexify({
    readable: isReadableNodeStream(tail) ? tail : undefined,
    writable: isWritableNodeStream(head) ? head : undefined,
  });
  if (failure) destroyer(result, failure);
  return result;
}

// ---- Duplex.from / duplexify -------------------------------------------------------------------

// A Duplex over an optional Readable (the output) and an optional Writable (the input).
function duplexify({ readable, writable }) {
  let onDrain = null, onFinishCb = null, onReadable = null;
  const d = new Duplex({
    readableObjectMode: readable ? !!readable.readableObjectMode : true,
    writableObjectMode: writable ? !!writable.writableObjectMode : true,
    readable: !!readable, writable: !!writable,
  });
  if (writable) {
    eos(writable, (e) => {
      if (e) destroyer(readable, e);
      const cb = onFinishCb;
      onFinishCb = null;
      if (cb) cb(e);
      else if (e) d.destroy(e);
    });
    d._write = function(chunk, enc, callback) {
      if (writable.write(chunk, enc)) callback();
      else onDrain = callback;
    };
    d._final = function(callback) {
      writable.end();
      onFinishCb = callback;
    };
    writable.on("drain", () => {
      if (onDrain) { const cb = onDrain; onDrain = null; cb(); }
    });
    writable.on("finish", () => {
      if (onFinishCb) { const cb = onFinishCb; onFinishCb = null; cb(); }
    });
  }
  if (readable) {
    eos(readable, (e) => {
      if (e) destroyer(readable, e);
      const cb = onReadable;
      onReadable = null;
      if (e) d.destroy(e);
      else if (cb) cb();
    });
    readable.on("readable", () => {
      if (onReadable) { const cb = onReadable; onReadable = null; cb(); }
    });
    readable.on("end", () => { d.push(null); });
    d._read = function() {
      while (true) {
        const buf = readable.read();
        if (buf === null) { onReadable = d._read; return; }
        if (!d.push(buf)) return;
      }
    };
  }
  d._destroy = function(e, callback) {
    onReadable = null; onDrain = null; onFinishCb = null;
    destroyer(writable, e);
    destroyer(readable, e);
    callback(e);
  };
  return d;
}

// Turns an async generator function `fn(source)` into a Duplex: writes feed `source`.
function fromAsyncGen(fn) {
  let resolveNext = null;
  const pending = [];
  const ac = new abort.AbortController();
  const deliver = (item) => {
    if (resolveNext) { const r = resolveNext; resolveNext = null; r(item); }
    else ArrayPrototypePush(pending, item);
  };
  const source = (async function*() {
    while (true) {
      const item = pending.length ? ArrayPrototypeShift(pending) : await new PromiseCtor((r) => { resolveNext = r; });
      const { chunk, done, cb } = item;
      nextTick(cb);
      if (done) return;
      if (ac.signal.aborted) throw new AbortError(undefined, { cause: ac.signal.reason });
      yield chunk;
    }
  })();
  return {
    value: fn(source, { signal: ac.signal }),
    write(chunk, enc, cb) { deliver({ chunk, done: false, cb }); },
    final(cb) { deliver({ done: true, cb }); },
    destroy(e, cb) { ac.abort(); cb(e); },
  };
}

function duplexFrom(body, name) {
  if (isDuplexNodeStream(body)) return body;
  if (isReadableNodeStream(body)) return duplexify({ readable: body });
  if (isWritableNodeStream(body)) return duplexify({ writable: body });
  if (isNodeStream(body)) return duplexify({});
  if (isReadableStream(body)) return duplexify({ readable: Readable.fromWeb(body) });
  if (isWritableStream(body)) return duplexify({ writable: Writable.fromWeb(body) });
  if (typeof body === "function") {
    const { value, write, final, destroy: destroyFn } = fromAsyncGen(body);
    if (isIterable(value)) {
      return readableFrom(Duplex, value, { objectMode: true, write, final, destroy: destroyFn });
    }
    const then = value && value.then;
    if (typeof then === "function") {
      let d;
      const promise = FunctionPrototypeCall(then, value, (val) => {
        if (val != null) throw E.invalidReturn("nully", "body", val);
      }, (e) => { destroyer(d, e); });
      d = new Duplex({
        objectMode: true, readable: false, write,
        final(cb) { final(async () => { try { await promise; nextTick(cb, null); } catch (e) { nextTick(cb, e); } }); },
        destroy: destroyFn,
      });
      return d;
    }
    throw E.invalidReturn("Iterable, AsyncIterable or AsyncFunction", name, value);
  }
  if (blobModule.isBlob(body)) return duplexFrom(body.arrayBuffer(), name);
  if (isIterable(body)) return readableFrom(Duplex, body, { objectMode: true, writable: false });
  if (body && isReadableStream(body.readable) && isWritableStream(body.writable)) return Duplex.fromWeb(body);
  if (body && (typeof body.writable === "object" || typeof body.readable === "object")) {
    const readable = body.readable ? (isReadableNodeStream(body.readable) ? body.readable : duplexFrom(body.readable, name)) : undefined;
    const writable = body.writable ? (isWritableNodeStream(body.writable) ? body.writable : duplexFrom(body.writable, name)) : undefined;
    return duplexify({ readable, writable });
  }
  const then = body && body.then;
  if (typeof then === "function") {
    let d;
    FunctionPrototypeCall(then, body, (val) => {
      if (val != null) d.push(val);
      d.push(null);
    }, (e) => { destroyer(d, e); });
    d = new Duplex({ objectMode: true, writable: false, read() {} });
    return d;
  }
  throw invalidArgType(name, "an instance of Blob, ReadableStream, WritableStream, Stream, Iterable, AsyncIterable, Function, { readable, writable } pair, or Promise", body);
}

// ---- web stream adapters -----------------------------------------------------------------------

function newReadableToWeb(streamReadable, options = {}) {
  if (!isReadableNodeStream(streamReadable)) throw invalidArgType("streamReadable", "an instance of Readable", streamReadable);
  if (isDestroyed(streamReadable) || !isReadable(streamReadable)) {
    const rs = new webStreams.ReadableStream();
    PromisePrototypeThen(rs.cancel(), undefined, nop);
    return rs;
  }
  const objectMode = streamReadable.readableObjectMode;
  const hwm = streamReadable.readableHighWaterMark;
  const strategy = options.strategy || (objectMode ? new webStreams.CountQueuingStrategy({ highWaterMark: hwm })
    : { highWaterMark: hwm, size(chunk) { return chunk.byteLength; } });
  let controller;
  let closedOrErrored = false;
  function onData(chunk) {
    if (Buffer.isBuffer(chunk) && !objectMode) chunk = new Uint8ArrayCtor(chunk);
    else if (typeof chunk === "string" && !objectMode) chunk = encoding.utf8Encode(chunk);
    controller.enqueue(chunk);
    if (controller.desiredSize <= 0) streamReadable.pause();
  }
  function onFinished(error) {
    cleanup();
    if (closedOrErrored) return;
    closedOrErrored = true;
    try {
      if (error && error.code === "ERR_STREAM_PREMATURE_CLOSE") controller.error(new AbortError(undefined, { cause: error }));
      else if (error != null) controller.error(error);
      else controller.close();
    } catch { /* already settled */ }
  }
  streamReadable.pause();
  const cleanup = eos(streamReadable, onFinished);
  streamReadable.on("data", onData);
  return new webStreams.ReadableStream({
    start(c) { controller = c; },
    pull() { streamReadable.resume(); },
    cancel(reason) {
      closedOrErrored = true;
      destroyer(streamReadable, reason);
    },
  }, strategy);
}

function newReadableFromWeb(readableStream, options = {}) {
  if (!isReadableStream(readableStream)) throw invalidArgType("readableStream", "an instance of ReadableStream", readableStream);
  const { highWaterMark, encoding: enc, objectMode = false, signal } = options;
  const reader = readableStream.getReader();
  let closed = false;
  const readable = new Readable({
    objectMode, highWaterMark, encoding: enc, signal,
    read() {
      PromisePrototypeThen(reader.read(), (chunk) => {
        if (chunk.done) readable.push(null);
        else readable.push(chunk.value);
      }, (error) => destroyer(readable, error));
    },
    destroy(error, callback) {
      const done = () => callback(error);
      if (!closed) { PromisePrototypeThen(reader.cancel(error), done, done); return; }
      done();
    },
  });
  PromisePrototypeThen(reader.closed, () => { closed = true; }, (error) => { closed = true; destroyer(readable, error); });
  return readable;
}

function newWritableToWeb(streamWritable) {
  if (!isWritableNodeStream(streamWritable)) throw invalidArgType("streamWritable", "an instance of Writable", streamWritable);
  if (isDestroyed(streamWritable) || !isWritable(streamWritable)) {
    const ws = new webStreams.WritableStream();
    PromisePrototypeThen(ws.close(), undefined, nop);
    return ws;
  }
  const hwm = streamWritable.writableHighWaterMark;
  const strategy = streamWritable.writableObjectMode ? new webStreams.CountQueuingStrategy({ highWaterMark: hwm })
    : { highWaterMark: hwm, size(chunk) { return chunk.byteLength; } };
  let controller;
  let backpressure = null;
  let closedDeferred = null;
  const deferred = () => {
    let resolve, reject;
    const promise = new PromiseCtor((a, b) => { resolve = a; reject = b; });
    return { promise, resolve, reject };
  };
  function onDrain() { if (backpressure) { backpressure.resolve(); backpressure = null; } }
  const cleanup = eos(streamWritable, (error) => {
    cleanup();
    streamWritable.off("drain", onDrain);
    if (error != null) {
      if (backpressure) { backpressure.reject(error); backpressure = null; }
      if (closedDeferred) { closedDeferred.reject(error); closedDeferred = null; }
      try { controller.error(error); } catch { /* already settled */ }
      return;
    }
    if (closedDeferred) { closedDeferred.resolve(); closedDeferred = null; }
  });
  streamWritable.on("drain", onDrain);
  return new webStreams.WritableStream({
    start(c) { controller = c; },
    write(chunk) {
      if (streamWritable.writableNeedDrain || !streamWritable.write(chunk)) {
        backpressure = deferred();
        return backpressure.promise;
      }
      return undefined;
    },
    abort(reason) { destroyer(streamWritable, reason); },
    close() {
      if (closedDeferred === null && !streamWritable.writableEnded) {
        closedDeferred = deferred();
        streamWritable.end();
        return closedDeferred.promise;
      }
      return PromiseCtor.resolve();
    },
  }, strategy);
}

function newWritableFromWeb(writableStream, options = {}) {
  if (!isWritableStream(writableStream)) throw invalidArgType("writableStream", "an instance of WritableStream", writableStream);
  const { highWaterMark, decodeStrings = true, objectMode = false, signal } = options;
  const writer = writableStream.getWriter();
  let closed = false;
  const toBytes = (chunk, enc) => {
    if (typeof chunk === "string" && decodeStrings && !objectMode) return Buffer.from(chunk, enc);
    return chunk;
  };
  const writable = new Writable({
    highWaterMark, objectMode, decodeStrings, signal,
    writev(chunks, callback) {
      // Writes settle in order, so the last one settling means all did (or the stream failed).
      const writeAll = () => {
        let last;
        for (let i = 0; i < chunks.length; i++) last = writer.write(toBytes(chunks[i].chunk, chunks[i].encoding));
        return last;
      };
      PromisePrototypeThen(PromisePrototypeThen(writer.ready, writeAll), () => callback(), (error) => callback(error));
    },
    write(chunk, enc, callback) {
      PromisePrototypeThen(PromisePrototypeThen(writer.ready, () => writer.write(toBytes(chunk, enc))),
        () => callback(), (error) => callback(error));
    },
    destroy(error, callback) {
      const done = () => callback(error);
      if (!closed) {
        if (error != null) PromisePrototypeThen(writer.abort(error), done, done);
        else PromisePrototypeThen(writer.close(), done, done);
        return;
      }
      done();
    },
    final(callback) {
      if (!closed) PromisePrototypeThen(writer.close(), () => callback(), (error) => callback(error));
      else callback();
    },
  });
  PromisePrototypeThen(writer.closed, () => {
    closed = true;
    if (!writable.writableEnded) destroyer(writable, E.prematureClose());
  }, (error) => {
    closed = true;
    destroyer(writable, error);
  });
  return writable;
}

function newDuplexFromWeb(pair, options = {}) {
  if (!pair || !isReadableStream(pair.readable) || !isWritableStream(pair.writable)) {
    throw invalidArgType("pair", "an object with readable and writable web streams", pair);
  }
  const { objectMode = false, encoding: enc, decodeStrings = true, signal } = options;
  const readable = newReadableFromWeb(pair.readable, { objectMode, encoding: enc, signal });
  const writable = newWritableFromWeb(pair.writable, { objectMode, decodeStrings, signal });
  return duplexify({ readable, writable });
}

Readable.fromWeb = (rs, options) => newReadableFromWeb(rs, options);
Readable.toWeb = (r, options) => newReadableToWeb(r, options);

// ---- module objects ----------------------------------------------------------------------------

function pipelinePromise(...streams) {
  return new PromiseCtor((resolve, reject) => {
    let opts;
    const last = streams[streams.length - 1];
    if (last && typeof last === "object" && !isNodeStream(last) && !isIterable(last) &&
        !isReadableStream(last) && !isWritableStream(last) && !isTransformStream(last)) {
      opts = streams.pop();
    }
    if (streams.length === 1 && ArrayIsArray(streams[0])) streams = streams[0];
    pipelineImpl(streams, (e, value) => { if (e) reject(e); else resolve(value); }, opts);
  });
}
function finishedPromise(stream, opts) {
  return new PromiseCtor((resolve, reject) => {
    eos(stream, opts, (e) => { if (e) reject(e); else resolve(); });
  });
}
const promises = { pipeline: pipelinePromise, finished: finishedPromise };

ObjectDefineProperty(pipeline, Symbol.for("nodejs.util.promisify.custom"), { value: pipelinePromise, enumerable: false });
ObjectDefineProperty(finished, Symbol.for("nodejs.util.promisify.custom"), { value: finishedPromise, enumerable: false });

function buildStream() {
  const mod = Stream;
  mod.Stream = Stream;
  mod.Readable = Readable;
  mod.Writable = Writable;
  mod.Duplex = Duplex;
  mod.Transform = Transform;
  mod.PassThrough = PassThrough;
  mod.pipeline = pipeline;
  mod.finished = finished;
  mod.addAbortSignal = addAbortSignal;
  mod.compose = compose;
  mod.destroy = destroyer;
  mod.isDisturbed = isDisturbed;
  mod.isErrored = isErrored;
  mod.isReadable = Readable.isReadable;
  mod.isWritable = (s) => !!(s && isWritable(s));
  mod.getDefaultHighWaterMark = getDefaultHighWaterMark;
  mod.setDefaultHighWaterMark = setDefaultHighWaterMark;
  mod.duplexPair = duplexPair;
  ObjectDefineProperty(mod, "promises", { value: promises, enumerable: true, configurable: true });
  mod._isUint8Array = (v) => v instanceof Uint8ArrayCtor;
  mod._uint8ArrayToBuffer = (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return mod;
}

// Two Duplexes connected to each other: what one writes the other reads.
function duplexPair(options) {
  const a = new Duplex({ ...options, read() {} });
  const b = new Duplex({ ...options, read() {} });
  const link = (self, other) => {
    self._write = (chunk, enc, cb) => { other.push(chunk); cb(); };
    self._final = (cb) => { other.push(null); cb(); };
  };
  link(a, b);
  link(b, a);
  return [a, b];
}

registry.define("stream", buildStream);
registry.define("stream/promises", () => promises);
registry.define("stream/web", () => ({
  ReadableStream: webStreams.ReadableStream,
  ReadableStreamDefaultReader: webStreams.ReadableStreamDefaultReader,
  ReadableStreamBYOBReader: webStreams.ReadableStreamBYOBReader,
  ReadableStreamBYOBRequest: webStreams.ReadableStreamBYOBRequest,
  ReadableByteStreamController: webStreams.ReadableByteStreamController,
  ReadableStreamDefaultController: webStreams.ReadableStreamDefaultController,
  TransformStream: webStreams.TransformStream,
  TransformStreamDefaultController: webStreams.TransformStreamDefaultController,
  WritableStream: webStreams.WritableStream,
  WritableStreamDefaultWriter: webStreams.WritableStreamDefaultWriter,
  WritableStreamDefaultController: webStreams.WritableStreamDefaultController,
  ByteLengthQueuingStrategy: webStreams.ByteLengthQueuingStrategy,
  CountQueuingStrategy: webStreams.CountQueuingStrategy,
  TextEncoderStream: streamAdapters.TextEncoderStream,
  TextDecoderStream: streamAdapters.TextDecoderStream,
  CompressionStream: compression.CompressionStream,
  DecompressionStream: compression.DecompressionStream,
}));

// stream/consumers: read a whole stream (Node stream, web stream or async iterable).
async function collectBytes(stream) {
  const parts = [];
  let total = 0;
  if (isReadableStream(stream)) stream = newReadableFromWeb(stream);
  for await (const chunk of stream) {
    const b = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    ArrayPrototypePush(parts, b);
    total += b.byteLength;
  }
  const out = new Uint8ArrayCtor(total);
  let off = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    out.set(p instanceof Uint8ArrayCtor ? p : new Uint8ArrayCtor(p.buffer || p, p.byteOffset || 0, p.byteLength), off);
    off += p.byteLength;
  }
  return out;
}
const consumers = {
  async arrayBuffer(stream) { return (await collectBytes(stream)).buffer; },
  async buffer(stream) { const b = await collectBytes(stream); return Buffer.from(b.buffer, b.byteOffset, b.byteLength); },
  async blob(stream) { return new blobModule.Blob([await collectBytes(stream)]); },
  async text(stream) { return encoding.utf8Decode(await collectBytes(stream)); },
  async json(stream) { return JSONParse(encoding.utf8Decode(await collectBytes(stream))); },
};
registry.define("stream/consumers", () => consumers);

exports.Stream = Stream;
exports.Readable = Readable;
exports.Writable = Writable;
exports.Duplex = Duplex;
exports.Transform = Transform;
exports.PassThrough = PassThrough;
exports.finished = eos;
exports.pipeline = pipeline;
exports.destroyer = destroyer;
exports.errorOrDestroy = errorOrDestroy;
exports.AbortError = AbortError;
