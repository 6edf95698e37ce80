using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

/// <summary>
/// Inverted dropout (Srivastava et al. 2014): while training each activation is kept with probability 1 − p and scaled
/// by 1/(1 − p), so that its expectation is unchanged and inference is the identity. The mask is drawn by
/// <see cref="FillMask"/> into a caller-provided span and reused by <see cref="Backward"/>, so the backward pass (and a
/// gradient check that freezes the mask) sees exactly the forward's mask.
/// </summary>
/// <remarks>
/// Inference: the generator copies x to y, or calls <see cref="Forward"/> with an empty mask, which means the identity.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dropout
{
    /// <summary>
    /// Writes an inverted-dropout mask: each entry is 1/(1 − p) with probability 1 − p and 0 otherwise. Every
    /// <see cref="Rng.NextUInt64"/> gives two entries (each compares one 32-bit half against the integer threshold
    /// round((1 − p)·2³²)), compared in vectors without branches.
    /// </summary>
    /// <param name="p">The drop probability, in [0, 1).</param>
    /// <param name="mask">The mask to fill (one float per activation).</param>
    /// <param name="rng">The seeded generator the mask is drawn from.</param>
    public static void FillMask(float p, Span<float> mask, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        MaskSampler.CheckDropProbability(p, nameof(p));
        MaskSampler.FillKeepMask(mask, MaskSampler.Threshold(1.0 - p), 1f / (1f - p), rng);
    }

    /// <summary><c>y = x·mask</c> while training; with an empty <paramref name="mask"/>, <c>y = x</c> (inference).</summary>
    /// <param name="x">The input.</param>
    /// <param name="mask">The mask from <see cref="FillMask"/>, same length, or empty for the identity.</param>
    /// <param name="y">The output, same length (overwritten).</param>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y)
    {
        Guard.Length("Dropout", y.Length, x.Length, nameof(y));
        Guard.LengthOrEmpty("Dropout", mask.Length, x.Length, nameof(mask));

        if (mask.IsEmpty)
        {
            x.CopyTo(y);
            return;
        }

        Elementwise.Multiply(x, mask, y);
    }

    /// <summary><c>dx += dy·mask</c>; with an empty <paramref name="mask"/>, <c>dx += dy</c>; nothing when <paramref name="dx"/> is empty.</summary>
    /// <param name="mask">The forward's mask, or empty if the forward was the identity.</param>
    /// <param name="dy">The output gradient.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    /// <param name="overwriteDx">Write dx instead of adding to it (generated code passes true where no other layer has written dx yet).</param>
    public static void Backward(ReadOnlySpan<float> mask, ReadOnlySpan<float> dy, Span<float> dx, bool overwriteDx = false)
    {
        if (dx.IsEmpty)
        {
            return;
        }

        Guard.Length("Dropout", dx.Length, dy.Length, nameof(dx));
        Guard.LengthOrEmpty("Dropout", mask.Length, dy.Length, nameof(mask));

        if (mask.IsEmpty)
        {
            if (overwriteDx)
            {
                dy.CopyTo(dx);
            }
            else
            {
                Elementwise.Add(dy, dx);
            }

            return;
        }

        if (overwriteDx)
        {
            Elementwise.Multiply(dy, mask, dx);
        }
        else
        {
            Elementwise.MultiplyAdd(dy, mask, dx);
        }
    }
}

