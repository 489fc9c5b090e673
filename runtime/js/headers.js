"use strict";
// Fetch Standard Headers: a header list with guards, case-insensitive names, value
// normalisation and validation, sorted/combined iteration, set-cookie kept separate.

const {
  ArrayAppend, ArrayPrototypeSplice, ObjectKeys, String: StringCtor, StringPrototypeCharCodeAt,
  StringPrototypeToLowerCase, StringPrototypeSlice, TypeError: TypeErrorCtor, makeEnumerable,
} = internal.primordials;
const { definePairIterable, toByteString } = internal.require("util");

// Token code points (RFC 9110): ! # $ % & ' * + - . ^ _ ` | ~ DIGIT ALPHA
const tokenTable = new internal.primordials.Uint8Array(128);
for (const ch of "!#$%&'*+-.^_`|~") tokenTable[ch.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) tokenTable[c] = 1;
for (let c = 0x41; c <= 0x5A; c++) tokenTable[c] = 1;
for (let c = 0x61; c <= 0x7A; c++) tokenTable[c] = 1;

function isToken(s) {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c >= 128 || tokenTable[c] === 0) return false;
  }
  return true;
}

const isHttpWhitespace = (c) => c === 0x09 || c === 0x0A || c === 0x0D || c === 0x20;

// Strip leading/trailing HTTP whitespace.
function normalizeValue(v) {
  let start = 0, end = v.length;
  while (start < end && isHttpWhitespace(StringPrototypeCharCodeAt(v, start))) start++;
  while (end > start && isHttpWhitespace(StringPrototypeCharCodeAt(v, end - 1))) end--;
  return start === 0 && end === v.length ? v : StringPrototypeSlice(v, start, end);
}

function isValidValue(v) {
  for (let i = 0; i < v.length; i++) {
    const c = StringPrototypeCharCodeAt(v, i);
    if (c === 0 || c === 0x0A || c === 0x0D) return false;
  }
  return true;
}

function checkName(name) {
  if (!isToken(name)) throw new TypeErrorCtor(`Invalid header name: '${name}'.`);
}
function checkValue(value, name) {
  if (!isValidValue(value)) throw new TypeErrorCtor(`Invalid header value for '${name}'.`);
}

let H;

class Headers {
  // Entries: [name as given, lower-case name, value], in insertion order.
  #list = [];
  #guard = "none";
  #sorted = null; // cached sort-and-combine result

  constructor(init = undefined) {
    if (init === undefined || init === null) return;
    if (typeof init !== "object" && typeof init !== "function") {
      throw new TypeErrorCtor("Failed to construct 'Headers': constructor parameter 1 is not of type 'Headers or Sequence or object'.");
    }
    fill(this, init);
  }

  #checkMutable() {
    if (this.#guard === "immutable") throw new TypeErrorCtor("Can't modify immutable headers.");
  }

  append(name, value) {
    if (arguments.length < 2) throw argCount("append", 2, arguments.length);
    appendHeader(this, toByteString(name, "Invalid header name"), toByteString(value, "Invalid header value"));
  }

  delete(name) {
    if (arguments.length < 1) throw argCount("delete", 1, 0);
    name = toByteString(name, "Invalid header name");
    checkName(name);
    this.#checkMutable();
    const lower = StringPrototypeToLowerCase(name);
    const list = this.#list;
    for (let i = list.length - 1; i >= 0; i--) if (list[i][1] === lower) ArrayPrototypeSplice(list, i, 1);
    this.#sorted = null;
  }

