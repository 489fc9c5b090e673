// crypto.subtle with public-key algorithms: JWT verification with the RFC 7515 keys (RS256,
// ES256), RSA-PSS and RSA-OAEP round trips, ECDSA with the RFC 6979 key, ECDH, Ed25519
// (RFC 8032) and X25519 (RFC 7748), and import/export in raw, pkcs8, spki and jwk.
import { ok, equal, deepEqual, rejects } from "assert.js";

const subtle = crypto.subtle;
const enc = new TextEncoder();
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
const b64url = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const toB64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

const payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

// RFC 7515 appendix A.2 (RS256) with the public key of RFC 7517 appendix A.1.
const rsaJwk = {
  kty: "RSA",
  n: "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
  e: "AQAB",
  alg: "RS256",
  kid: "2011-04-29",
};
const rs256Jwt = "eyJhbGciOiJSUzI1NiJ9." + payload + "." +
  "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7515 appendix A.3 (ES256).
const ecJwk = {
  kty: "EC",
  crv: "P-256",
  x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
  d: "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI",
};
const es256Jwt = "eyJhbGciOiJFUzI1NiJ9." + payload + "." +
  "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

async function verifyJwt(token, key, algorithm) {
  const [h, p, s] = token.split(".");
  return subtle.verify(algorithm, key, b64url(s), enc.encode(`${h}.${p}`));
}

export const jwtRs256 = {
  async test() {
    const key = await subtle.importKey("jwk", rsaJwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    equal(key.type, "public");
    equal(key.algorithm.name, "RSASSA-PKCS1-v1_5");
    equal(key.algorithm.modulusLength, 2048);
    deepEqual(key.algorithm.publicExponent, new Uint8Array([1, 0, 1]));
    deepEqual(key.algorithm.hash, { name: "SHA-256" });
    equal(await verifyJwt(rs256Jwt, key, "RSASSA-PKCS1-v1_5"), true);
    equal(await verifyJwt(rs256Jwt.replace("eyJpc3Mi", "eyJpc3Ni"), key, "RSASSA-PKCS1-v1_5"), false);
    // The same key as SPKI, exported and imported again.
    const pub = await subtle.importKey("jwk", rsaJwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    const spki = await subtle.exportKey("spki", pub);
    const again = await subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    equal(await verifyJwt(rs256Jwt, again, "RSASSA-PKCS1-v1_5"), true);
    const jwk = await subtle.exportKey("jwk", again);
    deepEqual(jwk, { kty: "RSA", n: rsaJwk.n, e: "AQAB", alg: "RS256", key_ops: ["verify"], ext: true });
    await rejects(subtle.exportKey("pkcs8", again), "InvalidAccessError");
    await rejects(subtle.exportKey("raw", again));
    await rejects(subtle.importKey("jwk", rsaJwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }, false, ["verify"]), "DataError");
    await rejects(subtle.importKey("jwk", rsaJwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]), "SyntaxError");
    await rejects(subtle.importKey("spki", new Uint8Array(10), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]), "DataError");
    await rejects(subtle.sign("RSASSA-PKCS1-v1_5", key, new Uint8Array(1)), "InvalidAccessError");
  },
};

