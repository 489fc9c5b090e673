// The config's cryptoKey bindings arrive as CryptoKeys with the configured algorithm, usages and
// extractability, and work with crypto.subtle.
import { ok, equal, deepEqual, rejects } from "assert.js";

const subtle = crypto.subtle;
const enc = new TextEncoder();
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));

export const secretKeys = {
  async test(ctrl, env) {
    ok(env.HMAC_HEX instanceof CryptoKey);
    equal(env.HMAC_HEX.type, "secret");
    equal(env.HMAC_HEX.extractable, false);
    deepEqual(env.HMAC_HEX.usages, ["sign", "verify"]);
    deepEqual(env.HMAC_HEX.algorithm, { name: "HMAC", hash: { name: "SHA-256" }, length: 32 });
    const data = enc.encode("what do ya want for nothing?");
    const mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    equal(hex(await subtle.sign("HMAC", env.HMAC_HEX, data)), mac);
    equal(hex(await subtle.sign("HMAC", env.HMAC_RAW, data)), mac);
    equal(hex(await subtle.exportKey("raw", env.HMAC_RAW)), "4a656665");
    await rejects(subtle.exportKey("raw", env.HMAC_HEX), "InvalidAccessError");
    await rejects(subtle.verify("HMAC", env.HMAC_RAW, unhex(mac), data), "InvalidAccessError");

    deepEqual(env.AES_BASE64.algorithm, { name: "AES-GCM", length: 128 });
    equal(hex(await subtle.exportKey("raw", env.AES_BASE64)), "feffe9928665731c6d6a8f9467308308");
  },
};

export const publicKeys = {
  async test(ctrl, env) {
    equal(env.EC_SPKI.type, "public");
    deepEqual(env.EC_SPKI.algorithm, { name: "ECDSA", namedCurve: "P-256" });
    const sig = unhex("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716" +
      "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    equal(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, env.EC_SPKI, sig, enc.encode("sample")), true);

    equal(env.ED_PKCS8.type, "private");
    const edSig = await subtle.sign("Ed25519", env.ED_PKCS8, new Uint8Array(0));
    equal(hex(edSig), "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    equal(env.ED_JWK.type, "public");
    equal(await subtle.verify("Ed25519", env.ED_JWK, edSig, new Uint8Array(0)), true);
    equal(hex(await subtle.exportKey("raw", env.ED_JWK)), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  },
};
