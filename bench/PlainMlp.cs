using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Benchmarks;

/// <summary>
/// The Fashion-MNIST MLP's batch-1 forward pass written the way a C# developer would by hand, as the floor that
/// NetGen's generated code is measured against: <see cref="Vector512{T}"/> dot products over the rows of the
/// [out × in] weight matrix, four rows at a time (four independent sums share each load of the input), plus the bias,
/// ReLU, then a softmax. One thread, no packing, no dispatch.
/// </summary>
public sealed class PlainMlp
{
    private static readonly int[] Inputs = [784, 256, 128];
    private static readonly int[] Outputs = [256, 128, 10];
    private readonly float[][] _weights = new float[3][];
    private readonly float[][] _biases = new float[3][];
    private readonly float[] _hidden1 = new float[256];
    private readonly float[] _hidden2 = new float[128];

    /// <summary>Copies the weights of <paramref name="source"/> (tensors <c>dense0.weight</c> … <c>dense4.bias</c>).</summary>
    /// <param name="source">A NetGen Fashion MLP.</param>
    public PlainMlp(NetworkBase source)
    {
        var tensors = source.ParameterTensors.ToDictionary(t => t.Name);
        string[] layers = ["dense0", "dense2", "dense4"];
        for (int l = 0; l < 3; l++)
        {
            ParameterTensor w = tensors[layers[l] + ".weight"], b = tensors[layers[l] + ".bias"];
            _weights[l] = source.Parameters.Slice(w.Offset, w.Length).ToArray();
            _biases[l] = source.Parameters.Slice(b.Offset, b.Length).ToArray();
            if (_weights[l].Length != Inputs[l] * Outputs[l])
            {
                throw new ArgumentException($"{w.Name} holds {w.Length} floats, not {Inputs[l]} × {Outputs[l]}.", nameof(source));
            }
        }
    }

    /// <summary>Writes the ten class probabilities of one 784-pixel image to <paramref name="probabilities"/>.</summary>
    /// <param name="x">784 floats.</param>
    /// <param name="probabilities">10 floats.</param>
    public void Forward(ReadOnlySpan<float> x, Span<float> probabilities)
    {
        Layer(x, _weights[0], _biases[0], _hidden1, relu: true);
        Layer(_hidden1, _weights[1], _biases[1], _hidden2, relu: true);
        Layer(_hidden2, _weights[2], _biases[2], probabilities[..10], relu: false);

        float max = float.NegativeInfinity;
        for (int j = 0; j < 10; j++)
        {
            max = MathF.Max(max, probabilities[j]);
        }

        float sum = 0;
        for (int j = 0; j < 10; j++)
        {
            probabilities[j] = MathF.Exp(probabilities[j] - max);
            sum += probabilities[j];
        }

        for (int j = 0; j < 10; j++)
        {
            probabilities[j] /= sum;
        }
    }

    private static void Layer(ReadOnlySpan<float> x, float[] weights, float[] bias, Span<float> y, bool relu)
    {
        int k = x.Length, j = 0;

        // Four rows at a time: four independent sums (the FMA latency is hidden) share each load of x.
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float w = ref MemoryMarshal.GetArrayDataReference(weights);
        for (; j + 4 <= y.Length; j += 4)
        {
            nuint r0 = (nuint)(j * k), r1 = r0 + (nuint)k, r2 = r1 + (nuint)k, r3 = r2 + (nuint)k;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int i = 0;
            for (; i <= k - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var xi = Vector512.LoadUnsafe(ref xr, (nuint)i);
                s0 = Vector512.FusedMultiplyAdd(xi, Vector512.LoadUnsafe(ref w, r0 + (nuint)i), s0);
                s1 = Vector512.FusedMultiplyAdd(xi, Vector512.LoadUnsafe(ref w, r1 + (nuint)i), s1);
                s2 = Vector512.FusedMultiplyAdd(xi, Vector512.LoadUnsafe(ref w, r2 + (nuint)i), s2);
                s3 = Vector512.FusedMultiplyAdd(xi, Vector512.LoadUnsafe(ref w, r3 + (nuint)i), s3);
            }

            float t0 = Vector512.Sum(s0), t1 = Vector512.Sum(s1), t2 = Vector512.Sum(s2), t3 = Vector512.Sum(s3);
            for (; i < k; i++)
            {
                t0 += x[i] * weights[(int)r0 + i];
                t1 += x[i] * weights[(int)r1 + i];
                t2 += x[i] * weights[(int)r2 + i];
                t3 += x[i] * weights[(int)r3 + i];
            }

            y[j] = Finish(t0 + bias[j], relu);
            y[j + 1] = Finish(t1 + bias[j + 1], relu);
            y[j + 2] = Finish(t2 + bias[j + 2], relu);
            y[j + 3] = Finish(t3 + bias[j + 3], relu);
        }

        for (; j < y.Length; j++)
        {
            ReadOnlySpan<float> row = weights.AsSpan(j * k, k);
            var sum = Vector512<float>.Zero;
            int i = 0;
            for (; i <= k - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                sum = Vector512.FusedMultiplyAdd(Vector512.Create(x[i..]), Vector512.Create(row[i..]), sum);
            }

            float s = Vector512.Sum(sum);
            for (; i < k; i++)
            {
                s += x[i] * row[i];
            }

            y[j] = Finish(s + bias[j], relu);
        }
    }

    private static float Finish(float s, bool relu) => relu ? MathF.Max(s, 0f) : s;
}