/// <summary>
/// DropConnect (Wan et al. 2013): while training, the weights of the following dense layer are masked, one mask per
/// mini-batch, and the layer runs on the masked copy. The mask is scaled by 1/(1 − p) like inverted dropout, so
/// inference simply uses the full weights (the paper instead moment-matches a Gaussian at inference; the scaled mask
/// gives the same expected pre-activation, which is the usual practical choice).
/// </summary>
/// <remarks>
/// Training step: <c>MaskWeights(W, mask, Wm, p, rng)</c>, <c>Dense.Forward(.., Wm, ..)</c>; backward:
/// <c>Dense.Backward(.., Wm, dy, dx, dWm, dBias)</c> into a scratch <c>dWm</c> zeroed beforehand, then
/// <c>MaskGradient(dWm, mask, dW)</c>. The bias is not masked (mask it with a second call if wanted).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DropConnect
{
    /// <summary>Draws a mask (entries 1/(1 − p) with probability 1 − p, else 0) and writes <c>maskedWeights = weights·mask</c>.</summary>
    /// <param name="weights">The layer's weights.</param>
    /// <param name="mask">The mask, same length (overwritten; keep it for <see cref="MaskGradient"/>).</param>
    /// <param name="maskedWeights">The masked weights the layer runs on, same length (overwritten).</param>
    /// <param name="p">The drop probability, in [0, 1).</param>
    /// <param name="rng">The seeded generator the mask is drawn from.</param>
    public static void MaskWeights(float p, ReadOnlySpan<float> weights, Span<float> maskedWeights, Span<float> mask, Rng rng)
    {
        Guard.Length("DropConnect", maskedWeights.Length, weights.Length, nameof(maskedWeights));
        Guard.Length("DropConnect", mask.Length, weights.Length, nameof(mask));
        Dropout.FillMask(p, mask, rng);
        Elementwise.Multiply(weights, mask, maskedWeights);
    }

    /// <summary><c>dWeights += dMaskedWeights·mask</c>: the gradient with respect to the masked weights, routed back to the weights.</summary>
    /// <param name="dMaskedWeights">The gradient with respect to the masked weights (what the dense backward produced).</param>
    /// <param name="mask">The mask from <see cref="MaskWeights"/>.</param>
    /// <param name="dWeights">The weight gradient (added to).</param>
    public static void MaskGradient(ReadOnlySpan<float> dMaskedWeights, ReadOnlySpan<float> mask, Span<float> dWeights)
    {
        Guard.Length("DropConnect", mask.Length, dMaskedWeights.Length, nameof(mask));
        Guard.Length("DropConnect", dWeights.Length, dMaskedWeights.Length, nameof(dWeights));

        Elementwise.MultiplyAdd(dMaskedWeights, mask, dWeights);
    }
}

