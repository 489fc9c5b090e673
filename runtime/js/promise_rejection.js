"use strict";
// HTML's PromiseRejectionEvent, and the `unhandledrejection` / `rejectionhandled` events the
// runtime dispatches on the global scope (hooks.unhandledRejection / hooks.rejectionHandled).

const { TypeError: TypeErrorCtor, makeEnumerable, globalThis: theGlobal } = internal.primordials;
const events = internal.require("events");

class PromiseRejectionEvent extends events.Event {
  #promise;
  #reason;
  constructor(type, eventInitDict) {
    if (arguments.length < 2) {
      throw new TypeErrorCtor(`Failed to construct 'PromiseRejectionEvent': 2 arguments required, but only ${arguments.length} present.`);
    }
    if (eventInitDict === null || typeof eventInitDict !== "object") {
      throw new TypeErrorCtor("Failed to construct 'PromiseRejectionEvent': parameter 2 is not of type 'PromiseRejectionEventInit'.");
    }
    const promise = eventInitDict.promise;
    if (promise === null || typeof promise !== "object") {
      throw new TypeErrorCtor("Failed to construct 'PromiseRejectionEvent': required member promise is missing or not an object.");
    }
    super(type, eventInitDict);
    this.#promise = promise;
    this.#reason = eventInitDict.reason;
  }
  get promise() { return this.#promise; }
  get reason() { return this.#reason; }
}
makeEnumerable(PromiseRejectionEvent, ["promise", "reason"]);

// Dispatches one event; returns true when a listener called preventDefault().
function fire(type, promise, reason) {
  if (!events.hasListeners(theGlobal, type)) return false;
  const event = new PromiseRejectionEvent(type, { promise, reason, cancelable: type === "unhandledrejection" });
  events.setTrusted(event);
  return !events.dispatch(theGlobal, event);
}

exports.PromiseRejectionEvent = PromiseRejectionEvent;
exports.unhandledRejection = (promise, reason) => fire("unhandledrejection", promise, reason);
exports.rejectionHandled = (promise, reason) => { fire("rejectionhandled", promise, reason); };
