"use strict";
// node:zlib: deflate/inflate (zlib, gzip, raw, auto-detecting unzip) and brotli, as one-shot sync
// functions, callback functions and Transform streams, over the engines in api/node_zlib.cc.

const { ObjectKeys, ObjectFreeze, ObjectSetPrototypeOf, ReflectApply, NumberIsFinite, NumberIsInteger,
  Symbol: SymbolCtor, RangeError: RangeErrorCtor, TypeError: TypeErrorCtor, Error: ErrorCtor,
  ArrayPrototypePush, Uint8Array: Uint8ArrayCtor, ArrayBufferIsView, ArrayIsArray, ObjectDefineProperty,
  StringPrototypeStartsWith } = internal.primordials;
const ops = internal.ops;
const registry = internal.require("node_registry");
const timers = internal.require("timers");
const { Buffer } = internal.require("node_buffer");
const { Transform, finished } = internal.require("node_stream");

// The values Node publishes as zlib.constants.
const constants = {
  Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5, Z_OK: 0,
  Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4,
  Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6, Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9,
  Z_DEFAULT_COMPRESSION: -1, Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0,
  ZLIB_VERNUM: 5120, DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7,
  BROTLI_DECODE: 8, BROTLI_ENCODE: 9, Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15,
  Z_MIN_CHUNK: 64, Z_MAX_CHUNK: 134217728, Z_DEFAULT_CHUNK: 16384, Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9,
  Z_DEFAULT_MEMLEVEL: 8, Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1, BROTLI_OPERATION_PROCESS: 0,
  BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2, BROTLI_OPERATION_EMIT_METADATA: 3,
  BROTLI_PARAM_MODE: 0, BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2,
  BROTLI_DEFAULT_MODE: 0, BROTLI_PARAM_QUALITY: 1, BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11,
  BROTLI_DEFAULT_QUALITY: 11, BROTLI_PARAM_LGWIN: 2, BROTLI_MIN_WINDOW_BITS: 10, BROTLI_MAX_WINDOW_BITS: 24,
  BROTLI_LARGE_MAX_WINDOW_BITS: 30, BROTLI_DEFAULT_WINDOW: 22, BROTLI_PARAM_LGBLOCK: 3,
  BROTLI_MIN_INPUT_BLOCK_BITS: 16, BROTLI_MAX_INPUT_BLOCK_BITS: 24,
  BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4, BROTLI_PARAM_SIZE_HINT: 5, BROTLI_PARAM_LARGE_WINDOW: 6,
  BROTLI_PARAM_NPOSTFIX: 7, BROTLI_PARAM_NDIRECT: 8, BROTLI_DECODER_RESULT_ERROR: 0,
  BROTLI_DECODER_RESULT_SUCCESS: 1, BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2,
  BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3, BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0,
  BROTLI_DECODER_PARAM_LARGE_WINDOW: 1, BROTLI_DECODER_NO_ERROR: 0, BROTLI_DECODER_SUCCESS: 1,
  BROTLI_DECODER_NEEDS_MORE_INPUT: 2, BROTLI_DECODER_NEEDS_MORE_OUTPUT: 3,
  BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_NIBBLE: -1, BROTLI_DECODER_ERROR_FORMAT_RESERVED: -2,
  BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_META_NIBBLE: -3,
  BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_ALPHABET: -4,
  BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_SAME: -5, BROTLI_DECODER_ERROR_FORMAT_CL_SPACE: -6,
  BROTLI_DECODER_ERROR_FORMAT_HUFFMAN_SPACE: -7, BROTLI_DECODER_ERROR_FORMAT_CONTEXT_MAP_REPEAT: -8,
  BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_1: -9, BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_2: -10,
  BROTLI_DECODER_ERROR_FORMAT_TRANSFORM: -11, BROTLI_DECODER_ERROR_FORMAT_DICTIONARY: -12,
  BROTLI_DECODER_ERROR_FORMAT_WINDOW_BITS: -13, BROTLI_DECODER_ERROR_FORMAT_PADDING_1: -14,
  BROTLI_DECODER_ERROR_FORMAT_PADDING_2: -15, BROTLI_DECODER_ERROR_FORMAT_DISTANCE: -16,
  BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET: -19, BROTLI_DECODER_ERROR_INVALID_ARGUMENTS: -20,
  BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES: -21, BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS: -22,
  BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP: -25, BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1: -26,
  BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2: -27, BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES: -30,
  BROTLI_DECODER_ERROR_UNREACHABLE: -31,
};
ObjectFreeze(constants);

