"""Worker code served over HTTP: syntaxes, entrypoints, module types, bindings, waitUntil, errors."""

import json
import time
import unittest

import harness
from harness import ServerTestCase, parse_responses, worker_config


def wasm_add_module():
    """Bytes of a tiny Wasm module exporting add(i32, i32) -> i32."""
    return bytes([
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,              # magic, version 1
        0x01, 0x07, 0x01, 0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F,        # type: (i32, i32) -> i32
        0x03, 0x02, 0x01, 0x00,                                      # function 0 has type 0
        0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00,        # export "add" = func 0
        0x0A, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B,  # local.get 0/1, i32.add
    ])


class SyntaxTest(ServerTestCase):
    def test_module_syntax(self):
        s = self.serve_script("""
            export default {
              async fetch(request, env, ctx) {
                const url = new URL(request.url);
                return new Response(`${request.method} ${url.pathname}${url.search}`,
                                    { status: 201, headers: { "x-colony-test": "yes" } });
              }
            };
        """)
        status, headers, body = s.get("/a/b?c=d")
        self.assertEqual(status, 201)
        self.assertEqual(body, b"GET /a/b?c=d")
        self.assertEqual(headers.get("x-colony-test"), "yes")

    def test_microtasks_run_before_a_returned_response_is_sent(self):
        # A Response returned (or resolved) at once is read only after the handler's microtasks,
        # here one that sets a header; also when the handler's promise is fulfilled only by those
        # microtasks, and when the request comes from the same isolate's JS.
        s = self.serve_script("""
            export default {
              fetch(request, env) {
                const path = new URL(request.url).pathname;
                if (path === "/outer") {
                  return env.SELF.fetch("http://self/inner").then((inner) =>
                    new Response("inner x-late: " + inner.headers.get("x-late")));
                }
                const r = new Response(path);
                Promise.resolve().then(() => r.headers.set("x-late", "yes"));
                if (path === "/awaits-settled") {
                  // Fulfilled only by the microtasks the handler leaves.
                  return (async () => {
                    await crypto.subtle.digest("SHA-256", new Uint8Array(4));
                    await null;
                    return r;
                  })();
                }
                if (path === "/throws-after-awaits") {
                  return (async () => { await null; throw new Error("failed after an await"); })();
                }
                return path === "/async" ? (async () => r)() : r;
              }
            };
        """, bindings='(name = "SELF", service = "main")')
        status, _, _ = s.get("/throws-after-awaits")
        self.assertEqual(status, 500)
        if harness.is_colony():
            log = s.wait_for_stderr("failed after an await")
            # The handler's failure, logged once; not also as a rejection nobody handled.
            self.assertEqual(log.count("failed after an await"), 1, log)
        for path in ("/plain", "/async", "/awaits-settled", "/inner"):
            status, headers, body = s.get(path)
            self.assertEqual((status, headers.get("x-late"), body), (200, "yes", path.encode()))
        self.assertResponse(s.get("/outer"), 200, "inner x-late: yes")

    def test_v8_flags_reach_v8(self):
        config, files = harness.module_worker("""
            export default { fetch() { return new Response(typeof globalThis.gc); } };
        """)
        status, _, body = self.serve(config, files).get("/")
        self.assertEqual((status, body), (200, b"undefined"))
        flagged = config.replace("  sockets = [", '  v8Flags = ["--expose-gc"],\n  sockets = [', 1)
        status, _, body = self.serve(flagged, files).get("/")
        self.assertEqual((status, body), (200, b"function"))

    def test_service_worker_syntax(self):
        config = worker_config(service_worker="sw.js", bindings='(name = "GREETING", text = "hello")')
        s = self.serve(config, {"sw.js": """
            addEventListener("fetch", (event) => {
              const url = new URL(event.request.url);
              event.respondWith(new Response(GREETING + " " + url.pathname));
            });
        """})
        self.assertResponse(s.get("/sw"), 200, "hello /sw")

    def test_service_worker_respond_with_forms(self):
        # respondWith() takes a Response or a promise of one; anything else is the handler's error
        # (a 500), and a second call throws.
        config = worker_config(service_worker="sw.js")
        s = self.serve(config, {"sw.js": """
            addEventListener("fetch", (event) => {
              const path = new URL(event.request.url).pathname;
              if (path === "/response") return event.respondWith(new Response("as is"));
              if (path === "/promise") {
                return event.respondWith(new Promise((resolve) =>
                  setTimeout(() => resolve(new Response("later")), 5)));
              }
              if (path === "/async") return event.respondWith((async () => new Response("async"))());
              if (path === "/twice") {
                const first = new Response("first");
                event.respondWith(first);
                try { event.respondWith(new Response("second")); } catch (e) {
                  first.headers.set("x-second-call", e.name);
                }
                return;
              }
              if (path === "/string") return event.respondWith("not a response");
            });
        """})
        self.assertResponse(s.get("/response"), 200, "as is")
        self.assertResponse(s.get("/promise"), 200, "later")
        self.assertResponse(s.get("/async"), 200, "async")
        status, headers, body = s.get("/twice")
        self.assertEqual((status, body, headers.get("x-second-call")), (200, b"first", "InvalidStateError"))
        self.assertEqual(s.get("/string")[0], 500)
        self.assertEqual(s.get("/none")[0], 500)

    def test_named_entrypoint_on_socket(self):
        config, files = harness.module_worker("""
            import { WorkerEntrypoint } from "cloudflare:workers";
            export default { fetch() { return new Response("default"); } };
            export const plain = { fetch() { return new Response("plain object"); } };
            export class Admin extends WorkerEntrypoint {
              fetch(request) { return new Response("admin " + new URL(request.url).pathname); }
            };
        """, sockets="""
            (name = "http", address = "127.0.0.1:0", http = (), service = "main"),
            (name = "admin", address = "127.0.0.1:0", http = (), service = (name = "main", entrypoint = "Admin")),
            (name = "plain", address = "127.0.0.1:0", http = (), service = (name = "main", entrypoint = "plain"))
        """)
        s = self.serve(config, files, sockets=("http", "admin", "plain"))
        self.assertResponse(s.get("/x"), 200, "default")
        self.assertResponse(s.get("/x", socket_name="admin"), 200, "admin /x")
        self.assertResponse(s.get("/x", socket_name="plain"), 200, "plain object")


