#!/usr/bin/env python3
"""Write copies of libraries colony-runtime loads, with their references to their own symbols resolved.

None of Debian's libnode, libcrypto, libssl, libstdc++, SQLite or spdlog is linked with -Bsymbolic,
so at every start of `colony-runtime` the dynamic linker looks up tens of thousands of their
references to their own functions and data by name (hashing a mangled name, probing each library
in the search order, comparing strings): libnode's 56,000 were over half of the process's start-up
work, the other five's 8,000 another 2 ms. The answer of each of those lookups is fixed at build
time. The dynamic linker searches one list for every lookup: the executable, then the libraries it
loads in the order it loads them (breadth first through DT_NEEDED, as `ldd` lists them). A
reference from library L to a symbol L defines, whose name nothing before L in that list defines,
resolves to L's own definition, at L's load address plus the symbol's offset: exactly what an
R_X86_64_RELATIVE relocation computes, without a lookup. This script rewrites those relocations
and leaves everything else byte for byte as it was.

Left symbolic (looked up at run time as before): references to symbols L does not define, to names
something earlier in the list defines (mimalloc's operator new for libstdc++'s references to it, a
sanitizer's interceptors, the executable's copies of data), thread-local and indirect-function
symbols, absolute symbols, and relocations of other types. Unique symbols (STB_GNU_UNIQUE: C++
template statics) are rewritten too: the dynamic linker gives every reference to one the
definition its first lookup found, and that lookup searches the same list, so it finds L's as
well. The lazy-binding PLT relocations of a library linked with BIND_NOW are rewritten (the
dynamic linker then processes them like the others at load time); a library bound lazily keeps
its PLT as it was (the dynamic linker would reject a relative relocation there, and binds those
on first call anyway). Behaviour given up: interposing one of these libraries' own symbols with
LD_PRELOAD.

usage:
  prebind_libraries.py locate LIBRARY...
      for each LIBRARY, print its real path and its soname, one per line
  prebind_libraries.py write --exe EXE --out-dir DIR --report JSON LIBRARY...
      write DIR/SONAME for each LIBRARY that EXE loads, and a report of what was rewritten
"""
import argparse
import json
import os
import struct
import subprocess
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
        """(file offset, count) of the load-time relocation table and of the PLT's, if present."""
        load, plt = None, None
        if DT_RELA in self.dyn:
            load = (self.offset(self.dyn[DT_RELA]), self.dyn[DT_RELASZ] // 24)
        if DT_JMPREL in self.dyn:
            if self.dyn.get(DT_PLTREL) != DT_RELA:
                raise ValueError("%s: PLT relocations are not RELA" % self.path)
            plt = (self.offset(self.dyn[DT_JMPREL]), self.dyn[DT_PLTRELSZ] // 24)
        return load, plt

    def binds_now(self):
        return bool(self.dyn.get(DT_FLAGS, 0) & DF_BIND_NOW or self.dyn.get(DT_FLAGS_1, 0) & DF_1_NOW)


def read_elf(path, writable=False):
    with open(path, "rb") as f:
        data = f.read()
    return Elf(path, bytearray(data) if writable else data)


def locate(libraries):
    for library in libraries:
        if not os.path.isabs(library) or not os.path.exists(library):
            raise ValueError("%s not found (the compiler does not find it in its library "
                             "directories)" % library)
        path = os.path.realpath(library)
        soname = read_elf(path).soname()
        if not soname:
            raise ValueError("%s has no soname" % path)
        print(path)
        print(soname)


def load_order(exe_path):
    """(soname, path) of each library EXE loads, in the order the dynamic linker searches them."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    result = subprocess.run(["ldd", exe_path], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise ValueError("ldd %s failed: %s" % (exe_path, result.stderr.strip()))
    order = []
    for line in result.stdout.splitlines():
        name, arrow, rest = line.strip().partition(" => ")
        if not arrow:
            continue  # the vDSO and the dynamic linker itself
        path = rest.rsplit(" (", 1)[0].strip()
        if not path or path == "not found":
            raise ValueError("%s: the dynamic linker does not find %s" % (exe_path, name))
        order.append((name, path))
    return order


def rewrite(lib, taken):
    """Rewrites LIB's references to the symbols it defines whose names are not in TAKEN.

    Returns how many were rewritten, how many load-time ones stay symbolic, and how many PLT
    relocations stay lazily bound."""
    load, plt = lib.rela_tables()
    tables = [load] if load else []
    lazy = 0
    if plt and lib.binds_now():
        tables.append(plt)
    elif plt:
        lazy = plt[1]
    rewritten, symbolic = 0, 0
    for table, count in tables:
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
                symbolic += 1
                continue
            addend = value + (r_addend if r_type == R_X86_64_64 else 0)
            struct.pack_into("<QQq", lib.data, at, r_offset, R_X86_64_RELATIVE, addend)
            rewritten += 1
    return rewritten, symbolic, lazy


def write_file(data, out_path):
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        # In pieces the size cp writes: one 47 MB write leaves the file in the page cache as 2 MiB
        # folios, which the kernel then maps whole into every process that touches one of their
        # pages (a runtime process's RSS grew by 11 MiB).
        view = memoryview(data)
        for start in range(0, len(view), 1 << 16):
            f.write(view[start:start + (1 << 16)])
    os.chmod(tmp, 0o644)
    os.replace(tmp, out_path)


def prebind(exe_path, library_paths, out_dir, report_path):
    sources = {}
    for path in library_paths:
        lib = read_elf(path, writable=True)
        soname = lib.soname()
        if not soname:
            raise ValueError("%s has no soname" % path)
        sources[soname] = lib
    exe = read_elf(exe_path)
    order = load_order(exe_path)
    loaded = {name for name, _ in order}
    for soname, lib in sources.items():
        if soname not in loaded:
            raise ValueError("%s does not load %s (%s)" % (exe_path, soname, lib.path))
    # The names defined by the executable and every library searched before the one at hand.
    taken = exe.defined_names()
    libraries = []
    for soname, path in order:
        lib = sources.get(soname)
        if lib is None:
            taken |= read_elf(path).defined_names()
            continue
        defined = lib.defined_names()
        rewritten, symbolic, lazy = rewrite(lib, taken)
        write_file(lib.data, os.path.join(out_dir, soname))
        libraries.append({"soname": soname, "source": os.path.realpath(lib.path),
                          "rewritten": rewritten, "symbolic": symbolic, "lazy": lazy})
        taken |= defined
    with open(report_path, "w") as f:
        json.dump({"executable": os.path.realpath(exe_path), "libraries": libraries}, f, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    loc = sub.add_parser("locate")
    loc.add_argument("libraries", nargs="+")
    wr = sub.add_parser("write")
    wr.add_argument("--exe", required=True)
    wr.add_argument("--out-dir", required=True)
    wr.add_argument("--report", required=True)
    wr.add_argument("libraries", nargs="+")
    args = parser.parse_args()
    try:
        if args.command == "locate":
            locate(args.libraries)
        else:
            prebind(args.exe, args.libraries, args.out_dir, args.report)
    except (OSError, ValueError) as e:
        sys.exit("prebind_libraries: %s" % e)


if __name__ == "__main__":
    main()