const codes = {
  Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
  Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
};
for (const key of ObjectKeys(codes)) codes[codes[key]] = key;
ObjectFreeze(codes);

const { Z_NO_FLUSH, Z_FULL_FLUSH, Z_FINISH, BROTLI_OPERATION_PROCESS, BROTLI_OPERATION_FLUSH,
  BROTLI_OPERATION_FINISH, DEFLATE, INFLATE, GZIP, GUNZIP, DEFLATERAW, INFLATERAW, UNZIP,
  BROTLI_DECODE, BROTLI_ENCODE } = constants;

function nextTick(fn, ...args) { timers.queueMicrotask(() => ReflectApply(fn, undefined, args)); }

// ---- option checks -----------------------------------------------------------------------------

function outOfRange(name, lower, upper, value) {
  return registry.codedError(RangeErrorCtor, "ERR_OUT_OF_RANGE",
    `The value of "${name}" is out of range. It must be >= ${lower} and <= ${upper}. Received ${value}`);
}

// A numeric option: undefined (and NaN, as in Node) gives `def`.
function checkRange(opts, key, lower, upper, def) {
  const value = opts[key];
  if (value === undefined || (typeof value === "number" && value !== value)) return def;
  const name = `options.${key}`;
  if (typeof value !== "number") throw registry.invalidArgType(name, "of type number", value);
  if (!NumberIsFinite(value)) {
    throw registry.codedError(RangeErrorCtor, "ERR_OUT_OF_RANGE",
      `The value of "${name}" is out of range. It must be a finite number. Received ${value}`);
  }
  if (value < lower || value > upper) throw outOfRange(name, lower, upper, value);
  return value;
}

