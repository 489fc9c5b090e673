"use strict";
// The table of `node:*` modules behind the nodejs_compat compatibility flags. A module is built
// the first time it is imported or required (its builder runs once per isolate), and the table
// entry is only visible to user code when the worker's flags enable it:
//   - nodejs_compat (or nodejs_compat_v2): every module, as `node:NAME`;
//   - nodejs_compat_v2 (implied by nodejs_compat from 2024-09-23): bare `NAME` too;
//   - nodejs_als alone: `node:async_hooks` only; `node:process` is always importable;
//   - some modules also need their own flag (e.g. enable_nodejs_fs_module), as in workerd.
// The module object a builder returns is the default export and what require() gives back; its
// own properties are the named exports.

const {
  ObjectCreate, ObjectDefineProperty, ObjectPrototypeHasOwnProperty, Map: MapCtor, MapPrototypeGet,
  MapPrototypeSet, MapPrototypeHas, Error: ErrorCtor, TypeError: TypeErrorCtor, ObjectGetOwnPropertyNames,
  ArrayPrototypeIncludes,
} = internal.primordials;
const ops = internal.ops;

const table = internal.hooks.builtinModules || (internal.hooks.builtinModules = ObjectCreate(null));
const builders = new MapCtor();
const built = new MapCtor();

let flagCache = null;
function flags() {
  if (flagCache === null) {
    const compat = ops.compatFlag("nodeJsCompat");
    const v2 = ops.compatFlag("nodeJsCompatV2");
    flagCache = { compat: compat || v2, v2, als: ops.compatFlag("nodeJsAls") };
  }
  return flagCache;
}

function gateOpen(gate) {
  const f = flags();
  if (gate === "always") return true;
  if (gate === "als") return f.compat || f.als;
  if (!f.compat) return false;
  if (gate === "compat") return true;
  return ops.compatFlag(gate);
}

// Builds (once) and returns module `name` ("buffer", "assert/strict"...) regardless of flags; for
// built-ins that use one another. This is the object require() returns.
function load(name) {
  if (MapPrototypeHas(built, name)) return MapPrototypeGet(built, name);
  const entry = MapPrototypeGet(builders, name);
  if (entry === undefined) throw new ErrorCtor(`no node module named ${name}`);
  const value = entry.build();
  MapPrototypeSet(built, name, value);
  return value;
}

// The table entry for module `name`: its named exports (the module object's own properties) and
// `default`, the module object itself.
const namespaces = new MapCtor();
const functionOwnKeys = ["length", "name", "prototype", "caller", "arguments"];
function namespaceOf(name) {
  if (MapPrototypeHas(namespaces, name)) return MapPrototypeGet(namespaces, name);
  const value = load(name);
  const ns = ObjectCreate(null);
  const keys = ObjectGetOwnPropertyNames(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof value === "function" && ArrayPrototypeIncludes(functionOwnKeys, key)) continue;
    ns[key] = value[key];
  }
  ns.default = value;
  MapPrototypeSet(namespaces, name, ns);
  return ns;
}

// Registers module `name` (without the `node:` prefix). `gate` is "compat", "als", "always" or the
// name of the extra compatibility flag the module needs on top of nodejs_compat.
function define(name, build, gate = "compat") {
  MapPrototypeSet(builders, name, { build, gate });
  ObjectDefineProperty(table, `node:${name}`, {
    configurable: true, enumerable: false,
    get() { return gateOpen(gate) ? namespaceOf(name) : undefined; },
  });
  ObjectDefineProperty(table, name, {
    configurable: true, enumerable: false,
    get() { return flags().v2 && gateOpen(gate) ? namespaceOf(name) : undefined; },
  });
}

// An error for APIs that cannot work inside a Worker.
function notImplemented(what) {
  const err = new ErrorCtor(`${what} is not implemented in Colony (Workers have no such facility)`);
  err.code = "ERR_METHOD_NOT_IMPLEMENTED";
  return err;
}

// A module whose functions all throw "not implemented".
function defineUnavailable(name, functionNames, gate, extra = undefined) {
  define(name, () => {
    const mod = {};
    for (let i = 0; i < functionNames.length; i++) {
      const fname = functionNames[i];
      mod[fname] = { [fname]() { throw notImplemented(`${name}.${fname}`); } }[fname];
    }
    if (extra !== undefined) extra(mod);
    return mod;
  }, gate);
}

// Node-style errors with a `code` (ERR_INVALID_ARG_TYPE and friends).
function describeReceived(value) {
  if (value === null || value === undefined) return ` Received ${value}`;
  if (typeof value === "function") return ` Received function ${value.name || "<anonymous>"}`;
  if (typeof value === "object") {
    if (value.constructor && value.constructor.name) return ` Received an instance of ${value.constructor.name}`;
    return " Received [object Object]";
  }
  let shown = typeof value === "string" ? `'${value.length > 28 ? value.slice(0, 25) + "..." : value}'`
    : typeof value === "bigint" ? `${value}n` : typeof value === "symbol" ? value.toString() : `${value}`;
  return ` Received type ${typeof value} (${shown})`;
}

function codedError(Ctor, code, message) {
  const err = new Ctor(message);
  ObjectDefineProperty(err, "code", { value: code, writable: true, configurable: true, enumerable: true });
  return err;
}

function invalidArgType(name, expected, value) {
  const what = name.includes(".") ? "property" : "argument";
  return codedError(TypeErrorCtor, "ERR_INVALID_ARG_TYPE",
    `The "${name}" ${what} must be ${expected}.${describeReceived(value)}`);
}

function validateFunction(value, name) {
  if (typeof value !== "function") throw invalidArgType(name, "of type function", value);
}

exports.flags = flags;
exports.define = define;
exports.defineUnavailable = defineUnavailable;
exports.load = load;
exports.notImplemented = notImplemented;
exports.codedError = codedError;
exports.invalidArgType = invalidArgType;
exports.validateFunction = validateFunction;
exports.describeReceived = describeReceived;
