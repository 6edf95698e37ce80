using System.Diagnostics;
using NetGen;
using NetGen.Kernels;
namespace AbDriver;
public static class Kern
{
    static double Time(Action a, int reps)
    {
        var w = Stopwatch.StartNew(); while (w.ElapsedMilliseconds < 300) a();
        double best = double.MaxValue;
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            a();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        }
        return best;
    }
    static double Median(Action a, int reps)
    {
        var w = Stopwatch.StartNew(); while (w.ElapsedMilliseconds < 300) a();
        var all = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            a();
            all[r] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        Array.Sort(all);
        return all[reps / 2];
    }
    static float[] R(int n) { var r = new Random(n); var a = new float[n]; for (int i = 0; i < n; i++) a[i] = r.NextSingle() - 0.5f; return a; }
    public static string Run(int batch, int threads, int reps)
    {
        Compute.ThreadCount = threads;
        int b = batch;
        var x = R(b * 784); var w1 = R(256 * 784); var b1 = R(256); var y1 = new float[b * 256]; var a1 = new float[b * 256];
        var w2 = R(128 * 256); var b2 = R(128); var y2 = new float[b * 128]; var w3 = R(10 * 128); var y3 = new float[b * 10];
        var dy1 = R(b * 256); var dy2 = R(b * 128); var dy3 = R(b * 10); var dx1 = new float[b * 256]; var dx2 = new float[b * 128];
        var dw1 = new float[256 * 784]; var dw2 = new float[128 * 256]; var dw3 = new float[10 * 128]; var db = new float[256];
        var sb = new System.Text.StringBuilder();
        sb.Append($"abt1 {Time(() => Gemm.MultiplyABt(b, 256, 784, x, w1, y1, false), reps):F1} ");
        unsafe { fixed (float* px = x, pt = dw1) { float* a = px; float* t = pt; sb.Append($"transp {Time(() => Gemm.Transpose(a, b, 784, t, b), reps):F1} "); } }
        sb.Append($"fwd1 {Time(() => Dense.Forward(b, 784, 256, x, w1, b1, y1), reps):F1} ");
        sb.Append($"relu1 {Time(() => Relu.Forward(y1, a1), reps):F1} ");
        sb.Append($"fwd2 {Time(() => Dense.Forward(b, 256, 128, a1, w2, b2, y2), reps):F1} ");
        sb.Append($"pair {Time(() => Dense.ForwardPair(b, 784, 256, 128, x, w1, b1, y1, ActivationFunction.Relu, 0f, a1, w2, b2, y2), reps):F1} ");
        sb.Append($"chain {Time(() => { Dense.Forward(b, 784, 256, x, w1, b1, y1); Relu.Forward(y1, a1); Dense.Forward(b, 256, 128, a1, w2, b2, y2); }, reps):F1} ");
        sb.Append($"f1relu {Time(() => { Dense.Forward(b, 784, 256, x, w1, b1, y1); Relu.Forward(y1, a1); }, reps):F1} ");
        sb.Append($"relu2 {Time(() => { Relu.Forward(y1, a1); Dense.Forward(b, 256, 128, a1, w2, b2, y2); }, reps):F1} ");
        sb.Append($"fwd3 {Time(() => Dense.Forward(b, 128, 10, y2, w3, b2.AsSpan(0, 10), y3), reps):F1} ");
        var p1 = new PackedWeights(); var p2 = new PackedWeights(); var p3 = new PackedWeights();
        sb.Append($"pairP {Time(() => Dense.ForwardPair(b, 784, 256, 128, x, w1, b1, y1, ActivationFunction.Relu, 0f, a1, w2, b2, y2, p1, p2), reps):F1} ");
        sb.Append($"fwd3P {Time(() => Dense.Forward(b, 128, 10, y2, w3, b2.AsSpan(0, 10), y3, p3), reps):F1} ");
        sb.Append($"relu3 {Time(() => Relu.Forward(y2, y2), reps):F1} ");
        sb.Append($"smax {Time(() => Softmax.Forward(b, 10, y3, y3), reps):F1} ");
        var net = new Mlp(seed: 1) { Mode = NetworkMode.Inference }; var xs = x.AsSpan(0, b * 784).ToArray();
        sb.Append($"net {Time(() => net.Forward(xs, b), reps):F1} netMed {Median(() => net.Forward(xs, b), reps):F1} ");
        sb.Append($"bwd3 {Time(() => Dense.Backward(b, 128, 10, y2, w3, dy3, dx2, dw3, db.AsSpan(0, 10)), reps):F1} ");
        sb.Append($"bwd2 {Time(() => Dense.Backward(b, 256, 128, a1, w2, dy2, dx1, dw2, db.AsSpan(0, 128)), reps):F1} ");
        sb.Append($"bwd1 {Time(() => Dense.Backward(b, 784, 256, x, w1, dy1, Span<float>.Empty, dw1, db), reps):F1} ");
        var ap = R(235146); var ag = R(235146); var adam = new NetGen.Optimizers.Adam(1e-3f);
        sb.Append($"adam {Time(() => adam.Step(ap, ag), reps):F1} adamMed {Median(() => adam.Step(ap, ag), reps):F1}");
        return sb.ToString();
    }
}
public static class PoolKern
{
    public static string Run(int batch, int threads, int reps)
    {
        Compute.ThreadCount = threads;
        int b = batch, c = 32, h = 28;
        var r = new Random(3);
        var x = new float[b * c * h * h]; for (int i = 0; i < x.Length; i++) x[i] = r.NextSingle();
        var y = new float[b * c * 14 * 14]; var dy = new float[y.Length]; for (int i = 0; i < dy.Length; i++) dy[i] = r.NextSingle();
        var dx = new float[x.Length];
        double T(Action a) { var w = Stopwatch.StartNew(); while (w.ElapsedMilliseconds < 300) a(); double best = 1e9; for (int i = 0; i < reps; i++) { long t0 = Stopwatch.GetTimestamp(); a(); best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMicroseconds); } return best; }
        return $"maxpool fwd {T(() => MaxPool2D.Forward(b, c, h, h, 2, 2, x, y)):F1} bwd {T(() => MaxPool2D.Backward(b, c, h, h, 2, 2, x, y, dy, dx)):F1} us";
    }
}
public static class ConvKern
{
    public static unsafe string Run(int batch, int threads, int reps)
    {
        Compute.ThreadCount = threads;
        int b = batch, inC = 32, hw = 14, outC = 64, k = 3;
        var s = new ConvShape(b, inC, hw, hw, outC, k, 1, 1);
        var r = new Random(3);
        float[] R(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = r.NextSingle() - 0.5f; return a; }
        var x = R(b * inC * hw * hw); var w = R(outC * inC * k * k); var y = new float[b * outC * hw * hw]; var dy = R(y.Length);
        var dx = new float[x.Length]; var dw = new float[w.Length];
        var scratch = new float[Conv2D.ScratchSize(inC, hw, hw, outC, k, 1, 1, threads)];
        int K = s.K, P = s.P;
        var col = new float[K * P + 64]; var yb = new float[outC * P]; var dwt = new float[K * outC]; var dyt = R(P * outC);
        double T(Action a) { var sw = Stopwatch.StartNew(); while (sw.ElapsedMilliseconds < 300) a(); double best = 1e9; for (int i = 0; i < reps; i++) { long t0 = Stopwatch.GetTimestamp(); a(); best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMicroseconds); } return best; }
        var sb = new System.Text.StringBuilder();
        sb.Append($"fwd {T(() => Conv2D.Forward(b, inC, hw, hw, outC, k, 1, 1, x, w, default, y, scratch)):F0} ");
        sb.Append($"bwd {T(() => Conv2D.Backward(b, inC, hw, hw, outC, k, 1, 1, x, w, dy, dx, dw, default, scratch, true)):F0} | per batch of {b}: ");
        sb.Append($"im2col {b * T(() => { fixed (float* px = x, pc = col) ConvLoops.Im2Col(in s, px, pc); }):F0} ");
        sb.Append($"gemmF {b * T(() => Gemm.MultiplyAB(outC, P, K, w, col.AsSpan(0, K * P), yb, false)):F0} ");
        var col208 = new float[K * 208]; var yb208 = new float[outC * 208]; var col192 = new float[K * 192]; var yb192 = new float[outC * 192];
        sb.Append($"gemmF208 {b * T(() => Gemm.MultiplyAB(outC, 208, K, w, col208, yb208, false)):F0} ");
        sb.Append($"gemmF192 {b * T(() => Gemm.MultiplyAB(outC, 192, K, w, col192, yb192, false)):F0} ");
        sb.Append($"gemmDW {b * T(() => Gemm.MultiplyAB(K, outC, P, col.AsSpan(0, K * P), dyt, dwt, true)):F0} ");
        sb.Append($"gemmDX {b * T(() => Gemm.MultiplyAtB(K, P, outC, w, dyt, col.AsSpan(0, K * P), false)):F0} ");
        sb.Append($"col2im {b * T(() => { fixed (float* px = dx, pc = col) ConvLoops.Col2ImAdd(in s, pc, px); }):F0} us");
        return sb.ToString();
    }
}
