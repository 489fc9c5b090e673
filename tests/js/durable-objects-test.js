import { ok, equal, deepEqual, throws, rejects } from "assert.js";
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.instanceId = Math.random();
    this.inMemory = 0;
  }
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/throw") throw new RangeError("thrown in fetch");
    if (url.pathname === "/abort") this.ctx.abort();
    let n = (await this.ctx.storage.get("n")) ?? 0;
    n += Number(url.searchParams.get("by") ?? 1);
    await this.ctx.storage.put("n", n);
    return new Response(`${n} ${this.ctx.id.toString()} ${this.ctx.id.name}`, { headers: { "x-method": request.method } });
  }
  async increment(by = 1) {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + by;
    await this.ctx.storage.put("n", n);
    return n;
  }
  identity() { return this.instanceId; }
  envText() { return this.env.GREETING; }
  // Reads, yields to the event loop, then writes: without the input gate concurrent calls lose updates.
  async slowIncrement() {
    const n = (await this.ctx.storage.get("slow")) ?? 0;
    await this.ctx.blockConcurrencyWhile(async () => { await new Promise((r) => setTimeout(r, 5)); });
    await this.ctx.storage.put("slow", n + 1);
    return n + 1;
  }
  echo(value) { return value; }
  fail(message) { throw new RangeError(message); }
  abortWith(reason) {
    this.ctx.abort(reason);
    return "still running after abort()";
  }
  sqlProbe() {
    // The SQL API is there; a statement is refused.
    const sql = this.ctx.storage.sql;
    try { sql.exec("SELECT 1"); return "no error"; } catch (e) { return e.message; }
  }
  async alarmProbe() {
    try { await this.ctx.storage.setAlarm(Date.now() + 1000); return "no error"; } catch (e) { return e.message; }
  }
}

// The WebSocket hibernation API: sockets accepted with ctx.acceptWebSocket are delivered to
// webSocketMessage / webSocketClose.
export class Room extends DurableObject {
  async fetch(request) {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [new URL(request.url).searchParams.get("tag")]);
    pair[1].serializeAttachment({ joined: this.ctx.getWebSockets().length });
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  webSocketMessage(ws, message) {
    const tags = this.ctx.getTags(ws);
    for (const peer of this.ctx.getWebSockets()) {
      peer.send(`${tags[0]}#${ws.deserializeAttachment().joined}: ${message} (${this.ctx.getWebSockets(tags[0]).length})`);
    }
  }
  async webSocketClose(ws, code, reason) {
    await this.ctx.storage.put("closed", `${code} ${reason}`);
    ws.close(code, reason);
  }
  closed() { return this.ctx.storage.get("closed"); }
}

// Eviction and hibernation: each instance knows which construction it was.
let lifecycleConstructed = 0;
export class Lifecycle extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.generation = ++lifecycleConstructed;
    this.memory = 0;
  }
  async fetch(request) {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], ["hibernating"]);
    pair[1].serializeAttachment({ acceptedBy: this.generation });
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  async touch() {
    this.memory++;
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return { generation: this.generation, memory: this.memory, n };
  }
  later(ms) {
    setTimeout(() => { this.memory += 100; }, ms);
    return this.generation;
  }
  webSocketMessage(ws, message) {
    this.memory++;
    ws.send(JSON.stringify({
      generation: this.generation, memory: this.memory, message,
      attachment: ws.deserializeAttachment(), sockets: this.ctx.getWebSockets().length,
      tags: this.ctx.getTags(ws),
    }));
  }
  webSocketClose(ws, code, reason) { ws.close(code, reason); }
}

// preventEviction: the instance stays however long it is idle.
export class Pinned extends Lifecycle {}

// A class that does not extend DurableObject gets (state, env) too.
export class Plain {
  constructor(state, env) {
    this.state = state;
    this.env = env;
  }
  async fetch() { return new Response(`plain ${this.state.id.name} ${this.env.GREETING}`); }
  hello(name) { return `hi ${name}`; }
}

