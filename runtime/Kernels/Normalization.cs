using System;
using System.ComponentModel;
using static NetGen.Kernels.NormalizationRows;

namespace NetGen.Kernels;

/// <summary>
/// The BatchNorm kernels (<c>torch.nn.BatchNorm1d/2d</c>): training and inference forwards and the backward. Tensors are laid out [batch, channels, spatial] row-major (spatial is H·W for images, 1 for dense features).
/// </summary>
/// <remarks>
/// The forward overwrites its output; the backward adds (+=) into dx, dGamma and dBeta and skips dx when it is empty.
/// Statistics are two-pass (mean, then Σ(x − mean)²) with block sums carried in double. Nothing is allocated.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class BatchNorm
{
    private const string Kernel = "BatchNorm";

    /// <summary>
    /// The BatchNorm training forward (<c>torch.nn.BatchNorm1d/2d</c> in train mode): normalizes each channel with the
    /// mean and biased variance of its batch×spatial values, applies <c>gamma·x̂ + beta</c>, and updates the running
    /// statistics as <c>running = (1 − momentum)·running + momentum·stat</c>, using the unbiased variance (n/(n − 1)).
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels (features after a dense layer).</param>
    /// <param name="spatial">Positions per channel: H·W, or 1 after a dense layer.</param>
    /// <param name="x">The input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="beta">The shift, channels floats.</param>
    /// <param name="y">The output, batch×channels×spatial (overwritten).</param>
    /// <param name="saveMean">Receives each channel's batch mean: exactly channels floats.</param>
    /// <param name="saveInvStd">Receives each channel's 1/√(biased var + ε): exactly channels floats.</param>
    /// <param name="runningMean">The running mean, channels floats (updated).</param>
    /// <param name="runningVar">The running variance, channels floats (updated).</param>
    /// <param name="momentum">The weight of the new statistic in the running average; torch's default is 0.1.</param>
    /// <param name="epsilon">Added to the variance; torch's default is 1e-5.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or batch×spatial is 1 (torch refuses that too: the unbiased variance is undefined).</exception>
    public static void ForwardTraining(
        int batch, int channels, int spatial, float momentum, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> runningMean, Span<float> runningVar, Span<float> y, Span<float> saveMean, Span<float> saveInvStd) =>
        TrainingForward(batch, channels, spatial, momentum, epsilon, x, gamma, beta, runningMean, runningVar, y, default, saveMean, saveInvStd, relu: false);

    /// <summary>
    /// <see cref="ForwardTraining"/> and the ReLU after it in one pass: writes the batch norm's output y and the ReLU's
    /// output <c>a = max(0, y)</c>, bit for bit what the two kernels write one after the other, reading x one time less.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels (features after a dense layer).</param>
    /// <param name="spatial">Positions per channel: H·W, or 1 after a dense layer.</param>
    /// <param name="momentum">The weight of the new statistic in the running average; torch's default is 0.1.</param>
    /// <param name="epsilon">Added to the variance; torch's default is 1e-5.</param>
    /// <param name="x">The input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="beta">The shift, channels floats.</param>
    /// <param name="runningMean">The running mean, channels floats (updated).</param>
    /// <param name="runningVar">The running variance, channels floats (updated).</param>
    /// <param name="y">The batch norm's output, batch×channels×spatial (overwritten).</param>
    /// <param name="a">The ReLU's output, batch×channels×spatial (overwritten).</param>
    /// <param name="saveMean">Receives each channel's batch mean: exactly channels floats.</param>
    /// <param name="saveInvStd">Receives each channel's 1/√(biased var + ε): exactly channels floats.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or batch×spatial is 1.</exception>
    public static void ForwardTrainingRelu(
        int batch, int channels, int spatial, float momentum, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> runningMean, Span<float> runningVar, Span<float> y, Span<float> a, Span<float> saveMean, Span<float> saveInvStd) =>
        TrainingForward(batch, channels, spatial, momentum, epsilon, x, gamma, beta, runningMean, runningVar, y, a, saveMean, saveInvStd, relu: true);

    private static void TrainingForward(
        int batch, int channels, int spatial, float momentum, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> runningMean, Span<float> runningVar, Span<float> y, Span<float> a, Span<float> saveMean, Span<float> saveInvStd, bool relu)
    {
        int size = TensorSize(batch, channels, spatial);
        CheckForward(Kernel, size, channels, channels, x.Length, gamma.Length, beta.Length, y.Length, saveMean.Length, saveInvStd.Length);
        Guard.Length(Kernel, runningMean.Length, channels, nameof(runningMean));
        Guard.Length(Kernel, runningVar.Length, channels, nameof(runningVar));
        if (relu)
        {
            Guard.Length(Kernel, a.Length, size, nameof(a));
        }

        int n = batch * spatial;
        if (n < 2)
        {
            throw new ArgumentException($"BatchNorm training needs more than one value per channel, but batch × spatial = {n}.", nameof(batch));
        }

        unsafe
        {
            fixed (float* px = x, pg = gamma, pb = beta, py = y, pa = a, pm = saveMean, ps = saveInvStd, prm = runningMean, prv = runningVar)
            {
                var job = new BatchNormJob
                {
                    Batch = batch, Channels = channels, Spatial = spatial, X = px, Gamma = pg, Beta = pb, Y = py, A = relu ? pa : null,
                    Mean = pm, InvStd = ps, RunningMean = prm, RunningVar = prv, Momentum = momentum, Epsilon = epsilon,
                };
                if (spatial < MinPlaneSpatial)
                {
                    RunOverChannels(&job, &TrainingForwardChannels, size);
                    return;
                }

                // Plane statistics (any thread count), then the channel statistics in sample order, then the normalization.
                fixed (double* sums = PlaneSums(batch, channels))
                {
                    job.PlaneSums = sums;
                    RunOverSamples(&job, &PlaneStatisticsSamples, size);
                    CombinePlaneStatistics(in job);
                    RunOverSamples(&job, &NormalizeSamples, size);
                }
            }
        }
    }

    /// <summary>Training forward of channels [c0, c1): statistics, normalization, running averages (short planes).</summary>
    private static unsafe void TrainingForwardChannels(in BatchNormJob g, int c0, int c1)
    {
        int batch = g.Batch, channels = g.Channels, spatial = g.Spatial, n = batch * spatial;
        for (int c = c0; c < c1; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
            {
                sum += DoubleSums.Sum(Plane(g.X, b, c, channels, spatial));
            }

            float mean = (float)(sum / n);
            double squares = 0;
            for (int b = 0; b < batch; b++)
            {
                squares += SumSquaredDeviations(Plane(g.X, b, c, channels, spatial), mean);
            }

            SetStatistics(in g, c, mean, squares);
            for (int b = 0; b < batch; b++)
            {
                Normalize(in g, b, c, mean, g.InvStd[c]);
            }
        }
    }

    /// <summary>
    /// The statistics of every plane of samples [b0, b1): its sum, and the squared deviations from its own float mean
    /// (the plane is still in L1 for that second pass), in <see cref="BatchNormJob.PlaneSums"/> as (sum, squares) pairs.
    /// </summary>
    private static unsafe void PlaneStatisticsSamples(in BatchNormJob g, int b0, int b1)
    {
        int channels = g.Channels, spatial = g.Spatial;
        for (int b = b0; b < b1; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                Span<float> plane = Plane(g.X, b, c, channels, spatial);
                double sum = DoubleSums.Sum(plane);
                double* pair = g.PlaneSums + (2 * (((nint)b * channels) + c));
                pair[0] = sum;
                pair[1] = SumSquaredDeviations(plane, (float)(sum / spatial));
            }
        }
    }

    /// <summary>
    /// Each channel's mean and variance from its planes' statistics, added in sample order (so on any thread count):
    /// with k = spatial and a the float mean a plane's squares were taken around,
    /// Σ(x − μ)² = Σ(x − a)² − 2k(μ − a)(m − a) + k(μ − a)² per plane, m its exact mean.
    /// </summary>
    private static unsafe void CombinePlaneStatistics(in BatchNormJob g)
    {
        int batch = g.Batch, channels = g.Channels;
        double k = g.Spatial, n = (double)batch * g.Spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
            {
                sum += g.PlaneSums[2 * (((nint)b * channels) + c)];
            }

            double mu = sum / n;
            double squares = 0;
            for (int b = 0; b < batch; b++)
            {
                double* pair = g.PlaneSums + (2 * (((nint)b * channels) + c));
                double m = pair[0] / k, a = (float)m;
                squares += pair[1] - (2 * k * (mu - a) * (m - a)) + (k * (mu - a) * (mu - a));
            }

            SetStatistics(in g, c, (float)mu, Math.Max(squares, 0));
        }
    }

    /// <summary>Writes y (and, behind a fused ReLU, a = max(0, y)) for plane (b, c) with the given statistics.</summary>
    private static unsafe void Normalize(in BatchNormJob g, int b, int c, float mean, float invStd)
    {
        Span<float> x = Plane(g.X, b, c, g.Channels, g.Spatial), y = Plane(g.Y, b, c, g.Channels, g.Spatial);
        if (g.A is null)
        {
            NormalizeRow(x, mean, invStd, g.Gamma[c], g.Beta[c], y);
        }
        else
        {
            NormalizeReluRow(x, mean, invStd, g.Gamma[c], g.Beta[c], y, Plane(g.A, b, c, g.Channels, g.Spatial));
        }
    }

    /// <summary>Σ dy and Σ dy·(x − mean) of plane (b, c); behind a fused ReLU dy is da·relu′(y), y recomputed.</summary>
    private static unsafe (double SumDy, double SumDyXc) PlaneGradientSums(in BatchNormJob g, int b, int c)
    {
        Span<float> x = Plane(g.X, b, c, g.Channels, g.Spatial), dy = Plane(g.Dy, b, c, g.Channels, g.Spatial);
        return g.Relu
            ? SumReluGradients(dy, x, g.Mean[c], g.InvStd[c], g.Gamma[c], g.Beta[c])
            : SumGradients(dy, x, g.Mean[c]);
    }

    /// <summary>dx of plane (b, c) from the channel coefficients (clearing it first when overwriting).</summary>
    private static unsafe void PlaneInputGradient(in BatchNormJob g, int b, int c, float kX, float k0)
    {
        Span<float> x = Plane(g.X, b, c, g.Channels, g.Spatial), dy = Plane(g.Dy, b, c, g.Channels, g.Spatial);
        Span<float> dx = Plane(g.Dx, b, c, g.Channels, g.Spatial);
        if (g.OverwriteDx)
        {
            dx.Clear();
        }

        if (g.Relu)
        {
            AddReluInputGradientRow(dy, x, g.Mean[c], g.InvStd[c], g.Gamma[c], g.Beta[c], kX, k0, dx);
        }
        else
        {
            AddInputGradientRow(dy, x, g.Mean[c], g.InvStd[c], g.Gamma[c], kX, k0, dx);
        }
    }

    /// <summary>Saves channel <paramref name="c"/>'s mean and 1/√(var + ε) and moves its running averages.</summary>
    private static unsafe void SetStatistics(in BatchNormJob g, int c, float mean, double squares)
    {
        double n = (double)g.Batch * g.Spatial;
        g.Mean[c] = mean;
        g.InvStd[c] = (float)(1.0 / Math.Sqrt((squares / n) + g.Epsilon));
        g.RunningMean[c] = ((1f - g.Momentum) * g.RunningMean[c]) + (g.Momentum * mean);
        g.RunningVar[c] = ((1f - g.Momentum) * g.RunningVar[c]) + (g.Momentum * (float)(squares / (n - 1)));
    }

    /// <summary>y = (x − mean)·invStd·gamma + beta over every plane of samples [b0, b1), with the saved statistics.</summary>
    private static unsafe void NormalizeSamples(in BatchNormJob g, int b0, int b1)
    {
        int channels = g.Channels, spatial = g.Spatial;
        for (int b = b0; b < b1; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                Normalize(in g, b, c, g.Mean[c], g.InvStd[c]);
            }
        }
    }

    /// <summary>
    /// The BatchNorm inference forward (<c>torch.nn.BatchNorm1d/2d</c> in eval mode):
    /// <c>y = (x − runningMean)/√(runningVar + ε)·gamma + beta</c> per channel, so each sample's output is independent of the batch.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="spatial">Positions per channel: H·W, or 1 after a dense layer.</param>
    /// <param name="x">The input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="beta">The shift, channels floats.</param>
    /// <param name="runningMean">The running mean, channels floats.</param>
    /// <param name="runningVar">The running variance, channels floats.</param>
    /// <param name="epsilon">Added to the variance; torch's default is 1e-5.</param>
    /// <param name="y">The output, batch×channels×spatial (overwritten).</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void ForwardInference(
        int batch, int channels, int spatial, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y) =>
        InferenceForward(batch, channels, spatial, epsilon, x, gamma, beta, runningMean, runningVar, y, default, relu: false);

    /// <summary>
    /// <see cref="ForwardInference"/> and the ReLU after it in one pass: writes y and <c>a = max(0, y)</c>, bit for bit
    /// what the two kernels write one after the other.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="spatial">Positions per channel: H·W, or 1 after a dense layer.</param>
    /// <param name="epsilon">Added to the variance; torch's default is 1e-5.</param>
    /// <param name="x">The input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="beta">The shift, channels floats.</param>
    /// <param name="runningMean">The running mean, channels floats.</param>
    /// <param name="runningVar">The running variance, channels floats.</param>
    /// <param name="y">The batch norm's output, batch×channels×spatial (overwritten).</param>
    /// <param name="a">The ReLU's output, batch×channels×spatial (overwritten).</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void ForwardInferenceRelu(
        int batch, int channels, int spatial, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y, Span<float> a) =>
        InferenceForward(batch, channels, spatial, epsilon, x, gamma, beta, runningMean, runningVar, y, a, relu: true);

    private static void InferenceForward(
        int batch, int channels, int spatial, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y, Span<float> a, bool relu)
    {
        int size = TensorSize(batch, channels, spatial);
        Guard.Length(Kernel, x.Length, size, nameof(x));
        CheckStatistics(Kernel, channels, gamma.Length, beta.Length, runningMean.Length, runningVar.Length);
        Guard.Length(Kernel, y.Length, size, nameof(y));
        if (relu)
        {
            Guard.Length(Kernel, a.Length, size, nameof(a));
        }

        unsafe
        {
            fixed (float* px = x, pg = gamma, pb = beta, py = y, pa = a, prm = runningMean, prv = runningVar)
            {
                var job = new BatchNormJob
                {
                    Batch = batch, Channels = channels, Spatial = spatial, X = px, Gamma = pg, Beta = pb, Y = py, A = relu ? pa : null,
                    RunningMean = prm, RunningVar = prv, Epsilon = epsilon,
                };
                if (spatial < MinPlaneSpatial)
                {
                    RunOverChannels(&job, &InferenceForwardChannels, size);
                }
                else
                {
                    RunOverSamples(&job, &InferenceForwardSamples, size);
                }
            }
        }
    }

    /// <summary>Inference forward of channels [c0, c1) with the running statistics.</summary>
    private static unsafe void InferenceForwardChannels(in BatchNormJob g, int c0, int c1)
    {
        for (int c = c0; c < c1; c++)
        {
            float invStd = (float)(1.0 / Math.Sqrt((double)g.RunningVar[c] + g.Epsilon));
            for (int b = 0; b < g.Batch; b++)
            {
                Normalize(in g, b, c, g.RunningMean[c], invStd);
            }
        }
    }

    /// <summary>Inference forward of samples [b0, b1) with the running statistics.</summary>
    private static unsafe void InferenceForwardSamples(in BatchNormJob g, int b0, int b1)
    {
        for (int b = b0; b < b1; b++)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                float invStd = (float)(1.0 / Math.Sqrt((double)g.RunningVar[c] + g.Epsilon));
                Normalize(in g, b, c, g.RunningMean[c], invStd);
            }
        }
    }

    /// <summary>
    /// The BatchNorm training backward, through the batch statistics: <c>dBeta += Σ dy</c>, <c>dGamma += Σ dy·x̂</c> and
    /// <c>dx += gamma·invStd·(dy − mean(dy) − x̂·mean(dy·x̂))</c> per channel, the means over batch×spatial.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="spatial">Positions per channel.</param>
    /// <param name="x">The forward input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="saveMean">The means the training forward saved, channels floats.</param>
    /// <param name="saveInvStd">The inverse standard deviations the training forward saved, channels floats.</param>
    /// <param name="dy">The output gradient, batch×channels×spatial.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    /// <param name="dGamma">The scale gradient (added to), channels floats.</param>
    /// <param name="dBeta">The shift gradient (added to), channels floats.</param>
    /// <param name="overwriteDx">
    /// Write dx instead of adding to it (generated code passes true where no other layer has written dx yet): each
    /// plane of dx is cleared, while in cache, just before its gradient is added.
    /// </param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Backward(
        int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta, bool overwriteDx = false) =>
        BackwardCore(batch, channels, spatial, x, gamma, default, saveMean, saveInvStd, dy, dx, dGamma, dBeta, overwriteDx, relu: false);

    /// <summary>
    /// The backward of a batch norm and the ReLU after it, from the ReLU's output gradient: the batch norm's output
    /// gradient <c>dy = da·(y &gt; 0 ? 1 : 0)</c> is formed on the fly, y recomputed from x with the saved statistics
    /// exactly as <see cref="ForwardTrainingRelu"/> wrote it, so the results are bit for bit those of the ReLU backward
    /// followed by <see cref="Backward"/>, without writing or reading dy.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="spatial">Positions per channel.</param>
    /// <param name="x">The batch norm's forward input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats (as in the forward pass).</param>
    /// <param name="beta">The shift, channels floats (as in the forward pass).</param>
    /// <param name="saveMean">The means the training forward saved, channels floats.</param>
    /// <param name="saveInvStd">The inverse standard deviations the training forward saved, channels floats.</param>
    /// <param name="da">The gradient of the ReLU's output, batch×channels×spatial.</param>
    /// <param name="dx">The batch norm's input gradient (added to), or empty to skip it.</param>
    /// <param name="dGamma">The scale gradient (added to), channels floats.</param>
    /// <param name="dBeta">The shift gradient (added to), channels floats.</param>
    /// <param name="overwriteDx">Write dx instead of adding to it, as for <see cref="Backward"/>.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void BackwardRelu(
        int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> da, Span<float> dx, Span<float> dGamma, Span<float> dBeta, bool overwriteDx = false) =>
        BackwardCore(batch, channels, spatial, x, gamma, beta, saveMean, saveInvStd, da, dx, dGamma, dBeta, overwriteDx, relu: true);

    private static void BackwardCore(
        int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta, bool overwriteDx, bool relu)
    {
        int size = TensorSize(batch, channels, spatial);
        CheckBackward(Kernel, size, channels, channels, x.Length, gamma.Length, saveMean.Length, saveInvStd.Length, dy.Length, dx.Length, dGamma.Length, dBeta.Length);
        if (relu)
        {
            Guard.Length(Kernel, beta.Length, channels, nameof(beta));
        }

        unsafe
        {
            fixed (float* px = x, pg = gamma, pb = beta, pm = saveMean, ps = saveInvStd, pdy = dy, pdx = dx, pdg = dGamma, pdb = dBeta)
            {
                var job = new BatchNormJob
                {
                    Batch = batch, Channels = channels, Spatial = spatial, X = px, Gamma = pg, Beta = pb, Mean = pm, InvStd = ps,
                    Dy = pdy, Dx = dx.IsEmpty ? null : pdx, DGamma = pdg, DBeta = pdb, OverwriteDx = overwriteDx, Relu = relu,
                };
                if (spatial < MinPlaneSpatial)
                {
                    RunOverChannels(&job, &BackwardChannels, size);
                    return;
                }

                // Each plane's two sums (any thread count), the channel totals in sample order, then dx by samples.
                fixed (double* sums = PlaneSums(batch, channels))
                {
                    job.PlaneSums = sums;
                    RunOverSamples(&job, &PlaneGradientSamples, size);
                    CombinePlaneGradients(in job);
                    if (job.Dx is not null)
                    {
                        RunOverSamples(&job, &InputGradientSamples, size);
                    }
                }
            }
        }
    }

    /// <summary>Backward of channels [c0, c1): the parameter gradients, then (unless skipped) the input gradient.</summary>
    private static unsafe void BackwardChannels(in BatchNormJob g, int c0, int c1)
    {
        int batch = g.Batch;
        for (int c = c0; c < c1; c++)
        {
            double sumDy = 0, sumDyXc = 0;
            for (int b = 0; b < batch; b++)
            {
                var (planeDy, planeDyXc) = PlaneGradientSums(in g, b, c);
                sumDy += planeDy;
                sumDyXc += planeDyXc;
            }

            var (kX, k0) = ChannelGradients(in g, c, sumDy, sumDyXc);
            if (g.Dx is null)
            {
                continue;
            }

            for (int b = 0; b < batch; b++)
            {
                PlaneInputGradient(in g, b, c, kX, k0);
            }
        }
    }

    /// <summary>Σ dy and Σ dy·(x − mean) of every plane of samples [b0, b1), as pairs in <see cref="BatchNormJob.PlaneSums"/>.</summary>
    private static unsafe void PlaneGradientSamples(in BatchNormJob g, int b0, int b1)
    {
        int channels = g.Channels, spatial = g.Spatial;
        for (int b = b0; b < b1; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                var (sumDy, sumDyXc) = PlaneGradientSums(in g, b, c);
                double* pair = g.PlaneSums + (2 * (((nint)b * channels) + c));
                pair[0] = sumDy;
                pair[1] = sumDyXc;
            }
        }
    }

    /// <summary>
    /// The channel sums from the planes' in sample order (the same additions as <see cref="BackwardChannels"/>):
    /// dGamma and dBeta, and each channel's two input-gradient coefficients after the plane pairs (kX, k0).
    /// </summary>
    private static unsafe void CombinePlaneGradients(in BatchNormJob g)
    {
        int batch = g.Batch, channels = g.Channels;
        double* coefficients = g.PlaneSums + (2 * (nint)batch * channels);
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyXc = 0;
            for (int b = 0; b < batch; b++)
            {
                double* pair = g.PlaneSums + (2 * (((nint)b * channels) + c));
                sumDy += pair[0];
                sumDyXc += pair[1];
            }

            (coefficients[2 * c], coefficients[(2 * c) + 1]) = ChannelGradients(in g, c, sumDy, sumDyXc);
        }
    }

    /// <summary>
    /// Adds channel <paramref name="c"/>'s parameter gradients from its two sums and returns the coefficients of its
    /// input gradient, dx = γr·dy − γr·Σdy/n − γr³·Σdy(x−μ)/n·(x−μ) with r = invStd: kX for (x − μ), k0 the constant.
    /// </summary>
    private static unsafe (float KX, float K0) ChannelGradients(in BatchNormJob g, int c, double sumDy, double sumDyXc)
    {
        double n = (double)g.Batch * g.Spatial;
        float invStd = g.InvStd[c];
        g.DBeta[c] += (float)sumDy;
        g.DGamma[c] += (float)(sumDyXc * invStd);
        double gr = (double)g.Gamma[c] * invStd;
        return ((float)(-gr * invStd * invStd * sumDyXc / n), (float)(-gr * sumDy / n));
    }

    /// <summary>dx of samples [b0, b1) with the coefficients <see cref="CombinePlaneGradients"/> left.</summary>
    private static unsafe void InputGradientSamples(in BatchNormJob g, int b0, int b1)
    {
        int channels = g.Channels, spatial = g.Spatial;
        double* coefficients = g.PlaneSums + (2 * (nint)g.Batch * channels);
        for (int b = b0; b < b1; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                PlaneInputGradient(in g, b, c, (float)coefficients[2 * c], (float)coefficients[(2 * c) + 1]);
            }
        }
    }

    /// <summary>
    /// Planes shorter than this are normalized by channel ranges (each a loop over short rows); longer ones by sample
    /// ranges, each thread on the samples the layers before gave it, the channel sums added from per-plane sums.
    /// </summary>
    private const int MinPlaneSpatial = 16;

    /// <summary>Per-plane sums of the caller's current BatchNorm pass (grown, never shrunk).</summary>
    [ThreadStatic]
    private static double[]? t_planeSums;

    /// <summary>Room for a (sum, sum) pair per plane plus two coefficients per channel.</summary>
    private static double[] PlaneSums(int batch, int channels)
    {
        int needed = checked((2 * batch * channels) + (2 * channels));
        double[]? sums = t_planeSums;
        if (sums is null || sums.Length < needed)
        {
            t_planeSums = sums = new double[needed];
        }

        return sums;
    }

    /// <summary>Below this many values a BatchNorm pass stays on the calling thread.</summary>
    private const int MinParallelValues = 64 * 1024;

    /// <summary>
    /// Runs <paramref name="body"/> over all channels: split into contiguous channel ranges over
    /// <see cref="Compute.ThreadCount"/> threads for large tensors. Each channel is computed whole by one thread, in
    /// the same order as on one thread, so the results do not depend on the thread count.
    /// </summary>
    private static unsafe void RunOverChannels(BatchNormJob* job, delegate*<in BatchNormJob, int, int, void> body, int size) =>
        RunOverRanges(job, body, size, job->Channels);

    /// <summary>
    /// Runs <paramref name="body"/> over all samples: contiguous sample ranges over <see cref="Compute.ThreadCount"/>
    /// threads for large tensors. Bodies write only their own samples' values.
    /// </summary>
    private static unsafe void RunOverSamples(BatchNormJob* job, delegate*<in BatchNormJob, int, int, void> body, int size) =>
        RunOverRanges(job, body, size, job->Batch);

    /// <summary>Runs <paramref name="body"/> over [0, <paramref name="count"/>) in contiguous ranges, one per thread.</summary>
    private static unsafe void RunOverRanges(BatchNormJob* job, delegate*<in BatchNormJob, int, int, void> body, int size, int count)
    {
        job->Body = body;
        job->RangeCount = count;
        int parts = Math.Min(Math.Min(Compute.ThreadCount, count), Math.Max(1, size / MinParallelValues));
        if (parts <= 1)
        {
            body(in *job, 0, count);
            return;
        }

        Compute.For(parts, parts, &Range, job);
    }

    private static unsafe void Range(void* state, int part, int parts)
    {
        ref readonly BatchNormJob g = ref *(BatchNormJob*)state;
        int start = (int)((long)g.RangeCount * part / parts), end = (int)((long)g.RangeCount * (part + 1) / parts);
        g.Body(in g, start, end);
    }

    private static unsafe Span<float> Plane(float* tensor, int b, int c, int channels, int spatial) =>
        new(tensor + ((((nint)b * channels) + c) * spatial), spatial);

    /// <summary>One BatchNorm pass as the threads see it: pinned tensors, shapes, hyperparameters.</summary>
    private unsafe struct BatchNormJob
    {
        public int Batch;
        public int Channels;
        public int Spatial;
        public float* X;
        public float* Gamma;
        public float* Beta;
        public float* Y;

        /// <summary>Forward behind a fused ReLU: its output max(0, y); null otherwise.</summary>
        public float* A;

        /// <summary>Backward behind a fused ReLU: <see cref="Dy"/> is the ReLU's output gradient.</summary>
        public bool Relu;
        public float* Mean;
        public float* InvStd;
        public float* RunningMean;
        public float* RunningVar;
        public float* Dy;
        public float* Dx;

        /// <summary>Backward: each plane of dx is cleared before its gradient is added (dx is written, not added to).</summary>
        public bool OverwriteDx;
        public float* DGamma;
        public float* DBeta;
        /// <summary>Sample-split passes: a (sum, sum) pair of doubles per plane, [batch, channels], then per-channel coefficients.</summary>
        public double* PlaneSums;
        public float Momentum;
        public float Epsilon;
        public delegate*<in BatchNormJob, int, int, void> Body;

        /// <summary>What <see cref="Body"/>'s ranges count: channels or samples.</summary>
        public int RangeCount;
    }

}