/// <summary>
/// Stochastic depth (Huang et al. 2016) for a residual block <c>output = x + branch(x)</c>. Training: the branch is
/// kept with probability <c>survival</c> and otherwise dropped, <c>output = x + (keep ? branch : 0)</c>; inference:
/// <c>output = x + survival·branch</c>, the expectation of the training output.
/// </summary>
/// <remarks>
/// <para>Per mini-batch (the paper): <c>keep = Sample(survival, rng)</c>, then skip the branch or add it; at inference
/// add <c>survival·branch</c>. <see cref="AddScaledRows"/> with <c>batch = 1</c>, <c>perSample = batch·features</c> and a
/// one-float mask does either.</para>
/// <para>Per sample (torchvision's <c>stochastic_depth(mode="row")</c>): <see cref="FillSampleMask"/> draws one 0/1 per
/// sample, <see cref="AddScaledRows"/> adds <c>mask[b]·branch[b]</c> and <see cref="ScaledRowsBackward"/> routes the
/// gradient; at inference fill the mask with <c>survival</c>. torchvision instead divides kept rows by survival and
/// uses the identity at inference; multiply the mask by 1/survival to get that convention.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StochasticDepth
{
    /// <summary>Whether to keep the residual branch for this mini-batch: true with probability <paramref name="survival"/>.</summary>
    /// <param name="survival">The survival probability, in [0, 1].</param>
    /// <param name="rng">The seeded generator.</param>
    public static bool Sample(float survival, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        MaskSampler.CheckSurvival(survival);
        return (rng.NextUInt64() >> 32) < MaskSampler.Threshold(survival);
    }

    /// <summary>Draws one keep flag per sample: <c>mask[b]</c> is 1 with probability <paramref name="survival"/>, else 0.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="survival">The survival probability, in [0, 1].</param>
    /// <param name="rng">The seeded generator.</param>
    /// <param name="mask">The per-sample mask, <paramref name="batch"/> floats (overwritten).</param>
    public static void FillSampleMask(int batch, float survival, Span<float> mask, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        MaskSampler.CheckSurvival(survival);
        Guard.Length("StochasticDepth", mask.Length, batch, nameof(mask));

        MaskSampler.FillKeepMask(mask, MaskSampler.Threshold(survival), 1f, rng);
    }

    /// <summary>
    /// <c>y[b, :] += mask[b]·branch[b, :]</c>: adds the scaled residual branch to <paramref name="y"/>, which holds the
    /// shortcut x on entry (like <see cref="Elementwise.Add"/>, this kernel adds in place). Rows with a zero mask are skipped.
    /// </summary>
    /// <param name="batch">The number of samples (rows).</param>
    /// <param name="perSample">The features per sample (channels × spatial).</param>
    /// <param name="branch">The branch output, batch×perSample.</param>
    /// <param name="mask">One scale per sample: 0/1 from <see cref="FillSampleMask"/> while training, survival at inference.</param>
    /// <param name="y">The block output, batch×perSample, holding x on entry (added to).</param>
    public static void AddScaledRows(int batch, int perSample, ReadOnlySpan<float> branch, ReadOnlySpan<float> mask, Span<float> y)
    {
        CheckRows(batch, perSample, mask.Length);
        Guard.Length("StochasticDepth", branch.Length, (long)batch * perSample, nameof(branch));
        Guard.Length("StochasticDepth", y.Length, (long)batch * perSample, nameof(y));
        ScaleAddRows(perSample, mask, branch, y);
    }

    /// <summary><c>dBranch[b, :] += mask[b]·dy[b, :]</c>; the shortcut's gradient (<c>dx += dy</c>) is the caller's.</summary>
    /// <param name="batch">The number of samples (rows).</param>
    /// <param name="perSample">The features per sample.</param>
    /// <param name="mask">The forward's per-sample scales.</param>
    /// <param name="dy">The gradient of the block output, batch×perSample.</param>
    /// <param name="dBranch">The gradient of the branch output (added to), or empty to skip it.</param>
    public static void ScaledRowsBackward(int batch, int perSample, ReadOnlySpan<float> mask, ReadOnlySpan<float> dy, Span<float> dBranch)
    {
        if (dBranch.IsEmpty)
        {
            return;
        }

        CheckRows(batch, perSample, mask.Length);
        Guard.Length("StochasticDepth", dy.Length, (long)batch * perSample, nameof(dy));
        Guard.Length("StochasticDepth", dBranch.Length, (long)batch * perSample, nameof(dBranch));
        ScaleAddRows(perSample, mask, dy, dBranch);
    }

    /// <summary><c>destination[b, :] += mask[b]·source[b, :]</c> for every row b, skipping rows whose scale is 0.</summary>
    private static void ScaleAddRows(int perSample, ReadOnlySpan<float> mask, ReadOnlySpan<float> source, Span<float> destination)
    {
        for (int b = 0; b < mask.Length; b++)
        {
            float s = mask[b];
            if (s != 0f)
            {
                Elementwise.ScaleAdd(s, source.Slice(b * perSample, perSample), destination.Slice(b * perSample, perSample));
            }
        }
    }

    private static void CheckRows(int batch, int perSample, int maskLength)
    {
        if (batch < 0 || perSample < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"StochasticDepth: batch {batch} and perSample {perSample} must not be negative.");
        }

        Guard.Length("StochasticDepth", maskLength, batch, "mask");
    }
}