export class Store extends DurableObject {
  async alarm(info) {
    const fired = (await this.ctx.storage.get("fired")) ?? [];
    fired.push(info.retryCount);
    await this.ctx.storage.put("fired", fired);
    if ((await this.ctx.storage.get("failAlarm")) && info.retryCount === 0) throw new Error("alarm failed on purpose");
  }
  async run(steps) {
    const s = this.ctx.storage;
    const out = {};
    for (const [op, ...args] of steps) {
      let r = s[op](...args);
      if (r instanceof Promise) r = await r;
      out[out.length = (out.length ?? 0) + 1] = r;
    }
    return out;
  }
  async kv() {
    const s = this.ctx.storage;
    await s.put("a", 1);
    await s.put({ b: { nested: [1, 2] }, c: new Date(7), "d/1": "x", "d/2": "y", e: new Uint8Array([1, 2]) });
    const got = {
      a: await s.get("a"),
      missing: await s.get("nope"),
      many: [...(await s.get(["a", "nope", "b"])).entries()],
      date: (await s.get("c")).getTime(),
      bytes: [...(await s.get("e"))],
      list: [...(await s.list()).keys()],
      prefix: [...(await s.list({ prefix: "d/" })).keys()],
      range: [...(await s.list({ start: "b", end: "d/2" })).keys()],
      after: [...(await s.list({ startAfter: "b", limit: 2 })).keys()],
      reverse: [...(await s.list({ reverse: true, limit: 2 })).keys()],
      deleted: await s.delete("a"),
      deletedAgain: await s.delete("a"),
      deletedMany: await s.delete(["b", "c", "zz"]),
    };
    got.after2 = [...(await s.list()).keys()];
    await s.deleteAll();
    got.afterAll = (await s.list()).size;
    return got;
  }
  async transactions() {
    const s = this.ctx.storage;
    await s.put("t", 1);
    await s.transaction(async (txn) => {
      await txn.put("t", 2);
      txn.rollback();
    });
    const afterRollback = await s.get("t");
    let thrown = null;
    try {
      await s.transaction(async (txn) => {
        await txn.put("t", 3);
        throw new Error("boom");
      });
    } catch (e) { thrown = e.message; }
    const afterThrow = await s.get("t");
    await s.transaction(async (txn) => { await txn.put("t", 4); });
    return { afterRollback, thrown, afterThrow, committed: await s.get("t") };
  }
  sql() {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS people (id INTEGER PRIMARY KEY, name TEXT, score REAL, photo BLOB)");
    sql.exec("DELETE FROM people");
    const ins = sql.exec("INSERT INTO people (name, score, photo) VALUES (?, ?, ?), (?, ?, ?)", "ann", 1.5, new Uint8Array([9]), "bob", 2, null);
    const cursor = sql.exec("SELECT id, name, score, photo FROM people ORDER BY id");
    const columns = cursor.columnNames;
    const rows = cursor.toArray();
    const raw = sql.exec("SELECT name, score FROM people ORDER BY id").raw().toArray();
    const one = sql.exec("SELECT count(*) AS n FROM people").one();
    let oneError = null;
    try { sql.exec("SELECT * FROM people").one(); } catch (e) { oneError = e.message; }
    let syntax = null;
    try { sql.exec("SELEC nonsense"); } catch (e) { syntax = e.message; }
    let reserved = null;
    this.ctx.storage.put("kv", "in use");  // the key-value table exists once used
    try { sql.exec("SELECT * FROM _cf_KV"); } catch (e) { reserved = e.message; }
    const iterated = [];
    for (const row of sql.exec("SELECT name FROM people ORDER BY id")) iterated.push(row.name);
    return {
      written: ins.rowsWritten, columns, names: rows.map((r) => r.name), score: rows[0].score,
      photo: [...new Uint8Array(rows[0].photo)], nullPhoto: rows[1].photo, raw, one, oneError,
      syntax, reserved, iterated, size: sql.databaseSize > 0,
      sync: this.ctx.storage.transactionSync(() => sql.exec("SELECT 41 + 1 AS x").one().x),
    };
  }
  async setAlarmIn(ms, failFirst = false) {
    await this.ctx.storage.put("failAlarm", failFirst);
    await this.ctx.storage.delete("fired");
    await this.ctx.storage.setAlarm(Date.now() + ms);
    return await this.ctx.storage.getAlarm();
  }
  async alarmState() {
    return { alarm: await this.ctx.storage.getAlarm(), fired: (await this.ctx.storage.get("fired")) ?? [] };
  }
  async clearAlarm() {
    await this.ctx.storage.deleteAlarm();
    return await this.ctx.storage.getAlarm();
  }
}

