// A KV backend speaking workerd's KV protocol, keeping the namespace in memory (for kv-test).
const store = new Map();  // name -> {value: Uint8Array, metadata: string|null, expiration: number|null}

function live(entry) {
  return entry && (entry.expiration === null || entry.expiration * 1000 > Date.now());
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const key = decodeURIComponent(url.pathname.slice(1));
    if (request.method === "GET" && key === "") {
      const prefix = url.searchParams.get("prefix") || "";
      const limit = Number(url.searchParams.get("key_count_limit") || 1000);
      const after = url.searchParams.get("cursor") ? atob(url.searchParams.get("cursor")) : null;
      const names = [...store.keys()].filter((n) => n.startsWith(prefix) && live(store.get(n)) && (after === null || n > after)).sort();
      const keys = names.slice(0, limit).map((name) => {
        const e = store.get(name);
        const k = { name };
        if (e.expiration !== null) k.expiration = e.expiration;
        if (e.metadata !== null) k.metadata = JSON.parse(e.metadata);
        return k;
      });
      const complete = names.length <= limit;
      const body = { keys, list_complete: complete };
      if (!complete) body.cursor = btoa(keys[keys.length - 1].name);
      return Response.json(body);
    }
    if (request.method === "GET") {
      const e = store.get(key);
      if (!live(e)) return new Response("not found", { status: 404 });
      const headers = {};
      if (e.metadata !== null) headers["CF-KV-Metadata"] = e.metadata;
      return new Response(e.value, { headers });
    }
    if (request.method === "PUT") {
      const value = new Uint8Array(await request.arrayBuffer());
      let expiration = null;
      const ttl = url.searchParams.get("expiration_ttl");
      const at = url.searchParams.get("expiration");
      if (ttl !== null) {
        if (Number(ttl) < 60) return new Response("bad ttl", { status: 400, statusText: "Bad Request" });
        expiration = Math.floor(Date.now() / 1000) + Number(ttl);
      } else if (at !== null) {
        expiration = Number(at);
      }
      store.set(key, { value, metadata: request.headers.get("CF-KV-Metadata"), expiration });
      return new Response(null);
    }
    if (request.method === "DELETE") {
      store.delete(key);
      return new Response(null);
    }
    return new Response("method not allowed", { status: 405 });
  },
};
