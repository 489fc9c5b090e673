// A typical JSON API handler: parse the URL and query, build a 20-item object, serialise it,
// hash the body with SHA-256 and answer with a hex ETag.
const encoder = new TextEncoder();

function hex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, "0");
  return out;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const page = Number(url.searchParams.get("page") ?? "1");
    const items = [];
    for (let i = 0; i < 20; i++) {
      items.push({ id: (page - 1) * 20 + i, name: `item-${i}`, tags: ["a", "b"], price: i * 1.5 });
    }
    const body = JSON.stringify({ page, path: url.pathname, items });
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(body));
    return new Response(body, {
      headers: { "content-type": "application/json", etag: `"${hex(digest)}"` },
    });
  },
};
