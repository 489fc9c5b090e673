import { ok, equal } from "assert.js";

const later = () => new Promise((r) => setTimeout(r, 5));

export const promiseRejectionEventClass = {
  test() {
    equal(typeof PromiseRejectionEvent, "function");
    ok(PromiseRejectionEvent.prototype instanceof Event);
  },
};

export const unhandledAndHandledLater = {
  async test() {
    const seen = [];
    const onUnhandled = (e) => { seen.push(["unhandled", e.reason]); e.preventDefault(); };
    const onHandled = (e) => { seen.push(["handled", e.reason]); };
    addEventListener("unhandledrejection", onUnhandled);
    addEventListener("rejectionhandled", onHandled);
    try {
      const p = Promise.reject("why");
      await later();
      ok(seen.length >= 1 && seen[0][0] === "unhandled", JSON.stringify(seen));
      equal(seen.length, 1);
      equal(seen[0][0], "unhandled");
      equal(seen[0][1], "why");
      p.catch(() => {});
      await later();
      equal(seen.length, 2);
      equal(seen[1][0], "handled");
      const caughtInTime = Promise.reject("fine");
      caughtInTime.catch(() => {});
      await later();
      equal(seen.length, 2);
    } finally {
      removeEventListener("unhandledrejection", onUnhandled);
      removeEventListener("rejectionhandled", onHandled);
    }
  },
};
