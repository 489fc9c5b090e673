#!/usr/bin/env python3
"""Writes add.wasm: a WebAssembly module exporting add(i32, i32) -> i32.

The module is small enough to spell out byte by byte, so the sample needs no toolchain:
  (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
"""
import os

MODULE = bytes([
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,        # magic "\0asm", version 1
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F,  # type section: (i32, i32) -> i32
    0x03, 0x02, 0x01, 0x00,                                # function section: one func, type 0
    0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00,  # export section: "add" = func 0
    0x0A, 0x09, 0x01, 0x07, 0x00,                          # code section: one body, no locals
    0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B,                    # local.get 0, local.get 1, i32.add, end
])

if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "add.wasm")
    with open(out, "wb") as f:
        f.write(MODULE)
    print(f"wrote {out} ({len(MODULE)} bytes)")
