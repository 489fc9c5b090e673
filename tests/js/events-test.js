import { ok, equal, deepEqual, throws, rejects } from "assert.js";

export const eventBasics = {
  async test() {
    const e = new Event("ping", { cancelable: true, bubbles: true });
    equal(e.type, "ping");
    equal(e.bubbles, true);
    equal(e.cancelable, true);
    equal(e.defaultPrevented, false);
    equal(e.isTrusted, false);
    equal(e.eventPhase, Event.NONE);
    e.preventDefault();
    equal(e.defaultPrevented, true);
    equal(e.returnValue, false);
    const n = new Event("x");
    n.preventDefault();
    equal(n.defaultPrevented, false);
    throws(() => new Event(), TypeError);
    equal(new CustomEvent("c", { detail: { k: 1 } }).detail.k, 1);
  },
};

export const eventTarget = {
  async test() {
    const t = new EventTarget();
    const calls = [];
    const fn = (e) => { calls.push(["fn", e.target === t, e.currentTarget === t, e.eventPhase]); };
    t.addEventListener("x", fn);
    t.addEventListener("x", fn); // duplicate ignored
    t.addEventListener("x", { handleEvent(e) { calls.push(["obj", this !== t]); } });
    t.addEventListener("x", () => calls.push(["once"]), { once: true });
    const ev = new Event("x");
    equal(t.dispatchEvent(ev), true);
    equal(ev.target, t);
    equal(ev.eventPhase, 0);
    t.dispatchEvent(new Event("x"));
    deepEqual(calls, [["fn", true, true, 2], ["obj", true], ["once"], ["fn", true, true, 2], ["obj", true]]);
    t.removeEventListener("x", fn);
    calls.length = 0;
    t.dispatchEvent(new Event("x"));
    deepEqual(calls, [["obj", true]]);
    throws(() => t.addEventListener("x", 5), TypeError);
    throws(() => t.dispatchEvent({ type: "x" }), TypeError);
    t.addEventListener("x", null); // ignored
  },
};

export const cancelAndStop = {
  async test() {
    const t = new EventTarget();
    const seen = [];
    t.addEventListener("c", (e) => { seen.push(1); e.preventDefault(); e.stopImmediatePropagation(); });
    t.addEventListener("c", () => seen.push(2));
    equal(t.dispatchEvent(new Event("c", { cancelable: true })), false);
    deepEqual(seen, [1]);
    const p = new EventTarget();
    p.addEventListener("c", (e) => e.preventDefault(), { passive: true });
    equal(p.dispatchEvent(new Event("c", { cancelable: true })), true);
    const r = new EventTarget();
    let inner;
    r.addEventListener("r", (e) => { inner = throws(() => r.dispatchEvent(e)); });
    r.dispatchEvent(new Event("r"));
    equal(inner.name, "InvalidStateError");
  },
};

export const listenerSignal = {
  async test() {
    const t = new EventTarget();
    const ac = new AbortController();
    let n = 0;
    t.addEventListener("s", () => n++, { signal: ac.signal });
    t.dispatchEvent(new Event("s"));
    ac.abort();
    t.dispatchEvent(new Event("s"));
    equal(n, 1);
    t.addEventListener("s", () => n++, { signal: AbortSignal.abort() });
    t.dispatchEvent(new Event("s"));
    equal(n, 1);
  },
};

export const domException = {
  async test() {
    const d = new DOMException("msg", "AbortError");
    equal(d.name, "AbortError");
    equal(d.message, "msg");
    equal(d.code, 20);
    ok(d instanceof Error);
    equal(String(d), "AbortError: msg");
    equal(new DOMException().name, "Error");
    equal(new DOMException().code, 0);
    equal(new DOMException("", "SyntaxError").code, 12);
    equal(DOMException.INVALID_STATE_ERR, 11);
    equal(DOMException.prototype.DATA_CLONE_ERR, 25);
  },
};

export const abortController = {
  async test() {
    const ac = new AbortController();
    const s = ac.signal;
    equal(s.aborted, false);
    equal(s.reason, undefined);
    s.throwIfAborted();
    let events = 0, handler = 0;
    s.addEventListener("abort", (e) => { events++; equal(e.isTrusted, true); });
    s.onabort = () => handler++;
    ac.abort();
    ac.abort();
    equal(events, 1);
    equal(handler, 1);
    equal(s.aborted, true);
    equal(s.reason.name, "AbortError");
    equal(throws(() => s.throwIfAborted()), s.reason);
    const ac2 = new AbortController();
    ac2.abort("why");
    equal(ac2.signal.reason, "why");
    throws(() => new AbortSignal(), TypeError);
  },
};

export const abortSignalStatics = {
  async test() {
    const a = AbortSignal.abort();
    equal(a.aborted, true);
    equal(a.reason.name, "AbortError");
    equal(AbortSignal.abort(42).reason, 42);
    const t = AbortSignal.timeout(5);
    equal(t.aborted, false);
    await new Promise((r) => t.addEventListener("abort", r));
    equal(t.reason.name, "TimeoutError");
    const c1 = new AbortController(), c2 = new AbortController();
    const any = AbortSignal.any([c1.signal, c2.signal]);
    equal(any.aborted, false);
    c2.abort("second");
    equal(any.aborted, true);
    equal(any.reason, "second");
    equal(AbortSignal.any([AbortSignal.abort("x")]).reason, "x");
    throws(() => AbortSignal.any([{}]), TypeError);
  },
};

export const timers = {
  async test() {
    const order = [];
    await new Promise((resolve) => {
      setTimeout((a, b) => { order.push(`t:${a}${b}`); }, 2, "x", "y");
      const cancelled = setTimeout(() => order.push("cancelled"), 1);
      clearTimeout(cancelled);
      let n = 0;
      const iv = setInterval(() => {
        order.push(`i${++n}`);
        if (n === 2) { clearInterval(iv); setTimeout(resolve, 5); }
      }, 1);
      queueMicrotask(() => order.push("micro"));
      order.push("sync");
    });
    equal(order[0], "sync");
    equal(order[1], "micro");
    ok(order.includes("t:xy"));
    ok(order.includes("i2"));
    equal(order.includes("i3"), false);
    equal(order.includes("cancelled"), false);
    equal(typeof setTimeout(() => {}, 0), "number");
    throws(() => setTimeout("code", 1), TypeError);
    throws(() => queueMicrotask(5), TypeError);
    clearTimeout(undefined);
  },
};