function isBytes(v) { return ArrayBufferIsView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer; }
function toBytes(v) {
  if (v instanceof Uint8ArrayCtor) return v;
  if (ArrayBufferIsView(v)) return new Uint8ArrayCtor(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8ArrayCtor(v);
}

function inputBytes(buffer, name = "buffer") {
  if (typeof buffer === "string") return Buffer.from(buffer, "utf8");
  if (isBytes(buffer)) return toBytes(buffer);
  throw registry.invalidArgType(name, "of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer", buffer);
}

function zlibError(result) {
  const err = new ErrorCtor(result.message);
  err.errno = result.errno;
  err.code = result.code;
  return err;
}

// Builds the native engine for `mode` from Node-style options; returns the stream settings too.
// As in workerd, node:zlib imports under nodejs_compat but works only with nodejs_zlib (implied by
// nodejs_compat from 2024-09-23).
function checkEnabled() {
  if (!ops.compatFlag("nodeJsZlib")) throw new ErrorCtor('Compatibility flag "nodejs_zlib" is not enabled');
}

function makeEngine(mode, opts) {
  checkEnabled();
  if (opts === undefined || opts === null) opts = {};
  else if (typeof opts !== "object") throw registry.invalidArgType("options", "of type object", opts);
  const brotli = mode === BROTLI_DECODE || mode === BROTLI_ENCODE;
  const processFlag = brotli ? BROTLI_OPERATION_PROCESS : Z_NO_FLUSH;
  const flush = checkRange(opts, "flush", brotli ? BROTLI_OPERATION_PROCESS : Z_NO_FLUSH,
    brotli ? constants.BROTLI_OPERATION_EMIT_METADATA : constants.Z_BLOCK, processFlag);
  const finishFlush = checkRange(opts, "finishFlush", brotli ? BROTLI_OPERATION_PROCESS : Z_NO_FLUSH,
    brotli ? constants.BROTLI_OPERATION_EMIT_METADATA : constants.Z_BLOCK, brotli ? BROTLI_OPERATION_FINISH : Z_FINISH);
  const chunkSize = checkRange(opts, "chunkSize", constants.Z_MIN_CHUNK, Infinity, constants.Z_DEFAULT_CHUNK);
  const maxOutputLength = checkRange(opts, "maxOutputLength", 1, 2 ** 53 - 1, 2 ** 32);
  let handle;
  if (brotli) {
    const params = [];
    if (opts.params !== undefined) {
      if (opts.params === null || typeof opts.params !== "object") {
        throw registry.invalidArgType("options.params", "of type object", opts.params);
      }
      for (const key of ObjectKeys(opts.params)) {
        const id = +key;
        if (!NumberIsInteger(id) || id < 0 || id > 8 || (mode === BROTLI_DECODE && id > 1)) {
          throw registry.codedError(RangeErrorCtor, "ERR_BROTLI_INVALID_PARAM", `${key} is not a valid Brotli parameter`);
        }
        const value = opts.params[key];
        if (typeof value !== "number" && typeof value !== "boolean") {
          throw registry.invalidArgType("options.params[key]", "of type number", value);
        }
        ArrayPrototypePush(params, [id, +value]);
      }
    }
    try {
      handle = ops.nodeZlibNew(mode, params);
    } catch {
      throw registry.codedError(ErrorCtor, "ERR_ZLIB_INITIALIZATION_FAILED", "Initialization failed");
    }
  } else {
    const inflating = mode === INFLATE || mode === GUNZIP || mode === INFLATERAW || mode === UNZIP;
    let windowBits = checkRange(opts, "windowBits", inflating && mode !== INFLATERAW ? 0 : constants.Z_MIN_WINDOWBITS,
      constants.Z_MAX_WINDOWBITS, constants.Z_DEFAULT_WINDOWBITS);
    if (windowBits === 0) windowBits = constants.Z_DEFAULT_WINDOWBITS;
    const level = checkRange(opts, "level", constants.Z_MIN_LEVEL, constants.Z_MAX_LEVEL, constants.Z_DEFAULT_COMPRESSION);
    const memLevel = checkRange(opts, "memLevel", constants.Z_MIN_MEMLEVEL, constants.Z_MAX_MEMLEVEL, constants.Z_DEFAULT_MEMLEVEL);
    const strategy = checkRange(opts, "strategy", constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, constants.Z_DEFAULT_STRATEGY);
    let dictionary;
    if (opts.dictionary !== undefined) {
      if (!isBytes(opts.dictionary)) {
        throw registry.invalidArgType("options.dictionary", "an instance of Buffer, TypedArray, DataView, or ArrayBuffer", opts.dictionary);
      }
      dictionary = toBytes(opts.dictionary);
    }
    handle = ops.nodeZlibNew(mode, level, windowBits, memLevel, strategy, dictionary);
  }
  return { handle, flush, finishFlush, chunkSize, maxOutputLength, brotli };
}

// Runs `bytes` through the engine; returns the output pieces or throws the engine's error.
function runEngine(handle, bytes, flushFlag) {
  const result = ops.nodeZlibWrite(handle, bytes, flushFlag);
  if (!ArrayIsArray(result)) throw zlibError(result);
  return result;
}

function concatPieces(pieces, maxOutputLength) {
  let total = 0;
  for (let i = 0; i < pieces.length; i++) total += pieces[i].byteLength;
  if (total > maxOutputLength) {
    throw registry.codedError(RangeErrorCtor, "ERR_BUFFER_TOO_LARGE",
      `Cannot create a Buffer larger than ${maxOutputLength} bytes`);
  }
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < pieces.length; i++) { out.set(pieces[i], off); off += pieces[i].byteLength; }
  return out;
}

function processSync(mode, buffer, opts) {
  const bytes = inputBytes(buffer);
  const engine = makeEngine(mode, opts);
  try {
    return concatPieces(runEngine(engine.handle, bytes, engine.finishFlush), engine.maxOutputLength);
  } finally {
    ops.nodeZlibClose(engine.handle);
  }
}

