// node:module, node:constants and process.env populated from text and JSON bindings.
import assert from "node:assert";
import { Buffer } from "node:buffer";
import module, { createRequire, builtinModules, isBuiltin } from "node:module";
import constants from "node:constants";
import process from "node:process";

export const moduleApi = {
  test() {
    const require = createRequire("/bundle/worker.js");
    assert.strictEqual(typeof require, "function");
    assert.strictEqual(require("node:buffer").Buffer, Buffer);
    assert.strictEqual(require("buffer"), require("node:buffer"));
    assert.strictEqual(typeof require("node:stream").Readable, "function");
    assert.strictEqual(typeof require("node:crypto").createHash, "function");
    assert.throws(() => require("definitely-not-a-module"));
    assert.ok(Array.isArray(builtinModules));
    for (const name of ["buffer", "crypto", "stream", "stream/promises", "zlib", "path", "events", "util"]) {
      assert.ok(builtinModules.includes(name), name);
    }
    assert.strictEqual(isBuiltin("node:fs"), true);
    assert.strictEqual(isBuiltin("fs/promises"), true);
    assert.strictEqual(isBuiltin("zlib"), true);
    assert.strictEqual(isBuiltin("left-pad"), false);
    assert.strictEqual(module.createRequire, createRequire);
  },
};

export const constantsModule = {
  test() {
    assert.strictEqual(constants.O_RDONLY, 0);
    assert.strictEqual(constants.O_WRONLY, 1);
    assert.strictEqual(constants.SIGTERM, 15);
    assert.strictEqual(constants.SIGKILL, 9);
    assert.strictEqual(constants.ENOENT, 2);
    assert.strictEqual(constants.EACCES, 13);
    assert.strictEqual(constants.F_OK, 0);
    assert.strictEqual(constants.RSA_PKCS1_PADDING, 1);
    assert.strictEqual(constants.RSA_PKCS1_OAEP_PADDING, 4);
  },
};

export const processEnv = {
  test(ctrl, env) {
    assert.strictEqual(process.env.GREETING, "hello");
    assert.strictEqual(process.env.CONFIG, '{"a":1}');
    assert.strictEqual(process.env.COUNT, "5");
    assert.strictEqual(process.env.SECRET_KEY, undefined); // not a text or JSON binding
    assert.strictEqual(env.GREETING, "hello");
    assert.deepStrictEqual(env.CONFIG, { a: 1 });
    process.env.ADDED = "x";
    assert.strictEqual(process.env.ADDED, "x");
  },
};
