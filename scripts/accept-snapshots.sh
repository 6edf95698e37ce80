#!/usr/bin/env bash
# Accepts every generator snapshot: reruns the generator tests with NETGEN_ACCEPT_SNAPSHOTS=1 (review `git diff` after).
cd "$(dirname "$0")/.." && NETGEN_ACCEPT_SNAPSHOTS=1 dotnet test tests/NetGen.Tests.csproj -c Release --filter "FullyQualifiedName~NetGen.Tests.Generator" "$@"
