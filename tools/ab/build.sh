#!/usr/bin/env bash
# Builds the A/B driver against one checkout of NetGen, and the host once.
#   tools/ab/build.sh <checkout> <name>   ->  $AB_OUT/<name>/NetGen.Benchmarks.dll (+ that checkout's NetGen.dll)
# AB_OUT defaults to /tmp/netgen-ab. See tools/ab/README.md.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
out=${AB_OUT:-/tmp/netgen-ab}
root=$(readlink -f "$1")
name=$2
rm -rf "$out/drv-$name" "$out/$name"
mkdir -p "$out"
cp -r "$here/driver" "$out/drv-$name"
dotnet build "$out/drv-$name/Driver.csproj" -c Release -p:NetGenRoot="$root" -o "$out/$name" 2>&1 | grep -E " error |Elapsed"
[ -f "$out/host/Host.dll" ] || dotnet build "$here/host/Host.csproj" -c Release -o "$out/host" 2>&1 | grep -E " error |Elapsed"