export const jwtEs256 = {
  async test() {
    const { d, ...publicJwk } = ecJwk;
    const pub = await subtle.importKey("jwk", publicJwk, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
    deepEqual(pub.algorithm, { name: "ECDSA", namedCurve: "P-256" });
    equal(await verifyJwt(es256Jwt, pub, { name: "ECDSA", hash: "SHA-256" }), true);
    equal(await verifyJwt(es256Jwt, pub, { name: "ECDSA", hash: "SHA-384" }), false);
    // A DER-encoded or truncated signature is not a valid WebCrypto ECDSA signature.
    equal(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, new Uint8Array(63), enc.encode("x")), false);

    // Raw point export, then import again.
    const raw = await subtle.exportKey("raw", pub);
    equal(raw.byteLength, 65);
    equal(hex(raw), "04" + hex(b64url(ecJwk.x)) + hex(b64url(ecJwk.y)));
    const fromRaw = await subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
    equal(await verifyJwt(es256Jwt, fromRaw, { name: "ECDSA", hash: "SHA-256" }), true);

    // The private key signs; the signature is r || s and verifies.
    const priv = await subtle.importKey("jwk", ecJwk, { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    equal(priv.type, "private");
    const sig = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, priv, enc.encode("hello"));
    equal(sig.byteLength, 64);
    equal(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, sig, enc.encode("hello")), true);
    const jwk = await subtle.exportKey("jwk", priv);
    deepEqual(jwk, { ...ecJwk, key_ops: ["sign"], ext: true });
    const pkcs8 = await subtle.exportKey("pkcs8", priv);
    const fromPkcs8 = await subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    deepEqual(await subtle.exportKey("jwk", fromPkcs8), jwk);

    // A point that is not on the curve, and a curve mismatch.
    // (DataError in the specification, OperationError in workerd.)
    await rejects(subtle.importKey("jwk", { ...publicJwk, y: ecJwk.x }, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]));
    await rejects(subtle.importKey("jwk", publicJwk, { name: "ECDSA", namedCurve: "P-384" }, true, ["verify"]));
    await rejects(subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: "P-384" }, true, ["sign"]), "DataError");
    await rejects(subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: "P-999" }, true, ["verify"]), "NotSupportedError");
    await rejects(subtle.importKey("pkcs8", pkcs8, { name: "RSA-PSS", hash: "SHA-256" }, true, ["sign"]), "DataError");
  },
};

