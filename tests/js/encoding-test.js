import { ok, equal, deepEqual, throws } from "assert.js";

export const encoder = {
  async test() {
    const e = new TextEncoder();
    equal(e.encoding, "utf-8");
    deepEqual([...e.encode("aé€😀")], [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
    deepEqual([...e.encode("\ud800")], [0xef, 0xbf, 0xbd]);
    equal(e.encode().length, 0);
    const dest = new Uint8Array(3);
    deepEqual(e.encodeInto("héllo", dest), { read: 2, written: 3 });
    deepEqual([...dest], [0x68, 0xc3, 0xa9]);
  },
};

export const decoder = {
  async test() {
    const d = new TextDecoder();
    equal(d.encoding, "utf-8");
    equal(d.fatal, false);
    equal(d.ignoreBOM, false);
    equal(d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "A");
    equal(new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "\ufeffA");
    equal(d.decode(new Uint8Array([0x41, 0xff, 0x42])), "A\ufffdB");
    throws(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])), TypeError);
    equal(d.decode(new Uint8Array([0x68, 0x69]).buffer), "hi");
    equal(d.decode(new DataView(new Uint8Array([0x68, 0x69]).buffer, 1)), "i");
    equal(d.decode(), "");
    throws(() => d.decode("abc"), TypeError);
    throws(() => new TextDecoder("no-such-encoding"), RangeError);
    equal(new TextDecoder(" UTF8 ").encoding, "utf-8");
  },
};

export const streaming = {
  async test() {
    const d = new TextDecoder();
    equal(d.decode(new Uint8Array([0xef, 0xbb]), { stream: true }), "");
    equal(d.decode(new Uint8Array([0xbf, 0x41, 0xe2]), { stream: true }), "A");
    equal(d.decode(new Uint8Array([0x82, 0xac])), "€");
    equal(d.decode(new Uint8Array([0xf0, 0x9f]), { stream: true }), "");
    equal(d.decode(), "\ufffd");
    // A finished stream starts over: its BOM is stripped again.
    const d2 = new TextDecoder();
    equal(d2.decode(new Uint8Array([0x41])), "A");
    equal(d2.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x42])), "B");
  },
};

export const otherEncodings = {
  async test() {
    equal(new TextDecoder("latin1").encoding, "windows-1252");
    equal(new TextDecoder("ascii").decode(new Uint8Array([0x80, 0xe9, 0x41])), "€éA");
    const le = new TextDecoder("utf-16le");
    equal(le.encoding, "utf-16le");
    equal(new TextDecoder("utf-16").encoding, "utf-16le");
    equal(le.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0x3d, 0xd8, 0x00, 0xde])), "A😀");
    equal(le.decode(new Uint8Array([0x41]), { stream: true }), "");
    equal(le.decode(new Uint8Array([0x00, 0x42, 0x00])), "AB");
    equal(new TextDecoder("utf-16be").decode(new Uint8Array([0x00, 0x41, 0xd8, 0x00])), "A\ufffd");
  },
};

export const base64 = {
  async test() {
    equal(btoa("hello"), "aGVsbG8=");
    equal(btoa(""), "");
    equal(btoa("\xff\xfe"), "//4=");
    equal(atob("aGVsbG8="), "hello");
    equal(atob("aGVsbG8"), "hello");
    equal(atob(" YW Jj\n"), "abc");
    equal(atob("//4="), "\xff\xfe");
    const e1 = throws(() => atob("YWJjZ"), DOMException);
    equal(e1.name, "InvalidCharacterError");
    throws(() => atob("a*bc"), DOMException);
    throws(() => atob("ab=c"), DOMException);
    const e2 = throws(() => btoa("\u0100"), DOMException);
    equal(e2.name, "InvalidCharacterError");
    equal(e2.code, 5);
  },
};
