let last = null;
export default {
  async scheduled(controller, env, ctx) {
    if (controller.cron === "fail") {
      controller.noRetry();
      throw new Error("scheduled failure on purpose");
    }
    last = { scheduledTime: controller.scheduledTime, cron: controller.cron, waited: false, hasEnv: env.FLAG === "yes" };
    ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 20)).then(() => { last.waited = true; }));
  },
  async fetch() {
    return Response.json(last);
  },
};