export const ecdsaRfc6979 = {
  async test() {
    // RFC 6979 A.2.5: P-256 key, SHA-256 signature of "sample" (r || s).
    const x = unhex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
    const y = unhex("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
    const point = new Uint8Array([4, ...x, ...y]);
    const key = await subtle.importKey("raw", point, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const sig = unhex("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716" +
      "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    equal(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, sig, enc.encode("sample")), true);
    equal(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, sig, enc.encode("sampl")), false);

    for (const namedCurve of ["P-384", "P-521"]) {
      const pair = await subtle.generateKey({ name: "ECDSA", namedCurve }, true, ["sign", "verify"]);
      const s = await subtle.sign({ name: "ECDSA", hash: "SHA-384" }, pair.privateKey, enc.encode("data"));
      equal(s.byteLength, namedCurve === "P-384" ? 96 : 132);
      equal(await subtle.verify({ name: "ECDSA", hash: "SHA-384" }, pair.publicKey, s, enc.encode("data")), true);
      const raw = await subtle.exportKey("raw", pair.publicKey);
      equal(raw.byteLength, namedCurve === "P-384" ? 97 : 133);
      const jwk = await subtle.exportKey("jwk", pair.privateKey);
      equal(jwk.crv, namedCurve);
      equal(b64url(jwk.d).length, namedCurve === "P-384" ? 48 : 66);
    }
  },
};

export const rsaGenerated = {
  async test() {
    const params = { modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
    const pss = await subtle.generateKey({ name: "RSA-PSS", ...params }, true, ["sign", "verify"]);
    deepEqual(pss.privateKey.usages, ["sign"]);
    deepEqual(pss.publicKey.usages, ["verify"]);
    equal(pss.publicKey.extractable, true);
    equal(pss.privateKey.algorithm.modulusLength, 1024);
    const data = enc.encode("message");
    const sig = await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pss.privateKey, data);
    equal(sig.byteLength, 128);
    equal(await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pss.publicKey, sig, data), true);
    equal(await subtle.verify({ name: "RSA-PSS", saltLength: 20 }, pss.publicKey, sig, data), false);
    await rejects(subtle.sign({ name: "RSA-PSS" }, pss.privateKey, data));

    // The private key through JWK and PKCS#8 keeps signing verifiably (PKCS#1 v1.5 is deterministic).
    const jwk = await subtle.exportKey("jwk", pss.privateKey);
    equal(jwk.alg, "PS256");
    for (const m of ["n", "e", "d", "p", "q", "dp", "dq", "qi"]) ok(typeof jwk[m] === "string", m);
    const { alg, ...bare } = jwk;
    const pkcs1 = await subtle.importKey("jwk", bare, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
    const s1 = await subtle.sign("RSASSA-PKCS1-v1_5", pkcs1, data);
    const pkcs8 = await subtle.exportKey("pkcs8", pkcs1);
    const pkcs1b = await subtle.importKey("pkcs8", pkcs8, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
    equal(hex(await subtle.sign("RSASSA-PKCS1-v1_5", pkcs1b, data)), hex(s1));
    const verifier = await subtle.importKey("spki", await subtle.exportKey("spki", pss.publicKey), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    equal(await subtle.verify("RSASSA-PKCS1-v1_5", verifier, s1, data), true);

    const oaep = await subtle.generateKey({ name: "RSA-OAEP", ...params }, false, ["encrypt", "decrypt", "wrapKey", "unwrapKey"]);
    deepEqual(oaep.publicKey.usages, ["encrypt", "wrapKey"]);
    deepEqual(oaep.privateKey.usages, ["decrypt", "unwrapKey"]);
    const label = enc.encode("label");
    const ct = await subtle.encrypt({ name: "RSA-OAEP", label }, oaep.publicKey, data);
    equal(ct.byteLength, 128);
    equal(new TextDecoder().decode(await subtle.decrypt({ name: "RSA-OAEP", label }, oaep.privateKey, ct)), "message");
    await rejects(subtle.decrypt({ name: "RSA-OAEP" }, oaep.privateKey, ct), "OperationError");
    await rejects(subtle.encrypt({ name: "RSA-OAEP" }, oaep.publicKey, new Uint8Array(100)), "OperationError");
    const aes = await subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
    const wrapped = await subtle.wrapKey("raw", aes, oaep.publicKey, "RSA-OAEP");
    const unwrapped = await subtle.unwrapKey("raw", wrapped, oaep.privateKey, "RSA-OAEP", "AES-GCM", true, ["encrypt"]);
    equal(hex(await subtle.exportKey("raw", unwrapped)), hex(await subtle.exportKey("raw", aes)));

    await rejects(subtle.generateKey({ name: "RSA-PSS", ...params, publicExponent: new Uint8Array([2]) }, true, ["sign"]), "OperationError");
    await rejects(subtle.generateKey({ name: "RSA-PSS", ...params }, true, ["verify"]), "SyntaxError");
    await rejects(subtle.generateKey({ name: "RSA-PSS", modulusLength: 1024, hash: "SHA-256" }, true, ["sign"]), TypeError);
  },
};

export const ecdh = {
  async test() {
    const a = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits", "deriveKey"]);
    const b = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    deepEqual(a.publicKey.usages, []);
    const ab = await subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 256);
    const ba = await subtle.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, 256);
    equal(ab.byteLength, 32);
    equal(hex(ab), hex(ba));
    equal(hex(await subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 128)), hex(ab).slice(0, 32));
    const key = await subtle.deriveKey({ name: "ECDH", public: b.publicKey }, a.privateKey, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
    equal(hex(await subtle.exportKey("raw", key)), hex(ab).slice(0, 32));
    await rejects(subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 512), "OperationError");
    await rejects(subtle.deriveBits({ name: "ECDH", public: b.privateKey }, a.privateKey, 256), "InvalidAccessError");
    const c = await subtle.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits"]);
    await rejects(subtle.deriveBits({ name: "ECDH", public: c.publicKey }, a.privateKey, 256), "InvalidAccessError");
    await rejects(subtle.deriveBits({ name: "ECDH" }, a.privateKey, 256), TypeError);
    // The peer's public key through raw and spki.
    const raw = await subtle.exportKey("raw", b.publicKey);
    const peer = await subtle.importKey("raw", raw, { name: "ECDH", namedCurve: "P-256" }, true, []);
    equal(hex(await subtle.deriveBits({ name: "ECDH", public: peer }, a.privateKey, 256)), hex(ab));
    const spki = await subtle.exportKey("spki", peer);
    const peer2 = await subtle.importKey("spki", spki, { name: "ECDH", namedCurve: "P-256" }, true, []);
    equal(hex(await subtle.deriveBits({ name: "ECDH", public: peer2 }, a.privateKey, 256)), hex(ab));
  },
};

export const ed25519 = {
  async test() {
    // RFC 8032 section 7.1, test 1 (empty message) and test 2.
    const d = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const x = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    const priv = await subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", d: toB64url(d), x: toB64url(x) }, "Ed25519", true, ["sign"]);
    deepEqual(priv.algorithm, { name: "Ed25519" });
    const sig = await subtle.sign("Ed25519", priv, new Uint8Array(0));
    equal(hex(sig), "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    const pub = await subtle.importKey("raw", x, "Ed25519", true, ["verify"]);
    equal(await subtle.verify("Ed25519", pub, sig, new Uint8Array(0)), true);
    equal(await subtle.verify("Ed25519", pub, sig, new Uint8Array(1)), false);
    const x2 = unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    const pub2 = await subtle.importKey("raw", x2, { name: "Ed25519" }, false, ["verify"]);
    const sig2 = unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    equal(await subtle.verify("Ed25519", pub2, sig2, new Uint8Array([0x72])), true);

    deepEqual(await subtle.exportKey("jwk", priv), { kty: "OKP", crv: "Ed25519", alg: "EdDSA", x: toB64url(x), d: toB64url(d), key_ops: ["sign"], ext: true });
    equal(hex(await subtle.exportKey("raw", pub)), hex(x));
    const pkcs8 = await subtle.exportKey("pkcs8", priv);
    const again = await subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
    equal(hex(await subtle.sign("Ed25519", again, new Uint8Array(0))), hex(sig));
    await rejects(subtle.importKey("raw", x.slice(1), "Ed25519", true, ["verify"]), "DataError");

    const pair = await subtle.generateKey("Ed25519", false, ["sign", "verify"]);
    const s = await subtle.sign("Ed25519", pair.privateKey, enc.encode("hi"));
    equal(await subtle.verify("Ed25519", pair.publicKey, s, enc.encode("hi")), true);

    // workerd's NODE-ED25519 spelling.
    const node = await subtle.importKey("raw", x, { name: "NODE-ED25519", namedCurve: "NODE-ED25519" }, false, ["verify"]);
    deepEqual(node.algorithm, { name: "NODE-ED25519", namedCurve: "NODE-ED25519" });
    equal(await subtle.verify({ name: "NODE-ED25519" }, node, sig, new Uint8Array(0)), true);
  },
};

export const x25519 = {
  async test() {
    // RFC 7748 section 6.1.
    const alicePriv = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const alicePub = unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    const bobPub = unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const alice = await subtle.importKey("jwk", { kty: "OKP", crv: "X25519", d: toB64url(alicePriv), x: toB64url(alicePub) }, "X25519", true, ["deriveBits"]);
    const bob = await subtle.importKey("raw", bobPub, "X25519", true, []);
    const shared = await subtle.deriveBits({ name: "X25519", public: bob }, alice, 256);
    equal(hex(shared), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    equal(hex(await subtle.exportKey("raw", bob)), hex(bobPub));
    const pair = await subtle.generateKey("X25519", true, ["deriveBits"]);
    deepEqual(pair.publicKey.usages, []);
    const ab = await subtle.deriveBits({ name: "X25519", public: bob }, pair.privateKey, 256);
    equal(ab.byteLength, 32);
    await rejects(subtle.deriveBits({ name: "X25519", public: pair.privateKey }, alice, 256), "InvalidAccessError");
  },
};