class ModuleTypesTest(ServerTestCase):
    def test_all_module_types(self):
        config = worker_config(modules=[
            ("main.js", "esModule", "main.js"),
            ("lib/util.js", "esModule", "util.js"),
            ("legacy.cjs", "commonJsModule", "legacy.cjs"),
            ("helper.cjs", "commonJsModule", "helper.cjs"),
            ("note.txt", "text", "note.txt"),
            ("blob.bin", "data", "blob.bin"),
            ("conf.json", "json", "conf.json"),
            ("add.wasm", "wasm", "add.wasm"),
        ])
        s = self.serve(config, {
            "main.js": """
                import { twice } from "lib/util.js";
                import legacy from "legacy.cjs";
                import note from "note.txt";
                import blob from "blob.bin";
                import conf from "conf.json";
                import addModule from "add.wasm";
                const add = new WebAssembly.Instance(addModule).exports.add;
                export default {
                  fetch() {
                    return Response.json({
                      twice: twice(21),
                      legacy: legacy.shout("hi"),
                      legacyName: legacy.name,
                      note,
                      blob: [blob instanceof ArrayBuffer, Array.from(new Uint8Array(blob))],
                      conf,
                      wasmIsModule: addModule instanceof WebAssembly.Module,
                      add: add(40, 2),
                    });
                  }
                };
            """,
            "util.js": "export function twice(x) { return x * 2; }\n",
            "legacy.cjs": """
                const helper = require("helper.cjs");
                module.exports = { shout: (s) => helper.upper(s) + "!", name: "legacy" };
            """,
            "note.txt": "plain text\nsecond line",
            "blob.bin": bytes([0, 1, 2, 254, 255]),
            "conf.json": json.dumps({"a": [1, 2], "b": {"c": None}}),
            "add.wasm": wasm_add_module(),
            "helper.cjs": "exports.upper = (s) => s.toUpperCase();\n",
        })
        status, _, body = s.get("/")
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual(got["twice"], 42)
        self.assertEqual(got["legacy"], "HI!")
        self.assertEqual(got["legacyName"], "legacy")
        self.assertEqual(got["note"], "plain text\nsecond line")
        self.assertEqual(got["blob"], [True, [0, 1, 2, 254, 255]])
        self.assertEqual(got["conf"], {"a": [1, 2], "b": {"c": None}})
        self.assertTrue(got["wasmIsModule"])
        self.assertEqual(got["add"], 42)


