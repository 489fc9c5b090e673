"use strict";
// node:util and node:util/types (node:sys is the old name of node:util).

const {
  ObjectDefineProperty, ObjectDefineProperties, ObjectGetOwnPropertyDescriptors, ObjectSetPrototypeOf,
  ObjectGetPrototypeOf, ObjectPrototypeToString, ArrayBufferIsView, ReflectApply,
  Promise: PromiseCtor, Error: ErrorCtor, TypeError: TypeErrorCtor,
} = internal.primordials;
const ops = internal.ops;
const registry = internal.require("node_registry");
const compare = internal.require("node_compare");
const consoleModule = internal.require("console");
const encoding = internal.require("encoding");
const abort = internal.require("abort");

const TypedArrayProto = ObjectGetPrototypeOf(Uint8Array.prototype);
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag).get;

// ---- util.types -------------------------------------------------------------------------------

function makeTypes() {
  const tag = (v) => (v !== null && (typeof v === "object" || typeof v === "function")) ? ops.nodeTypeTag(v) : "";
  const taTag = (v) => ReflectApply(typedArrayTag, v, []);
  const types = {
    isExternal: (v) => tag(v) === "external",
    isDate: (v) => tag(v) === "date",
    isArgumentsObject: (v) => tag(v) === "arguments",
    isBigIntObject: (v) => tag(v) === "bigIntObject",
    isBooleanObject: (v) => tag(v) === "booleanObject",
    isNumberObject: (v) => tag(v) === "numberObject",
    isStringObject: (v) => tag(v) === "stringObject",
    isSymbolObject: (v) => tag(v) === "symbolObject",
    isBoxedPrimitive: (v) => /^(bigInt|boolean|number|string|symbol)Object$/.test(tag(v)),
    isNativeError: (v) => tag(v) === "nativeError",
    isRegExp: (v) => tag(v) === "regExp",
    isAsyncFunction: (v) => tag(v) === "asyncFunction" || tag(v) === "asyncGeneratorFunction",
    isGeneratorFunction: (v) => tag(v) === "generatorFunction" || tag(v) === "asyncGeneratorFunction",
    isGeneratorObject: (v) => tag(v) === "generatorObject",
    isPromise: (v) => tag(v) === "promise",
    isMap: (v) => tag(v) === "map",
    isSet: (v) => tag(v) === "set",
    isMapIterator: (v) => tag(v) === "mapIterator",
    isSetIterator: (v) => tag(v) === "setIterator",
    isWeakMap: (v) => tag(v) === "weakMap",
    isWeakSet: (v) => tag(v) === "weakSet",
    isArrayBuffer: (v) => tag(v) === "arrayBuffer",
    isDataView: (v) => tag(v) === "dataView",
    isSharedArrayBuffer: (v) => tag(v) === "sharedArrayBuffer",
    isAnyArrayBuffer: (v) => tag(v) === "arrayBuffer" || tag(v) === "sharedArrayBuffer",
    isProxy: (v) => tag(v) === "proxy",
    isModuleNamespaceObject: (v) => tag(v) === "moduleNamespace",
    isArrayBufferView: (v) => ArrayBufferIsView(v),
    isTypedArray: (v) => ArrayBufferIsView(v) && taTag(v) !== undefined,
    isKeyObject: (v) => false,
    isCryptoKey: (v) => typeof CryptoKey === "function" && v instanceof CryptoKey,
  };
  for (const name of ["Uint8Array", "Uint8ClampedArray", "Uint16Array", "Uint32Array", "Int8Array", "Int16Array",
    "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"]) {
    types[`is${name}`] = (v) => ArrayBufferIsView(v) && taTag(v) === name;
  }
  return types;
}
const types = makeTypes();

// ---- inspect / format -------------------------------------------------------------------------

const inspectCustom = consoleModule.kInspect;
function inspect(value, opts = undefined) {
  // inspect(value, showHidden, depth, colors) is the legacy form.
  if (typeof opts !== "object" || opts === null) {
    opts = arguments.length > 2 ? { depth: arguments[2] } : {};
  }
  const merged = { ...inspect.defaultOptions, ...opts };
  return consoleModule.inspect(value, merged);
}
ObjectDefineProperty(inspect, "custom", { value: inspectCustom, enumerable: false, writable: false });
inspect.defaultOptions = {
  showHidden: false, depth: 2, colors: false, customInspect: true, showProxy: false,
  maxArrayLength: 100, maxStringLength: 10000, breakLength: 128, compact: 3, sorted: false, getters: false,
  numericSeparator: false,
};
inspect.colors = {
  __proto__: null, reset: [0, 0], bold: [1, 22], dim: [2, 22], italic: [3, 23], underline: [4, 24],
  inverse: [7, 27], hidden: [8, 28], strikethrough: [9, 29], black: [30, 39], red: [31, 39], green: [32, 39],
  yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39], white: [37, 39], gray: [90, 39],
};
inspect.styles = {
  __proto__: null, special: "cyan", number: "yellow", bigint: "yellow", boolean: "yellow", undefined: "grey",
  null: "bold", string: "green", symbol: "green", date: "magenta", regexp: "red", module: "underline",
};

function format(...args) { return consoleModule.format(args); }
function formatWithOptions(options, ...args) {
  if (typeof options !== "object" || options === null) {
    throw registry.invalidArgType("inspectOptions", "of type object", options);
  }
  return consoleModule.format(args);
}

// ---- promisify / callbackify ------------------------------------------------------------------