  get(name) {
    if (arguments.length < 1) throw argCount("get", 1, 0);
    name = toByteString(name, "Invalid header name");
    checkName(name);
    return getCombined(this.#list, StringPrototypeToLowerCase(name));
  }

  getAll(name) {
    if (arguments.length < 1) throw argCount("getAll", 1, 0);
    name = toByteString(name, "Invalid header name");
    checkName(name);
    const lower = StringPrototypeToLowerCase(name);
    if (lower !== "set-cookie") {
      throw new TypeErrorCtor("getAll() can only be used with the header name \"Set-Cookie\".");
    }
    return this.getSetCookie();
  }

  getSetCookie() {
    const out = [];
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][1] === "set-cookie") ArrayAppend(out, list[i][2]);
    return out;
  }

  has(name) {
    if (arguments.length < 1) throw argCount("has", 1, 0);
    name = toByteString(name, "Invalid header name");
    checkName(name);
    const lower = StringPrototypeToLowerCase(name);
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i][1] === lower) return true;
    return false;
  }

  set(name, value) {
    if (arguments.length < 2) throw argCount("set", 2, arguments.length);
    name = toByteString(name, "Invalid header name");
    value = normalizeValue(toByteString(value, "Invalid header value"));
    checkName(name);
    checkValue(value, name);
    this.#checkMutable();
    const lower = StringPrototypeToLowerCase(name);
    const list = this.#list;
    let found = false;
    for (let i = 0; i < list.length; i++) {
      if (list[i][1] !== lower) continue;
      if (!found) { list[i][2] = value; found = true; }
      else { ArrayPrototypeSplice(list, i, 1); i--; }
    }
    if (!found) ArrayAppend(list, [name, lower, value]);
    this.#sorted = null;
  }

  static {
    H = {
      isHeaders: (v) => typeof v === "object" && v !== null && #list in v,
      list: (h) => h.#list,
      setGuard: (h, guard) => { h.#guard = guard; },
      guard: (h) => h.#guard,
      append: (h, name, value) => {
        value = normalizeValue(value);
        checkName(name);
        checkValue(value, name);
        h.#checkMutable();
        ArrayAppend(h.#list, [name, StringPrototypeToLowerCase(name), value]);
        h.#sorted = null;
      },
      // Sort and combine (Fetch "sort and combine"), cached until the next mutation.
      sorted: (h) => {
        if (h.#sorted !== null) return h.#sorted;
        const list = h.#list;
        const names = [];
        for (let i = 0; i < list.length; i++) ArrayAppend(names, list[i][1]);
        sortStrings(names);
        const out = [];
        for (let i = 0; i < names.length; i++) {
          const name = names[i];
          if (i > 0 && names[i - 1] === name && name !== "set-cookie") continue;
          if (name === "set-cookie") {
            // Every set-cookie value is its own entry; emit them all once.
            if (i > 0 && names[i - 1] === name) continue;
            for (let j = 0; j < list.length; j++) if (list[j][1] === name) ArrayAppend(out, [name, list[j][2]]);
          } else {
            ArrayAppend(out, [name, getCombined(list, name)]);
          }
        }
        h.#sorted = out;
        return out;
      },
    };
  }
}
makeEnumerable(Headers, ["append", "delete", "get", "getAll", "getSetCookie", "has", "set"]);
definePairIterable(Headers, "Headers", (h) => H.sorted(h), (self) => {
  if (!H.isHeaders(self)) throw new TypeErrorCtor("Illegal invocation: not a Headers object.");
});

function appendHeader(headers, name, value) { H.append(headers, name, value); }

function getCombined(list, lower) {
  let result = null;
  for (let i = 0; i < list.length; i++) {
    if (list[i][1] !== lower) continue;
    result = result === null ? list[i][2] : `${result}, ${list[i][2]}`;
  }
  return result;
}

function sortStrings(a) {
  for (let i = 1; i < a.length; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
    a[j + 1] = v;
  }
}

function argCount(method, needed, got) {
  return new TypeErrorCtor(`Failed to execute '${method}' on 'Headers': ${needed} argument${needed > 1 ? "s" : ""} required, but only ${got} present.`);
}

// Fill `headers` from a HeadersInit (Headers, sequence of pairs, or record).
function fill(headers, init) {
  if (H.isHeaders(init)) {
    const list = H.list(init);
    for (let i = 0; i < list.length; i++) H.append(headers, list[i][0], list[i][2]);
    return;
  }
  const iterator = init[Symbol.iterator];
  if (iterator !== undefined && iterator !== null) {
    if (typeof iterator !== "function") {
      throw new TypeErrorCtor("Failed to construct 'Headers': constructor parameter 1 is not of type 'Headers or Sequence or object'.");
    }
    for (const pair of init) {
      if (pair === null || typeof pair !== "object" || typeof pair[Symbol.iterator] !== "function") {
        throw new TypeErrorCtor("To initialize a Headers object from a sequence, each inner sequence must have exactly two elements.");
      }
      const items = [...pair];
      if (items.length !== 2) {
        throw new TypeErrorCtor("To initialize a Headers object from a sequence, each inner sequence must have exactly two elements.");
      }
      H.append(headers, toByteString(items[0], "Invalid header name"), toByteString(items[1], "Invalid header value"));
    }
    return;
  }
  // A record: its own enumerable string keys, then each one's value (symbols are skipped).
  const keys = ObjectKeys(init);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    H.append(headers, toByteString(key, "Invalid header name"), toByteString(init[key], "Invalid header value"));
  }
}

// Headers from a flat [name0, value0, ...] array (native side), with the given guard.
function headersFromFlat(flat, guard) {
  const h = new Headers();
  for (let i = 0; i + 1 < flat.length; i += 2) H.append(h, StringCtor(flat[i]), StringCtor(flat[i + 1]));
  H.setGuard(h, guard);
  return h;
}

// Flat [name0, value0, ...] in insertion order (names as given), for the wire.
function headersToFlat(h) {
  return appendFlat([], h);
}

// Appends the headers to `out` as name, value, name, value, ...
function appendFlat(out, h) {
  const list = H.list(h);
  for (let i = 0; i < list.length; i++) { ArrayAppend(out, list[i][0]); ArrayAppend(out, list[i][2]); }
  return out;
}

exports.Headers = Headers;
exports.isHeaders = H.isHeaders;
exports.fillHeaders = fill;
exports.setGuard = H.setGuard;
exports.getGuard = H.guard;
exports.headersFromFlat = headersFromFlat;
exports.headersToFlat = headersToFlat;
exports.appendHeadersFlat = appendFlat;
exports.appendHeader = appendHeader;
exports.getHeader = (h, lower) => getCombined(H.list(h), lower);
exports.hasHeader = (h, lower) => getCombined(H.list(h), lower) !== null;
exports.isToken = isToken;