/// <summary>
/// The GroupNorm kernels (<c>torch.nn.GroupNorm</c>), training and inference alike. Tensors are laid out [batch, channels, spatial] row-major (spatial is H·W for images, 1 for dense features).
/// </summary>
/// <remarks>
/// The forward overwrites its output; the backward adds (+=) into dx, dGamma and dBeta and skips dx when it is empty.
/// Statistics are two-pass (mean, then Σ(x − mean)²) with block sums carried in double. Nothing is allocated.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class GroupNorm
{
    private const string Kernel = "GroupNorm";

    /// <summary>
    /// The GroupNorm forward (<c>torch.nn.GroupNorm(groups, channels)</c>, training and inference alike): each sample's
    /// channels are split into <paramref name="groups"/> consecutive groups, each group normalized with its own mean and
    /// biased variance, then <c>gamma[c]·x̂ + beta[c]</c> per channel.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels, a multiple of <paramref name="groups"/>.</param>
    /// <param name="spatial">Positions per channel: H·W, or 1 after a dense layer.</param>
    /// <param name="groups">The number of groups.</param>
    /// <param name="x">The input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="beta">The shift, channels floats.</param>
    /// <param name="y">The output, batch×channels×spatial (overwritten).</param>
    /// <param name="saveMean">Receives each (sample, group) mean: exactly batch×groups floats.</param>
    /// <param name="saveInvStd">Receives each (sample, group) 1/√(var + ε): exactly batch×groups floats.</param>
    /// <param name="epsilon">Added to the variance; torch's default is 1e-5.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or channels is not a multiple of groups.</exception>
    public static void Forward(
        int batch, int channels, int spatial, int groups, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        int size = TensorSize(batch, channels, spatial);
        int perGroup = ChannelsPerGroup(channels, groups);
        CheckForward(Kernel, size, channels, batch * groups, x.Length, gamma.Length, beta.Length, y.Length, saveMean.Length, saveInvStd.Length);
        int groupSize = perGroup * spatial;
        for (int b = 0; b < batch; b++)
        {
            for (int g = 0; g < groups; g++)
            {
                // The channels of a group are consecutive, so the group is one contiguous run of floats.
                int start = ((b * channels) + (g * perGroup)) * spatial;
                ReadOnlySpan<float> group = x.Slice(start, groupSize);
                float mean = (float)(DoubleSums.Sum(group) / groupSize);
                float invStd = (float)(1.0 / Math.Sqrt((SumSquaredDeviations(group, mean) / groupSize) + epsilon));
                saveMean[(b * groups) + g] = mean;
                saveInvStd[(b * groups) + g] = invStd;
                for (int c = g * perGroup, offset = start; c < (g + 1) * perGroup; c++, offset += spatial)
                {
                    NormalizeRow(x.Slice(offset, spatial), mean, invStd, gamma[c], beta[c], y.Slice(offset, spatial));
                }
            }
        }
    }

    /// <summary>
    /// The GroupNorm backward: <c>dBeta[c] += Σ dy</c>, <c>dGamma[c] += Σ dy·x̂</c> and, per (sample, group) with
    /// <c>ĝ = gamma[c]·dy</c>, <c>dx += invStd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))</c>.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels, a multiple of <paramref name="groups"/>.</param>
    /// <param name="spatial">Positions per channel.</param>
    /// <param name="groups">The number of groups.</param>
    /// <param name="x">The forward input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="saveMean">The means the forward saved, batch×groups floats.</param>
    /// <param name="saveInvStd">The inverse standard deviations the forward saved, batch×groups floats.</param>
    /// <param name="dy">The output gradient, batch×channels×spatial.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    /// <param name="dGamma">The scale gradient (added to), channels floats.</param>
    /// <param name="dBeta">The shift gradient (added to), channels floats.</param>
    /// <exception cref="ArgumentException">A span has the wrong length, or channels is not a multiple of groups.</exception>
    public static void Backward(
        int batch, int channels, int spatial, int groups, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta)
    {
        int size = TensorSize(batch, channels, spatial);
        int perGroup = ChannelsPerGroup(channels, groups);
        CheckBackward(Kernel, size, channels, batch * groups, x.Length, gamma.Length, saveMean.Length, saveInvStd.Length, dy.Length, dx.Length, dGamma.Length, dBeta.Length);
        double groupSize = (double)perGroup * spatial;
        for (int b = 0; b < batch; b++)
        {
            for (int g = 0; g < groups; g++)
            {
                float mean = saveMean[(b * groups) + g], invStd = saveInvStd[(b * groups) + g];
                int start = ((b * channels) + (g * perGroup)) * spatial;

                // Σ ĝ and Σ ĝ·(x − μ) over the group, gathered channel by channel with the parameter gradients.
                double sumG = 0, sumGXc = 0;
                for (int c = g * perGroup, offset = start; c < (g + 1) * perGroup; c++, offset += spatial)
                {
                    var (sumDy, sumDyXc) = SumGradients(dy.Slice(offset, spatial), x.Slice(offset, spatial), mean);
                    dBeta[c] += (float)sumDy;
                    dGamma[c] += (float)(sumDyXc * invStd);
                    sumG += gamma[c] * sumDy;
                    sumGXc += gamma[c] * sumDyXc;
                }

                if (dx.IsEmpty)
                {
                    continue;
                }

                // dx = γ_c·r·dy − r·Σĝ/m − r³·Σĝ(x−μ)/m·(x−μ)
                float kX = (float)(-(double)invStd * invStd * invStd * sumGXc / groupSize);
                float k0 = (float)(-(double)invStd * sumG / groupSize);
                for (int c = g * perGroup, offset = start; c < (g + 1) * perGroup; c++, offset += spatial)
                {
                    AddInputGradientRow(dy.Slice(offset, spatial), x.Slice(offset, spatial), mean, invStd, gamma[c], kX, k0, dx.Slice(offset, spatial));
                }
            }
        }
    }

}

