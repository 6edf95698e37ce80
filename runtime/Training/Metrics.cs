using System;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>
/// A quality measure the <see cref="Trainer"/> computes on the validation set after every epoch (see
/// <see cref="TrainerOptions.Metrics"/>). Its value is recorded in <see cref="EpochMetrics.ValidationMetrics"/> under
/// <see cref="Name"/>, in the <see cref="MetricsLogger"/> CSV as the column <c>val_{Name}</c> and on the console line.
/// </summary>
public interface IMetric
{
    /// <summary>The metric's name, e.g. <c>top3</c>: a key of <see cref="EpochMetrics.ValidationMetrics"/> and a CSV column suffix.</summary>
    string Name { get; }

    /// <summary>Computes the metric from the network's outputs on every sample of <paramref name="dataset"/>.</summary>
    /// <param name="outputs">
    /// The outputs in inference mode, <c>dataset.Count × OutputSize</c> floats in dataset order: class probabilities
    /// for a <c>[SoftmaxCrossEntropy]</c> head, the predicted values for a <c>[MeanSquaredError]</c> head.
    /// </param>
    /// <param name="dataset">The validation set, with its labels or targets.</param>
    /// <returns>The metric's value.</returns>
    double Compute(ReadOnlySpan<float> outputs, Dataset dataset);
}

/// <summary>Computes a metric from a network's outputs on a dataset; see <see cref="IMetric.Compute"/>.</summary>
/// <param name="outputs">The outputs, <c>dataset.Count × OutputSize</c> floats in dataset order.</param>
/// <param name="dataset">The dataset, with its labels or targets.</param>
/// <returns>The metric's value.</returns>
public delegate double MetricFunction(ReadOnlySpan<float> outputs, Dataset dataset);

/// <summary>A metric given by a name and a function, e.g. <c>new CustomMetric("max_error", (outputs, data) =&gt; …)</c>.</summary>
public sealed class CustomMetric : IMetric
{
    private readonly MetricFunction _compute;

    /// <summary>Creates the metric.</summary>
    /// <param name="name">The metric's name (letters, digits and underscores read best as a CSV column).</param>
    /// <param name="compute">The function that computes it.</param>
    public CustomMetric(string name, MetricFunction compute)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(compute);
        Name = name;
        _compute = compute;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public double Compute(ReadOnlySpan<float> outputs, Dataset dataset) => _compute(outputs, dataset);
}

/// <summary>
/// The usual regression metrics of predictions against targets, accumulated in double precision; for several
/// outputs per sample MSE and MAE are means over every value and R² is the mean of the per-output R² (as
/// scikit-learn's <c>r2_score</c> with <c>multioutput="uniform_average"</c>).
/// </summary>
/// <param name="MeanSquaredError">The mean of (prediction − target)².</param>
/// <param name="MeanAbsoluteError">The mean of |prediction − target|.</param>
/// <param name="RSquared">
/// The coefficient of determination, 1 − Σ(prediction − target)² / Σ(target − mean target)²: 1 for perfect predictions,
/// 0 for always predicting the mean, negative for worse. An output whose targets are all equal counts as 1 when
/// predicted exactly and 0 otherwise.
/// </param>
public readonly record struct RegressionMetrics(double MeanSquaredError, double MeanAbsoluteError, double RSquared)
{
    /// <summary>The key (and CSV column suffix) of <see cref="MeanSquaredError"/> in <see cref="EpochMetrics.ValidationMetrics"/>.</summary>
    public const string MseName = "mse";

    /// <summary>The key of <see cref="MeanAbsoluteError"/> in <see cref="EpochMetrics.ValidationMetrics"/>.</summary>
    public const string MaeName = "mae";

    /// <summary>The key of <see cref="RSquared"/> in <see cref="EpochMetrics.ValidationMetrics"/>.</summary>
    public const string R2Name = "r2";

    /// <summary>Computes the metrics of <paramref name="predictions"/> against <paramref name="targets"/>.</summary>
    /// <param name="predictions">The predictions, samples × <paramref name="outputs"/> values.</param>
    /// <param name="targets">The targets, same layout.</param>
    /// <param name="outputs">The number of values per sample.</param>
    public static RegressionMetrics Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int outputs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        if (predictions.Length != targets.Length)
        {
            throw new ArgumentException($"There are {predictions.Length} predictions but {targets.Length} targets.", nameof(predictions));
        }

        if (targets.Length == 0 || targets.Length % outputs != 0)
        {
            throw new ArgumentException($"{targets.Length} targets are not a positive whole number of samples of {outputs} outputs.", nameof(targets));
        }

        int samples = targets.Length / outputs;
        double squared = 0;
        double absolute = 0;
        double r2Sum = 0;
        for (int o = 0; o < outputs; o++)
        {
            double mean = 0;
            for (int i = 0; i < samples; i++)
            {
                mean += targets[(i * outputs) + o];
            }

            mean /= samples;
            double residual = 0;
            double total = 0;
            for (int i = 0; i < samples; i++)
            {
                double t = targets[(i * outputs) + o];
                double e = predictions[(i * outputs) + o] - t;
                residual += e * e;
                absolute += Math.Abs(e);
                total += (t - mean) * (t - mean);
            }

            squared += residual;
            r2Sum += total > 0 ? 1 - (residual / total) : residual == 0 ? 1 : 0;
        }

        return new RegressionMetrics(squared / targets.Length, absolute / targets.Length, r2Sum / outputs);
    }
}
