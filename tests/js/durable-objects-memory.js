import { equal, deepEqual } from "assert.js";
import { DurableObject } from "cloudflare:workers";

let constructed = 0;

// In-memory storage: key-value pairs work, SQL does not (even with enableSql), and the state
// lives only as long as the instance.
export class MemoryStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.generation = ++constructed;
  }
  async touch() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return { generation: this.generation, n };
  }
  sqlProbe() {
    // The SQL API is there; a statement is refused.
    const sql = this.ctx.storage.sql;
    try {
      sql.exec("SELECT 1");
      return "no error";
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  }
}

export const sqlNeedsDisk = {
  async test(ctrl, env) {
    const stub = env.MEMORY.getByName("sql");
    equal(await stub.sqlProbe(),
      "Error: This Durable Object is not backed by SQLite storage, so the SQL API is not available. SQL can be enabled on a new Durable Object class by using the `new_sqlite_classes` instead of `new_classes` under `[[migrations]]` in your wrangler.toml, but an already-deployed class cannot be converted to SQLite (except by deleting the existing data).");
    deepEqual((await stub.touch()).n, 1);
    deepEqual((await stub.touch()).n, 2);
  },
};
