using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using NetGen.Kernels;
using NetGen.Regularization;

namespace NetGen.Benchmarks;

/// <summary>
/// Each hand-written element-wise kernel against its <see cref="TensorPrimitives"/> counterpart on the same buffers, so
/// the ratio within one run decides which one the runtime keeps (the kernels' comments quote the figures). The
/// double-accumulating sums were compared here too and now use TensorPrimitives (<c>DoubleSums</c>).
/// Run: <c>dotnet run -c Release --project bench -- --elementwise</c> (one short in-process job).
/// </summary>
[MemoryDiagnoser(false)]
public class ElementwiseBenchmarks
{
    private float[] _x = [], _y = [], _z = [];

    /// <summary>
    /// Floats per buffer: a mid-size activation (fits in L2), one whose 1 MB buffers are past TensorPrimitives' 256 KB
    /// non-temporal store threshold, and a large one (4 MB buffers).
    /// </summary>
    [Params(16_384, 262_144, 1_048_576)]
    public int N { get; set; }

    /// <summary>Fills the buffers with values in [−2, 2).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        _x = new float[N];
        _y = new float[N];
        _z = new float[N];
        for (int i = 0; i < N; i++)
        {
            _x[i] = (float)((rng.NextDouble() * 4) - 2);
            _y[i] = (float)((rng.NextDouble() * 4) - 2);
        }
    }

    /// <summary>y += x, hand kernel.</summary>
    [Benchmark]
    public void Add_Hand() => Elementwise.Add(_x, _z);

    /// <summary>y += x, TensorPrimitives.</summary>
    [Benchmark]
    public void Add_TP() => TensorPrimitives.Add(_x, _z, _z);

    /// <summary>acc += s·x, hand kernel.</summary>
    [Benchmark]
    public void ScaleAdd_Hand() => Elementwise.ScaleAdd(0.5f, _x, _z);

    /// <summary>acc += s·x, TensorPrimitives (fused, like the hand kernel on FMA hardware).</summary>
    [Benchmark]
    public void ScaleAdd_TP() => TensorPrimitives.FusedMultiplyAdd(_x, 0.5f, _z, _z);

    /// <summary>z = x·y, hand kernel.</summary>
    [Benchmark]
    public void Multiply_Hand() => Elementwise.Multiply(_x, _y, _z);

    /// <summary>z = x·y, TensorPrimitives.</summary>
    [Benchmark]
    public void Multiply_TP() => TensorPrimitives.Multiply(_x, _y, _z);

    /// <summary>z += x·y, hand kernel.</summary>
    [Benchmark]
    public void MultiplyAdd_Hand() => Elementwise.MultiplyAdd(_x, _y, _z);

    /// <summary>z += x·y, TensorPrimitives (fused, like the hand kernel on FMA hardware).</summary>
    [Benchmark]
    public void MultiplyAdd_TP() => TensorPrimitives.FusedMultiplyAdd(_x, _y, _z, _z);

    /// <summary>x *= f, hand kernel.</summary>
    [Benchmark]
    public void Scale_Hand() => RegularizationKernels.Scale(_z, 0.999f);

    /// <summary>x *= f, TensorPrimitives.</summary>
    [Benchmark]
    public void Scale_TP() => TensorPrimitives.Multiply(_z, 0.999f, _z);

    /// <summary>y = max(0, x), hand kernel.</summary>
    [Benchmark]
    public void Relu_Hand() => Relu.Forward(_x, _z);

    /// <summary>y = max(0, x), TensorPrimitives.</summary>
    [Benchmark]
    public void Relu_TP() => TensorPrimitives.Max(_x, 0f, _z);

    /// <summary>y = sigmoid(x), hand kernel.</summary>
    [Benchmark]
    public void Sigmoid_Hand() => Sigmoid.Forward(_x, _z);

    /// <summary>y = sigmoid(x), TensorPrimitives.</summary>
    [Benchmark]
    public void Sigmoid_TP() => TensorPrimitives.Sigmoid(_x, _z);

    /// <summary>y = tanh(x), hand kernel.</summary>
    [Benchmark]
    public void Tanh_Hand() => Tanh.Forward(_x, _z);

    /// <summary>y = tanh(x), TensorPrimitives.</summary>
    [Benchmark]
    public void Tanh_TP() => TensorPrimitives.Tanh(_x, _z);
}
