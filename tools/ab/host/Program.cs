using System.Reflection;
using System.Runtime.Loader;
// usage: host what batch threads rounds reps dirA dirB [dirC...]

if (args[0] == "conv") { foreach (var d in args.Skip(4)) { var f = Path.GetFullPath(d); var a = new Alc(f).LoadFromAssemblyPath(Path.Combine(f, "NetGen.Benchmarks.dll")); Console.WriteLine(d + ": " + a.GetType("AbDriver.ConvKern")!.GetMethod("Run")!.Invoke(null, new object[] { int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]) })); } return; }
if (args[0] == "pool") { foreach (var d in args.Skip(4)) { var f = Path.GetFullPath(d); var a = new Alc(f).LoadFromAssemblyPath(Path.Combine(f, "NetGen.Benchmarks.dll")); Console.WriteLine(d + ": " + a.GetType("AbDriver.PoolKern")!.GetMethod("Run")!.Invoke(null, new object[] { int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]) })); } return; }
if (args[0] == "kern") { foreach (var d in args.Skip(4)) { var f = Path.GetFullPath(d); var a = new Alc(f).LoadFromAssemblyPath(Path.Combine(f, "NetGen.Benchmarks.dll")); Console.WriteLine(d + ": " + a.GetType("AbDriver.Kern")!.GetMethod("Run")!.Invoke(null, new object[] { int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]) })); } return; }
if (args[0] == "instep") { foreach (var d in args.Skip(4)) { var f = Path.GetFullPath(d); var a = new Alc(f).LoadFromAssemblyPath(Path.Combine(f, "NetGen.Benchmarks.dll")); Console.WriteLine(d + ": " + a.GetType("AbDriver.Instep")!.GetMethod("Run")!.Invoke(null, new object[] { int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]) })); } return; }
if (args[0] == "phases") { foreach (var d in args.Skip(5)) { var f = Path.GetFullPath(d); var a = new Alc(f).LoadFromAssemblyPath(Path.Combine(f, "NetGen.Benchmarks.dll")); Console.WriteLine(d + ": " + a.GetType("AbDriver.Entry")!.GetMethod("Phases")!.Invoke(null, new object[] { args[1], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]) })); } return; }
string what = args[0]; int batch = int.Parse(args[1]), threads = int.Parse(args[2]), rounds = int.Parse(args[3]), reps = int.Parse(args[4]);
var dirs = args.Skip(5).ToArray();
var runs = new List<Func<int, double>>();
foreach (var d in dirs)
{
    var full = Path.GetFullPath(d);
    var alc = new Alc(full);
    var asm = alc.LoadFromAssemblyPath(Path.Combine(full, "NetGen.Benchmarks.dll"));
    var m = asm.GetType("AbDriver.Entry")!.GetMethod("Create")!;
    runs.Add((Func<int, double>)m.Invoke(null, new object[] { what, batch, threads })!);
}
foreach (var r in runs) r(Math.Max(reps, 20));
var times = runs.Select(_ => new List<double>()).ToArray();
for (int i = 0; i < rounds; i++)
    for (int j = 0; j < runs.Count; j++)
    {
        int jj = (i % 2 == 0) ? j : runs.Count - 1 - j;
        times[jj].Add(runs[jj](reps) * 1e6);
    }
for (int j = 0; j < runs.Count; j++)
{
    var t = times[j].OrderBy(v => v).ToArray();
    Console.WriteLine($"{dirs[j],-40} min {t[0],9:F1}  p25 {t[t.Length / 4],9:F1}  median {t[t.Length / 2],9:F1} us");
}
class Alc(string dir) : AssemblyLoadContext(isCollectible: false)
{
    protected override Assembly? Load(AssemblyName name)
    {
        var p = Path.Combine(dir, name.Name + ".dll");
        return File.Exists(p) ? LoadFromAssemblyPath(p) : null;
    }
}