class BindingsTest(ServerTestCase):
    def test_value_bindings(self):
        config, files = harness.module_worker("""
            export default {
              fetch(request, env) {
                return Response.json({
                  text: env.TEXT,
                  data: [env.DATA instanceof ArrayBuffer, Array.from(new Uint8Array(env.DATA))],
                  json: env.JSON_VALUE,
                  fromEnv: env.FROM_ENV ?? null,
                  missingEnv: env.MISSING_ENV ?? null,
                });
              }
            };
        """, bindings="""
            (name = "TEXT", text = "some text"),
            (name = "DATA", data = embed "data.bin"),
            (name = "JSON_VALUE", json = "{\\"k\\": [true, 1.5]}"),
            (name = "FROM_ENV", fromEnvironment = "COLONY_IT_VALUE"),
            (name = "MISSING_ENV", fromEnvironment = "COLONY_IT_SURELY_UNSET")
        """, extra_files={"data.bin": b"\x00\xffab"})
        s = harness.Server(config, files, env={"COLONY_IT_VALUE": "from the environment"})
        self.addCleanup(s.stop)
        status, _, body = s.get("/")
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual(got["text"], "some text")
        self.assertEqual(got["data"], [True, [0, 255, 97, 98]])
        self.assertEqual(got["json"], {"k": [True, 1.5]})
        self.assertEqual(got["fromEnv"], "from the environment")
        self.assertIsNone(got["missingEnv"])

    def test_bindings_as_service_worker_globals(self):
        # wasmModule bindings exist only for service-worker syntax, where bindings are globals.
        config = worker_config(service_worker="sw.js", bindings="""
            (name = "ADD", wasmModule = embed "add.wasm"),
            (name = "TEXT", text = "t"),
            (name = "JSON_VALUE", json = "[1, 2]")
        """)
        s = self.serve(config, {"add.wasm": wasm_add_module(), "sw.js": """
            addEventListener("fetch", (event) => {
              const add = new WebAssembly.Instance(ADD).exports.add;
              event.respondWith(Response.json([add(2, 3), TEXT, JSON_VALUE, ADD instanceof WebAssembly.Module]));
            });
        """})
        status, _, body = s.get("/")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), [5, "t", [1, 2], True])

    def test_wasm_binding_refused_in_module_worker(self):
        config, files = harness.module_worker(
            'export default { fetch() { return new Response("x"); } };',
            bindings='(name = "ADD", wasmModule = embed "add.wasm")',
            extra_files={"add.wasm": wasm_add_module()})
        code, stderr = harness.serve_expect_failure(config, files)
        self.assertEqual(code, 1, stderr)
        self.assertIn("ADD", stderr)

    def test_service_binding(self):
        config, files = harness.module_worker("""
            export default {
              async fetch(request, env) {
                const r = await env.BACKEND.fetch("http://backend.example/hello?x=1",
                                                  { method: "POST", body: "payload", headers: { "x-in": "1" } });
                return new Response(`front got ${r.status} [${await r.text()}] ${r.headers.get("x-out")}`);
              }
            };
        """, bindings='(name = "BACKEND", service = "backend")',
            services='(name = "backend", worker = (modules = [(name = "b.js", esModule = embed "b.js")], compatibilityDate = "%s")),' % harness.COMPAT_DATE,
            extra_files={"b.js": """
                export default {
                  async fetch(request) {
                    const u = new URL(request.url);
                    return new Response(`${request.method} ${u.host}${u.pathname}${u.search} ${request.headers.get("x-in")} ${await request.text()}`,
                                        { status: 202, headers: { "x-out": "out" } });
                  }
                };
            """})
        s = self.serve(config, files)
        self.assertResponse(s.get("/"), 200, "front got 202 [POST backend.example/hello?x=1 1 payload] out")

    def test_service_binding_to_named_entrypoint(self):
        config, files = harness.module_worker("""
            import { WorkerEntrypoint } from "cloudflare:workers";
            export class Inner extends WorkerEntrypoint {
              fetch() { return new Response("inner entrypoint"); }
            }
            export default {
              async fetch(request, env) { return env.SELF_INNER.fetch("http://x/"); }
            };
        """, bindings='(name = "SELF_INNER", service = (name = "main", entrypoint = "Inner"))')
        s = self.serve(config, files)
        self.assertResponse(s.get("/"), 200, "inner entrypoint")