export const abort = {
  async test(ctrl, env) {
    // ctx.abort() resets the object and throws its reason (or workerd's own text) to the caller;
    // a new stub reaches a new instance.
    const first = env.COUNTER.getByName("aborted");
    const before = await first.identity();
    const err = await rejects(first.abortWith("stop here"), Error);
    equal(err.message, "stop here");
    const again = env.COUNTER.getByName("aborted");
    ok((await again.identity()) !== before, "a new instance after abort()");
    const viaFetch = await rejects(env.COUNTER.getByName("aborted-in-fetch").fetch("http://do/abort"), Error);
    equal(viaFetch.message, "Application called abort() to reset Durable Object.");
  },
};

export const ids = {
  async test(ctrl, env) {
    const a = env.COUNTER.idFromName("foo");
    equal(a.toString().length, 64);
    ok(/^[0-9a-f]{64}$/.test(a.toString()));
    equal(a.name, "foo");
    ok(a.equals(env.COUNTER.idFromName("foo")));
    ok(!a.equals(env.COUNTER.idFromName("bar")));
    // Different namespaces give different ids to one name.
    ok(env.PLAIN.idFromName("foo").toString() !== a.toString());
    const u = env.COUNTER.newUniqueId();
    equal(u.name, undefined);
    ok(!u.equals(env.COUNTER.newUniqueId()));
    ok(env.COUNTER.idFromString(a.toString()).equals(a));
    ok(env.COUNTER.idFromString(a.toString().toUpperCase()).equals(a));
    equal(env.COUNTER.idFromString(a.toString()).name, undefined);
    let e = throws(() => env.COUNTER.idFromString("abc"), TypeError);
    equal(e.message, "Invalid Durable Object ID: must be 64 hex digits");
    e = throws(() => env.COUNTER.idFromString("z".repeat(64)), TypeError);
    equal(e.message, "Invalid Durable Object ID: must be 64 hex digits");
    e = throws(() => env.PLAIN.idFromString(a.toString()), TypeError);
    equal(e.message, "Durable Object ID is not valid for this namespace.");
    e = throws(() => env.COUNTER.idFromString(a.toString().slice(0, 63) + (a.toString()[63] === "0" ? "1" : "0")), TypeError);
    equal(e.message, "Durable Object ID is not valid for this namespace.");
    equal(JSON.stringify(a), '{"name":"foo"}');
    throws(() => env.COUNTER.get("foo"), TypeError);
  },
};

export const stubs = {
  async test(ctrl, env) {
    const id = env.COUNTER.idFromName("stubs");
    const stub = env.COUNTER.get(id);
    equal(stub.name, "stubs");
    ok(stub.id.equals(id));
    deepEqual(Object.keys(stub), ["name", "id"]);
    let r = await stub.fetch("http://do/?by=2", { method: "POST" });
    equal(await r.text(), `2 ${id} stubs`);
    equal(r.headers.get("x-method"), "POST");
    r = await env.COUNTER.getByName("stubs").fetch("http://do/");
    equal(await r.text(), `3 ${id} stubs`);
    equal(await stub.increment(10), 13);
    equal(await stub.envText(), "hello");
    // One instance per id.
    equal(await stub.identity(), await env.COUNTER.get(env.COUNTER.idFromName("stubs")).identity());
    ok((await stub.identity()) !== (await env.COUNTER.getByName("other").identity()));
    // Arguments and results are structured clones.
    const value = { d: new Date(3), m: new Map([["k", [1, 2]]]), big: 10n };
    const back = await stub.echo(value);
    equal(back.d.getTime(), 3);
    deepEqual(back.m.get("k"), [1, 2]);
    equal(back.big, 10n);
    // Errors thrown by the object reject the call with the same type and message.
    const err = await rejects(() => stub.fail("too far"), RangeError);
    equal(err.message, "too far");
    // So does an exception thrown by the object's fetch().
    const thrown = await rejects(() => stub.fetch("http://do/throw"), RangeError);
    equal(thrown.message, "thrown in fetch");
    const missing = await rejects(() => stub.nope(), TypeError);
    equal(missing.message, 'The RPC receiver does not implement the method "nope".');
    // A stub is not a thenable.
    equal(stub.then, undefined);
    // Plain classes.
    const plain = env.PLAIN.getByName("p");
    equal(await (await plain.fetch("http://do/")).text(), "plain p hello");
    // RPC needs `extends DurableObject`.
    const noRpc = await rejects(() => plain.hello("you"), TypeError);
    ok(/does not support RPC/.test(noRpc.message), noRpc.message);
  },
};

