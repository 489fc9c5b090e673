"use strict";
// node:* modules that have no meaning inside a Worker (no processes, files, raw sockets or
// threads in Colony's sandbox). They import as in workerd, behind the same flags, and every
// function throws an error that says it is not implemented. Their gates are in node_registry.js.

const registry = internal.require("node_registry");
const { EventEmitter } = internal.require("node_events");

const define = registry.defineUnavailable;

define("child_process", ["exec", "execFile", "execFileSync", "execSync", "fork", "spawn", "spawnSync"],
  (m) => { m.ChildProcess = class ChildProcess extends EventEmitter {}; });
define("cluster", ["fork", "disconnect", "setupPrimary", "setupMaster"],
  (m) => { m.isPrimary = true; m.isMaster = true; m.isWorker = false; m.workers = {}; });
define("dgram", ["createSocket"]);
define("worker_threads", ["getEnvironmentData", "markAsUntransferable", "moveMessagePortToContext",
  "receiveMessageOnPort", "setEnvironmentData"],
  (m) => { m.isMainThread = true; m.parentPort = null; m.threadId = 0; m.workerData = null; m.resourceLimits = {}; });
define("inspector", ["open", "close", "url", "waitForDebugger"]);
define("trace_events", ["createTracing", "getEnabledCategories"]);
define("wasi", [], (m) => {
  m.WASI = class WASI { constructor() { throw registry.notImplemented("wasi.WASI"); } };
});
define("tty", ["isatty"], (m) => {
  m.isatty = () => false;
  m.ReadStream = class ReadStream { constructor() { throw registry.notImplemented("tty.ReadStream"); } };
  m.WriteStream = class WriteStream { constructor() { throw registry.notImplemented("tty.WriteStream"); } };
});
define("v8", ["cachedDataVersionTag", "getHeapSnapshot", "getHeapStatistics", "getHeapSpaceStatistics",
  "getHeapCodeStatistics", "setFlagsFromString", "serialize", "deserialize", "writeHeapSnapshot",
  "takeCoverage", "stopCoverage"]);
define("domain", ["create", "createDomain"]);
define("fs", ["access", "accessSync", "appendFile", "appendFileSync", "chmod", "chmodSync", "close", "closeSync",
  "copyFile", "copyFileSync", "createReadStream", "createWriteStream", "exists", "existsSync", "mkdir", "mkdirSync",
  "mkdtemp", "mkdtempSync", "open", "openSync", "readdir", "readdirSync", "readFile", "readFileSync", "readlink",
  "readlinkSync", "realpath", "realpathSync", "rename", "renameSync", "rm", "rmSync", "rmdir", "rmdirSync", "stat",
  "statSync", "lstat", "lstatSync", "symlink", "symlinkSync", "unlink", "unlinkSync", "watch", "writeFile",
  "writeFileSync"]);
define("fs/promises", ["access", "appendFile", "chmod", "copyFile", "mkdir", "mkdtemp", "open", "readdir", "readFile",
  "readlink", "realpath", "rename", "rm", "rmdir", "stat", "lstat", "symlink", "unlink", "writeFile"]);
define("net", ["connect", "createConnection", "createServer"], (m) => {
  m.isIP = (s) => (/^(\d{1,3}\.){3}\d{1,3}$/.test(s) ? 4 : /^[0-9a-f:]+$/i.test(s) && s.includes(":") ? 6 : 0);
  m.isIPv4 = (s) => m.isIP(s) === 4;
  m.isIPv6 = (s) => m.isIP(s) === 6;
  m.Socket = class Socket extends EventEmitter { connect() { throw registry.notImplemented("net.Socket.connect"); } };
  m.Server = class Server extends EventEmitter { constructor() { super(); throw registry.notImplemented("net.Server"); } };
});
define("tls", ["connect", "createServer", "createSecureContext", "checkServerIdentity"]);
define("dns", ["lookup", "lookupService", "resolve", "resolve4", "resolve6", "resolveAny", "resolveCname",
  "resolveMx", "resolveNs", "resolveTxt", "resolveSrv", "reverse", "setServers", "getServers"]);
define("http", ["request", "get", "createServer"]);
define("https", ["request", "get", "createServer"]);
define("http2", ["connect", "createServer", "createSecureServer"]);
