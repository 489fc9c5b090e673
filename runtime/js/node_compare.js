"use strict";
// Deep equality as node:assert and node:util define it: strict mode (Object.is for primitives,
// same prototype and type tag, own enumerable string and symbol keys) and loose mode (== for
// primitives, prototypes ignored). Maps and Sets compare without regard to order; cycles are
// equal when both sides reach a cycle at the same place.

const {
  ObjectIs, ObjectKeys, ObjectGetPrototypeOf, ObjectGetOwnPropertySymbols, ObjectPrototypeToString,
  ObjectPrototypePropertyIsEnumerable, ObjectPrototypeHasOwnProperty, ArrayIsArray, NumberIsNaN,
  ArrayBufferIsView, Map: MapCtor, Set: SetCtor, Uint8Array: Uint8ArrayCtor,
} = internal.primordials;

const DateGetTime = Date.prototype.getTime;
const NumberValueOf = Number.prototype.valueOf;
const StringValueOf = String.prototype.valueOf;
const BooleanValueOf = Boolean.prototype.valueOf;
const BigIntValueOf = BigInt.prototype.valueOf;
const SymbolValueOf = Symbol.prototype.valueOf;
const MapEntries = Map.prototype.entries;
const MapGet = Map.prototype.get;
const MapHas = Map.prototype.has;
const MapSize = Object.getOwnPropertyDescriptor(Map.prototype, "size").get;
const SetValues = Set.prototype.values;
const SetHas = Set.prototype.has;
const SetSize = Object.getOwnPropertyDescriptor(Set.prototype, "size").get;
const ArrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get;
const call = (fn, self, ...args) => Reflect.apply(fn, self, args);

function isBoxed(v) {
  for (const f of [NumberValueOf, StringValueOf, BooleanValueOf, BigIntValueOf, SymbolValueOf]) {
    try { call(f, v); return true; } catch { /* not this kind */ }
  }
  return false;
}
function boxedValue(v) {
  for (const f of [NumberValueOf, StringValueOf, BooleanValueOf, BigIntValueOf, SymbolValueOf]) {
    try { return { value: call(f, v) }; } catch { /* not this kind */ }
  }
  return null;
}
function isDate(v) { try { call(DateGetTime, v); return true; } catch { return false; } }
function isMap(v) { try { call(MapSize, v); return true; } catch { return false; } }
function isSet(v) { try { call(SetSize, v); return true; } catch { return false; } }
function isArrayBuffer(v) { try { call(ArrayBufferByteLength, v); return true; } catch { return false; } }
function isError(v) { return ObjectPrototypeToString(v) === "[object Error]" || v instanceof Error; }
function isRegExp(v) { return ObjectPrototypeToString(v) === "[object RegExp]"; }

function primitiveEqual(a, b, strict) {
  if (strict) return ObjectIs(a, b);
  // eslint-disable-next-line eqeqeq
  return a == b || (NumberIsNaN(a) && NumberIsNaN(b));
}

function ownKeys(obj, strict) {
  const keys = ObjectKeys(obj);
  if (strict) {
    const syms = ObjectGetOwnPropertySymbols(obj);
    for (let i = 0; i < syms.length; i++) {
      if (ObjectPrototypePropertyIsEnumerable(obj, syms[i])) keys.push(syms[i]);
    }
  }
  return keys;
}

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function deepEqual(a, b, strict, memo) {
  if (a === b) return a !== 0 || !strict || ObjectIs(a, b);
  const ta = typeof a, tb = typeof b;
  if (strict) {
    if (ta !== "object" || a === null) return ta !== "function" && ObjectIs(a, b) || false;
    if (tb !== "object" || b === null) return false;
    if (ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false;
  } else {
    if (a === null || ta !== "object") {
      if (b === null || tb !== "object") return primitiveEqual(a, b, false);
      return false;
    }
    if (b === null || tb !== "object") return false;
  }
  const tagA = ObjectPrototypeToString(a);
  if (tagA !== ObjectPrototypeToString(b)) return false;
  if (ArrayIsArray(a) !== ArrayIsArray(b)) return false;

  if (ArrayIsArray(a)) {
    if (a.length !== b.length) return false;
  } else if (isDate(a)) {
    if (!isDate(b) || call(DateGetTime, a) !== call(DateGetTime, b)) return false;
  } else if (isRegExp(a)) {
    if (!isRegExp(b) || a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex) return false;
  } else if (isError(a)) {
    if (!isError(b) || a.message !== b.message || a.name !== b.name) return false;
    if (ObjectPrototypeHasOwnProperty(a, "cause") !== ObjectPrototypeHasOwnProperty(b, "cause")) return false;
    if (ObjectPrototypeHasOwnProperty(a, "cause") && !deepEqual(a.cause, b.cause, strict, memo)) return false;
    if (ObjectPrototypeHasOwnProperty(a, "errors") !== ObjectPrototypeHasOwnProperty(b, "errors")) return false;
    if (ObjectPrototypeHasOwnProperty(a, "errors") && !deepEqual(a.errors, b.errors, strict, memo)) return false;
  } else if (ArrayBufferIsView(a)) {
    if (!ArrayBufferIsView(b)) return false;
    const ua = new Uint8ArrayCtor(a.buffer, a.byteOffset, a.byteLength);
    const ub = new Uint8ArrayCtor(b.buffer, b.byteOffset, b.byteLength);
    if (!strict && (tagA === "[object Float32Array]" || tagA === "[object Float64Array]")) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    } else if (!bytesEqual(ua, ub)) {
      return false;
    }
    // Extra own properties of typed arrays are compared below, but not the indices.
    return keysEqual(a, b, strict, memo, true);
  } else if (isArrayBuffer(a)) {
    if (!isArrayBuffer(b) || !bytesEqual(new Uint8ArrayCtor(a), new Uint8ArrayCtor(b))) return false;
  } else if (isSet(a)) {
    if (!isSet(b) || call(SetSize, a) !== call(SetSize, b)) return false;
  } else if (isMap(a)) {
    if (!isMap(b) || call(MapSize, a) !== call(MapSize, b)) return false;
  } else if (isBoxed(a)) {
    const va = boxedValue(a), vb = boxedValue(b);
    if (vb === null || !ObjectIs(va.value, vb.value)) return false;
  } else if (ArrayBufferIsView(b) || isDate(b) || isRegExp(b) || isSet(b) || isMap(b) || isBoxed(b)) {
    return false;
  }
  return keysEqual(a, b, strict, memo, false);
}

