#!/usr/bin/env bash
# Makes TorchSharp's native glue (libLibTorchSharp.so, built against GCC 13's libstdc++) load on systems
# whose libstdc++ is older (Debian 12 ships GCC 12's, which lacks GLIBCXX_3.4.32).
#
# Only one symbol needs that version: std::ios_base_library_init(), which GCC 13 references so that
# <iostream> is initialised; libstdc++ 12 initialises iostreams itself, so an empty definition is enough.
# For every libLibTorchSharp.so below the given folders (build outputs only, never the NuGet cache) it:
#   (a) builds libnetgen_iosinit_shim.so next to it, defining that symbol as an empty function;
#   (b) with patchelf, clears the symbol's version and adds the shim as a needed library;
#   (c) marks the GLIBCXX_3.4.32 entry of .gnu.version_r weak (vna_flags |= VER_FLG_WEAK), which patchelf cannot.
# It is idempotent, and a no-op where the system libstdc++ already provides GLIBCXX_3.4.32.
# Tools it needs (cc, patchelf, python3) are installed with apt-get when missing and running as root.
set -euo pipefail

SHIM=libnetgen_iosinit_shim.so
SYMBOL=_ZSt21ios_base_library_initv

libstdcxx=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [ -n "$libstdcxx" ] && grep -aq 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  exit 0 # the system libstdc++ is new enough
fi

mapfile -t libs < <(find "$@" -name libLibTorchSharp.so -type f 2>/dev/null)
[ ${#libs[@]} -gt 0 ] || exit 0

need_install=()
command -v patchelf >/dev/null || need_install+=(patchelf)
command -v cc >/dev/null || need_install+=(gcc)
command -v python3 >/dev/null || need_install+=(python3)
if [ ${#need_install[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "fix-torchsharp-native: installing ${need_install[*]}" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_install[@]}") >&2
  else
    echo "fix-torchsharp-native: error: needs ${need_install[*]} (install them, e.g. apt-get install ${need_install[*]})" >&2
    exit 1
  fi
fi

for lib in "${libs[@]}"; do
  dir=$(dirname "$lib")
  if readelf -d "$lib" | grep -q "\[$SHIM\]"; then
    continue # already patched
  fi
  printf 'void %s(void) {}\n' "$SYMBOL" | cc -shared -fPIC -O2 -x c -o "$dir/$SHIM" -
  patchelf --clear-symbol-version "$SYMBOL" "$lib"
  patchelf --add-needed "$SHIM" "$lib"
  python3 - "$lib" <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
assert data[:4] == b'\x7fELF' and data[4] == 2, 'not a 64-bit ELF file'
shoff, = struct.unpack_from('<Q', data, 0x28)
shentsize, shnum = struct.unpack_from('<HH', data, 0x3A)
sections = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
SHT_GNU_VERNEED, VER_FLG_WEAK = 0x6ffffffe, 0x2
patched = 0
for (_, sh_type, _, _, off, _, link, _, _, _) in sections:
    if sh_type != SHT_GNU_VERNEED:
        continue
    stroff = sections[link][4]
    def name(o):
        end = data.index(b'\0', stroff + o)
        return data[stroff + o:end].decode()
    vn = off
    while True:
        _, cnt, _, aux, nxt = struct.unpack_from('<HHIII', data, vn)
        va = vn + aux
        for _ in range(cnt):
            _, flags, _, vname, vnext = struct.unpack_from('<IHHII', data, va)
            if name(vname) == 'GLIBCXX_3.4.32':
                struct.pack_into('<H', data, va + 4, flags | VER_FLG_WEAK)
                patched += 1
            va += vnext
        if nxt == 0:
            break
        vn += nxt
open(path, 'wb').write(data)
print(f'fix-torchsharp-native: patched {path} ({patched} version entry marked weak)', file=sys.stderr)
PY
done
