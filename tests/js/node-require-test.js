// How require() resolves names from a module in a subdirectory, and createRequire() loading the
// worker's own modules.
import assert from "node:assert";
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import x from "lib/x.js";
import esmBare from "lib/m.js";

export const nestedRequire = {
  test() {
    assert.strictEqual(x.relative, "lib/y");
    assert.strictEqual(x.bare, "lib/y");
    assert.strictEqual(x.withExtension, "lib/y.js");
    assert.strictEqual(x.parent, "top");
    assert.strictEqual(x.absolute, "top");
    assert.strictEqual(x.absoluteNested, "lib/y");
    assert.strictEqual(x.nested, "lib/sub/z");
    assert.strictEqual(x.bareNested, "lib/sub/z");
    assert.strictEqual(x.buffer.Buffer, Buffer);
    assert.strictEqual(x.nodeBuffer, x.buffer);
    assert.strictEqual(x.events, EventEmitter);
    assert.deepStrictEqual(x.notFound,
      ["top: true", "lib/y: true", "../top.js: true", "./missing: true"]);
  },
};

export const nestedImport = {
  test() {
    // An import of the bare "y" from "lib/m.js" is "lib/y", as with require().
    assert.strictEqual(esmBare, "lib/y");
  },
};

export const createRequireWorkerModules = {
  test() {
    const fromLib = createRequire("/lib/x.js");
    assert.strictEqual(fromLib("./y").name, "lib/y");
    assert.strictEqual(fromLib("y").name, "lib/y");
    assert.strictEqual(fromLib("/top").name, "top");
    assert.strictEqual(fromLib("./sub/z").name, "lib/sub/z");
    assert.strictEqual(fromLib("./e.mjs").name, "lib/e.mjs");
    assert.strictEqual(fromLib("./x.js"), x);
    assert.strictEqual(fromLib("buffer").Buffer, Buffer);
    assert.strictEqual(fromLib("node:events").EventEmitter, EventEmitter);
    assert.throws(() => fromLib("./missing"), /No such module/);
    assert.throws(() => fromLib("top"), /No such module/);

    const fromUrl = createRequire(new URL("file:///lib/x.js"));
    assert.strictEqual(fromUrl("y").name, "lib/y");
    assert.strictEqual(createRequire("file:///lib/x.js")("../top").name, "top");

    const fromRoot = createRequire("/");
    assert.strictEqual(fromRoot("top").name, "top");
    assert.strictEqual(fromRoot("./y").name, "y");
    assert.strictEqual(fromRoot("lib/y").name, "lib/y");
    assert.strictEqual(fromRoot("sub/z").name, "sub/z");

    // A file-system path is required: nothing relative, no other URL schemes.
    for (const bad of ["lib/x.js", 5, "https://example.com/x.js"]) {
      assert.throws(() => createRequire(bad), { code: "ERR_INVALID_ARG_VALUE" });
    }
  },
};