function processAsync(mode, buffer, opts, callback) {
  if (typeof opts === "function") { callback = opts; opts = {}; }
  registry.validateFunction(callback, "callback");
  const bytes = inputBytes(buffer);
  const engine = makeEngine(mode, opts);
  // The work runs after the caller's turn, so the callback never runs synchronously.
  timers.setTimeout(() => {
    let result, error = null;
    try {
      result = concatPieces(runEngine(engine.handle, bytes, engine.finishFlush), engine.maxOutputLength);
    } catch (e) {
      error = e;
    } finally {
      ops.nodeZlibClose(engine.handle);
    }
    if (error) callback(error); else callback(null, result);
  }, 0);
}

// ---- streams -----------------------------------------------------------------------------------

const kFlushFlag = SymbolCtor("kFlushFlag");

function ZlibBase(mode, opts) {
  const engine = makeEngine(mode, opts);
  ReflectApply(Transform, this, [{ autoDestroy: true, ...(opts || {}) }]);
  this._handle = engine.handle;
  this._mode = mode;
  this._defaultFlushFlag = engine.flush;
  this._finishFlushFlag = engine.finishFlush;
  this._defaultFullFlushFlag = engine.brotli ? BROTLI_OPERATION_FLUSH : Z_FULL_FLUSH;
  this._chunkSize = engine.chunkSize;
  this._maxOutputLength = engine.maxOutputLength;
  this._outputLength = 0;
  this.bytesWritten = 0;
}
ObjectSetPrototypeOf(ZlibBase.prototype, Transform.prototype);
ObjectSetPrototypeOf(ZlibBase, Transform);

ZlibBase.prototype._process = function(chunk, flushFlag, cb) {
  if (this._handle === null) { cb(registry.codedError(ErrorCtor, "ERR_ZLIB_BINDING_CLOSED", "zlib binding closed")); return; }
  let pieces;
  try {
    pieces = runEngine(this._handle, chunk, flushFlag);
  } catch (e) {
    cb(e);
    return;
  }
  this.bytesWritten += chunk.byteLength;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    this._outputLength += piece.byteLength;
    // Large outputs go out in chunkSize pieces, like Node's streaming engine.
    for (let off = 0; off < piece.byteLength; off += this._chunkSize) {
      const part = piece.subarray(off, off + this._chunkSize);
      this.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
    }
  }
  cb();
};

ZlibBase.prototype._transform = function(chunk, encoding, cb) {
  let flushFlag = chunk[kFlushFlag] !== undefined ? chunk[kFlushFlag] : this._defaultFlushFlag;
  if (chunk[kFlushFlag] === undefined && this.writableEnded && this.writableLength === chunk.byteLength) {
    flushFlag = this._finishFlushFlag;
  }
  this._process(chunk, flushFlag, cb);
};

ZlibBase.prototype._flush = function(cb) {
  this._process(Buffer.alloc(0), this._finishFlushFlag, cb);
};

ZlibBase.prototype.flush = function(kind, callback) {
  if (typeof kind === "function" || (kind === undefined && !callback)) { callback = kind; kind = this._defaultFullFlushFlag; }
  if (this.writableFinished) {
    if (callback) nextTick(callback);
  } else if (this.writableEnded) {
    if (callback) this.once("end", callback);
  } else {
    const marker = Buffer.alloc(0);
    marker[kFlushFlag] = kind;
    this.write(marker, "", callback);
  }
};

ZlibBase.prototype.params = function(level, strategy, callback) {
  if (this._mode !== DEFLATE && this._mode !== GZIP && this._mode !== DEFLATERAW) {
    throw registry.codedError(ErrorCtor, "ERR_INVALID_STATE", "Invalid state: params() needs a compressing stream");
  }
  checkRange({ level }, "level", constants.Z_MIN_LEVEL, constants.Z_MAX_LEVEL, 0);
  checkRange({ strategy }, "strategy", constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, 0);
  this.flush(constants.Z_SYNC_FLUSH, () => {
    if (this._handle !== null) ops.nodeZlibParams(this._handle, level, strategy);
    if (callback) callback();
  });
};

