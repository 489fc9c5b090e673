#!/usr/bin/env python3
"""Write a copy of Debian's libnode whose references to its own symbols are already resolved.

libnode is not linked with -Bsymbolic, so every start of `colony-runtime` has the dynamic linker
look up some 56,000 of libnode's references to its own functions and data by name (hashing a
mangled C++ name, probing each library in the search order, comparing strings): over half of the
process's start-up time. The answer of each of those lookups is fixed at build time: the dynamic
linker searches the executable first, then its DT_NEEDED libraries in order, and libnode is the
executable's first one (meson.build). So a reference from libnode to a symbol libnode defines and
the executable does not resolves to libnode's own definition, at libnode's load address plus the
symbol's offset: exactly what an R_X86_64_RELATIVE relocation computes, without a lookup. This
script rewrites those relocations and leaves everything else byte for byte as it was.

Left symbolic (looked up at run time as before): references to symbols libnode does not define,
to symbols the executable also defines, thread-local and indirect-function symbols, absolute
symbols, and relocations of other types. Unique symbols (STB_GNU_UNIQUE: V8's template statics)
are rewritten too: the dynamic linker gives every reference to one the definition its first
lookup found, and that lookup searches in the same order, so it finds libnode's as well. The
lazy-binding PLT relocations are rewritten only because libnode is linked with BIND_NOW
(checked), which makes the dynamic linker process them like the others at load time. The one behaviour given up is interposing one of libnode's own
symbols with LD_PRELOAD.

usage:
  prebind_libnode.py locate LIBRARY            print the real path and the soname of LIBRARY
  prebind_libnode.py write --exe EXE --lib LIB --out OUT --report JSON
"""
import argparse
import json
import os
import struct
import sys

R_X86_64_64, R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT, R_X86_64_RELATIVE = 1, 6, 7, 8
SHN_UNDEF, SHN_ABS, SHN_COMMON = 0, 0xFFF1, 0xFFF2
STT_TLS, STT_GNU_IFUNC = 6, 10
DT_NEEDED, DT_STRTAB, DT_SYMTAB, DT_RELA, DT_RELASZ = 1, 5, 6, 7, 8
DT_SONAME, DT_PLTRELSZ, DT_PLTREL, DT_JMPREL, DT_FLAGS, DT_FLAGS_1 = 14, 2, 20, 23, 30, 0x6FFFFFFB
DF_BIND_NOW, DF_1_NOW = 0x8, 0x1
PT_LOAD, PT_DYNAMIC = 1, 2
SHT_DYNSYM = 11


