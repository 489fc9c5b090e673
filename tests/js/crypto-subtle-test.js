// crypto.subtle with hashes and secret keys: digests, HMAC, AES-GCM/CBC/CTR/KW, PBKDF2, HKDF,
// checked against published vectors (FIPS 180, RFC 2202/4231, the GCM spec, SP 800-38A, RFC 3394,
// RFC 6070, RFC 5869), plus key handling and the DOMExceptions of the error paths.
import { ok, equal, deepEqual, rejects, throws } from "assert.js";

const subtle = crypto.subtle;
const enc = new TextEncoder();
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));

export const digests = {
  async test() {
    const abc = enc.encode("abc");
    equal(hex(await subtle.digest("SHA-1", abc)), "a9993e364706816aba3e25717850c26c9cd0d89d");
    equal(hex(await subtle.digest("SHA-256", abc)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    equal(hex(await subtle.digest({ name: "sha-384" }, abc)),
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    equal(hex(await subtle.digest("SHA-512", abc.buffer)),
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    equal(hex(await subtle.digest("MD5", abc)), "900150983cd24fb0d6963f7d28e17f72");
    equal(hex(await subtle.digest("SHA-256", new Uint8Array(0))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // A view covering part of its buffer digests only those bytes.
    const view = new DataView(enc.encode("xabcx").buffer, 1, 3);
    equal(hex(await subtle.digest("SHA-1", view)), "a9993e364706816aba3e25717850c26c9cd0d89d");
    ok((await subtle.digest("SHA-256", abc)) instanceof ArrayBuffer);
    await rejects(subtle.digest("SHA-3", abc), "NotSupportedError");
    await rejects(subtle.digest("SHA-256", "abc"), TypeError);
  },
};

export const hmacVectors = {
  async test() {
    // RFC 4231 test case 2 and RFC 2202 test case 2.
    const data = enc.encode("what do ya want for nothing?");
    const k256 = await subtle.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
    const mac = await subtle.sign("HMAC", k256, data);
    equal(hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    equal(await subtle.verify("HMAC", k256, mac, data), true);
    const bad = new Uint8Array(mac.slice(0));
    bad[0] ^= 1;
    equal(await subtle.verify("HMAC", k256, bad, data), false);
    equal(await subtle.verify("HMAC", k256, bad.slice(1), data), false);
    const k512 = await subtle.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: { name: "SHA-512" } }, false, ["sign"]);
    equal(hex(await subtle.sign({ name: "HMAC" }, k512, data)),
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    const k1 = await subtle.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
    equal(hex(await subtle.sign("HMAC", k1, data)), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");

    deepEqual(k256.algorithm, { name: "HMAC", hash: { name: "SHA-256" }, length: 32 });
    equal(k256.type, "secret");
    equal(k256.extractable, true);
    deepEqual(k256.usages, ["sign", "verify"]);
    equal(hex(await subtle.exportKey("raw", k256)), hex(enc.encode("Jefe")));
    // The key cannot verify when it was imported for signing only.
    await rejects(subtle.verify("HMAC", k512, mac, data), "InvalidAccessError");
    await rejects(subtle.exportKey("raw", k512), "InvalidAccessError");
  },
};

export const jwtHs256 = {
  async test() {
    // RFC 7515 appendix A.1: an HS256 JWS verified with the JWK from the RFC.
    const jwk = {
      kty: "oct",
      k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
    };
    const input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." +
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    const key = await subtle.importKey("jwk", jwk, { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
    const sig = await subtle.sign("HMAC", key, enc.encode(input));
    const b64url = btoa(String.fromCharCode(...new Uint8Array(sig))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    equal(b64url, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    deepEqual(await subtle.exportKey("jwk", key), { ...jwk, alg: "HS256", key_ops: ["sign", "verify"], ext: true });
    await rejects(subtle.importKey("jwk", { ...jwk, alg: "HS512" }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]), "DataError");
    await rejects(subtle.importKey("jwk", { ...jwk, kty: "RSA" }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]), "DataError");
    await rejects(subtle.importKey("jwk", { ...jwk, ext: false }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]), "DataError");
  },
};

export const hmacKeys = {
  async test() {
    const key = await subtle.generateKey({ name: "HMAC", hash: "SHA-384" }, true, ["verify", "sign", "sign"]);
    deepEqual(key.algorithm, { name: "HMAC", hash: { name: "SHA-384" }, length: 1024 });
    deepEqual(key.usages, ["sign", "verify"]);
    equal((await subtle.exportKey("raw", key)).byteLength, 128);
    const short = await subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 128 }, false, ["sign"]);
    equal(short.algorithm.length, 128);
    ok(key instanceof CryptoKey);
    equal(key.algorithm, key.algorithm);
    throws(() => new CryptoKey(), TypeError);
    await rejects(subtle.importKey("raw", new Uint8Array(16), "HMAC", false, ["sign"]), TypeError);
    await rejects(subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, ["encrypt"]), "SyntaxError");
    await rejects(subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, []), "SyntaxError");
    await rejects(subtle.importKey("raw", new Uint8Array(0), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]), "DataError");
    await rejects(subtle.importKey("spki", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]), "NotSupportedError");
    await rejects(subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, []), "SyntaxError");
    await rejects(subtle.sign("HMAC", {}, new Uint8Array(1)), TypeError);
  },
};

export const aesGcm = {
  async test() {
    // Test case 4 of the GCM specification (McGrew & Viega).
    const key = await subtle.importKey("raw", unhex("feffe9928665731c6d6a8f9467308308"), "AES-GCM", true, ["encrypt", "decrypt"]);
    const iv = unhex("cafebabefacedbaddecaf888");
    const aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const plain = unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
    const expected = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" +
      "5bc94fbc3221a5db94fae95ae7121a47";
    const sealed = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, key, plain);
    equal(hex(sealed), expected);
    equal(hex(await subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, key, sealed)), hex(plain));
    // A shorter tag is the prefix of the full one.
    const short = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad, tagLength: 96 }, key, plain);
    equal(hex(short), expected.slice(0, expected.length - 8));
    // Tampering with the ciphertext, the tag or the additional data fails authentication.
    const tampered = new Uint8Array(sealed.slice(0));
    tampered[3] ^= 0x80;
    await rejects(subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, key, tampered), "OperationError");
    await rejects(subtle.decrypt({ name: "AES-GCM", iv }, key, sealed), "OperationError");
    await rejects(subtle.decrypt({ name: "AES-GCM", iv }, key, new Uint8Array(8)), "OperationError");
    await rejects(subtle.encrypt({ name: "AES-GCM", iv, tagLength: 100 }, key, plain), "OperationError");
    await rejects(subtle.encrypt({ name: "AES-GCM" }, key, plain), TypeError);
    await rejects(subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, key, plain), "InvalidAccessError");
    deepEqual(key.algorithm, { name: "AES-GCM", length: 128 });

    const jwk = await subtle.exportKey("jwk", key);
    deepEqual(jwk, { kty: "oct", k: "_v_pkoZlcxxtao-UZzCDCA", alg: "A128GCM", key_ops: ["encrypt", "decrypt"], ext: true });
    const again = await subtle.importKey("jwk", jwk, "AES-GCM", false, ["decrypt"]);
    equal(hex(await subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, again, sealed)), hex(plain));
    await rejects(subtle.importKey("jwk", { ...jwk, alg: "A256GCM" }, "AES-GCM", false, ["decrypt"]), "DataError");
    await rejects(subtle.importKey("raw", new Uint8Array(20), "AES-GCM", false, ["decrypt"]), "DataError");

    const generated = await subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    const iv2 = crypto.getRandomValues(new Uint8Array(12));
    const ct = await subtle.encrypt({ name: "AES-GCM", iv: iv2 }, generated, enc.encode("hello"));
    equal(ct.byteLength, 5 + 16);
    equal(new TextDecoder().decode(await subtle.decrypt({ name: "AES-GCM", iv: iv2 }, generated, ct)), "hello");
    await rejects(subtle.generateKey({ name: "AES-GCM", length: 100 }, true, ["encrypt"]), "OperationError");
    await rejects(subtle.generateKey({ name: "AES-GCM", length: 128 }, true, ["sign"]), "SyntaxError");
  },
};

