// The npm package jws (JSON Web Signatures; with jwa, safe-buffer, ecdsa-sig-formatter and
// buffer-equal-constant-time) loaded as CommonJS modules: HMAC, RSA and ECDSA signatures through
// node:crypto and its streaming API through node:stream.
import assert from "node:assert";
import crypto from "node:crypto";
import { Buffer } from "node:buffer";
import jws from "jws";

// RFC 7515 appendix A.1: an HS256 JWS and its key.
const rfcJws = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9" +
  ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
  ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const rfcKey = Buffer.from("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow", "base64url");

export const rfcVector = {
  test() {
    assert.strictEqual(jws.verify(rfcJws, "HS256", rfcKey), true);
    assert.strictEqual(jws.verify(rfcJws, "HS256", Buffer.from("wrong key")), false);
    const decoded = jws.decode(rfcJws);
    assert.strictEqual(decoded.header.alg, "HS256");
    assert.strictEqual(decoded.payload.iss, "joe"); // typ JWT: decoded as JSON
    // signing the same header and payload bytes gives the RFC's signature
    const [h, p] = rfcJws.split(".");
    const sig = crypto.createHmac("sha256", rfcKey).update(`${h}.${p}`).digest("base64url");
    assert.strictEqual(sig, rfcJws.split(".")[2]);
  },
};

export const signAndVerify = {
  test() {
    const hs = jws.sign({ header: { alg: "HS512" }, payload: { sub: "colony" }, secret: "s3cret" });
    assert.ok(jws.verify(hs, "HS512", "s3cret"));
    assert.ok(!jws.verify(hs, "HS512", "other"));

    const rsa = crypto.generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    for (const alg of ["RS256", "PS256"]) {
      const token = jws.sign({ header: { alg }, payload: "data", privateKey: rsa.privateKey });
      assert.ok(jws.verify(token, alg, rsa.publicKey), alg);
    }
    const ec = crypto.generateKeyPairSync("ec", {
      namedCurve: "P-256",
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const es = jws.sign({ header: { alg: "ES256" }, payload: { n: 1 }, privateKey: ec.privateKey });
    assert.strictEqual(Buffer.from(es.split(".")[2], "base64url").length, 64); // JOSE r||s form
    assert.ok(jws.verify(es, "ES256", ec.publicKey));
    assert.ok(!jws.verify(es, "ES256", rsa.publicKey));
  },
};

export const streaming = {
  async test() {
    const signature = await new Promise((resolve, reject) => {
      const signer = jws.createSign({ header: { alg: "HS256" }, secret: rfcKey });
      signer.on("done", resolve);
      signer.on("error", reject);
      signer.payload.write("streamed ");
      signer.payload.end("payload");
    });
    const valid = await new Promise((resolve, reject) => {
      const verifier = jws.createVerify({ algorithm: "HS256", signature, secret: rfcKey });
      verifier.on("done", resolve);
      verifier.on("error", reject);
    });
    assert.strictEqual(valid, true);
    assert.strictEqual(jws.decode(signature).payload, "streamed payload");
  },
};
