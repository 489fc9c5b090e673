"use strict";
// Colony primordials: the intrinsics built-ins use, captured before any user code runs, so that
// a Worker patching Array.prototype.push, Promise.prototype.then, Map.prototype.get... cannot
// change how the built-ins behave.
//
// Naming: `Foo` is the constructor, `FooBar` its static property `bar`, `FooPrototypeBar(self,
// ...args)` the uncurried prototype method, `FooPrototypeGetBar(self)` an uncurried getter,
// `SymbolIterator` the well-known symbol. `TypedArrayPrototype*` covers %TypedArray%.

const P = internal.primordials;

const { apply: FnApply, bind: FnBind, call: FnCall } = Function.prototype;
// uncurryThis(f)(self, ...args) === f.call(self, ...args), without looking up `call` later.
const uncurryThis = FnBind.call(FnBind, FnCall);
const applyBind = FnBind.call(FnBind, FnApply);
P.uncurryThis = uncurryThis;
P.applyBind = applyBind;

const ReflectOwnKeys = Reflect.ownKeys;
const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const ReflectDefineProperty = Reflect.defineProperty;

function keyName(key) {
  if (typeof key === "symbol") {
    const desc = key.description;
    // Symbol.iterator -> Iterator
    return desc.startsWith("Symbol.") ? desc.slice(7, 8).toUpperCase() + desc.slice(8) : null;
  }
  return key.length ? key[0].toUpperCase() + key.slice(1) : key;
}

function copyStatics(src, prefix) {
  const keys = ReflectOwnKeys(src);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const name = keyName(key);
    if (name === null) continue;
    const desc = ReflectGetOwnPropertyDescriptor(src, key);
    if ("value" in desc) {
      if (!(prefix + name in P)) P[prefix + name] = desc.value;
    } else {
      if (desc.get) P[`${prefix}Get${name}`] = uncurryThis(desc.get).bind(null, src);
    }
  }
}

function copyPrototype(src, prefix) {
  const keys = ReflectOwnKeys(src);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const name = keyName(key);
    if (name === null || name === "Constructor") continue;
    const desc = ReflectGetOwnPropertyDescriptor(src, key);
    if ("value" in desc) {
      if (typeof desc.value === "function") P[prefix + name] = uncurryThis(desc.value);
    } else {
      if (desc.get) P[`${prefix}Get${name}`] = uncurryThis(desc.get);
      if (desc.set) P[`${prefix}Set${name}`] = uncurryThis(desc.set);
    }
  }
}

const constructors = [
  "AggregateError", "Array", "ArrayBuffer", "BigInt", "BigInt64Array", "BigUint64Array", "Boolean",
  "DataView", "Date", "Error", "EvalError", "FinalizationRegistry", "Float32Array", "Float64Array",
  "Function", "Int16Array", "Int32Array", "Int8Array", "Map", "Number", "Object", "Promise",
  "Proxy", "RangeError", "ReferenceError", "RegExp", "Set", "SharedArrayBuffer", "String",
  "Symbol", "SyntaxError", "TypeError", "URIError", "Uint16Array", "Uint32Array", "Uint8Array",
  "Uint8ClampedArray", "WeakMap", "WeakRef", "WeakSet",
];
for (let i = 0; i < constructors.length; i++) {
  const name = constructors[i];
  const ctor = globalThis[name];
  if (ctor === undefined) continue;
  P[name] = ctor;
  copyStatics(ctor, name);
  if (ctor.prototype) copyPrototype(ctor.prototype, `${name}Prototype`);
  P[`${name}Prototype`] = ctor.prototype;
}

const namespaces = ["JSON", "Math", "Reflect", "Atomics"];
for (let i = 0; i < namespaces.length; i++) {
  const name = namespaces[i];
  if (globalThis[name] === undefined) continue;
  P[name] = globalThis[name];
  copyStatics(globalThis[name], name);
}

