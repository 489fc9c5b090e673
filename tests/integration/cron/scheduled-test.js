// Scheduled handlers reached through a service binding's scheduled() (what cron triggers run).
import { ok, equal, deepEqual } from "assert.js";

export const callsScheduledHandler = {
  async test(ctrl, env) {
    const result = await env.CRON.scheduled({ scheduledTime: new Date(1700000000000), cron: "*/5 * * * *" });
    deepEqual(result, { outcome: "ok", noRetry: false });
    const seen = await (await env.CRON.fetch("http://cron/last")).json();
    deepEqual(seen, { scheduledTime: 1700000000000, cron: "*/5 * * * *", waited: true, hasEnv: true });
  },
};

export const failureAndNoRetry = {
  async test(ctrl, env) {
    const result = await env.CRON.scheduled({ scheduledTime: 1700000060000, cron: "fail" });
    deepEqual(result, { outcome: "exception", noRetry: true });
  },
};

export const serviceWorkerSyntax = {
  async test(ctrl, env) {
    deepEqual(await env.SW.scheduled({ scheduledTime: 1700000120000, cron: "0 * * * *" }),
              { outcome: "ok", noRetry: false });
    deepEqual(await (await env.SW.fetch("http://sw/")).json(), { scheduledTime: 1700000120000, cron: "0 * * * *" });
  },
};