ZlibBase.prototype.reset = function() {
  if (this._handle === null) throw registry.codedError(ErrorCtor, "ERR_ZLIB_BINDING_CLOSED", "zlib binding closed");
  ops.nodeZlibReset(this._handle);
};

ZlibBase.prototype.close = function(callback) {
  if (callback) finished(this, callback);
  this.destroy();
};

ZlibBase.prototype._destroy = function(err, callback) {
  if (this._handle !== null) {
    ops.nodeZlibClose(this._handle);
    this._handle = null;
  }
  callback(err);
};

ObjectDefineProperty(ZlibBase.prototype, "_closed", {
  get() { return this._handle === null; }, configurable: true,
});
ObjectDefineProperty(ZlibBase.prototype, "bytesRead", {
  get() { return this.bytesWritten; }, configurable: true,
});

function defineClass(name, mode) {
  const Ctor = { [name]: function(opts) {
    if (!(this instanceof Ctor)) return new Ctor(opts);
    ReflectApply(ZlibBase, this, [mode, opts]);
  } }[name];
  ObjectSetPrototypeOf(Ctor.prototype, ZlibBase.prototype);
  ObjectSetPrototypeOf(Ctor, ZlibBase);
  return Ctor;
}

const classes = {
  Deflate: defineClass("Deflate", DEFLATE),
  Inflate: defineClass("Inflate", INFLATE),
  Gzip: defineClass("Gzip", GZIP),
  Gunzip: defineClass("Gunzip", GUNZIP),
  DeflateRaw: defineClass("DeflateRaw", DEFLATERAW),
  InflateRaw: defineClass("InflateRaw", INFLATERAW),
  Unzip: defineClass("Unzip", UNZIP),
  BrotliCompress: defineClass("BrotliCompress", BROTLI_ENCODE),
  BrotliDecompress: defineClass("BrotliDecompress", BROTLI_DECODE),
};

function crc32(data, value = 0) {
  checkEnabled();
  const bytes = inputBytes(data, "data");
  if (typeof value !== "number") throw registry.invalidArgType("value", "of type number", value);
  if (!NumberIsInteger(value) || value < 0 || value > 0xffffffff) throw outOfRange("value", 0, 4294967295, value);
  return ops.nodeCrc32(bytes, value);
}

function build() {
  const mod = { crc32, codes, constants };
  for (const key of ObjectKeys(constants)) {
    if (StringPrototypeStartsWith(key, "Z_") || key === "ZLIB_VERNUM" || StringPrototypeStartsWith(key, "BROTLI_") ||
        key === "DEFLATE" || key === "INFLATE" || key === "GZIP" || key === "GUNZIP" || key === "DEFLATERAW" ||
        key === "INFLATERAW" || key === "UNZIP") {
      ObjectDefineProperty(mod, key, { value: constants[key], enumerable: true, writable: false });
    }
  }
  const pairs = [
    ["Deflate", "deflate", DEFLATE], ["Inflate", "inflate", INFLATE], ["Gzip", "gzip", GZIP],
    ["Gunzip", "gunzip", GUNZIP], ["DeflateRaw", "deflateRaw", DEFLATERAW], ["InflateRaw", "inflateRaw", INFLATERAW],
    ["Unzip", "unzip", UNZIP], ["BrotliCompress", "brotliCompress", BROTLI_ENCODE],
    ["BrotliDecompress", "brotliDecompress", BROTLI_DECODE],
  ];
  for (const [cls, fn, mode] of pairs) {
    const Ctor = classes[cls];
    mod[cls] = Ctor;
    mod[`create${cls}`] = { [`create${cls}`](opts) { return new Ctor(opts); } }[`create${cls}`];
    mod[fn] = { [fn](buffer, opts, callback) { processAsync(mode, buffer, opts, callback); } }[fn];
    mod[`${fn}Sync`] = { [`${fn}Sync`](buffer, opts) { return processSync(mode, buffer, opts); } }[`${fn}Sync`];
  }
  return mod;
}

registry.define("zlib", build);
