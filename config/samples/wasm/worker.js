// Importing a wasm module gives a compiled WebAssembly.Module; instantiate it once.
import addModule from "./add.wasm";

const { add } = new WebAssembly.Instance(addModule).exports;

function handle(request) {
  const params = new URL(request.url).searchParams;
  const a = Number.parseInt(params.get("a") ?? "0", 10);
  const b = Number.parseInt(params.get("b") ?? "0", 10);
  return Response.json({ a, b, sum: add(a, b) });
}

export default {
  async fetch(request) {
    return handle(request);
  },

  // Run by `colony test`.
  async test() {
    if (!(addModule instanceof WebAssembly.Module)) throw new Error("add.wasm is not a Module");
    if (add(2, 40) !== 42) throw new Error(`add(2, 40) returned ${add(2, 40)}`);
    if (add(0x7fffffff, 1) !== -0x80000000) throw new Error("add does not wrap like i32");
    const body = await handle(new Request("http://example.com/?a=20&b=22")).json();
    if (body.sum !== 42) throw new Error(`unexpected response ${JSON.stringify(body)}`);
  },
};