const TypedArray = Reflect.getPrototypeOf(Uint8Array);
P.TypedArray = TypedArray;
P.TypedArrayPrototype = TypedArray.prototype;
copyStatics(TypedArray, "TypedArray");
copyPrototype(TypedArray.prototype, "TypedArrayPrototype");
// %TypedArray%.prototype[@@toStringTag] getter: the element type name, or undefined.
P.TypedArrayPrototypeGetSymbolToStringTag = uncurryThis(
  ReflectGetOwnPropertyDescriptor(TypedArray.prototype, Symbol.toStringTag).get);

const ArrayIteratorPrototype = Reflect.getPrototypeOf([][Symbol.iterator]());
P.ArrayIteratorPrototype = ArrayIteratorPrototype;
P.ArrayIteratorPrototypeNext = uncurryThis(ArrayIteratorPrototype.next);
P.IteratorPrototype = Reflect.getPrototypeOf(ArrayIteratorPrototype);
const AsyncIteratorPrototype = Reflect.getPrototypeOf(
  Reflect.getPrototypeOf(async function* () {}).prototype);
P.AsyncIteratorPrototype = AsyncIteratorPrototype;
P.MapIteratorPrototypeNext = uncurryThis(Reflect.getPrototypeOf(new Map().entries()).next);
P.SetIteratorPrototypeNext = uncurryThis(Reflect.getPrototypeOf(new Set().values()).next);
P.StringIteratorPrototypeNext = uncurryThis(Reflect.getPrototypeOf(""[Symbol.iterator]()).next);

P.globalThis = globalThis;
P.encodeURIComponent = encodeURIComponent;
P.decodeURIComponent = decodeURIComponent;
P.isNaN = isNaN;

// Promise helpers that do not go through user-patchable `then`/`constructor` lookups.
const PromiseCtor = Promise;
const PromisePrototypeThen = P.PromisePrototypeThen;
const PromiseResolveStatic = Promise.resolve;
P.PromiseResolve = (value) => FnCall.call(PromiseResolveStatic, PromiseCtor, value);
P.PromiseReject = (reason) => FnCall.call(Promise.reject, PromiseCtor, reason);
P.PromiseWithResolvers = () => {
  let resolve, reject;
  const promise = new PromiseCtor((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};
// Attach handlers; a rejection passed here is considered handled.
P.PromisePrototypeThen = PromisePrototypeThen;
P.SafePromiseThen = (p, onFulfilled, onRejected) => PromisePrototypeThen(p, onFulfilled, onRejected);
P.PromiseMarkHandled = (p) => { PromisePrototypeThen(p, undefined, () => {}); };

const ArrayPrototypePushOne = P.ArrayPrototypePush;

// Iterate a Map/Set/array without touching user-patchable iterator methods.
const MapPrototypeEntries = P.MapPrototypeEntries;
const MapIteratorNext = P.MapIteratorPrototypeNext;
P.SafeMapEntries = (map) => {
  const out = [];
  const it = MapPrototypeEntries(map);
  for (;;) {
    const r = MapIteratorNext(it);
    if (r.done) return out;
    ArrayPrototypePushOne(out, r.value);
  }
};

// Append with the push captured above, never the one user code may have replaced. (Not
// Reflect.defineProperty: that is a call into the runtime each time and made every header, URL
// and body list several times slower to build. Like Node's primordials, push stores with [[Set]],
// so only an indexed setter defined on Array.prototype itself could observe it.)
P.ArrayAppend = (array, value) => { ArrayPrototypePushOne(array, value); };

// Define a class's methods/accessors the way WebIDL does: enumerable on the prototype.
P.makeEnumerable = (ctor, names) => {
  const proto = ctor.prototype;
  for (let i = 0; i < names.length; i++) {
    const desc = ReflectGetOwnPropertyDescriptor(proto, names[i]);
    if (desc === undefined) throw new Error(`makeEnumerable: ${ctor.name}.${names[i]} missing`);
    desc.enumerable = true;
    ReflectDefineProperty(proto, names[i], desc);
  }
};
P.setToStringTag = (ctor, tag) => {
  ReflectDefineProperty(ctor.prototype, Symbol.toStringTag, { value: tag, configurable: true });
};

Object.freeze(P);
