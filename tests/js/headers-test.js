import { ok, equal, deepEqual, throws } from "assert.js";

export const caseInsensitiveAndCombined = {
  async test() {
    const h = new Headers({ "Content-Type": "text/plain" });
    h.append("X-Multi", "a");
    h.append("x-multi", "b");
    equal(h.get("content-type"), "text/plain");
    equal(h.get("X-MULTI"), "a, b");
    ok(h.has("CONTENT-TYPE"));
    equal(h.get("missing"), null);
    h.delete("X-Multi");
    equal(h.has("x-multi"), false);
    h.set("a", "1");
    h.set("A", "2");
    equal(h.get("a"), "2");
  },
};

export const sortedIterationAndSetCookie = {
  async test() {
    const h = new Headers([["B", "1"], ["a", "2"], ["set-cookie", "x=1"], ["Set-Cookie", "y=2"], ["b", "3"]]);
    deepEqual([...h], [["a", "2"], ["b", "1, 3"], ["set-cookie", "x=1"], ["set-cookie", "y=2"]]);
    deepEqual([...h.keys()], ["a", "b", "set-cookie", "set-cookie"]);
    deepEqual([...h.values()], ["2", "1, 3", "x=1", "y=2"]);
    deepEqual(h.getSetCookie(), ["x=1", "y=2"]);
    equal(h.get("set-cookie"), "x=1, y=2");
    const seen = [];
    h.forEach((v, k, self) => { seen.push(k + "=" + v); equal(self, h); });
    deepEqual(seen, ["a=2", "b=1, 3", "set-cookie=x=1", "set-cookie=y=2"]);
  },
};

export const valueNormalisation = {
  async test() {
    const h = new Headers();
    h.set("x", "  padded\t ");
    equal(h.get("x"), "padded");
    h.append("y", "");
    equal(h.get("y"), "");
  },
};

export const validation = {
  async test() {
    throws(() => new Headers().append("a b", "x"), TypeError);
    throws(() => new Headers().set("a", "x\ny"), TypeError);
    throws(() => new Headers().set("a", "x\0y"), TypeError);
    throws(() => new Headers().get("bad name"), TypeError);
    throws(() => new Headers([["a"]]), TypeError);
    throws(() => new Headers([["a", "b", "c"]]), TypeError);
    throws(() => new Headers(5), TypeError);
  },
};

export const copyConstruction = {
  async test() {
    const a = new Headers({ x: "1" });
    a.append("set-cookie", "c=1");
    a.append("set-cookie", "d=2");
    const b = new Headers(a);
    b.set("x", "2");
    equal(a.get("x"), "1");
    deepEqual(b.getSetCookie(), ["c=1", "d=2"]);
  },
};

export const immutableGuard = {
  async test() {
    const r = Response.redirect("https://example.com/", 301);
    equal(r.headers.get("location"), "https://example.com/");
    throws(() => r.headers.set("x", "y"), TypeError);
    throws(() => r.headers.append("x", "y"), TypeError);
    throws(() => r.headers.delete("location"), TypeError);
    // A normal Response's headers are mutable.
    const ok2 = new Response("x");
    ok2.headers.set("x", "y");
    equal(ok2.headers.get("x"), "y");
  },
};

export const recordInitTakesOwnEnumerableStringKeysInOrder = {
  async test() {
    const init = Object.create({ inherited: "no" });
    init["X-B"] = "2";
    init.a = 1;
    Object.defineProperty(init, "hidden", { value: "no", enumerable: false });
    init[Symbol("s")] = "no";
    let reads = 0;
    Object.defineProperty(init, "lazy", { get() { reads++; return "  v  "; }, enumerable: true });
    const h = new Headers(init);
    deepEqual([...h], [["a", "1"], ["lazy", "v"], ["x-b", "2"]]);
    equal(reads, 1);
    throws(() => new Headers({ "bad name": "x" }), TypeError);
  },
};