export const aesCbcCtr = {
  async test() {
    // NIST SP 800-38A F.2.1 (CBC-AES128) and F.5.1 (CTR-AES128).
    const raw = unhex("2b7e151628aed2a6abf7158809cf4f3c");
    const plain = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
    const cbc = await subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt", "decrypt"]);
    const iv = unhex("000102030405060708090a0b0c0d0e0f");
    const ct = await subtle.encrypt({ name: "AES-CBC", iv }, cbc, plain);
    equal(ct.byteLength, 48); // two blocks and a block of PKCS#7 padding
    equal(hex(ct).slice(0, 64), "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2");
    equal(hex(await subtle.decrypt({ name: "AES-CBC", iv }, cbc, ct)), hex(plain));
    await rejects(subtle.decrypt({ name: "AES-CBC", iv }, cbc, new Uint8Array(ct).slice(0, 32)), "OperationError");
    await rejects(subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(8) }, cbc, plain), "OperationError");

    const ctr = await subtle.importKey("raw", raw, "AES-CTR", false, ["encrypt", "decrypt"]);
    const counter = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    const out = await subtle.encrypt({ name: "AES-CTR", counter, length: 64 }, ctr, plain);
    equal(hex(out), "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff");
    equal(hex(await subtle.decrypt({ name: "AES-CTR", counter, length: 64 }, ctr, out)), hex(plain));
    // With an 8-bit counter, the block after ...ff continues at ...00 (the nonce part is kept).
    const wrapped = await subtle.encrypt({ name: "AES-CTR", counter, length: 8 }, ctr, plain);
    const second = await subtle.encrypt({ name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfe00"), length: 8 }, ctr, plain.slice(16));
    equal(hex(wrapped), hex(out).slice(0, 32) + hex(second));
    // A 1-bit counter allows two blocks only.
    await rejects(subtle.encrypt({ name: "AES-CTR", counter, length: 1 }, ctr, new Uint8Array(33)), "OperationError");
    await rejects(subtle.encrypt({ name: "AES-CTR", counter, length: 0 }, ctr, plain), "OperationError");
    await rejects(subtle.encrypt({ name: "AES-CTR", counter: new Uint8Array(8), length: 64 }, ctr, plain), "OperationError");
  },
};