class WaitUntilTest(ServerTestCase):
    def test_wait_until_finishes_after_response(self):
        # The response goes out first; work registered with waitUntil completes later, and a
        # second request observes its effect through module state.
        s = self.serve_script("""
            let log = [];
            export default {
              async fetch(request, env, ctx) {
                const path = new URL(request.url).pathname;
                if (path === "/start") {
                  ctx.waitUntil(new Promise((resolve) => setTimeout(() => { log.push("background done"); resolve(); }, 200)));
                  log.push("responded");
                  return new Response("started");
                }
                return Response.json(log);
              }
            };
        """)
        client = s.keep_alive()  # module state lives in the process serving this connection
        t0 = time.monotonic()
        self.assertResponse(client.get("/start"), 200, "started")
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(json.loads(client.get("/log")[2]), ["responded"])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            got = json.loads(client.get("/log")[2])
            if got == ["responded", "background done"]:
                break
            time.sleep(0.05)
        self.assertEqual(got, ["responded", "background done"])

    def test_wait_until_reaches_service_binding(self):
        config, files = harness.module_worker("""
            export default {
              async fetch(request, env, ctx) {
                if (new URL(request.url).pathname === "/read") return env.STORE.fetch("http://s/read");
                ctx.waitUntil((async () => {
                  await new Promise((r) => setTimeout(r, 100));
                  await env.STORE.fetch("http://s/write", { method: "POST", body: "written later" });
                })());
                return new Response("ok");
              }
            };
        """, bindings='(name = "STORE", service = "store")',
            services='(name = "store", worker = (modules = [(name = "s.js", esModule = embed "s.js")], compatibilityDate = "%s")),' % harness.COMPAT_DATE,
            extra_files={"s.js": """
                let value = "empty";
                export default {
                  async fetch(request) {
                    if (request.method === "POST") { value = await request.text(); return new Response("stored"); }
                    return new Response(value);
                  }
                };
            """})
        client = self.serve(config, files).keep_alive()
        self.assertResponse(client.get("/"), 200, "ok")
        deadline = time.monotonic() + 5
        body = None
        while time.monotonic() < deadline:
            body = client.get("/read")[2]
            if body == b"written later":
                break
            time.sleep(0.05)
        self.assertEqual(body, b"written later")


