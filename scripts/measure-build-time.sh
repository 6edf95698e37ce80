#!/usr/bin/env bash
# Measures what the NetGen generator adds to the build of a project with 20 networks: the same project is built with
# and without the generator as an analyzer (the attributes compile either way), recompiling after touching a source
# file, several times; prints the median of each and the difference. It does so twice: with the C# compiler server
# off (a cold csc per build: CI machines and this sandbox, whose environment sets UseSharedCompilation=false) and on
# (the .NET SDK's default on a developer machine, where the compiler and the generator stay loaded between builds).
# A third build compiles the generator's output as ordinary source files without the generator, which splits what
# NetGen adds into running the generator and compiling the code it wrote. The variants are built in turns, so that a
# machine shared with other work loads them alike.
#   usage: [NETGEN_COMPARE=other/NetGen.Generator.dll] [NETGEN_IL_ONLY=1] scripts/measure-build-time.sh [runs]   (default 7)
set -euo pipefail
runs=${1:-7}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"; dotnet build-server shutdown --vbcscompiler >/dev/null 2>&1 || true' EXIT

dotnet build "$repo/runtime/NetGen.csproj" -c Release -v q -nologo >/dev/null
dotnet build "$repo/generator/NetGen.Generator.csproj" -c Release -v q -nologo >/dev/null
# The generator as the package and the repository's projects load it: the ReadyToRun copy built for this host when
# there is one (runtime/build/NetGen.ReadyToRun.targets), else the IL-only assembly. NETGEN_IL_ONLY=1 measures the latter.
rid=$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')
generator="$repo/generator/bin/Release/netstandard2.0/NetGen.Generator.dll"
r2r="$repo/generator/bin/Release/netstandard2.0/r2r/$rid/NetGen.Generator.dll"
if [ -f "$r2r" ] && [ "${NETGEN_IL_ONLY:-0}" != 1 ]; then generator=$r2r; fi
echo "generator: ${generator#"$repo/"}"

cat > "$work/Bench.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Library</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <NoWarn>CS1591;NG0102</NoWarn>
    <CompilerGeneratedFilesOutputPath>generated</CompilerGeneratedFilesOutputPath>
    <NetGenGenerator Condition="'\$(NetGenGenerator)' == ''">$generator</NetGenGenerator>
  </PropertyGroup>
  <ItemGroup>
    <Compile Remove="generated/**;plain/**" />
    <Compile Include="plain/*.cs" Condition="'\$(Plain)' == 'true'" />
    <Reference Include="$repo/runtime/bin/Release/net10.0/NetGen.dll" />
    <Analyzer Include="\$(NetGenGenerator)" Condition="'\$(WithNetGen)' == 'true'" />
  </ItemGroup>
</Project>
XML

for i in $(seq 1 20); do
  width=$((64 + 8 * i))
  cat > "$work/Net$i.cs" <<CS
using NetGen;
namespace Bench;
[Network]
[Input(1, 28, 28)]
[Conv2D(8, 3, padding: 1, Bias = false)] [BatchNorm] [ReLU] [MaxPool2D(2)]
[Dense($width)] [ReLU] [Dropout(0.2f)]
[Dense($((width / 2)))] [Tanh]
[Dense(10)] [SoftmaxCrossEntropy]
public partial class Net$i { }
CS
done
echo "namespace Bench; public static class Touch { public const int Value = 0; }" > "$work/Touch.cs"

# The variants are built in turns (one build of each per round), so a change of machine load during the run falls on
# all of them alike. NETGEN_COMPARE=<path of another NetGen.Generator.dll> adds that generator as a fourth variant.
variants=(without with plain)
[ -n "${NETGEN_COMPARE:-}" ] && variants+=(compare)
flags_of() {
  case $1 in
    without) echo "-p:WithNetGen=false" ;;
    with) echo "-p:WithNetGen=true -p:WarningsAsErrors=CS8034" ;; # a generator that fails to load fails the build
    plain) echo "-p:WithNetGen=false -p:Plain=true" ;;
    compare) echo "-p:WithNetGen=true -p:WarningsAsErrors=CS8034 -p:NetGenGenerator=$NETGEN_COMPARE" ;;
  esac
}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "20 networks, median of $runs incremental builds of each variant, built in turns (a source file touched each time):"
for server in false true; do
  common=(-c Release -p:UseSharedCompilation="$server" -v q -nologo)
  # One build writes the generated files to disk (only this one, so the timed builds write nothing extra; the touched
  # source makes it compile); they are the plain variant's sources.
  echo "namespace Bench; public static class Touch { public const int Value = -1; }" > "$work/Touch.cs"
  dotnet build "$work/Bench.csproj" "${common[@]}" -p:WithNetGen=true -p:EmitCompilerGeneratedFiles=true >/dev/null
  rm -rf "$work/plain" && mkdir -p "$work/plain"
  find "$work/generated" -name '*.g.cs' -exec cp {} "$work/plain/" \;
  [ "$(ls "$work/plain" | wc -l)" -eq 20 ] || { echo "expected 20 generated files in $work/plain" >&2; exit 1; }
  declare -A times=()
  for v in "${variants[@]}"; do
    # shellcheck disable=SC2046
    dotnet build "$work/Bench.csproj" "${common[@]}" $(flags_of "$v") >/dev/null # warm up (and start the server), restore
  done
  for r in $(seq 1 "$runs"); do
    for v in "${variants[@]}"; do
      echo "namespace Bench; public static class Touch { public const int Value = $r; }" > "$work/Touch.cs"
      start=$(date +%s%N)
      # shellcheck disable=SC2046
      dotnet build "$work/Bench.csproj" "${common[@]}" $(flags_of "$v") --no-restore >/dev/null
      end=$(date +%s%N)
      times[$v]="${times[$v]:-} $(( (end - start) / 1000000 ))"
    done
  done
  # shellcheck disable=SC2086
  without=$(median ${times[without]}); with=$(median ${times[with]}); plain=$(median ${times[plain]})
  if [ "$server" = true ]; then echo " compiler server on (UseSharedCompilation=true):"; else echo " compiler server off (UseSharedCompilation=false):"; fi
  echo "  without NetGen: ${without} ms   (all:${times[without]})"
  echo "  with NetGen:    ${with} ms   (all:${times[with]})"
  echo "  generated code as plain sources, no generator: ${plain} ms   (all:${times[plain]})"
  echo "  generator adds: $((with - without)) ms (running it: $((with - plain)) ms, compiling its output: $((plain - without)) ms)"
  # The same difference taken within each round (its builds ran back to back, so a drift of the machine's speed
  # between rounds cancels), then the median over the rounds.
  # shellcheck disable=SC2206
  w=(${times[with]}); o=(${times[without]}); d=()
  for i in "${!w[@]}"; do d+=($((w[i] - o[i]))); done
  echo "  per round, with minus without: median $(median "${d[@]}") ms   (all: ${d[*]})"
  if [ -n "${NETGEN_COMPARE:-}" ]; then
    # shellcheck disable=SC2086
    compare=$(median ${times[compare]})
    echo "  with $NETGEN_COMPARE: ${compare} ms   (all:${times[compare]}), adds $((compare - without)) ms"
  fi
  unset times
done
