// Development harness: loads Colony's built-in JS (runtime/js, in meson order) into a bare V8
// context with Node-implemented ops, then runs tests/js/*.js test modules against it.
//
//   node --experimental-vm-modules tests/js/node-harness/run.js [tests/js/NAME.js ...]
//
// Without arguments every tests/js/*-test.js and tests/js/node-harness/*-test.js is run. Exit status is non-zero on any failure.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const crypto = require("crypto");

const root = path.resolve(__dirname, "../../..");
const jsDir = path.join(root, "runtime/js");

function builtinFiles() {
  const meson = fs.readFileSync(path.join(jsDir, "meson.build"), "utf8");
  const list = meson.slice(meson.indexOf("files("));
  return [...list.matchAll(/'([^']+\.js)'/g)].map((m) => m[1]);
}

function makeContext(log) {
  const context = vm.createContext({}, { microtaskMode: undefined });
  const g = vm.runInContext("globalThis", context);
  const U8 = g.Uint8Array;
  const TE = new TextEncoder();
  const toRealm = (buf) => { const u = new U8(buf.length); u.set(buf); return u; };
  let nextTimer = 1;
  const timers = new Map();
  const bodies = new Map();
  const ops = {
    print(level, text) { log.push([level, text]); if (process.env.HARNESS_VERBOSE) console.log(`[${level}] ${text}`); },
    utf8Encode(s) { return toRealm(Buffer.from(String(s).toWellFormed(), "utf8")); },
    utf8EncodeInto(s, u8) {
      s = String(s);
      const r = TE.encodeInto(s, new Uint8Array(u8.buffer, u8.byteOffset, u8.byteLength));
      return g.Array.of(r.read, r.written);
    },
    utf8Decode(u8, fatal, ignoreBOM) {
      try {
        return new TextDecoder("utf-8", { fatal, ignoreBOM }).decode(new Uint8Array(u8.buffer, u8.byteOffset, u8.byteLength));
      } catch (e) {
        throw new g.TypeError("The encoded data was not valid for encoding utf-8");
      }
    },
    setTimer(cb, delay, repeat) {
      const id = nextTimer++;
      const h = repeat ? setInterval(cb, Math.max(1, delay)) : setTimeout(() => { timers.delete(id); cb(); }, delay);
      timers.set(id, [h, repeat]);
      return id;
    },
    clearTimer(id) {
      const t = timers.get(id);
      if (t) { (t[1] ? clearInterval : clearTimeout)(t[0]); timers.delete(id); }
    },
    queueMicrotask(fn) { queueMicrotask(fn); },
    bodyRead(handle) {
      const chunks = bodies.get(handle);
      if (!chunks) return g.Promise.reject(new g.TypeError("bad body handle"));
      return g.Promise.resolve(chunks.length ? toRealm(chunks.shift()) : null);
    },
    bodyCancel(handle) { bodies.set(handle, []); },
    serviceFetch(target, method, url, headers, body, bodyKind) {
      return g.Promise.resolve(target.handler(method, url, headers, body, bodyKind));
    },
    reportError(e) { log.push(["reportError", e]); if (process.env.HARNESS_VERBOSE) console.log("reportError", e); },
    randomBytes(u8) { crypto.randomFillSync(u8); },
  };
  // Test helper: create a native body handle from a list of strings.
  let nextBody = 1;
  ops.__makeBody = (parts) => { const h = { id: nextBody++ }; bodies.set(h, parts.map((p) => Buffer.from(p))); return h; };
  const internal = { ops, primordials: {}, hooks: {} };
  const exportsByName = {};
  internal.require = (name) => {
    if (!(name in exportsByName)) throw new Error(`built-in ${name} not loaded yet`);
    return exportsByName[name];
  };
  for (const file of builtinFiles()) {
    const src = fs.readFileSync(path.join(jsDir, file), "utf8");
    const fn = vm.runInContext(`(function (exports, internal) {${src}\n})`, context, { filename: file });
    const exp = {};
    fn(exp, internal);
    exportsByName[file.replace(/\.js$/, "")] = exp;
  }
  return { context, g, internal, ops };
}

async function runTestFile(file) {
  const log = [];
  const { context, g, internal } = makeContext(log);
  g.__colonyInternal = internal; // lets harness-only tests reach the hooks
  const cache = new Map();
  const load = (spec) => {
    const p = path.join(path.dirname(file), spec);
    if (!cache.has(p)) cache.set(p, new vm.SourceTextModule(fs.readFileSync(p, "utf8"), { context, identifier: p }));
    return cache.get(p);
  };
  const mod = new vm.SourceTextModule(fs.readFileSync(file, "utf8"), { context, identifier: file });
  await mod.link(async (spec) => load(spec));
  await mod.evaluate();
  let failed = 0;
  const ctx = { waitUntil() {}, passThroughOnException() {} };
  for (const [name, value] of Object.entries(mod.namespace)) {
    if (!value || typeof value.test !== "function") continue;
    try {
      await value.test(internal.hooks.makeTestController(), {}, ctx);
      console.log(`  ok   ${path.basename(file)} ${name}`);
    } catch (e) {
      failed++;
      console.log(`  FAIL ${path.basename(file)} ${name}: ${e && e.stack || e}`);
    }
  }
  return failed;
}

(async () => {
  const args = process.argv.slice(2);
  const files = args.length ? args.map((a) => path.resolve(a))
    : [path.join(root, "tests/js"), __dirname].flatMap((dir) =>
        fs.readdirSync(dir).filter((f) => f.endsWith("-test.js")).map((f) => path.join(dir, f)));
  let failed = 0;
  for (const f of files) failed += await runTestFile(f);
  console.log(failed ? `${failed} failed` : "all passed");
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