class ErrorsTest(ServerTestCase):
    def test_uncaught_exception_gives_500_and_worker_keeps_serving(self):
        s = self.serve_script("""
            export default {
              async fetch(request) {
                const path = new URL(request.url).pathname;
                if (path === "/throw") throw new Error("boom from the worker");
                if (path === "/reject") return Promise.reject(new TypeError("rejected"));
                return new Response("alive");
              }
            };
        """)
        # The server may close a connection after a 500, so each request gets its own.
        self.assertResponse(s.get("/ok"), 200, "alive")
        status, _, body = s.get("/throw")
        self.assertEqual(status, 500)
        self.assertNotIn(b"boom from the worker", body, "error details must not leak to the client")
        self.assertEqual(s.get("/reject")[0], 500)
        for _ in range(3):
            self.assertResponse(s.get("/ok"), 200, "alive")
        self.assertTrue(s.alive())
        if harness.is_colony():
            self.assertIn("boom from the worker", s.wait_for_stderr("boom from the worker"))

    def test_errors_in_microtasks_a_handler_leaves_are_logged_not_sent(self):
        # The Response is sent after the handler's microtasks have run: one that throws, and a
        # rejection left unhandled, are logged and change nothing in it.
        s = self.serve_script("""
            export default {
              fetch() {
                queueMicrotask(() => { throw new Error("thrown in a microtask"); });
                Promise.reject(new Error("rejection left unhandled"));
                return new Response("sent");
              }
            };
        """)
        for _ in range(2):
            self.assertResponse(s.get("/"), 200, "sent")
        if harness.is_colony():
            s.wait_for_stderr("thrown in a microtask")
            s.wait_for_stderr("rejection left unhandled")

    def test_returned_response_whose_body_was_read_gives_500(self):
        # The body a handler hands back must still be there to send: a string or bytes body
        # already read, or one whose stream a reader holds, is an error, not an empty response.
        s = self.serve_script("""
            export default {
              async fetch(request) {
                const path = new URL(request.url).pathname;
                if (path === "/ok") return new Response("fine");
                const r = new Response(path === "/bytes" ? new Uint8Array([1, 2]) : "text",
                                       path === "/headers" ? { headers: { a: "1", b: "2" } } : {});
                if (path === "/locked") r.body.getReader();
                else await r.arrayBuffer();
                return r;
              }
            };
        """)
        for path in ("/string", "/bytes", "/headers"):
            self.assertEqual(s.get(path)[0], 500, path)
        if harness.is_colony():
            # workerd closes the connection without an answer here; a 500 says more.
            self.assertEqual(s.get("/locked")[0], 500)
        self.assertResponse(s.get("/ok"), 200, "fine")
        if harness.is_colony():
            self.assertIn("Body has already been used", s.wait_for_stderr("Body has already been used"))

    def test_500_after_uncaught_exception_closes_the_connection(self):
        # As workerd's 500 page: it says "Connection: close" and a request pipelined behind it
        # is not answered; to an HTTP/1.0 client too.
        s = self.serve_script("""
            export default {
              async fetch(request) {
                if (new URL(request.url).pathname === "/throw") throw new Error("boom");
                return new Response("alive");
              }
            };
        """)
        for version in (b"1.1", b"1.0"):
            keep = b"Connection: keep-alive\r\n" if version == b"1.0" else b""
            data = s.raw(b"GET /throw HTTP/" + version + b"\r\nHost: x\r\n" + keep + b"\r\n"
                         b"GET /ok HTTP/" + version + b"\r\nHost: x\r\n" + keep + b"\r\n",
                         predicate=lambda d: b"alive" in d)
            responses = parse_responses(data)
            self.assertEqual([r[0] for r in responses], [500], data)
            self.assertTrue(data.startswith(b"HTTP/" + version + b" 500 "), data)
            # (workerd writes "close, keep-alive" to a keep-alive HTTP/1.0 client; Colony "close")
            self.assertEqual(responses[0][1].get("connection", "").split(",")[0], "close", data)
            self.assertEqual(responses[0][2], b"Internal Server Error")
        self.assertResponse(s.get("/ok"), 200, "alive")

    def test_handler_without_the_event_method_gives_500_naming_it(self):
        config, files = harness.module_worker("""
            import { WorkerEntrypoint } from "cloudflare:workers";
            export default { scheduled() {} };
            export class Admin extends WorkerEntrypoint {}
        """, sockets="""
            (name = "http", address = "127.0.0.1:0", http = (), service = "main"),
            (name = "admin", address = "127.0.0.1:0", http = (), service = (name = "main", entrypoint = "Admin"))
        """)
        s = self.serve(config, files, sockets=("http", "admin"))
        self.assertEqual(s.get("/")[0], 500)
        self.assertEqual(s.get("/", socket_name="admin")[0], 500)
        self.assertTrue(s.alive())
        if harness.is_colony():
            for text in ("Handler does not export a fetch() function.",
                         'Entrypoint "Admin" does not export a fetch() function.'):
                self.assertIn(text, s.wait_for_stderr(text))

    def test_pass_through_on_exception(self):
        config, files = harness.module_worker("""
            export default {
              async fetch(request, env, ctx) {
                ctx.passThroughOnException();
                if (new URL(request.url).pathname === "/throw") throw new Error("front failed");
                return new Response("front");
              }
            };
        """, extra_worker='globalOutbound = "origin",',
            services='(name = "origin", worker = (modules = [(name = "o.js", esModule = embed "o.js")], compatibilityDate = "%s")),' % harness.COMPAT_DATE,
            extra_files={"o.js": """
                export default {
                  async fetch(request) {
                    return new Response("origin saw " + request.method + " " + new URL(request.url).pathname);
                  }
                };
            """})
        s = self.serve(config, files)
        self.assertResponse(s.get("/fine"), 200, "front")
        self.assertResponse(s.get("/throw"), 200, "origin saw GET /throw")


if __name__ == "__main__":
    unittest.main()
