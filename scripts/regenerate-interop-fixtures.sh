#!/usr/bin/env bash
# Retrains the Fashion-MNIST MLP and CNN in libtorch (TorchSharp) and rewrites tests/Interop/Fixtures/*.torch.safetensors
# with TorchSharp.PyBridge's safetensors writer (not NetGen's). The tests in tests/Interop/PyTorchWeightsTests.cs load
# them into NetGen and compare the predictions with torch's on the whole Fashion-MNIST test set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dotnet run -c Release --project "$root/tools/TorchFixtures" -- "$root"
