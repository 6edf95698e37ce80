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
        var x = new float[batch * net.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = rnd.NextSingle();
        var labels = new int[batch];
        for (int i = 0; i < labels.Length; i++) labels[i] = rnd.Next(10);
        var adam = new Adam(1e-3f);
        net.Mode = NetworkMode.Training;
        var best = new double[4]; Array.Fill(best, double.MaxValue);
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            net.Forward(x, batch); net.Loss(labels);
            long t1 = Stopwatch.GetTimestamp();
            net.ZeroGradients();
            long t2 = Stopwatch.GetTimestamp();
            net.Backward(labels);
            long t3 = Stopwatch.GetTimestamp();
            adam.Step(net.Parameters, net.Gradients);
            long t4 = Stopwatch.GetTimestamp();
            best[0] = Math.Min(best[0], (t1 - t0) * 1e6 / Stopwatch.Frequency);
            best[1] = Math.Min(best[1], (t2 - t1) * 1e6 / Stopwatch.Frequency);
            best[2] = Math.Min(best[2], (t3 - t2) * 1e6 / Stopwatch.Frequency);
            best[3] = Math.Min(best[3], (t4 - t3) * 1e6 / Stopwatch.Frequency);
        }
        return $"fwd {best[0]:F1} zero {best[1]:F1} bwd {best[2]:F1} adam {best[3]:F1} us (min of {reps})";
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
        var adam = new Adam(1e-3f);
        int k = 0;
        bool infer = what.StartsWith("infer");
        net.Mode = infer ? NetworkMode.Inference : NetworkMode.Training;
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
