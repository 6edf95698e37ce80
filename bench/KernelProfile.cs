using System.Diagnostics;
using System.Globalization;
using NetGen.Kernels;
using NetGen.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace NetGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench -- --profile</c>: times every kernel call of the training step (batch 64)
/// and of batch-1 inference on their own, NetGen beside the torch call that autograd makes for the same product, on 1
/// and 2 threads. It says which product (and shape) the time goes to; BenchmarkDotNet's numbers remain the reference.
/// </summary>
/// <remarks>
/// Each line is the best and the median of 61 rounds of ~2 ms, after 1 s of warm-up so that tiered compilation has
/// reached its final code (the best round is the least disturbed by other processes on a shared machine). GEMM shapes are written as C[m×n] with the shared dimension k.
/// </remarks>
public static class KernelProfile
{
    private const int B = TrainingStepBenchmarks.DefaultBatch;

    private static string? s_only;

    private static double s_peak;

    /// <summary>Prints the table for 1 and 2 threads.</summary>
    /// <param name="only">If given, only the rows whose name contains this text (e.g. <c>inference</c>).</param>
    public static void Run(string? only = null)
    {
        s_only = only;
        foreach (int threads in new[] { 1, 2 })
        {
            Compute.ThreadCount = threads;
            torch.set_num_threads(threads);
            s_peak = FmaPeak.Measure(threads);
            Console.WriteLine($"## Threads = {threads}");
            Console.WriteLine();
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "FMA peak measured now (Vector{0}, {1} thread(s)): {2:F1} GFLOP/s", FmaPeak.VectorBits, threads, s_peak));
            Console.WriteLine();
            Console.WriteLine("| Call | Shape (m×n, k) | MFLOP | NetGen best µs | NetGen median µs | NetGen GFLOP/s | % peak (median) | Torch best µs | Torch median µs | Torch GFLOP/s |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            ProfileTraining();
            ProfileInference();
            Console.WriteLine();
        }
    }

    private static void ProfileTraining()
    {
        var rng = new Rng(3);
        float[] Random(int count)
        {
            var values = new float[count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = rng.NextGaussian() * 0.1f;
            }

            return values;
        }

        // Layer sizes: 784 -> 256 -> 128 -> 10.
        float[] x0 = Random(B * 784), w0 = Random(256 * 784), dw0 = new float[256 * 784], y0 = new float[B * 256];
        float[] x2 = Random(B * 256), w2 = Random(128 * 256), dw2 = new float[128 * 256], y2 = new float[B * 128], dx2 = new float[B * 256];
        float[] x4 = Random(B * 128), w4 = Random(10 * 128), dw4 = new float[10 * 128], y4 = new float[B * 10], dx4 = new float[B * 128];
        float[] dy0 = Random(B * 256), dy2 = Random(B * 128), dy4 = Random(B * 10);

        using var scope = torch.NewDisposeScope();
        Tensor T(float[] v, params long[] shape) => torch.tensor(v, shape);
        Tensor tx0 = T(x0, B, 784), tw0 = T(w0, 256, 784), tx2 = T(x2, B, 256), tw2 = T(w2, 128, 256), tx4 = T(x4, B, 128), tw4 = T(w4, 10, 128);
        Tensor tdy0 = T(dy0, B, 256), tdy2 = T(dy2, B, 128), tdy4 = T(dy4, B, 10);

        Row("fwd dense0  x·W0ᵀ", "64×256, 784", 2.0 * B * 256 * 784,
            () => Gemm.MultiplyABt(B, 256, 784, x0, w0, y0, accumulate: true), () => torch.mm(tx0, tw0.t()));
        Row("fwd dense2  x·W2ᵀ", "64×128, 256", 2.0 * B * 128 * 256,
            () => Gemm.MultiplyABt(B, 128, 256, x2, w2, y2, accumulate: true), () => torch.mm(tx2, tw2.t()));
        Row("fwd dense4  x·W4ᵀ", "64×10, 128", 2.0 * B * 10 * 128,
            () => Gemm.MultiplyABt(B, 10, 128, x4, w4, y4, accumulate: true), () => torch.mm(tx4, tw4.t()));
        Row("bwd dense4  dW4 += dyᵀ·x", "10×128, 64", 2.0 * B * 10 * 128,
            () => Gemm.MultiplyAtB(10, 128, B, dy4, x4, dw4, accumulate: true), () => torch.mm(tdy4.t(), tx4));
        Row("bwd dense4  dx += dy·W4", "64×128, 10", 2.0 * B * 10 * 128,
            () => Gemm.MultiplyAB(B, 128, 10, dy4, w4, dx4, accumulate: true), () => torch.mm(tdy4, tw4));
        Row("bwd dense2  dW2 += dyᵀ·x", "128×256, 64", 2.0 * B * 128 * 256,
            () => Gemm.MultiplyAtB(128, 256, B, dy2, x2, dw2, accumulate: true), () => torch.mm(tdy2.t(), tx2));
        Row("bwd dense2  dx += dy·W2", "64×256, 128", 2.0 * B * 128 * 256,
            () => Gemm.MultiplyAB(B, 256, 128, dy2, w2, dx2, accumulate: true), () => torch.mm(tdy2, tw2));
        Row("bwd dense0  dW0 += dyᵀ·x", "256×784, 64", 2.0 * B * 256 * 784,
            () => Gemm.MultiplyAtB(256, 784, B, dy0, x0, dw0, accumulate: true), () => torch.mm(tdy0.t(), tx0));

        // The phases of the real step on the first Fashion-MNIST batch, with real gradients, on both sides.
        var net = new FashionMlp(1);
        var adam = new Adam(1e-3f);
        var data = BenchData.Test;
        float[] x = data.Features[..(B * FashionMlp.InputFeatures)].ToArray();
        int[] labels = data.Labels[..B].ToArray();
        net.Forward(x, B);
        net.Loss(labels);
        net.ZeroGradients();
        net.Backward(labels);
        float[] gradients = net.Gradients.ToArray();
        using var torchNet = new TorchFashionMlp(net);
        using var torchAdam = optim.Adam(torchNet.parameters(), lr: 1e-3);
        Tensor tx = torch.tensor(x, B, FashionMlp.InputFeatures);
        Tensor ty = torch.tensor(labels.Select(l => (long)l).ToArray(), new long[] { B });
        Tensor TorchLoss() => nn.functional.cross_entropy(torchNet.forward(tx), ty);
        using (var first = torch.NewDisposeScope())
        {
            TorchLoss().backward();
        }

        double forwardFlops = 2.0 * B * FashionMlpFlops.MultiplyAddsPerSample;
        Row("step: Forward (+ loss)", "-", forwardFlops, () => { net.Forward(x, B); net.Loss(labels); }, TorchLoss);
        Row("step: Forward + ZeroGradients + Backward", "-", FashionMlpFlops.TrainingStep,
            () => { net.Forward(x, B); net.Loss(labels); net.ZeroGradients(); net.Backward(labels); },
            () => { Tensor loss = TorchLoss(); torchAdam.zero_grad(); loss.backward(); return loss; });
        Row("step: ZeroGradients (235,146 floats)", "-", 0, () => net.ZeroGradients(), null);
        Row("step: Adam (235,146 floats)", "-", 0, () => adam.Step(net.Parameters, gradients), () => torchAdam.step());
    }

    private static void ProfileInference()
    {
        var rng = new Rng(4);
        float[] Random(int count)
        {
            var values = new float[count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = rng.NextGaussian() * 0.1f;
            }

            return values;
        }

        float[] x0 = Random(784), w0 = Random(256 * 784), y0 = new float[256];
        float[] x2 = Random(256), w2 = Random(128 * 256), y2 = new float[128];
        float[] x4 = Random(128), w4 = Random(10 * 128), y4 = new float[10];
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor tx0 = torch.tensor(x0, 1, 784), tw0 = torch.tensor(w0, 256, 784), tx2 = torch.tensor(x2, 1, 256);
        Tensor tw2 = torch.tensor(w2, 128, 256), tx4 = torch.tensor(x4, 1, 128), tw4 = torch.tensor(w4, 10, 128);
        Row("inference dense0  x·W0ᵀ", "1×256, 784", 2.0 * 256 * 784,
            () => Gemm.MultiplyABt(1, 256, 784, x0, w0, y0, accumulate: false), () => nn.functional.linear(tx0, tw0));
        Row("inference dense2  x·W2ᵀ", "1×128, 256", 2.0 * 128 * 256,
            () => Gemm.MultiplyABt(1, 128, 256, x2, w2, y2, accumulate: false), () => nn.functional.linear(tx2, tw2));
        Row("inference dense4  x·W4ᵀ", "1×10, 128", 2.0 * 10 * 128,
            () => Gemm.MultiplyABt(1, 10, 128, x4, w4, y4, accumulate: false), () => nn.functional.linear(tx4, tw4));
        var net = new FashionMlp(1) { Mode = NetworkMode.Inference };
        Row("inference whole Forward(x, 1)", "-", FashionMlpFlops.Inference, () => net.Forward(x0, 1), null);
    }

    private static void Row(string name, string shape, double flops, Action netgen, Func<Tensor?>? torchCall)
    {
        if (s_only is not null && !name.Contains(s_only, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        (double best, double median) = Time(netgen);
        var inv = CultureInfo.InvariantCulture;
        string line = string.Format(inv, "| {0} | {1} | {2:F2} | {3:F2} | {4:F2} | {5} | {6} |", name, shape, flops / 1e6, best, median,
            flops > 0 ? (flops / (median * 1e3)).ToString("F1", inv) : "-",
            flops > 0 ? (100 * flops / (median * 1e3) / s_peak).ToString("F1", inv) : "-");
        if (torchCall is not null)
        {
            (double tBest, double tMedian) = Time(() =>
            {
                using var inner = torch.NewDisposeScope();
                torchCall();
            });
            line += string.Format(inv, " {0:F2} | {1:F2} | {2:F1} |", tBest, tMedian, flops / (tMedian * 1e3));
        }
        else
        {
            line += " - | - | - |";
        }

        Console.WriteLine(line);
    }

    /// <summary>Best and median microseconds per call over 61 rounds of about 2 ms each, after 1 s of warm-up (so tiered JIT has reached its final code).</summary>
    private static (double Best, double Median) Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        int calls = 0;
        while (sw.ElapsedMilliseconds < 1000)
        {
            action();
            calls++;
        }

        // Short rounds (~2 ms, shorter than a scheduler time slice), many of them: on a shared machine the best round
        // is then one that nothing preempted.
        int perRound = Math.Max(1, (int)(calls * 2.0 / sw.Elapsed.TotalMilliseconds));
        var rounds = new double[61];
        for (int r = 0; r < rounds.Length; r++)
        {
            sw.Restart();
            for (int i = 0; i < perRound; i++)
            {
                action();
            }

            rounds[r] = sw.Elapsed.TotalMicroseconds / perRound;
        }

        Array.Sort(rounds);
        return (rounds[0], rounds[rounds.Length / 2]);
    }
}
