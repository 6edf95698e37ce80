using System.Diagnostics;
using NetGen;
using NetGen.Kernels;
using NetGen.Optimizers;
namespace AbDriver;

/// <summary>
/// The Fashion MLP's training step replayed kernel by kernel, as the generated code calls them, with a stamp between
/// the calls: each piece's median inside real steps, where the data it reads was last touched by the pieces before it
/// (on two threads, often by the other core). `kern` times the same kernels alone, repeated on data in cache.
/// </summary>
/// <remarks>
/// The loss is a stand-in (dlogits = logits / batch) and Adam runs over the flat buffers without the split a network
/// publishes after its backward pass (cut evenly instead), so the last two rows differ a little from a real step.
/// </remarks>
public static class Instep
{
    const int I = 784, H1 = 256, H2 = 128, O = 10;
    const int NW1 = H1 * I, NW2 = H2 * H1, NW3 = O * H2, N = NW1 + H1 + NW2 + H2 + NW3 + O;
    static readonly string[] Names = ["copy", "fwd1", "relu1", "fwd2", "head+bwd3", "bwd2", "relu1 bwd", "dW1", "adam"];

    public static string Run(int batch, int threads, int steps)
    {
        Compute.ThreadCount = threads;
        int b = batch;
        var r = new Random(1);
        var p = new float[N]; var g = new float[N];
        for (int i = 0; i < N; i++) p[i] = (r.NextSingle() - 0.5f) * 0.1f;
        int inputs = Math.Max(4, 12_800_000 / (4 * b * I));
        var xs = new float[inputs * b * I];
        for (int i = 0; i < xs.Length; i++) xs[i] = r.NextSingle();
        var x = new float[b * I];
        var y1 = new float[b * H1]; var a1 = new float[b * H1]; var y2 = new float[b * H2]; var a2 = new float[b * H2]; var y3 = new float[b * O];
        var d3 = new float[b * O]; var da2 = new float[b * H2]; var dy2 = new float[b * H2]; var da1 = new float[b * H1]; var dy1 = new float[b * H1];
        var adam = new Adam(1e-3f);
        Span<float> W1(float[] a) => a.AsSpan(0, NW1);
        Span<float> B1(float[] a) => a.AsSpan(NW1, H1);
        Span<float> W2(float[] a) => a.AsSpan(NW1 + H1, NW2);
        Span<float> B2(float[] a) => a.AsSpan(NW1 + H1 + NW2, H2);
        Span<float> W3(float[] a) => a.AsSpan(NW1 + H1 + NW2 + H2, NW3);
        Span<float> B3(float[] a) => a.AsSpan(NW1 + H1 + NW2 + H2 + NW3, O);
        var times = new double[Names.Length][];
        for (int k = 0; k < times.Length; k++) times[k] = new double[steps];
        for (int s = -300; s < steps; s++)
        {
            var input = xs.AsSpan((((s % inputs) + inputs) % inputs) * b * I, b * I);
            var t = new long[Names.Length + 1];
            t[0] = Stopwatch.GetTimestamp();
            Elementwise.CopyAcross(input, x);
            t[1] = Stopwatch.GetTimestamp();
            if (threads == 1)
            {
                // One thread: the pair with the ReLU written by the first product's stores (fwd1 holds all three).
                Dense.ForwardPair(b, I, H1, H2, input, W1(p), B1(p), y1, ActivationFunction.Relu, 0f, a1, W2(p), B2(p), y2);
                t[2] = t[3] = t[4] = Stopwatch.GetTimestamp();
            }
            else
            {
                Dense.Forward(b, I, H1, input, W1(p), B1(p), y1);
                t[2] = Stopwatch.GetTimestamp();
                Relu.Forward(y1, a1);
                t[3] = Stopwatch.GetTimestamp();
                Dense.Forward(b, H1, H2, a1, W2(p), B2(p), y2);
                t[4] = Stopwatch.GetTimestamp();
            }

            Relu.Forward(y2, a2);
            Dense.Forward(b, H2, O, a2, W3(p), B3(p), y3);
            for (int i = 0; i < d3.Length; i++) d3[i] = y3[i] * (1f / b);
            Dense.Backward(b, H2, O, a2, W3(p), d3, da2, W3(g), B3(g), overwriteDx: true, overwriteGradients: true);
            Relu.Backward(y2, a2, da2, dy2, overwriteDx: true);
            t[5] = Stopwatch.GetTimestamp();
            Dense.Backward(b, H1, H2, a1, W2(p), dy2, da1, W2(g), B2(g), overwriteDx: true, overwriteGradients: true);
            t[6] = Stopwatch.GetTimestamp();
            Relu.Backward(y1, a1, da1, dy1, overwriteDx: true);
            t[7] = Stopwatch.GetTimestamp();
            Dense.Backward(b, I, H1, x, W1(p), dy1, Span<float>.Empty, W1(g), B1(g), overwriteGradients: true);
            t[8] = Stopwatch.GetTimestamp();
            adam.Step(p, g);
            t[9] = Stopwatch.GetTimestamp();
            if (s >= 0)
            {
                for (int k = 0; k < Names.Length; k++) times[k][s] = (t[k + 1] - t[k]) * 1e6 / Stopwatch.Frequency;
            }
        }

        var sb = new System.Text.StringBuilder($"batch {b}, {threads} thread(s), medians of {steps} steps:");
        double sum = 0;
        for (int k = 0; k < Names.Length; k++)
        {
            Array.Sort(times[k]);
            double median = times[k][steps / 2];
            sum += median;
            sb.Append($" {Names[k]} {median:F1}");
        }

        return sb.Append($" | sum {sum:F1} us").ToString();
    }
}
