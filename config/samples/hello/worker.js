// Service-worker syntax: the handler is registered with addEventListener.
addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  event.respondWith(new Response(`Hello from Colony! You asked for ${url.pathname}\n`, {
    headers: { "content-type": "text/plain; charset=utf-8" },
  }));
});
