using System;
using System.Collections.Generic;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>The regression path and the validation metrics of <see cref="Trainer"/>.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// The names of the validation metrics a run records, in order: <c>mse</c>, <c>mae</c>, <c>r2</c> for a regression
    /// dataset, then the names of <see cref="TrainerOptions.Metrics"/>; none without a validation set.
    /// </summary>
    /// <param name="options">The run's settings.</param>
    /// <param name="train">The training set (float targets make it a regression run).</param>
    /// <param name="validation">The validation set, or null.</param>
    public static IReadOnlyList<string> ValidationMetricNames(TrainerOptions options, Dataset train, Dataset? validation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        var names = new List<string>();
        if (validation is null)
        {
            return names;
        }

        if (train.HasTargets)
        {
            names.AddRange([RegressionMetrics.MseName, RegressionMetrics.MaeName, RegressionMetrics.R2Name]);
        }

        foreach (IMetric metric in options.Metrics)
        {
            names.Add(metric.Name);
        }

        return names;
    }

    /// <summary>
    /// Evaluates a regression network on a dataset with float targets, in batches in inference mode (the previous mode
    /// is restored).
    /// </summary>
    /// <param name="network">The network, whose outputs are the predictions (a <c>[MeanSquaredError]</c> head).</param>
    /// <param name="dataset">A dataset with <see cref="Dataset.TargetCount"/> equal to the network's output size.</param>
    /// <param name="batchSize">The number of samples per forward pass.</param>
    /// <returns>MSE, MAE and R² of the predictions.</returns>
    public static RegressionMetrics EvaluateRegression(NetworkBase network, Dataset dataset, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckCompatible(network, dataset, nameof(dataset));
        if (!dataset.HasTargets)
        {
            throw new ArgumentException("The dataset has class labels; regression metrics need float targets.", nameof(dataset));
        }

        float[] predictions = network.Predict(dataset.Features, batchSize);
        return RegressionMetrics.Compute(predictions, dataset.Targets, dataset.TargetCount);
    }

    /// <summary>Checks that the datasets and options fit one task and returns whether it is regression.</summary>
    private static bool CheckTask(Dataset train, Dataset? validation, TrainerOptions options)
    {
        bool regression = train.HasTargets;
        if (validation is not null && validation.HasTargets != regression)
        {
            throw new ArgumentException(
                regression
                    ? "The training set has float targets (regression) but the validation set has class labels."
                    : "The training set has class labels but the validation set has float targets (regression).",
                nameof(validation));
        }

        if (regression && options.BatchTransforms.Count > 0)
        {
            throw new ArgumentException(
                "Batch transforms (augmentation, mixup) work on class labels; remove them from TrainerOptions.BatchTransforms to train on float targets.",
                nameof(train));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in ValidationMetricNames(options, train, validation ?? train))
        {
            if (!seen.Add(name))
            {
                throw new ArgumentException($"Two validation metrics are named '{name}'; metric names must be unique (mse, mae and r2 are taken by regression runs).", nameof(options));
            }
        }

        return regression;
    }

    private static bool NeedsValidationOutputs(bool regression, Dataset? validation, TrainerOptions options) =>
        validation is not null && (regression || options.Metrics.Count > 0);

    private static IReadOnlyDictionary<string, double> ComputeValidationMetrics(
        bool regression, Dataset? validation, ReadOnlySpan<float> outputs, int outputSize, TrainerOptions options)
    {
        if (validation is null || outputs.IsEmpty)
        {
            return EpochMetrics.NoMetrics;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (regression)
        {
            RegressionMetrics r = RegressionMetrics.Compute(outputs, validation.Targets, outputSize);
            values[RegressionMetrics.MseName] = r.MeanSquaredError;
            values[RegressionMetrics.MaeName] = r.MeanAbsoluteError;
            values[RegressionMetrics.R2Name] = r.RSquared;
        }

        foreach (IMetric metric in options.Metrics)
        {
            values[metric.Name] = metric.Compute(outputs, validation);
        }

        return values;
    }
}