/// <summary>
/// The InstanceNorm kernels (<c>torch.nn.InstanceNorm2d(affine=True)</c>): GroupNorm with one channel per group. Tensors are laid out [batch, channels, spatial] row-major (spatial is H·W for images, 1 for dense features).
/// </summary>
/// <remarks>
/// The forward overwrites its output; the backward adds (+=) into dx, dGamma and dBeta and skips dx when it is empty.
/// Statistics are two-pass (mean, then Σ(x − mean)²) with block sums carried in double. Nothing is allocated.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class InstanceNorm
{
    /// <summary>
    /// The InstanceNorm forward (<c>torch.nn.InstanceNorm2d(channels, affine: true)</c> without running statistics):
    /// GroupNorm with one group per channel.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="spatial">Positions per channel: H·W.</param>
    /// <param name="x">The input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="beta">The shift, channels floats.</param>
    /// <param name="y">The output, batch×channels×spatial (overwritten).</param>
    /// <param name="saveMean">Receives each (sample, channel) mean: exactly batch×channels floats.</param>
    /// <param name="saveInvStd">Receives each (sample, channel) 1/√(var + ε): exactly batch×channels floats.</param>
    /// <param name="epsilon">Added to the variance; torch's default is 1e-5.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Forward(
        int batch, int channels, int spatial, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
        => GroupNorm.Forward(batch, channels, spatial, channels, epsilon, x, gamma, beta, y, saveMean, saveInvStd);

    /// <summary>The InstanceNorm backward: <see cref="GroupNorm.Backward"/> with one group per channel.</summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="channels">The number of channels.</param>
    /// <param name="spatial">Positions per channel.</param>
    /// <param name="x">The forward input, batch×channels×spatial.</param>
    /// <param name="gamma">The scale, channels floats.</param>
    /// <param name="saveMean">The means the forward saved, batch×channels floats.</param>
    /// <param name="saveInvStd">The inverse standard deviations the forward saved, batch×channels floats.</param>
    /// <param name="dy">The output gradient, batch×channels×spatial.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    /// <param name="dGamma">The scale gradient (added to), channels floats.</param>
    /// <param name="dBeta">The shift gradient (added to), channels floats.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Backward(
        int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta)
        => GroupNorm.Backward(batch, channels, spatial, channels, x, gamma, saveMean, saveInvStd, dy, dx, dGamma, dBeta);

}

