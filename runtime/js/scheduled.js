"use strict";
// Scheduled events (cron triggers, Fetcher.scheduled()): the controller a module worker's
// `scheduled(controller, env, ctx)` handler gets, and the `scheduled` event a service-worker
// script receives (runtime/scheduled.cc calls these hooks).

const { TypeError: TypeErrorCtor, Symbol: SymbolCtor, globalThis: theGlobal } = internal.primordials;
const events = internal.require("events");

const kToken = SymbolCtor("scheduled");

class ScheduledController {
  #time; #cron; #state;
  constructor(token, time, cron, state) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    this.#time = time;
    this.#cron = cron;
    this.#state = state;
  }
  get scheduledTime() { return this.#time; }
  get cron() { return this.#cron; }
  noRetry() { this.#state.noRetry = true; }
}

class ScheduledEvent extends events.Event {
  #time; #cron; #state; #ctx;
  constructor(token, time, cron, state, ctx) {
    if (token !== kToken) throw new TypeErrorCtor("Illegal constructor");
    super("scheduled");
    this.#time = time;
    this.#cron = cron;
    this.#state = state;
    this.#ctx = ctx;
  }
  get scheduledTime() { return this.#time; }
  get cron() { return this.#cron; }
  noRetry() { this.#state.noRetry = true; }
  waitUntil(promise) { this.#ctx.waitUntil(promise); }
}

internal.hooks.makeScheduledController = (time, cron, state) =>
  new ScheduledController(kToken, time, cron, state);

internal.hooks.dispatchScheduledEvent = (time, cron, state, ctx) => {
  if (!events.hasListeners(theGlobal, "scheduled")) {
    throw new TypeErrorCtor("No event listener registered for the \"scheduled\" event; add one with addEventListener(\"scheduled\", ...).");
  }
  const event = new ScheduledEvent(kToken, time, cron, state, ctx);
  events.setTrusted(event);
  theGlobal.dispatchEvent(event);
  return undefined;
};

exports.ScheduledController = ScheduledController;
exports.ScheduledEvent = ScheduledEvent;