export const inputGate = {
  async test(ctrl, env) {
    const stub = env.COUNTER.getByName("gate");
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => stub.slowIncrement()));
    deepEqual(results.sort(), [1, 2, 3, 4, 5]);
    // Many concurrent increments through fetch and RPC lose nothing.
    const counter = env.COUNTER.getByName("concurrent");
    await Promise.all(Array.from({ length: 20 }, (_, i) => i % 2 ? counter.increment(1) : counter.fetch("http://do/")));
    equal(await counter.increment(0), 20);
  },
};

export const kvStorage = {
  async test(ctrl, env) {
    const got = await env.STORE.getByName("kv").kv();
    equal(got.a, 1);
    equal(got.missing, undefined);
    deepEqual(got.many, [["a", 1], ["b", { nested: [1, 2] }]]);
    equal(got.date, 7);
    deepEqual(got.bytes, [1, 2]);
    deepEqual(got.list, ["a", "b", "c", "d/1", "d/2", "e"]);
    deepEqual(got.prefix, ["d/1", "d/2"]);
    deepEqual(got.range, ["b", "c", "d/1"]);
    deepEqual(got.after, ["c", "d/1"]);
    deepEqual(got.reverse, ["e", "d/2"]);
    equal(got.deleted, true);
    equal(got.deletedAgain, false);
    equal(got.deletedMany, 2);
    deepEqual(got.after2, ["d/1", "d/2", "e"]);
    equal(got.afterAll, 0);
  },
};

export const transactions = {
  async test(ctrl, env) {
    deepEqual(await env.STORE.getByName("txn").transactions(),
      { afterRollback: 1, thrown: "boom", afterThrow: 1, committed: 4 });
  },
};

export const sqlApi = {
  async test(ctrl, env) {
    const r = await env.STORE.getByName("sql").sql();
    equal(r.written, 2);
    deepEqual(r.columns, ["id", "name", "score", "photo"]);
    deepEqual(r.names, ["ann", "bob"]);
    equal(r.score, 1.5);
    deepEqual(r.photo, [9]);
    equal(r.nullPhoto, null);
    deepEqual(r.raw, [["ann", 1.5], ["bob", 2]]);
    deepEqual(r.one, { n: 2 });
    ok(/exactly one/.test(r.oneError), r.oneError);
    ok(/syntax error/.test(r.syntax), r.syntax);
    ok(/SQLITE_AUTH/.test(r.reserved), r.reserved);
    deepEqual(r.iterated, ["ann", "bob"]);
    equal(r.size, true);
    equal(r.sync, 42);
    // SQL needs enableSql (workerd's words).
    equal(await env.COUNTER.getByName("nosql").sqlProbe(),
      "SQL is not enabled for this Durable Object class. To enable it, change `new_classes` to `new_sqlite_classes` within the 'migrations' field in your wrangler.jsonc or wrangler.toml file. If using workerd directly,set `enableSql = true` in your workerd config for the class. Note that this change cannot be made after the class is already deployed to production.");
  },
};