function keysEqual(a, b, strict, memo, skipIndices) {
  let ka = ownKeys(a, strict);
  let kb = ownKeys(b, strict);
  if (skipIndices) {
    ka = ka.filter((k) => typeof k !== "string" || !/^\d+$/.test(k));
    kb = kb.filter((k) => typeof k !== "string" || !/^\d+$/.test(k));
  }
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (!ObjectPrototypePropertyIsEnumerable(b, ka[i])) return false;
  }
  // Cycle detection: a pair already being compared is assumed equal; a cycle on only one side
  // makes the sides differ.
  if (memo === undefined) {
    memo = { a: new MapCtor(), b: new MapCtor(), depth: 0 };
  } else {
    const seenA = memo.a.get(a);
    if (seenA !== undefined) {
      const seenB = memo.b.get(b);
      if (seenB !== undefined) return seenA === seenB;
    }
    memo.depth++;
  }
  memo.a.set(a, memo.depth);
  memo.b.set(b, memo.depth);
  try {
    for (let i = 0; i < ka.length; i++) {
      const k = ka[i];
      if (!deepEqual(a[k], b[k], strict, memo)) return false;
    }
    if (isSet(a)) return setEqual(a, b, strict, memo);
    if (isMap(a)) return mapEqual(a, b, strict, memo);
    return true;
  } finally {
    memo.a.delete(a);
    memo.b.delete(b);
  }
}

function setEqual(a, b, strict, memo) {
  let pending = null;
  for (const v of call(SetValues, a)) {
    if (typeof v === "object" && v !== null) {
      (pending || (pending = [])).push(v);
    } else if (!call(SetHas, b, v)) {
      if (strict) return false;
      // Loose mode: 1 == "1" and so on; search b for a loosely equal primitive.
      if (!findLoose(b, v)) return false;
      (pending || (pending = [])).push(v);
    }
  }
  if (pending === null) return true;
  const candidates = [];
  for (const v of call(SetValues, b)) {
    if ((typeof v === "object" && v !== null) || !strict && !call(SetHas, a, v)) candidates.push(v);
  }
  for (const v of pending) {
    let found = -1;
    for (let j = 0; j < candidates.length; j++) {
      if (deepEqual(v, candidates[j], strict, memo)) { found = j; break; }
    }
    if (found === -1) return false;
    candidates.splice(found, 1);
  }
  return true;
}

function findLoose(set, v) {
  for (const w of call(SetValues, set)) if (primitiveEqual(v, w, false)) return true;
  return false;
}

function mapEqual(a, b, strict, memo) {
  let pending = null;
  for (const [k, v] of call(MapEntries, a)) {
    if (typeof k === "object" && k !== null) {
      (pending || (pending = [])).push([k, v]);
    } else if (call(MapHas, b, k)) {
      if (!deepEqual(v, call(MapGet, b, k), strict, memo)) return false;
    } else {
      if (strict) return false;
      (pending || (pending = [])).push([k, v]);
    }
  }
  if (pending === null) return true;
  const candidates = [];
  for (const [k, v] of call(MapEntries, b)) {
    if ((typeof k === "object" && k !== null) || (!strict && !call(MapHas, a, k))) candidates.push([k, v]);
  }
  for (const [k, v] of pending) {
    let found = -1;
    for (let j = 0; j < candidates.length; j++) {
      if (deepEqual(k, candidates[j][0], strict, memo) && deepEqual(v, candidates[j][1], strict, memo)) {
        found = j; break;
      }
    }
    if (found === -1) return false;
    candidates.splice(found, 1);
  }
  return true;
}

exports.isDeepStrictEqual = (a, b) => deepEqual(a, b, true, undefined);
exports.isDeepEqual = (a, b) => deepEqual(a, b, false, undefined);
