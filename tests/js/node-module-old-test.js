// Before 2025-04-01, nodejs_compat leaves process.env empty unless
// nodejs_compat_populate_process_env is set.
import assert from "node:assert";
import process from "node:process";

export const processEnvNotPopulated = {
  test(ctrl, env) {
    assert.strictEqual(env.GREETING, "hello");
    assert.strictEqual(process.env.GREETING, undefined);
  },
};
