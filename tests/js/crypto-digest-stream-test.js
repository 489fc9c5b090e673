// crypto.DigestStream: a WritableStream that hashes what is written and resolves `digest`.
import { ok, equal, rejects, throws } from "assert.js";

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

export const digestStream = {
  async test() {
    const stream = new crypto.DigestStream("SHA-256");
    ok(stream instanceof WritableStream);
    const writer = stream.getWriter();
    await writer.write(new Uint8Array([0x61]));
    await writer.write("b");
    await writer.write(new Uint8Array([0x63]).buffer);
    await writer.close();
    const digest = await stream.digest;
    ok(digest instanceof ArrayBuffer);
    equal(hex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    equal(stream.bytesWritten, 3n);

    // A body piped through it.
    const md5 = new crypto.DigestStream({ name: "MD5" });
    await new Response("abc").body.pipeTo(md5);
    equal(hex(await md5.digest), "900150983cd24fb0d6963f7d28e17f72");

    const aborted = new crypto.DigestStream("SHA-1");
    await aborted.getWriter().abort(new Error("stop"));
    await rejects(aborted.digest, Error);
    throws(() => new crypto.DigestStream("SHA-3"), "NotSupportedError");
  },
};