const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");
function promisify(original) {
  registry.validateFunction(original, "original");
  if (original[kCustomPromisify]) {
    const fn = original[kCustomPromisify];
    registry.validateFunction(fn, "util.promisify.custom");
    return ObjectDefineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
  }
  function fn(...args) {
    return new PromiseCtor((resolve, reject) => {
      ReflectApply(original, this, [...args, (err, ...values) => {
        if (err) return reject(err);
        resolve(values[0]);
      }]);
    });
  }
  ObjectSetPrototypeOf(fn, ObjectGetPrototypeOf(original));
  ObjectDefineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
  return ObjectDefineProperties(fn, ObjectGetOwnPropertyDescriptors(original));
}
ObjectDefineProperty(promisify, "custom", { value: kCustomPromisify, enumerable: false });

function callbackify(original) {
  registry.validateFunction(original, "original");
  function callbackified(...args) {
    const cb = args.pop();
    registry.validateFunction(cb, "last argument");
    const onDone = (err, value) => queueMicrotask(() => cb(err, value));
    ReflectApply(original, this, args).then(
      (value) => onDone(null, value),
      (reason) => {
        if (!reason) {
          const err = new ErrorCtor("Promise was rejected with a falsy value");
          err.code = "ERR_FALSY_VALUE_REJECTION";
          err.reason = reason;
          reason = err;
        }
        onDone(reason);
      });
  }
  const descriptors = ObjectGetOwnPropertyDescriptors(original);
  if (typeof descriptors.length.value === "number") descriptors.length.value++;
  if (typeof descriptors.name.value === "string") descriptors.name.value += "Callbackified";
  ObjectSetPrototypeOf(callbackified, ObjectGetPrototypeOf(original));
  return ObjectDefineProperties(callbackified, descriptors);
}

// ---- the rest ---------------------------------------------------------------------------------

const warnedCodes = new Set();
function deprecate(fn, message, code = undefined) {
  registry.validateFunction(fn, "fn");
  let warned = false;
  function deprecated(...args) {
    if (!warned && !(code !== undefined && warnedCodes.has(code))) {
      warned = true;
      if (code !== undefined) warnedCodes.add(code);
      const proc = globalThis.process;
      if (proc && typeof proc.emitWarning === "function") proc.emitWarning(message, "DeprecationWarning", code);
      else consoleModule.console.warn(`${code ? `[${code}] ` : ""}DeprecationWarning: ${message}`);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : ReflectApply(fn, this, args);
  }
  ObjectSetPrototypeOf(deprecated, fn);
  if (fn.prototype) deprecated.prototype = fn.prototype;
  return deprecated;
}

function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw registry.invalidArgType("ctor", "of type function", ctor);
  if (superCtor === undefined || superCtor === null) throw registry.invalidArgType("superCtor", "of type function", superCtor);
  if (superCtor.prototype === undefined) throw registry.invalidArgType("superCtor.prototype", "of type object", superCtor.prototype);
  ObjectDefineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
  ObjectSetPrototypeOf(ctor.prototype, superCtor.prototype);
}

function debuglog(section, callback) {
  const fn = function debug() {};
  fn.enabled = false;
  if (typeof callback === "function") callback(fn);
  return fn;
}

function stripVTControlCharacters(str) {
  if (typeof str !== "string") throw registry.invalidArgType("str", "of type string", str);
  return str.replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g, "");
}

function toUSVString(s) { return `${s}`.toWellFormed ? `${s}`.toWellFormed() : internal.require("util").toUSVString(s); }

function aborted(signal, resource) {
  if (!abort.isAbortSignal(signal)) throw registry.invalidArgType("signal", "an instance of AbortSignal", signal);
  if (resource === null || (typeof resource !== "object" && typeof resource !== "function")) {
    throw registry.invalidArgType("resource", "of type object", resource);
  }
  if (signal.aborted) return PromiseCtor.resolve();
  return new PromiseCtor((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function getSystemErrorName(code) { return `Unknown system error ${code}`; }

function isError(value) { return types.isNativeError(value) || value instanceof ErrorCtor; }

function build() {
  const util = {
    format, formatWithOptions, inspect, promisify, callbackify, deprecate, inherits, debuglog,
    debug: debuglog, isDeepStrictEqual: compare.isDeepStrictEqual, types: { ...types },
    TextEncoder: encoding.TextEncoder, TextDecoder: encoding.TextDecoder, stripVTControlCharacters,
    toUSVString, aborted, getSystemErrorName,
    isArray: Array.isArray, isError,
    isBoolean: (v) => typeof v === "boolean", isNull: (v) => v === null,
    isNullOrUndefined: (v) => v === null || v === undefined, isNumber: (v) => typeof v === "number",
    isString: (v) => typeof v === "string", isSymbol: (v) => typeof v === "symbol",
    isUndefined: (v) => v === undefined, isRegExp: types.isRegExp,
    isObject: (v) => v !== null && typeof v === "object", isDate: types.isDate,
    isFunction: (v) => typeof v === "function",
    isPrimitive: (v) => v === null || (typeof v !== "object" && typeof v !== "function"),
    isBuffer: (v) => registry.load("buffer").Buffer.isBuffer(v),
  };
  return util;
}

registry.define("util", build);
registry.define("sys", () => registry.load("util"));
registry.define("util/types", () => ({ ...types }));

exports.types = types;
exports.inspect = inspect;
exports.format = format;
exports.promisify = promisify;
exports.isError = isError;
