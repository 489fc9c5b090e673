let last = null;
addEventListener("scheduled", (event) => {
  last = { scheduledTime: event.scheduledTime, cron: event.cron };
});
addEventListener("fetch", (event) => event.respondWith(Response.json(last)));
