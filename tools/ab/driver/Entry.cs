using System.Diagnostics;
using NetGen;
using NetGen.Optimizers;
namespace AbDriver;
public static class Entry
{
    public static string Phases(string what, int batch, int threads, int reps)
    {
        Compute.ThreadCount = threads;
        NetworkBase net = what switch { "mlp" => new Mlp(seed: 1), "smallcnn" => new SmallCnn(seed: 1), _ => new Cnn(seed: 1) };
        var rnd = new Random(7);
        // CYCLE=1: inputs cycle through ~40 MB as in the training-step modes.
        int n = Environment.GetEnvironmentVariable("CYCLE") == "1" ? Math.Max(4, (int)(40_000_000L / (4L * batch * net.InputSize))) : 1;
        var xs = new float[n * batch * net.InputSize];
        for (int i = 0; i < xs.Length; i++) xs[i] = rnd.NextSingle();
        var labels = new int[batch];
        for (int i = 0; i < labels.Length; i++) labels[i] = rnd.Next(10);
        var adam = new Adam(1e-3f);
        net.Mode = NetworkMode.Training;
        // PHASE_THREADS=f,b,a overrides the thread count of the forward, backward and update phases.
        int[] pt = Environment.GetEnvironmentVariable("PHASE_THREADS") is { } spec ? Array.ConvertAll(spec.Split(','), int.Parse) : [threads, threads, threads];
        var all = new double[4][];
        for (int i = 0; i < 4; i++) all[i] = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            var x = xs.AsSpan((r % n) * batch * net.InputSize, batch * net.InputSize);
            long t0 = Stopwatch.GetTimestamp();
            Compute.ThreadCount = pt[0];
            net.Forward(x, batch); net.Loss(labels);
            long t1 = Stopwatch.GetTimestamp();
            net.ZeroGradients();
            long t2 = Stopwatch.GetTimestamp();
            Compute.ThreadCount = pt[1];
            net.Backward(labels);
            long t3 = Stopwatch.GetTimestamp();
            Compute.ThreadCount = pt[2];
            adam.Step(net.Parameters, net.Gradients);
            long t4 = Stopwatch.GetTimestamp();
            all[0][r] = (t1 - t0) * 1e6 / Stopwatch.Frequency;
            all[1][r] = (t2 - t1) * 1e6 / Stopwatch.Frequency;
            all[2][r] = (t3 - t2) * 1e6 / Stopwatch.Frequency;
            all[3][r] = (t4 - t3) * 1e6 / Stopwatch.Frequency;
        }
        var total = new double[reps];
        for (int r = 0; r < reps; r++) total[r] = all[0][r] + all[1][r] + all[2][r] + all[3][r];
        var windows = new System.Text.StringBuilder();
        for (int w0 = 0; w0 + 100 <= reps; w0 += 100)
        {
            var win = total[w0..(w0 + 100)];
            Array.Sort(win);
            windows.Append($" [{win[10]:F0} {win[50]:F0} {win[90]:F0}]");
        }
        Console.Error.WriteLine($"step p10/p50/p90 per 100:{windows}");
        if (reps > 600)
        {
            var late = total[500..];
            var sorted = (double[])late.Clone();
            Array.Sort(sorted);
            double med = sorted[sorted.Length / 2];
            int slow = late.Count(t => t > 2 * med);
            Console.Error.WriteLine($"after step 500: median {med:F0} us, mean {late.Average():F0} us, {slow} of {late.Length} steps over twice the median (their excess {late.Where(t => t > 2 * med).Sum(t => t - med) / late.Length:F0} us per step)");
        }
        Console.Error.WriteLine($"gc0 {GC.CollectionCount(0)} allocated {GC.GetTotalAllocatedBytes()}");
        foreach (var task in System.IO.Directory.GetDirectories("/proc/self/task"))
        {
            string name = System.IO.File.ReadAllText(task + "/comm").Trim();
            var lines = System.IO.File.ReadAllLines(task + "/status");
            string Field(string f) => Array.Find(lines, l => l.StartsWith(f))?.Split(':')[1].Trim() ?? "?";
            string[] stat = System.IO.File.ReadAllText(task + "/stat").Split(')')[1].Trim().Split(' ');
            Console.Error.WriteLine($"  {name,-20} vol {Field("voluntary_ctxt_switches"),8} nonvol {Field("nonvoluntary_ctxt_switches"),6} utime {stat[11]} stime {stat[12]} cpu {stat[36]}");
        }
        foreach (var a in all) Array.Sort(a);
        Console.Error.WriteLine("adam p5..p95: " + string.Join(" ", new[] { 5, 25, 40, 50, 60, 75, 95 }.Select(q => all[3][q * reps / 100].ToString("F0"))));
        string Row(int q) => $"fwd {all[0][q]:F1} zero {all[1][q]:F1} bwd {all[2][q]:F1} adam {all[3][q]:F1}";
        return $"min: {Row(0)} | median: {Row(reps / 2)} us ({reps} steps)";
    }

    // what: mlp|smallcnn|cnn (training step) or infer-mlp (inference forward). Returns run(n) -> seconds per call.
    public static Func<int, double> Create(string what, int batch, int threads)
    {
        Compute.ThreadCount = threads;
        NetworkBase net = what switch
        {
            "mlp" or "infer-mlp" => new Mlp(seed: 1),
            "smallcnn" => new SmallCnn(seed: 1),
            _ => new Cnn(seed: 1),
        };
        var rnd = new Random(7);
        int n = Math.Max(4, (int)(40_000_000L / (4L * batch * net.InputSize)));
        var x = new float[n * batch * net.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = rnd.NextSingle();
        var labels = new int[n * batch];
        for (int i = 0; i < labels.Length; i++) labels[i] = rnd.Next(10);
        // FASHION=<data/fashion-mnist directory>: the Fashion-MNIST test images and labels instead of noise (real data
        // trains as real training does, e.g. dead units whose optimizer state decays).
        if (Environment.GetEnvironmentVariable("FASHION") is { Length: > 0 } fashion)
        {
            var test = NetGen.Data.FashionMnist.LoadTest(fashion);
            n = test.Count / batch;
            x = test.Features[..(n * batch * net.InputSize)].ToArray();
            labels = test.Labels[..(n * batch)].ToArray();
        }
        var adam = new Adam(1e-3f);
        int k = 0;
        bool infer = what.StartsWith("infer");
        net.Mode = infer ? NetworkMode.Inference : NetworkMode.Training;
        // CLONE=1: inference on an inference clone (the serving path: NetworkPool, CloneForInference).
        if (infer && Environment.GetEnvironmentVariable("CLONE") == "1") net = net.CloneForInference();
        // SAME=1: every call on the same batch (in cache, as BenchmarkDotNet's inference rows run).
        if (Environment.GetEnvironmentVariable("SAME") == "1") n = 1;
        return reps =>
        {
            Compute.ThreadCount = threads;
            long t0 = Stopwatch.GetTimestamp();
            for (int r = 0; r < reps; r++)
            {
                int i = k++ % n;
                var xs = x.AsSpan(i * batch * net.InputSize, batch * net.InputSize);
                if (infer) { net.Forward(xs, batch); continue; }
                var ls = labels.AsSpan(i * batch, batch);
                net.Forward(xs, batch);
                net.Loss(ls);
                net.ZeroGradients();
                net.Backward(ls);
                adam.Step(net.Parameters, net.Gradients);
            }
            return Stopwatch.GetElapsedTime(t0).TotalSeconds / reps;
        };
    }
}