class Elf:
    """The parts of an x86-64 ELF shared object or executable the dynamic linker reads."""

    def __init__(self, path, data):
        self.path, self.data = path, data
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise ValueError("%s: not a 64-bit little-endian ELF file" % path)
        if struct.unpack_from("<H", data, 18)[0] != 62:
            raise ValueError("%s: not an x86-64 ELF file" % path)
        phoff, shoff = struct.unpack_from("<QQ", data, 32)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 54)
        self.loads, dynamic = [], None
        for i in range(phnum):
            p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
                "<IIQQQQQQ", data, phoff + i * phentsize)
            if p_type == PT_LOAD:
                self.loads.append((p_vaddr, p_offset, p_filesz))
            elif p_type == PT_DYNAMIC:
                dynamic = (p_offset, p_filesz)
        if dynamic is None:
            raise ValueError("%s: no dynamic section" % path)
        self.dyn, self.needed_offsets = {}, []
        for off in range(dynamic[0], dynamic[0] + dynamic[1], 16):
            tag, val = struct.unpack_from("<qQ", data, off)
            if tag == 0:
                break
            if tag == DT_NEEDED:
                self.needed_offsets.append(val)
            else:
                self.dyn[tag] = val
        self.strtab = self.offset(self.dyn[DT_STRTAB])
        self.symtab = self.offset(self.dyn[DT_SYMTAB])
        self.dynsym_count = None
        for i in range(shnum):
            sh_type, = struct.unpack_from("<I", data, shoff + i * shentsize + 4)
            if sh_type == SHT_DYNSYM:
                size, = struct.unpack_from("<Q", data, shoff + i * shentsize + 32)
                self.dynsym_count = size // 24

    def offset(self, vaddr):
        for start, off, size in self.loads:
            if start <= vaddr < start + size:
                return off + vaddr - start
        raise ValueError("%s: address %#x is in no loaded segment" % (self.path, vaddr))

    def string(self, index):
        start = self.strtab + index
        return bytes(self.data[start:self.data.index(b"\0", start)])

    def needed(self):
        return [self.string(i).decode() for i in self.needed_offsets]

    def soname(self):
        return self.string(self.dyn[DT_SONAME]).decode() if DT_SONAME in self.dyn else None

    def symbol(self, index):
        """(name, st_info, st_shndx, st_value) of dynamic symbol `index`."""
        st_name, st_info, _, st_shndx, st_value, _ = struct.unpack_from(
            "<IBBHQQ", self.data, self.symtab + 24 * index)
        return self.string(st_name), st_info, st_shndx, st_value

    def defined_names(self):
        if self.dynsym_count is None:
            raise ValueError("%s: no section headers to count its dynamic symbols by" % self.path)
        return {name for name, _, shndx, _ in map(self.symbol, range(1, self.dynsym_count))
                if shndx != SHN_UNDEF}

    def rela_tables(self):
        """(file offset, count) of the load-time relocation table and of the PLT's."""
        tables = []
        if DT_RELA in self.dyn:
            tables.append((self.offset(self.dyn[DT_RELA]), self.dyn[DT_RELASZ] // 24))
        if DT_JMPREL in self.dyn:
            if self.dyn.get(DT_PLTREL) != DT_RELA:
                raise ValueError("%s: PLT relocations are not RELA" % self.path)
            tables.append((self.offset(self.dyn[DT_JMPREL]), self.dyn[DT_PLTRELSZ] // 24))
        return tables

    def binds_now(self):
        return bool(self.dyn.get(DT_FLAGS, 0) & DF_BIND_NOW or self.dyn.get(DT_FLAGS_1, 0) & DF_1_NOW)


def locate(library):
    if not os.path.isabs(library) or not os.path.exists(library):
        raise ValueError("%s not found (the compiler does not find it in its library directories)"
                         % library)
    path = os.path.realpath(library)
    with open(path, "rb") as f:
        soname = Elf(path, f.read()).soname()
    if not soname:
        raise ValueError("%s has no soname" % path)
    print(path)
    print(soname)


def prebind(exe_path, lib_path, out_path, report_path):
    with open(lib_path, "rb") as f:
        lib = Elf(lib_path, bytearray(f.read()))
    with open(exe_path, "rb") as f:
        exe = Elf(exe_path, f.read())
    soname = lib.soname()
    needed = exe.needed()
    # Anything searched before libnode could hold a definition that wins over libnode's own.
    if not needed or needed[0] != soname:
        raise ValueError("%s must name %s as its first needed library (it names %s): the linker "
                         "would search the others before it" % (exe_path, soname, ", ".join(needed)))
    if DT_JMPREL in lib.dyn and not lib.binds_now():
        raise ValueError("%s is not linked with BIND_NOW; its PLT relocations are bound lazily"
                         % lib_path)
    taken = exe.defined_names()
    rewritten, kept = 0, 0
    for table, count in lib.rela_tables():
        for i in range(count):
            at = table + 24 * i
            r_offset, r_info, r_addend = struct.unpack_from("<QQq", lib.data, at)
            r_type, index = r_info & 0xFFFFFFFF, r_info >> 32
            if r_type not in (R_X86_64_64, R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT) or index == 0:
                continue
            name, info, shndx, value = lib.symbol(index)
            resolvable = (shndx not in (SHN_UNDEF, SHN_ABS, SHN_COMMON)
                          and info & 0xF not in (STT_TLS, STT_GNU_IFUNC)
                          and name not in taken
                          and (r_type == R_X86_64_64 or r_addend == 0))
            if not resolvable:
                kept += 1
                continue
            addend = value + (r_addend if r_type == R_X86_64_64 else 0)
            struct.pack_into("<QQq", lib.data, at, r_offset, R_X86_64_RELATIVE, addend)
            rewritten += 1
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        # In pieces the size cp writes: one 47 MB write leaves the file in the page cache as 2 MiB
        # folios, which the kernel then maps whole into every process that touches one of their
        # pages (a runtime process's RSS grew by 11 MiB).
        view = memoryview(lib.data)
        for start in range(0, len(view), 1 << 16):
            f.write(view[start:start + (1 << 16)])
    os.chmod(tmp, 0o644)
    os.replace(tmp, out_path)
    with open(report_path, "w") as f:
        json.dump({"source": os.path.realpath(lib_path), "soname": soname,
                   "executable": os.path.realpath(exe_path), "rewritten": rewritten,
                   "symbolic": kept}, f, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    loc = sub.add_parser("locate")
    loc.add_argument("library")
    wr = sub.add_parser("write")
    wr.add_argument("--exe", required=True)
    wr.add_argument("--lib", required=True)
    wr.add_argument("--out", required=True)
    wr.add_argument("--report", required=True)
    args = parser.parse_args()
    try:
        if args.command == "locate":
            locate(args.library)
        else:
            prebind(args.exe, args.lib, args.out, args.report)
    except (OSError, ValueError) as e:
        sys.exit("prebind_libnode: %s" % e)


if __name__ == "__main__":
    main()
