// Without nodejs_compat the node:* modules are not importable (node:process always is).
export const modulesNeedTheFlag = {
  async test() {
    for (const name of ["node:assert", "node:buffer", "node:events", "assert", "node:async_hooks", "node:stream",
      "node:stream/promises", "node:crypto", "node:zlib", "node:module", "node:constants"]) {
      let failed = false;
      try { await import(name); } catch (err) { failed = /No such module/.test(err.message); }
      if (!failed) throw new Error(`${name} should not be importable`);
    }
    const proc = await import("node:process");
    if (typeof proc.default.nextTick !== "function") throw new Error("node:process");
    if (typeof globalThis.Buffer !== "undefined") throw new Error("Buffer global without nodejs_compat");
  },
};