/// <summary>Mask sampling and the small multiply loops shared by the dropout family.</summary>
internal static class MaskSampler
{
    /// <summary>Throws unless 0 ≤ p &lt; 1 (NaN included).</summary>
    public static void CheckDropProbability(float p, string name)
    {
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(name, p, "The drop probability must be in [0, 1).");
        }
    }

    /// <summary>Throws unless 0 ≤ survival ≤ 1 (NaN included).</summary>
    public static void CheckSurvival(float survival)
    {
        if (!(survival >= 0f && survival <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(survival), survival, "The survival probability must be in [0, 1].");
        }
    }

    /// <summary>The count of 32-bit values below which a uniform 32-bit draw means "keep": round(keep·2³²), at most 2³².</summary>
    public static ulong Threshold(double keep) => (ulong)Math.Round(keep * 4294967296.0);

    /// <summary>Random words drawn per block: 128 draws of 32 bits, 512 bytes of stack.</summary>
    private const int BlockWords = 64;

    /// <summary>
    /// mask[i] = (draw[i] &lt; keepThreshold) ? keepValue : 0 with draw[i] the i-th 32-bit half (low half first) of the
    /// generator's words, two per <see cref="Rng.NextUInt64"/>. Words are drawn in blocks on the stack and compared with
    /// vectors, branch-free; a threshold of 0 or of 2³² fills without drawing.
    /// </summary>
    [SkipLocalsInit]
    public static void FillKeepMask(Span<float> mask, ulong keepThreshold, float keepValue, Rng rng)
    {
        if (keepThreshold == 0)
        {
            mask.Clear();
            return;
        }

        if (keepThreshold > uint.MaxValue)
        {
            mask.Fill(keepValue);
            return;
        }

        uint threshold = (uint)keepThreshold;
        Span<ulong> words = stackalloc ulong[BlockWords];
        for (int start = 0; start < mask.Length; start += 2 * BlockWords)
        {
            int count = Math.Min(2 * BlockWords, mask.Length - start);
            ReadOnlySpan<uint> draws = NextDraws(words, count, rng);
            var body = new KeepBody(
                ref MemoryMarshal.GetReference(draws), threshold, keepValue, ref MemoryMarshal.GetReference(mask.Slice(start, count)));
            LaneLoop.Run(ref body, (nuint)count);
        }
    }

    /// <summary>
    /// values[i] = min(lower + (upper − lower)·u[i], upper) with u[i] = (draw[i] &gt;&gt; 8)·2⁻²⁴ uniform on [0, 1), the draws
    /// being 32-bit halves (low half first) of the generator's words, two per <see cref="Rng.NextUInt64"/>.
    /// </summary>
    [SkipLocalsInit]
    public static void FillUniform(Span<float> values, float lower, float upper, Rng rng)
    {
        float width = (upper - lower) * (1f / (1 << 24));
        Span<ulong> words = stackalloc ulong[BlockWords];
        for (int start = 0; start < values.Length; start += 2 * BlockWords)
        {
            int count = Math.Min(2 * BlockWords, values.Length - start);
            ReadOnlySpan<uint> draws = NextDraws(words, count, rng);
            var body = new UniformBody(
                ref MemoryMarshal.GetReference(draws), lower, upper, width, ref MemoryMarshal.GetReference(values.Slice(start, count)));
            LaneLoop.Run(ref body, (nuint)count);
        }
    }

    /// <summary>Fills the first ⌈count/2⌉ words with fresh draws and returns them as <paramref name="count"/> 32-bit halves.</summary>
    private static ReadOnlySpan<uint> NextDraws(Span<ulong> words, int count, Rng rng)
    {
        int used = (count + 1) / 2;
        for (int w = 0; w < used; w++)
        {
            words[w] = rng.NextUInt64();
        }

        // On little-endian machines word w gives draws 2w (low half) and 2w + 1 (high half).
        return MemoryMarshal.Cast<ulong, uint>(words).Slice(0, count);
    }

    /// <summary><c>mask[i] = draw[i] &lt; threshold ? keepValue : 0</c>.</summary>
    private readonly ref struct KeepBody : ILaneLoop
    {
        private readonly ref uint _draws;
        private readonly uint _threshold;
        private readonly float _keepValue;
        private readonly ref float _mask;

        public KeepBody(ref uint draws, uint threshold, float keepValue, ref float mask)
        {
            _draws = ref draws;
            _threshold = threshold;
            _keepValue = keepValue;
            _mask = ref mask;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T.IfDrawBelow(ref _draws, i, _threshold, T.Create(_keepValue)).Store(ref _mask, i);
            return acc;
        }
    }

    /// <summary><c>values[i] = min(lower + width·(draw[i] &gt;&gt; 8), upper)</c>, fused, so every width gives the same values.</summary>
    private readonly ref struct UniformBody : ILaneLoop
    {
        private readonly ref uint _draws;
        private readonly float _lower, _upper, _width;
        private readonly ref float _values;

        public UniformBody(ref uint draws, float lower, float upper, float width, ref float values)
        {
            _draws = ref draws;
            _lower = lower;
            _upper = upper;
            _width = width;
            _values = ref values;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Step<T>(nuint i, T acc)
            where T : struct, ILanes<T>
        {
            T.Min(T.FusedMultiplyAdd(T.DrawHigh24(ref _draws, i), T.Create(_width), T.Create(_lower)), T.Create(_upper)).Store(ref _values, i);
            return acc;
        }
    }
}
