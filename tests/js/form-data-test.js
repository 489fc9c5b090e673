import { ok, equal, deepEqual, throws, rejects } from "assert.js";

export const formDataMethods = {
  test() {
    const fd = new FormData();
    fd.append("a", "1");
    fd.append("a", 2);
    fd.append("f", new Blob(["zz"], { type: "text/x" }), "n.txt");
    fd.append("g", new Blob(["zz"]));
    equal(fd.get("a"), "1");
    deepEqual(fd.getAll("a"), ["1", "2"]);
    equal(fd.get("missing"), null);
    ok(fd.has("f"));
    const f = fd.get("f");
    ok(f instanceof File);
    equal(f.name, "n.txt");
    equal(f.type, "text/x");
    ok(fd.get("g") instanceof File);
    deepEqual([...fd.keys()], ["a", "a", "f", "g"]);
    fd.set("a", "3");
    deepEqual(fd.getAll("a"), ["3"]);
    deepEqual([...fd.keys()], ["a", "f", "g"]);
    fd.delete("f");
    equal(fd.has("f"), false);
    const entries = [];
    fd.forEach((v, k) => entries.push(k));
    deepEqual(entries, ["a", "g"]);
    throws(() => fd.append("x"), TypeError);
    const file = new File(["q"], "orig.txt");
    fd.append("h", file);
    equal(fd.get("h"), file);
    fd.append("i", file, "renamed.txt");
    equal(fd.get("i").name, "renamed.txt");
  },
};

export const multipartRoundTrip = {
  async test() {
    const fd = new FormData();
    fd.append("text", "h\u00e9llo\r\nworld");
    fd.append("quote\"name", "v");
    fd.append("file", new File([new Uint8Array([0, 1, 2, 255])], "data.bin", { type: "application/x-thing" }));
    fd.append("plain", new Blob(["b"]));
    const res = new Response(fd);
    const ct = res.headers.get("content-type");
    ok(/^multipart\/form-data; boundary=[0-9a-f]{32}$/.test(ct), ct);
    const text = await res.clone().text();
    const boundary = ct.split("=")[1];
    ok(text.startsWith(`--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n`));
    ok(text.includes('name="quote%22name"'));
    ok(/name="plain"; filename="[a-z]+"\r\nContent-Type: application\/octet-stream\r\n\r\nb\r\n/.test(text));
    const parsed = await res.formData();
    equal(parsed.get("text"), "h\u00e9llo\r\nworld");
    const file = parsed.get("file");
    equal(file.name, "data.bin");
    equal(file.type, "application/x-thing");
    deepEqual(Array.from(await file.bytes()), [0, 1, 2, 255]);
    equal(await parsed.get("plain").text(), "b");
  },
};

export const parseMultipart = {
  async test() {
    const body = "preamble\r\n--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv1\r\n" +
      "--XX\r\ncontent-disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\ncontent\r\n--XX--\r\n";
    const req = new Request("http://example.com/", {
      method: "POST", body, headers: { "content-type": "multipart/form-data; boundary=\"XX\"" },
    });
    const fd = await req.formData();
    equal(fd.get("a"), "v1");
    const f = fd.get("f");
    equal(f.name, "x.txt");
    equal(f.type, "text/plain");
    equal(await f.text(), "file\r\ncontent");

    const bad = new Response("--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end", {
      headers: { "content-type": "multipart/form-data; boundary=XX" },
    });
    await rejects(bad.formData(), TypeError);
    const noBoundary = new Response("x", { headers: { "content-type": "multipart/form-data" } });
    await rejects(noBoundary.formData(), TypeError);
  },
};

export const urlencoded = {
  async test() {
    const res = new Response("a=1&b=%20x+y&a=2&c", { headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" } });
    const fd = await res.formData();
    deepEqual([...fd], [["a", "1"], ["b", " x y"], ["a", "2"], ["c", ""]]);
    const params = new Response(new URLSearchParams({ k: "v w" }));
    equal(params.headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
    equal((await params.formData()).get("k"), "v w");
    await rejects(new Response("x", { headers: { "content-type": "text/plain" } }).formData(), TypeError);
    await rejects(new Response("x").formData(), TypeError);
  },
};
