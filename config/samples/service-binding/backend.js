// A tiny "users" API, reachable only through service bindings.
const USERS = new Map([
  ["7", { id: 7, name: "Ada" }],
  ["8", { id: 8, name: "Grace" }],
]);

export default {
  async fetch(request) {
    const match = new URL(request.url).pathname.match(/^\/users\/(\d+)$/);
    const user = match && USERS.get(match[1]);
    if (!user) return Response.json({ error: "no such user" }, { status: 404 });
    return Response.json(user, { headers: { "x-served-by": "backend" } });
  },

  async test() {
    const found = await this.fetch(new Request("http://backend/users/8"));
    const missing = await this.fetch(new Request("http://backend/users/99"));
    if (found.status !== 200 || (await found.json()).name !== "Grace") {
      throw new Error("backend does not find user 8");
    }
    if (missing.status !== 404) throw new Error(`missing user gave ${missing.status}`);
  },
};
