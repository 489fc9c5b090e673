// nodejs_compat from 2024-09-23 implies nodejs_compat_v2: bare module names and the Buffer,
// process, global and setImmediate globals.
import assert from "assert";
import { Buffer as ImportedBuffer } from "buffer";

export const globalsUnderV2 = {
  async test() {
    assert.strictEqual(globalThis.Buffer, ImportedBuffer);
    assert.strictEqual(typeof process.nextTick, "function");
    assert.strictEqual(global, globalThis);
    const order = [];
    await new Promise((resolve) => { setImmediate(() => { order.push("immediate"); resolve(); }); order.push("sync"); });
    assert.deepStrictEqual(order, ["sync", "immediate"]);
    const path = await import("path");
    assert.strictEqual(path.default.join("a", "b"), "a/b");
    await assert.rejects(import("node:child_process"), /No such module/);
  },
};

// The built-ins are evaluated at build time into the startup snapshot: process.uptime() still
// counts from this worker's start.
export const uptimeFromWorkerStart = {
  test() {
    const uptime = process.uptime();
    assert.ok(uptime >= 0 && uptime < 60, `process.uptime() is ${uptime}`);
  },
};
