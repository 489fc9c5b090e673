// Echoes the request body back as a stream (the benchmark POSTs 64 KiB).
export default {
  fetch(request) {
    return new Response(request.body, { headers: { "content-type": "application/octet-stream" } });
  },
};