export const alarms = {
  async test(ctrl, env) {
    const stub = env.STORE.getByName("alarm");
    const at = await stub.setAlarmIn(30);
    ok(typeof at === "number" && at > Date.now() - 1000);
    await new Promise((r) => setTimeout(r, 200));
    deepEqual(await stub.alarmState(), { alarm: null, fired: [0] });
    // A deleted alarm does not fire.
    await stub.setAlarmIn(30);
    equal(await stub.clearAlarm(), null);
    await new Promise((r) => setTimeout(r, 100));
    deepEqual(await stub.alarmState(), { alarm: null, fired: [] });
    // A failing alarm is retried with retryCount 1.
    await stub.setAlarmIn(10, true);
    await new Promise((r) => setTimeout(r, 2600));
    deepEqual((await stub.alarmState()).fired, [0, 1]);
    // setAlarm needs an alarm() handler.
    equal(await env.COUNTER.getByName("x").alarmProbe(),
      "Your Durable Object class must have an alarm() handler in order to call setAlarm()");
  },
};

export const webSockets = {
  async test(ctrl, env) {
    const room = env.ROOM.getByName("lobby");
    const a = (await room.fetch("http://do/?tag=red", { headers: { Upgrade: "websocket" } })).webSocket;
    const b = (await room.fetch("http://do/?tag=blue", { headers: { Upgrade: "websocket" } })).webSocket;
    ok(a && b, "101 responses with webSockets");
    a.accept();
    b.accept();
    const got = [];
    const both = new Promise((resolve) => {
      const on = (event) => { got.push(event.data); if (got.length === 2) resolve(); };
      a.addEventListener("message", on);
      b.addEventListener("message", on);
    });
    b.send("hello");
    await both;
    deepEqual(got, ["blue#2: hello (1)", "blue#2: hello (1)"]);
    a.close(1000, "bye");
    for (let i = 0; i < 50 && !(await room.closed()); i++) await new Promise((r) => setTimeout(r, 10));
    equal(await room.closed(), "1000 bye");
    b.close(1000, "done");
  },
};

// An object nobody uses for 10 seconds is evicted (workerd's idle time): the next call constructs
// it again; storage on disk is kept, in-memory storage is not; a pending timer keeps its object; a
// hibernatable WebSocket stays open and its next message wakes a new instance, which has the
// socket, its tags and attachment.
export const eviction = {
  async test(ctrl, env) {
    const idle = env.LIFECYCLE.getByName("idle");
    const pinned = env.PINNED.getByName("pinned");
    const memory = env.MEMORY.getByName("evicted");
    const first = await idle.touch();
    deepEqual(await idle.touch(), { generation: first.generation, memory: 2, n: 2 });
    const pinnedFirst = await pinned.touch();
    const memoryFirst = await memory.touch();
    equal(memoryFirst.n, 1);
    const timed = env.LIFECYCLE.getByName("timed");
    const timedGeneration = await timed.later(14000);

    const ws = (await env.LIFECYCLE.getByName("hibernating").fetch("http://do/", { headers: { Upgrade: "websocket" } })).webSocket;
    ws.accept();
    const next = () => new Promise((resolve) => {
      ws.addEventListener("message", (event) => resolve(JSON.parse(event.data)), { once: true });
    });
    ws.send("before");
    const before = await next();
    equal(before.memory, 1);

    await new Promise((resolve) => setTimeout(resolve, 12000));

    ws.send("after");
    const after = await next();
    ok(after.generation > before.generation, "a new instance got the message");
    deepEqual({ ...after, generation: 0 }, {
      generation: 0, memory: 1, message: "after", attachment: { acceptedBy: before.generation },
      sockets: 1, tags: ["hibernating"],
    });
    const later = await idle.touch();
    ok(later.generation > first.generation, "constructed again");
    deepEqual({ memory: later.memory, n: later.n }, { memory: 1, n: 3 });
    const pinnedLater = await pinned.touch();
    deepEqual(pinnedLater, { generation: pinnedFirst.generation, memory: 2, n: 2 });
    const timedLater = await timed.touch();
    deepEqual({ generation: timedLater.generation, memory: timedLater.memory }, { generation: timedGeneration, memory: 1 });
    const memoryLater = await memory.touch();
    ok(memoryLater.generation > memoryFirst.generation, "the in-memory object was constructed again");
    equal(memoryLater.n, 1);
    ws.close(1000, "done");
  },
};
