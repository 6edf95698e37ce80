using System;

namespace NetGen.Kernels;

// The plain twins of the optimized kernels: the same signatures as the fast versions, written as the formulas read
// (scalar loops, sums in double, no SIMD, no threads, no scratch). Tests compare each fast kernel with its twin on
// random shapes; a reader steps into these first.

/// <content>The reference twin of the dense kernels.</content>
public static partial class Dense
{
    /// <summary>Scalar twins of <see cref="Dense.Forward"/> and <see cref="Dense.Backward"/>.</summary>
    public static class Reference
    {
        /// <summary>y[b, o] = bias[o] + Σᵢ x[b, i]·W[o, i].</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="inputs">Input features per sample.</param>
        /// <param name="outputs">Output features per sample.</param>
        /// <param name="x">The input, batch×inputs.</param>
        /// <param name="weights">W, outputs×inputs.</param>
        /// <param name="bias">The bias (outputs floats), or empty.</param>
        /// <param name="y">The output, batch×outputs (overwritten).</param>
        public static void Forward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    double sum = bias.IsEmpty ? 0 : bias[o];
                    for (int i = 0; i < inputs; i++)
                    {
                        sum += (double)x[(b * inputs) + i] * weights[(o * inputs) + i];
                    }

                    y[(b * outputs) + o] = (float)sum;
                }
            }
        }

        /// <summary>dW += dyᵀ·x, dBias += Σ_b dy and (unless empty) dx += dy·W.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="inputs">Input features per sample.</param>
        /// <param name="outputs">Output features per sample.</param>
        /// <param name="x">The forward input, batch×inputs.</param>
        /// <param name="weights">W, outputs×inputs.</param>
        /// <param name="dy">The output gradient, batch×outputs.</param>
        /// <param name="dx">The input gradient (added to), or empty.</param>
        /// <param name="dWeights">The weight gradient (added to).</param>
        /// <param name="dBias">The bias gradient (added to), or empty.</param>
        public static void Backward(int batch, int inputs, int outputs, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias)
        {
            for (int o = 0; o < outputs; o++)
            {
                for (int i = 0; i < inputs; i++)
                {
                    double sum = 0;
                    for (int b = 0; b < batch; b++)
                    {
                        sum += (double)dy[(b * outputs) + o] * x[(b * inputs) + i];
                    }

                    dWeights[(o * inputs) + i] += (float)sum;
                }

                if (!dBias.IsEmpty)
                {
                    double sum = 0;
                    for (int b = 0; b < batch; b++)
                    {
                        sum += dy[(b * outputs) + o];
                    }

                    dBias[o] += (float)sum;
                }
            }

            if (dx.IsEmpty)
            {
                return;
            }

            for (int b = 0; b < batch; b++)
            {
                for (int i = 0; i < inputs; i++)
                {
                    double sum = 0;
                    for (int o = 0; o < outputs; o++)
                    {
                        sum += (double)dy[(b * outputs) + o] * weights[(o * inputs) + i];
                    }

                    dx[(b * inputs) + i] += (float)sum;
                }
            }
        }
    }
}

/// <content>The reference twin of the convolution kernels.</content>
public static partial class Conv2D
{
    /// <summary>Scalar twins of <see cref="Conv2D.Forward"/> and <see cref="Conv2D.Backward"/>: direct convolution, no im2col.</summary>
    public static class Reference
    {
        /// <summary>y[b, o, i, j] = bias[o] + Σ_{c, u, v} W[o, c, u, v]·x[b, c, i·stride − padding + u, j·stride − padding + v].</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="inChannels">Input channels.</param>
        /// <param name="height">Input height.</param>
        /// <param name="width">Input width.</param>
        /// <param name="outChannels">Output channels.</param>
        /// <param name="kernel">Kernel size (k×k).</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Zero padding on each side.</param>
        /// <param name="x">The input, batch×inC×H×W.</param>
        /// <param name="weights">W, outC×inC×k×k.</param>
        /// <param name="bias">The bias, or empty.</param>
        /// <param name="y">The output (overwritten).</param>
        /// <param name="scratch">Unused (the fast kernel's im2col buffer).</param>
        public static void Forward(int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding,
            ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, Span<float> scratch)
        {
            int outH = OutputSize(height, kernel, stride, padding), outW = OutputSize(width, kernel, stride, padding);
            for (int b = 0; b < batch; b++)
            {
                for (int o = 0; o < outChannels; o++)
                {
                    for (int i = 0; i < outH; i++)
                    {
                        for (int j = 0; j < outW; j++)
                        {
                            double sum = bias.IsEmpty ? 0 : bias[o];
                            for (int c = 0; c < inChannels; c++)
                            {
                                for (int u = 0; u < kernel; u++)
                                {
                                    for (int v = 0; v < kernel; v++)
                                    {
                                        int h = (i * stride) - padding + u, w = (j * stride) - padding + v;
                                        if (h >= 0 && h < height && w >= 0 && w < width)
                                        {
                                            sum += (double)weights[(((o * inChannels) + c) * kernel + u) * kernel + v] * x[(((b * inChannels) + c) * height + h) * width + w];
                                        }
                                    }
                                }
                            }

                            y[(((b * outChannels) + o) * outH + i) * outW + j] = (float)sum;
                        }
                    }
                }
            }
        }

