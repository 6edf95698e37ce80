using System;

namespace NetGen;

/// <summary>Deterministic parameter initialization used by the generated <c>InitializeParameters</c>.</summary>
public static class Initializers
{
    /// <summary>Fills a weight tensor according to <paramref name="init"/>.</summary>
    /// <param name="init">The scheme; <see cref="WeightInit.Auto"/> is resolved by the generator and treated as Xavier here.</param>
    /// <param name="weights">The tensor to fill.</param>
    /// <param name="fanIn">Inputs feeding one output.</param>
    /// <param name="fanOut">Outputs fed by one input.</param>
    /// <param name="std">The standard deviation for <see cref="WeightInit.Gaussian"/>.</param>
    /// <param name="value">The value for <see cref="WeightInit.Constant"/>.</param>
    /// <param name="rng">The random source.</param>
    public static void Fill(WeightInit init, Span<float> weights, int fanIn, int fanOut, float std, float value, Rng rng)
    {
        switch (init)
        {
            case WeightInit.He:
                Normal(weights, MathF.Sqrt(2f / fanIn), rng);
                break;
            case WeightInit.HeUniform:
                Uniform(weights, MathF.Sqrt(6f / fanIn), rng);
                break;
            case WeightInit.XavierUniform:
                Uniform(weights, MathF.Sqrt(6f / (fanIn + fanOut)), rng);
                break;
            case WeightInit.Gaussian:
                Normal(weights, std, rng);
                break;
            case WeightInit.Zeros:
                weights.Clear();
                break;
            case WeightInit.Constant:
                weights.Fill(value);
                break;
            case WeightInit.TorchDefault:
                Uniform(weights, TorchDefaultBound(fanIn), rng);
                break;
            case WeightInit.Auto:
            case WeightInit.Xavier:
            default:
                Normal(weights, MathF.Sqrt(2f / (fanIn + fanOut)), rng);
                break;
        }
    }

    /// <summary>
    /// Fills a bias vector the way <paramref name="init"/> draws biases: from U(−1/√fanIn, 1/√fanIn) for
    /// <see cref="WeightInit.TorchDefault"/> (continuing the weights' random stream, as PyTorch's <c>reset_parameters</c>
    /// draws the bias after the weights); the generator calls it only when the layer does not declare <c>BiasInit</c>.
    /// Every other scheme starts biases at zero.
    /// </summary>
    /// <param name="init">The layer's resolved weight scheme.</param>
    /// <param name="bias">The bias vector to fill.</param>
    /// <param name="fanIn">Inputs feeding one output of the layer.</param>
    /// <param name="rng">The random source (the one that filled the weights).</param>
    public static void FillBias(WeightInit init, Span<float> bias, int fanIn, Rng rng)
    {
        if (init == WeightInit.TorchDefault)
        {
            Uniform(bias, TorchDefaultBound(fanIn), rng);
        }
        else
        {
            bias.Clear();
        }
    }

    /// <summary>The bound 1/√fanIn of <see cref="WeightInit.TorchDefault"/>'s uniform weights and biases.</summary>
    /// <param name="fanIn">Inputs feeding one output; must be positive.</param>
    /// <returns>The bound a of U(−a, a).</returns>
    public static float TorchDefaultBound(int fanIn)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        return 1f / MathF.Sqrt(fanIn);
    }

    /// <summary>Fills with samples of N(0, std²).</summary>
    /// <param name="values">The tensor to fill.</param>
    /// <param name="std">The standard deviation.</param>
    /// <param name="rng">The random source.</param>
    public static void Normal(Span<float> values, float std, Rng rng)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = std * rng.NextGaussian();
        }
    }

    /// <summary>Fills with samples of U(-limit, limit).</summary>
    /// <param name="values">The tensor to fill.</param>
    /// <param name="limit">The bound.</param>
    /// <param name="rng">The random source.</param>
    public static void Uniform(Span<float> values, float limit, Rng rng)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = limit * ((2f * rng.NextFloat()) - 1f);
        }
    }
}