/// <summary>
/// The LayerNorm kernels (<c>torch.nn.LayerNorm</c> over the features of each sample). Tensors are laid out [batch, channels, spatial] row-major (spatial is H·W for images, 1 for dense features).
/// </summary>
/// <remarks>
/// The forward overwrites its output; the backward adds (+=) into dx, dGamma and dBeta and skips dx when it is empty.
/// Statistics are two-pass (mean, then Σ(x − mean)²) with block sums carried in double. Nothing is allocated.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class LayerNorm
{
    private const string Kernel = "LayerNorm";

    /// <summary>
    /// The LayerNorm forward (<c>torch.nn.LayerNorm</c> over all features of a sample, training and inference alike):
    /// each sample is normalized with its own mean and biased variance, then <c>gamma[i]·x̂ + beta[i]</c> element-wise.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="features">Features per sample (channels×spatial for images).</param>
    /// <param name="x">The input, batch×features.</param>
    /// <param name="gamma">The element-wise scale, features floats.</param>
    /// <param name="beta">The element-wise shift, features floats.</param>
    /// <param name="y">The output, batch×features (overwritten).</param>
    /// <param name="saveMean">Receives each sample's mean: exactly batch floats (batch×groups with one group).</param>
    /// <param name="saveInvStd">Receives each sample's 1/√(var + ε): exactly batch floats.</param>
    /// <param name="epsilon">Added to the variance; torch's default is 1e-5.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Forward(
        int batch, int features, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        int size = TensorSize(batch, features, 1);
        CheckForward(Kernel, size, features, batch, x.Length, gamma.Length, beta.Length, y.Length, saveMean.Length, saveInvStd.Length);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = x.Slice(b * features, features);
            float mean = (float)(DoubleSums.Sum(row) / features);
            float invStd = (float)(1.0 / Math.Sqrt((SumSquaredDeviations(row, mean) / features) + epsilon));
            saveMean[b] = mean;
            saveInvStd[b] = invStd;
            NormalizeRowElementwise(row, mean, invStd, gamma, beta, y.Slice(b * features, features));
        }
    }

    /// <summary>
    /// The LayerNorm backward: <c>dBeta[i] += Σ_b dy</c>, <c>dGamma[i] += Σ_b dy·x̂</c> and, per sample with
    /// <c>ĝ = gamma[i]·dy</c>, <c>dx += invStd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))</c>.
    /// </summary>
    /// <param name="batch">The number of samples.</param>
    /// <param name="features">Features per sample.</param>
    /// <param name="x">The forward input, batch×features.</param>
    /// <param name="gamma">The element-wise scale, features floats.</param>
    /// <param name="saveMean">The means the forward saved, batch floats.</param>
    /// <param name="saveInvStd">The inverse standard deviations the forward saved, batch floats.</param>
    /// <param name="dy">The output gradient, batch×features.</param>
    /// <param name="dx">The input gradient (added to), or empty to skip it.</param>
    /// <param name="dGamma">The scale gradient (added to), features floats.</param>
    /// <param name="dBeta">The shift gradient (added to), features floats.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void Backward(
        int batch, int features, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta)
    {
        int size = TensorSize(batch, features, 1);
        CheckBackward(Kernel, size, features, batch, x.Length, gamma.Length, saveMean.Length, saveInvStd.Length, dy.Length, dx.Length, dGamma.Length, dBeta.Length);
        for (int b = 0; b < batch; b++)
        {
            float mean = saveMean[b], invStd = saveInvStd[b];
            ReadOnlySpan<float> xRow = x.Slice(b * features, features), dyRow = dy.Slice(b * features, features);
            var (sumG, sumGXc) = AccumulateParameterGradientsElementwise(dyRow, xRow, mean, invStd, gamma, dGamma, dBeta);
            if (dx.IsEmpty)
            {
                continue;
            }

            // dx = γ_i·r·dy − r·Σĝ/F − r³·Σĝ(x−μ)/F·(x−μ)
            float kX = (float)(-(double)invStd * invStd * invStd * sumGXc / features);
            float k0 = (float)(-(double)invStd * sumG / features);
            AddInputGradientRowElementwise(dyRow, xRow, mean, invStd, gamma, kX, k0, dx.Slice(b * features, features));
        }
    }
}
