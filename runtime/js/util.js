"use strict";
// Shared helpers for built-ins: WebIDL-style pair iterators and small conversions.

const {
  IteratorPrototype, ObjectCreate, ObjectDefineProperty, ObjectSetPrototypeOf, TypeError: TypeErrorCtor,
  WeakMap: WeakMapCtor, WeakMapPrototypeGet, WeakMapPrototypeSet, String: StringCtor,
  Uint8Array: Uint8ArrayCtor,
} = internal.primordials;

// A WebIDL "pair iterator" prototype named `${name} Iterator`. `getList(target)` returns the
// current array of [key, value] pairs; it is called on every step so iteration sees updates.
function makePairIterator(name, getList) {
  const state = new WeakMapCtor();
  const proto = ObjectCreate(IteratorPrototype);
  ObjectDefineProperty(proto, "next", {
    enumerable: true, configurable: true, writable: true,
    value: function next() {
      const s = WeakMapPrototypeGet(state, this);
      if (s === undefined) throw new TypeErrorCtor(`next() called on an object that is not a ${name} Iterator.`);
      const list = getList(s.target);
      if (s.index >= list.length) return { value: undefined, done: true };
      const pair = list[s.index++];
      const value = s.kind === "key" ? pair[0] : s.kind === "value" ? pair[1] : [pair[0], pair[1]];
      return { value, done: false };
    },
  });
  ObjectDefineProperty(proto, Symbol.toStringTag, { value: `${name} Iterator`, configurable: true });
  return (target, kind) => {
    const it = ObjectCreate(proto);
    WeakMapPrototypeSet(state, it, { target, kind, index: 0 });
    return it;
  };
}

// Install keys/values/entries/forEach/@@iterator on a class whose pairs come from getList.
function definePairIterable(ctor, name, getList, brandCheck) {
  const create = makePairIterator(name, getList);
  const proto = ctor.prototype;
  const methods = {
    entries() { brandCheck(this); return create(this, "key+value"); },
    keys() { brandCheck(this); return create(this, "key"); },
    values() { brandCheck(this); return create(this, "value"); },
    forEach(callback, thisArg = undefined) {
      brandCheck(this);
      if (typeof callback !== "function") {
        throw new TypeErrorCtor(`Failed to execute 'forEach' on '${name}': parameter 1 is not of type 'Function'.`);
      }
      const list = getList(this);
      for (let i = 0; i < list.length; i++) {
        const pair = list[i];
        callback.call(thisArg, pair[1], pair[0], this);
        // The list may have been replaced by the callback; re-read it.
        const fresh = getList(this);
        if (fresh !== list) return methods.forEachFrom(this, callback, thisArg, i + 1);
      }
    },
    forEachFrom(self, callback, thisArg, start) {
      for (let i = start; ; i++) {
        const list = getList(self);
        if (i >= list.length) return;
        callback.call(thisArg, list[i][1], list[i][0], self);
      }
    },
  };
  for (const key of ["entries", "keys", "values", "forEach"]) {
    ObjectDefineProperty(proto, key, { value: methods[key], enumerable: true, writable: true, configurable: true });
  }
  ObjectDefineProperty(proto, Symbol.iterator, { value: methods.entries, writable: true, configurable: true });
}

// WebIDL ByteString conversion: throws if any code unit > 0xFF.
function toByteString(value, context) {
  const s = StringCtor(value);
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xFF) {
      throw new TypeErrorCtor(`${context}: the value contains a character outside the Latin-1 range (code ${s.charCodeAt(i)} at index ${i}).`);
    }
  }
  return s;
}

// WebIDL USVString conversion.
function toUSVString(value) {
  return replaceLoneSurrogates(StringCtor(value));
}
function replaceLoneSurrogates(s) {
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xD800 && c <= 0xDBFF) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xDC00 && d <= 0xDFFF) { i++; continue; }
      out += s.slice(last, i) + "\uFFFD";
      last = i + 1;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      out += s.slice(last, i) + "\uFFFD";
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

// Lower-case hex digits of a byte array, and back (an even-length hex string).
function hex(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return out;
}

function fromHex(text) {
  const bytes = new Uint8ArrayCtor(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.substr(i * 2, 2), 16);
  return bytes;
}

exports.hex = hex;
exports.fromHex = fromHex;
exports.makePairIterator = makePairIterator;
exports.definePairIterable = definePairIterable;
exports.toByteString = toByteString;
exports.toUSVString = toUSVString;