        /// <summary>dW += Σ dy·x (shifted), dBias += Σ dy and (unless empty) dx += Σ dy·W, each over the windows that touch it.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="inChannels">Input channels.</param>
        /// <param name="height">Input height.</param>
        /// <param name="width">Input width.</param>
        /// <param name="outChannels">Output channels.</param>
        /// <param name="kernel">Kernel size (k×k).</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Zero padding on each side.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="weights">W, outC×inC×k×k.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to), or empty.</param>
        /// <param name="dWeights">The weight gradient (added to).</param>
        /// <param name="dBias">The bias gradient (added to), or empty.</param>
        /// <param name="scratch">Unused (the fast kernel's im2col buffer).</param>
        public static void Backward(int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding,
            ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dWeights, Span<float> dBias, Span<float> scratch)
        {
            int outH = OutputSize(height, kernel, stride, padding), outW = OutputSize(width, kernel, stride, padding);
            var dxSum = new double[dx.Length];
            var dwSum = new double[dWeights.Length];
            for (int b = 0; b < batch; b++)
            {
                for (int o = 0; o < outChannels; o++)
                {
                    for (int i = 0; i < outH; i++)
                    {
                        for (int j = 0; j < outW; j++)
                        {
                            double g = dy[(((b * outChannels) + o) * outH + i) * outW + j];
                            for (int c = 0; c < inChannels; c++)
                            {
                                for (int u = 0; u < kernel; u++)
                                {
                                    for (int v = 0; v < kernel; v++)
                                    {
                                        int h = (i * stride) - padding + u, w = (j * stride) - padding + v;
                                        if (h >= 0 && h < height && w >= 0 && w < width)
                                        {
                                            int wi = (((o * inChannels) + c) * kernel + u) * kernel + v, xi = (((b * inChannels) + c) * height + h) * width + w;
                                            dwSum[wi] += g * x[xi];
                                            if (!dx.IsEmpty)
                                            {
                                                dxSum[xi] += g * weights[wi];
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }

            for (int k = 0; k < dWeights.Length; k++)
            {
                dWeights[k] += (float)dwSum[k];
            }

            for (int k = 0; k < dx.Length; k++)
            {
                dx[k] += (float)dxSum[k];
            }

            if (dBias.IsEmpty)
            {
                return;
            }

            for (int o = 0; o < outChannels; o++)
            {
                double sum = 0;
                for (int b = 0; b < batch; b++)
                {
                    for (int p = 0; p < outH * outW; p++)
                    {
                        sum += dy[(((b * outChannels) + o) * outH * outW) + p];
                    }
                }

                dBias[o] += (float)sum;
            }
        }
    }
}

/// <content>The reference twin of the max-pooling kernels.</content>
public static partial class MaxPool2D
{
    /// <summary>Scalar twins of <see cref="MaxPool2D.Forward"/> and <see cref="MaxPool2D.Backward"/>.</summary>
    public static class Reference
    {
        /// <summary>y = the maximum of each size×size window.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels per sample.</param>
        /// <param name="height">Input height.</param>
        /// <param name="width">Input width.</param>
        /// <param name="size">The window size.</param>
        /// <param name="stride">The stride.</param>
        /// <param name="x">The input.</param>
        /// <param name="y">The output (overwritten).</param>
        public static void Forward(int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, Span<float> y)
        {
            int[][] windows = PoolingWindows.Of(batch, channels, height, width, size, stride);
            for (int o = 0; o < windows.Length; o++)
            {
                float max = float.NegativeInfinity;
                foreach (int k in windows[o])
                {
                    max = Math.Max(max, x[k]);
                }

                y[o] = max;
            }
        }

        /// <summary>dx += dy at the first (row-major) position of each window that holds the window's maximum y.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels per sample.</param>
        /// <param name="height">Input height.</param>
        /// <param name="width">Input width.</param>
        /// <param name="size">The window size.</param>
        /// <param name="stride">The stride.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="y">The forward output.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            int[][] windows = PoolingWindows.Of(batch, channels, height, width, size, stride);
            for (int o = 0; o < windows.Length; o++)
            {
                foreach (int k in windows[o])
                {
                    if (x[k] == y[o])
                    {
                        dx[k] += dy[o];
                        break;
                    }
                }
            }
        }
    }
}

/// <content>The reference twin of the average-pooling kernels.</content>
public static partial class AvgPool2D
{
    /// <summary>Scalar twins of <see cref="AvgPool2D.Forward"/> and <see cref="AvgPool2D.Backward"/>.</summary>
    public static class Reference
    {
        /// <summary>y = the mean of each size×size window.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels per sample.</param>
        /// <param name="height">Input height.</param>
        /// <param name="width">Input width.</param>
        /// <param name="size">The window size.</param>
        /// <param name="stride">The stride.</param>
        /// <param name="x">The input.</param>
        /// <param name="y">The output (overwritten).</param>
        public static void Forward(int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, Span<float> y)
        {
            int[][] windows = PoolingWindows.Of(batch, channels, height, width, size, stride);
            for (int o = 0; o < windows.Length; o++)
            {
                double sum = 0;
                foreach (int k in windows[o])
                {
                    sum += x[k];
                }

                y[o] = (float)(sum / (size * size));
            }
        }

        /// <summary>dx += dy / size² at every position of each window.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Channels per sample.</param>
        /// <param name="height">Input height.</param>
        /// <param name="width">Input width.</param>
        /// <param name="size">The window size.</param>
        /// <param name="stride">The stride.</param>
        /// <param name="x">The forward input (unused).</param>
        /// <param name="y">The forward output (unused).</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to).</param>
        public static void Backward(int batch, int channels, int height, int width, int size, int stride, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            int[][] windows = PoolingWindows.Of(batch, channels, height, width, size, stride);
            for (int o = 0; o < windows.Length; o++)
            {
                float g = dy[o] / (size * size);
                foreach (int k in windows[o])
                {
                    dx[k] += g;
                }
            }
        }
    }
}

/// <summary>The windows the pooling references visit, computed apart from the optimized kernels' own shape code.</summary>
internal static class PoolingWindows
{
    /// <summary>
    /// For each output position, in NCHW order, the flat input indices of its size×size window in row-major order:
    /// window (i, j) of plane p covers rows i·stride … i·stride + size − 1 and the same columns from j·stride.
    /// </summary>
    public static int[][] Of(int batch, int channels, int height, int width, int size, int stride)
    {
        int outH = ((height - size) / stride) + 1, outW = ((width - size) / stride) + 1;
        var windows = new int[batch * channels * outH * outW][];
        for (int p = 0; p < batch * channels; p++)
        {
            for (int i = 0; i < outH; i++)
            {
                for (int j = 0; j < outW; j++)
                {
                    var window = new int[size * size];
                    for (int u = 0; u < size; u++)
                    {
                        for (int v = 0; v < size; v++)
                        {
                            window[(u * size) + v] = (p * height * width) + (((i * stride) + u) * width) + (j * stride) + v;
                        }
                    }

                    windows[(p * outH * outW) + (i * outW) + j] = window;
                }
            }
        }

        return windows;
    }
}

/// <content>The reference twin of the BatchNorm kernels.</content>
public static partial class BatchNorm
{
    /// <summary>Scalar twins of the BatchNorm kernels, statistics in double.</summary>
    public static class Reference
    {
        /// <summary>Normalizes each channel with its batch mean and biased variance, scales and shifts, updates the running statistics.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">The number of channels.</param>
        /// <param name="spatial">Positions per channel.</param>
        /// <param name="momentum">The weight of the new statistic in the running average.</param>
        /// <param name="epsilon">Added to the variance.</param>
        /// <param name="x">The input.</param>
        /// <param name="gamma">The scale.</param>
        /// <param name="beta">The shift.</param>
        /// <param name="runningMean">The running mean (updated).</param>
        /// <param name="runningVar">The running variance (updated, unbiased).</param>
        /// <param name="y">The output (overwritten).</param>
        /// <param name="saveMean">Receives each channel's mean.</param>
        /// <param name="saveInvStd">Receives each channel's 1/√(var + ε).</param>
        public static void ForwardTraining(
            int batch, int channels, int spatial, float momentum, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            Span<float> runningMean, Span<float> runningVar, Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
        {
            int n = batch * spatial;
            for (int c = 0; c < channels; c++)
            {
                double sum = 0, squares = 0;
                for (int b = 0; b < batch; b++)
                {
                    for (int s = 0; s < spatial; s++)
                    {
                        sum += x[(((b * channels) + c) * spatial) + s];
                    }
                }

                double mean = sum / n;
                for (int b = 0; b < batch; b++)
                {
                    for (int s = 0; s < spatial; s++)
                    {
                        double d = x[(((b * channels) + c) * spatial) + s] - mean;
                        squares += d * d;
                    }
                }

                double invStd = 1.0 / Math.Sqrt((squares / n) + epsilon);
                saveMean[c] = (float)mean;
                saveInvStd[c] = (float)invStd;
                for (int b = 0; b < batch; b++)
                {
                    for (int s = 0; s < spatial; s++)
                    {
                        int k = (((b * channels) + c) * spatial) + s;
                        y[k] = (float)(((x[k] - mean) * invStd * gamma[c]) + beta[c]);
                    }
                }

                runningMean[c] = (float)(((1.0 - momentum) * runningMean[c]) + (momentum * mean));
                runningVar[c] = (float)(((1.0 - momentum) * runningVar[c]) + (momentum * squares / (n - 1)));
            }
        }

        /// <summary>y = (x − runningMean)/√(runningVar + ε)·gamma + beta per channel.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">The number of channels.</param>
        /// <param name="spatial">Positions per channel.</param>
        /// <param name="epsilon">Added to the variance.</param>
        /// <param name="x">The input.</param>
        /// <param name="gamma">The scale.</param>
        /// <param name="beta">The shift.</param>
        /// <param name="runningMean">The running mean.</param>
        /// <param name="runningVar">The running variance.</param>
        /// <param name="y">The output (overwritten).</param>
        public static void ForwardInference(
            int batch, int channels, int spatial, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y)
        {
            for (int b = 0; b < batch; b++)
            {
                for (int c = 0; c < channels; c++)
                {
                    double invStd = 1.0 / Math.Sqrt((double)runningVar[c] + epsilon);
                    for (int s = 0; s < spatial; s++)
                    {
                        int k = (((b * channels) + c) * spatial) + s;
                        y[k] = (float)(((x[k] - (double)runningMean[c]) * invStd * gamma[c]) + beta[c]);
                    }
                }
            }
        }

        /// <summary>dBeta += Σ dy, dGamma += Σ dy·x̂, dx += gamma·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)) per channel.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">The number of channels.</param>
        /// <param name="spatial">Positions per channel.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="gamma">The scale.</param>
        /// <param name="saveMean">The saved means.</param>
        /// <param name="saveInvStd">The saved inverse standard deviations.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to), or empty.</param>
        /// <param name="dGamma">The scale gradient (added to).</param>
        /// <param name="dBeta">The shift gradient (added to).</param>
        public static void Backward(
            int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
            ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta)
        {
            int n = batch * spatial;
            for (int c = 0; c < channels; c++)
            {
                double sumDy = 0, sumDyXhat = 0;
                for (int b = 0; b < batch; b++)
                {
                    for (int s = 0; s < spatial; s++)
                    {
                        int k = (((b * channels) + c) * spatial) + s;
                        sumDy += dy[k];
                        sumDyXhat += dy[k] * ((x[k] - (double)saveMean[c]) * saveInvStd[c]);
                    }
                }

                dBeta[c] += (float)sumDy;
                dGamma[c] += (float)sumDyXhat;
                if (dx.IsEmpty)
                {
                    continue;
                }

                for (int b = 0; b < batch; b++)
                {
                    for (int s = 0; s < spatial; s++)
                    {
                        int k = (((b * channels) + c) * spatial) + s;
                        double xhat = (x[k] - (double)saveMean[c]) * saveInvStd[c];
                        dx[k] += (float)(gamma[c] * (double)saveInvStd[c] * (dy[k] - (sumDy / n) - (xhat * sumDyXhat / n)));
                    }
                }
            }
        }
    }
}

/// <content>The reference twin of the GroupNorm kernels.</content>
public static partial class GroupNorm
{
    /// <summary>Scalar twins of <see cref="GroupNorm.Forward"/> and <see cref="GroupNorm.Backward"/>, statistics in double.</summary>
    public static class Reference
    {
        /// <summary>Normalizes each (sample, group) with its own mean and biased variance, then gamma[c]·x̂ + beta[c].</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">The number of channels.</param>
        /// <param name="spatial">Positions per channel.</param>
        /// <param name="groups">The number of groups.</param>
        /// <param name="epsilon">Added to the variance.</param>
        /// <param name="x">The input.</param>
        /// <param name="gamma">The scale.</param>
        /// <param name="beta">The shift.</param>
        /// <param name="y">The output (overwritten).</param>
        /// <param name="saveMean">Receives each (sample, group) mean.</param>
        /// <param name="saveInvStd">Receives each (sample, group) 1/√(var + ε).</param>
        public static void Forward(
            int batch, int channels, int spatial, int groups, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
        {
            int perGroup = channels / groups, m = perGroup * spatial;
            for (int b = 0; b < batch; b++)
            {
                for (int g = 0; g < groups; g++)
                {
                    int start = ((b * channels) + (g * perGroup)) * spatial;
                    double sum = 0, squares = 0;
                    for (int k = 0; k < m; k++)
                    {
                        sum += x[start + k];
                    }

                    double mean = sum / m;
                    for (int k = 0; k < m; k++)
                    {
                        squares += (x[start + k] - mean) * (x[start + k] - mean);
                    }

                    double invStd = 1.0 / Math.Sqrt((squares / m) + epsilon);
                    saveMean[(b * groups) + g] = (float)mean;
                    saveInvStd[(b * groups) + g] = (float)invStd;
                    for (int k = 0; k < m; k++)
                    {
                        int c = (g * perGroup) + (k / spatial);
                        y[start + k] = (float)(((x[start + k] - mean) * invStd * gamma[c]) + beta[c]);
                    }
                }
            }
        }

        /// <summary>The gradient through each (sample, group)'s statistics; parameter gradients per channel.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">The number of channels.</param>
        /// <param name="spatial">Positions per channel.</param>
        /// <param name="groups">The number of groups.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="gamma">The scale.</param>
        /// <param name="saveMean">The saved means.</param>
        /// <param name="saveInvStd">The saved inverse standard deviations.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to), or empty.</param>
        /// <param name="dGamma">The scale gradient (added to).</param>
        /// <param name="dBeta">The shift gradient (added to).</param>
        public static void Backward(
            int batch, int channels, int spatial, int groups, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
            ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta)
        {
            int perGroup = channels / groups, m = perGroup * spatial;
            var dGammaSum = new double[channels];
            var dBetaSum = new double[channels];
            for (int b = 0; b < batch; b++)
            {
                for (int g = 0; g < groups; g++)
                {
                    int start = ((b * channels) + (g * perGroup)) * spatial;
                    double mean = saveMean[(b * groups) + g], invStd = saveInvStd[(b * groups) + g];
                    double sumG = 0, sumGXhat = 0;
                    for (int k = 0; k < m; k++)
                    {
                        int c = (g * perGroup) + (k / spatial);
                        double xhat = (x[start + k] - mean) * invStd, gk = dy[start + k] * (double)gamma[c];
                        dBetaSum[c] += dy[start + k];
                        dGammaSum[c] += dy[start + k] * xhat;
                        sumG += gk;
                        sumGXhat += gk * xhat;
                    }

                    if (dx.IsEmpty)
                    {
                        continue;
                    }

                    for (int k = 0; k < m; k++)
                    {
                        int c = (g * perGroup) + (k / spatial);
                        double xhat = (x[start + k] - mean) * invStd, gk = dy[start + k] * (double)gamma[c];
                        dx[start + k] += (float)(invStd * (gk - (sumG / m) - (xhat * sumGXhat / m)));
                    }
                }
            }

            for (int c = 0; c < channels; c++)
            {
                dGamma[c] += (float)dGammaSum[c];
                dBeta[c] += (float)dBetaSum[c];
            }
        }
    }
}

/// <content>The reference twin of the LayerNorm kernels.</content>
public static partial class LayerNorm
{
    /// <summary>Scalar twins of <see cref="LayerNorm.Forward"/> and <see cref="LayerNorm.Backward"/>: GroupNorm over one group of features with per-feature scale.</summary>
    public static class Reference
    {
        /// <summary>Normalizes each sample over its features, then gamma[i]·x̂ + beta[i].</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Features per sample.</param>
        /// <param name="epsilon">Added to the variance.</param>
        /// <param name="x">The input.</param>
        /// <param name="gamma">The scale, one per feature.</param>
        /// <param name="beta">The shift, one per feature.</param>
        /// <param name="y">The output (overwritten).</param>
        /// <param name="saveMean">Receives each sample's mean.</param>
        /// <param name="saveInvStd">Receives each sample's 1/√(var + ε).</param>
        public static void Forward(
            int batch, int features, float epsilon, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
            => GroupNorm.Reference.Forward(batch, features, 1, 1, epsilon, x, gamma, beta, y, saveMean, saveInvStd);

        /// <summary>The gradient through each sample's statistics; parameter gradients per feature.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="features">Features per sample.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="gamma">The scale.</param>
        /// <param name="saveMean">The saved means.</param>
        /// <param name="saveInvStd">The saved inverse standard deviations.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to), or empty.</param>
        /// <param name="dGamma">The scale gradient (added to).</param>
        /// <param name="dBeta">The shift gradient (added to).</param>
        public static void Backward(
            int batch, int features, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
            ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma, Span<float> dBeta)
            => GroupNorm.Reference.Backward(batch, features, 1, 1, x, gamma, saveMean, saveInvStd, dy, dx, dGamma, dBeta);
    }
}

/// <content>The reference twin of the PReLU kernels.</content>
public static partial class PRelu
{
    /// <summary>Scalar twins of <see cref="PRelu.Forward"/> and <see cref="PRelu.Backward"/>.</summary>
    public static class Reference
    {
        /// <summary>y = x &gt; 0 ? x : alpha[c]·x.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">The number of channels.</param>
        /// <param name="spatial">Positions per channel.</param>
        /// <param name="x">The input.</param>
        /// <param name="alpha">The slopes, one per channel.</param>
        /// <param name="y">The output (overwritten).</param>
        public static void Forward(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, Span<float> y)
        {
            for (int k = 0; k < batch * channels * spatial; k++)
            {
                float a = alpha[(k / spatial) % channels];
                y[k] = x[k] > 0f ? x[k] : a * x[k];
            }
        }

        /// <summary>dx += dy·(x &gt; 0 ? 1 : alpha[c]); dAlpha[c] += Σ dy·min(x, 0); either skipped when empty.</summary>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">The number of channels.</param>
        /// <param name="spatial">Positions per channel.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="alpha">The slopes.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to), or empty.</param>
        /// <param name="dAlpha">The slope gradient (added to), or empty.</param>
        public static void Backward(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> alpha, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dAlpha)
        {
            var dAlphaSum = new double[channels];
            for (int k = 0; k < batch * channels * spatial; k++)
            {
                int c = (k / spatial) % channels;
                if (!dx.IsEmpty)
                {
                    dx[k] += dy[k] * (x[k] > 0f ? 1f : alpha[c]);
                }

                dAlphaSum[c] += dy[k] * (double)Math.Min(x[k], 0f);
            }

            if (!dAlpha.IsEmpty)
            {
                for (int c = 0; c < channels; c++)
                {
                    dAlpha[c] += (float)dAlphaSum[c];
                }
            }
        }
    }
}

/// <content>The reference twin of the RReLU kernels that take their slopes as given.</content>
public static partial class RRelu
{
    /// <summary>Scalar twins of <see cref="RRelu.ForwardWithSlopes"/>, <see cref="RRelu.ForwardInference"/>, <see cref="RRelu.Backward"/> and <see cref="RRelu.BackwardInference"/>.</summary>
    public static class Reference
    {
        /// <summary>y = x &gt; 0 ? x : slopes[i]·x.</summary>
        /// <param name="x">The input.</param>
        /// <param name="slopes">The slope of each element.</param>
        /// <param name="y">The output (overwritten).</param>
        public static void ForwardWithSlopes(ReadOnlySpan<float> x, ReadOnlySpan<float> slopes, Span<float> y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = x[i] > 0f ? x[i] : slopes[i] * x[i];
            }
        }

        /// <summary>y = x &gt; 0 ? x : ((lower + upper)/2)·x.</summary>
        /// <param name="lower">The lower bound of the slope.</param>
        /// <param name="upper">The upper bound of the slope.</param>
        /// <param name="x">The input.</param>
        /// <param name="y">The output (overwritten).</param>
        public static void ForwardInference(float lower, float upper, ReadOnlySpan<float> x, Span<float> y)
        {
            float a = (lower + upper) / 2f;
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = x[i] > 0f ? x[i] : a * x[i];
            }
        }

        /// <summary>dx += dy·(x &gt; 0 ? 1 : slopes[i]), skipped when dx is empty.</summary>
        /// <param name="x">The forward input.</param>
        /// <param name="slopes">The slopes the forward used.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to), or empty.</param>
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> slopes, ReadOnlySpan<float> dy, Span<float> dx)
        {
            for (int i = 0; i < dx.Length; i++)
            {
                dx[i] += dy[i] * (x[i] > 0f ? 1f : slopes[i]);
            }
        }

        /// <summary>dx += dy·(x &gt; 0 ? 1 : (lower + upper)/2), skipped when dx is empty.</summary>
        /// <param name="lower">The lower bound of the slope.</param>
        /// <param name="upper">The upper bound of the slope.</param>
        /// <param name="x">The forward input.</param>
        /// <param name="dy">The output gradient.</param>
        /// <param name="dx">The input gradient (added to), or empty.</param>
        public static void BackwardInference(float lower, float upper, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
        {
            float a = (lower + upper) / 2f;
            for (int i = 0; i < dx.Length; i++)
            {
                dx[i] += dy[i] * (x[i] > 0f ? 1f : a);
            }
        }
    }
}

/// <content>The reference twin of the batch-norm folding kernel.</content>
public static partial class BatchNormFold
{
    /// <summary>Scalar twin of <see cref="BatchNormFold.Forward"/>, everything in double.</summary>
    public static class Reference
    {
        /// <summary>W'[o, i] = W[o, i]·γ[o]/√(var[o] + ε) and b'[o] = (b[o] − μ[o])·γ[o]/√(var[o] + ε) + β[o].</summary>
        /// <param name="channels">The layer's output channels.</param>
        /// <param name="fanIn">Weights per output channel.</param>
        /// <param name="epsilon">The batch norm's epsilon.</param>
        /// <param name="weights">The layer's weights, channels×fanIn.</param>
        /// <param name="bias">The layer's bias, or empty.</param>
        /// <param name="gamma">The batch norm's scale.</param>
        /// <param name="beta">The batch norm's shift.</param>
        /// <param name="runningMean">The running mean.</param>
        /// <param name="runningVar">The running variance.</param>
        /// <param name="foldedWeights">Receives W' (overwritten).</param>
        /// <param name="foldedBias">Receives b' (overwritten).</param>
        public static void Forward(
            int channels, int fanIn, float epsilon, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> foldedWeights, Span<float> foldedBias)
        {
            for (int o = 0; o < channels; o++)
            {
                double invStd = 1.0 / Math.Sqrt((double)runningVar[o] + epsilon);
                for (int i = 0; i < fanIn; i++)
                {
                    foldedWeights[(o * fanIn) + i] = (float)(weights[(o * fanIn) + i] * (double)gamma[o] * invStd);
                }

                double b = bias.IsEmpty ? 0.0 : bias[o];
                foldedBias[o] = (float)(((b - runningMean[o]) * invStd * gamma[o]) + beta[o]);
            }
        }
    }
}
