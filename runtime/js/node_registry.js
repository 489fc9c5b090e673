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
//
// The files that define these modules are evaluated only when one of their modules is first
// loaded (runtime/builtins.cc lists them), so that the startup snapshot, which every isolate
// deserialises, does not carry them: the table below says which file defines which module, and
// behind which gate.

const {
  ObjectCreate, ObjectDefineProperty, ObjectPrototypeHasOwnProperty, Map: MapCtor, MapPrototypeGet,
  MapPrototypeSet, MapPrototypeHas, Error: ErrorCtor, TypeError: TypeErrorCtor, ObjectGetOwnPropertyNames,
  ArrayPrototypeIncludes,
} = internal.primordials;
const ops = internal.ops;

// name: [the built-in file that defines it, its gate]. The gate is "compat" (nodejs_compat),
// "als" (nodejs_compat or nodejs_als), "always", or the name of the extra compatibility flag the
// module needs on top of nodejs_compat.
const modules = {
  __proto__: null,
  "assert": ["node_assert", "compat"],
  "assert/strict": ["node_assert", "compat"],
  "async_hooks": ["node_async", "als"],
  "diagnostics_channel": ["node_async", "compat"],
  "buffer": ["node_buffer", "compat"],
  "crypto": ["node_crypto", "compat"],
  "events": ["node_events", "compat"],
  "module": ["node_module", "compat"],
  "constants": ["node_module", "compat"],
  "path": ["node_path", "compat"],
  "path/posix": ["node_path", "compat"],
  "path/win32": ["node_path", "compat"],
  "timers": ["node_process", "compat"],
  "timers/promises": ["node_process", "compat"],
  "process": ["node_process", "always"],
  "stream": ["node_stream", "compat"],
  "stream/promises": ["node_stream", "compat"],
  "stream/web": ["node_stream", "compat"],
  "stream/consumers": ["node_stream", "compat"],
  "string_decoder": ["node_text", "compat"],
  "querystring": ["node_text", "compat"],
  "punycode": ["node_text", "enableNodeJsPunycodeModule"],
  "url": ["node_text", "compat"],
  "util": ["node_util", "compat"],
  "sys": ["node_util", "nodeJsCompatV2"],
  "util/types": ["node_util", "compat"],
  "zlib": ["node_zlib", "compat"],
  "child_process": ["node_unavailable", "enableNodeJsChildProcessModule"],
  "cluster": ["node_unavailable", "enableNodeJsClusterModule"],
  "dgram": ["node_unavailable", "enableNodeJsDgramModule"],
  "worker_threads": ["node_unavailable", "enableNodeJsWorkerThreadsModule"],
  "inspector": ["node_unavailable", "enableNodeJsInspectorModule"],
  "trace_events": ["node_unavailable", "enableNodeJsTraceEventsModule"],
  "wasi": ["node_unavailable", "enableNodeJsWasiModule"],
  "tty": ["node_unavailable", "enableNodeJsTtyModule"],
  "v8": ["node_unavailable", "enableNodeJsV8Module"],
  "domain": ["node_unavailable", "enableNodeJsDomainModule"],
  "fs": ["node_unavailable", "enableNodeJsFsModule"],
  "fs/promises": ["node_unavailable", "compat"],
  "net": ["node_unavailable", "compat"],
  "tls": ["node_unavailable", "compat"],
  "dns": ["node_unavailable", "compat"],
  "http": ["node_unavailable", "enableNodejsHttpModules"],
  "https": ["node_unavailable", "enableNodejsHttpModules"],
  "http2": ["node_unavailable", "enableNodeJsHttp2Module"],
};

const table = internal.hooks.builtinModules || (internal.hooks.builtinModules = ObjectCreate(null));
const builders = new MapCtor();
const built = new MapCtor();

// When the worker started (not when the built-ins were evaluated into the startup snapshot, nor
// when a node module's file was first evaluated), for process.uptime() and hrtime.
let workerStartTime = 0;
internal.onWorkerStart(() => { workerStartTime = Date.now(); });

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
  const module = modules[name];
  if (module === undefined) throw new ErrorCtor(`no node module named ${name}`);
  // The first module of a file to be loaded evaluates the file, which defines its builders.
  if (!MapPrototypeHas(builders, name)) internal.require(module[0]);
  const build = MapPrototypeGet(builders, name);
  if (build === undefined) throw new ErrorCtor(`${module[0]} defines no node module named ${name}`);
  const value = build();
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

// The table's entries, for every module whether or not its file has been evaluated yet.
for (const name in modules) {
  const gate = modules[name][1];
  ObjectDefineProperty(table, `node:${name}`, {
    configurable: true, enumerable: false,
    get() { return gateOpen(gate) ? namespaceOf(name) : undefined; },
  });
  ObjectDefineProperty(table, name, {
    configurable: true, enumerable: false,
    get() { return flags().v2 && gateOpen(gate) ? namespaceOf(name) : undefined; },
  });
}

// Gives module `name` (without the `node:` prefix, listed in `modules`) its builder.
function define(name, build) {
  if (modules[name] === undefined) throw new ErrorCtor(`node module ${name} is not in the table`);
  MapPrototypeSet(builders, name, build);
}

// An error for APIs that cannot work inside a Worker.
function notImplemented(what) {
  const err = new ErrorCtor(`${what} is not implemented in Colony (Workers have no such facility)`);
  err.code = "ERR_METHOD_NOT_IMPLEMENTED";
  return err;
}

// A module whose functions all throw "not implemented".
function defineUnavailable(name, functionNames, extra = undefined) {
  define(name, () => {
    const mod = {};
    for (let i = 0; i < functionNames.length; i++) {
      const fname = functionNames[i];
      mod[fname] = { [fname]() { throw notImplemented(`${name}.${fname}`); } }[fname];
    }
    if (extra !== undefined) extra(mod);
    return mod;
  });
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
exports.workerStartTime = () => workerStartTime;
exports.define = define;
exports.defineUnavailable = defineUnavailable;
exports.load = load;
exports.notImplemented = notImplemented;
exports.codedError = codedError;
exports.invalidArgType = invalidArgType;
exports.validateFunction = validateFunction;
exports.describeReceived = describeReceived;