export const aesKw = {
  async test() {
    // RFC 3394 section 4.1: 128 bits of key data wrapped with a 128-bit KEK.
    const kek = await subtle.importKey("raw", unhex("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
    const data = await subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-GCM", true, ["encrypt"]);
    const wrapped = await subtle.wrapKey("raw", data, kek, "AES-KW");
    equal(hex(wrapped), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
    const unwrapped = await subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["encrypt", "decrypt"]);
    equal(hex(await subtle.exportKey("raw", unwrapped)), "00112233445566778899aabbccddeeff");
    deepEqual(unwrapped.usages, ["encrypt", "decrypt"]);
    const corrupt = new Uint8Array(wrapped.slice(0));
    corrupt[5] ^= 1;
    await rejects(subtle.unwrapKey("raw", corrupt, kek, "AES-KW", "AES-GCM", true, ["encrypt"]), "OperationError");
    const locked = await subtle.importKey("raw", unhex("00112233445566778899aabbccddeeff"), "AES-GCM", false, ["encrypt"]);
    await rejects(subtle.wrapKey("raw", locked, kek, "AES-KW"), "InvalidAccessError");

    // JWK wrapped with AES-GCM and unwrapped again.
    const wrapper = await subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["wrapKey", "unwrapKey"]);
    const hmacKey = await subtle.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
    const iv = new Uint8Array(12);
    const blob = await subtle.wrapKey("jwk", hmacKey, wrapper, { name: "AES-GCM", iv });
    const back = await subtle.unwrapKey("jwk", blob, wrapper, { name: "AES-GCM", iv }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    equal(hex(await subtle.sign("HMAC", back, enc.encode("what do ya want for nothing?"))),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  },
};

export const pbkdf2 = {
  async test() {
    // RFC 6070 (PBKDF2-HMAC-SHA1) and the usual SHA-256 counterpart.
    const key = await subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
    const salt = enc.encode("salt");
    equal(hex(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt, iterations: 1 }, key, 160)), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
    equal(hex(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt, iterations: 2 }, key, 160)), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    equal(hex(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt, iterations: 4096 }, key, 160)), "4b007901b765489abead49d926f721d065a429c1");
    equal(hex(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1 }, key, 256)),
      "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    deepEqual(key.algorithm, { name: "PBKDF2" });
    equal(key.extractable, false);
    await rejects(subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt, iterations: 0 }, key, 160), "OperationError");
    await rejects(subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt, iterations: 1 }, key, 161), "OperationError");
    await rejects(subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt, iterations: 1 }, key, null), "OperationError");
    await rejects(subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", iterations: 1 }, key, 160), TypeError);
    await rejects(subtle.importKey("raw", enc.encode("password"), "PBKDF2", true, ["deriveBits"]), "SyntaxError");
    await rejects(subtle.exportKey("raw", key), "InvalidAccessError");

    // deriveKey: an AES-GCM key whose bytes are the first 128 derived bits.
    const aes = await subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1 }, key,
      { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
    equal(hex(await subtle.exportKey("raw", aes)), "120fb6cffcf8b32c43e7225256c4f837");
    const mac = await subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1 }, key,
      { name: "HMAC", hash: "SHA-256", length: 256 }, true, ["sign"]);
    equal(hex(await subtle.exportKey("raw", mac)), "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    await rejects(subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1 }, key,
      { name: "AES-GCM", length: 100 }, true, ["encrypt"]), "OperationError");
    const bitsOnly = await subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits"]);
    await rejects(subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 1 }, bitsOnly,
      { name: "AES-GCM", length: 128 }, true, ["encrypt"]), "InvalidAccessError");
  },
};

export const hkdf = {
  async test() {
    // RFC 5869 test cases 1 and 3.
    const ikm = new Uint8Array(22).fill(0x0b);
    const key = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
    const okm = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"),
      info: unhex("f0f1f2f3f4f5f6f7f8f9") }, key, 42 * 8);
    equal(hex(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    const okm3 = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) }, key, 42 * 8);
    equal(hex(okm3), "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    await rejects(subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) }, key, 255 * 256 + 8), "OperationError");
    await rejects(subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0) }, key, 256), TypeError);
    await rejects(subtle.importKey("jwk", { kty: "oct", k: "AAAA" }, "HKDF", false, ["deriveBits"]), "NotSupportedError");
  },
};

export const timingSafeEqual = {
  async test() {
    equal(subtle.timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])), true);
    equal(subtle.timingSafeEqual(new Uint8Array([1, 2, 3]).buffer, new Uint8Array([1, 2, 4])), false);
    throws(() => subtle.timingSafeEqual(new Uint8Array(1), new Uint8Array(2)), TypeError);
  },
};
