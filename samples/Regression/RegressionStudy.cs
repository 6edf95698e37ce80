using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Samples.Regression;

/// <summary>The budget of the diamond-price study.</summary>
public sealed record RegressionSettings
{
    /// <summary>The passes over the training set.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Seeds the split, the initialization and the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The samples per step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's learning rate at the start (a cosine schedule lowers it to 0 over the run).</summary>
    public float LearningRate { get; init; } = 2e-3f;

    /// <summary>The fraction of the table held out for the final test.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>The fraction of the remaining rows held out for validation after each epoch.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Train on at most this many of the training rows (null: all of them), for short runs.</summary>
    public int? TrainLimit { get; init; }
}

/// <summary>What the study measured.</summary>
/// <param name="Network">The trained network (standardized inputs, standardized price).</param>
/// <param name="History">The per-epoch metrics (validation MSE, MAE and R² on the standardized price).</param>
/// <param name="Test">The network's test metrics, in US dollars.</param>
/// <param name="LinearBaseline">The test metrics of least-squares linear regression on the same features, in US dollars.</param>
/// <param name="TrainCount">The training rows.</param>
/// <param name="TestCount">The test rows.</param>
public sealed record RegressionOutcome(
    DiamondPriceMlp Network, TrainingHistory History, RegressionMetrics Test, RegressionMetrics LinearBaseline, int TrainCount, int TestCount);

/// <summary>
/// Predicts diamond prices: splits the table into train, validation and test sets, standardizes the features (and the
/// price) with training statistics, trains <see cref="DiamondPriceMlp"/> with Adam on mean squared error, and compares
/// its test R² with least-squares linear regression on the same features.
/// </summary>
public static class RegressionStudy
{
    /// <summary>Runs the study.</summary>
    /// <param name="all">The whole table (<see cref="Diamonds.Load"/>).</param>
    /// <param name="settings">The budget.</param>
    /// <param name="progress">Receives the trainer's progress, or null.</param>
    public static RegressionOutcome Run(Dataset all, RegressionSettings settings, IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(settings);
        (Dataset rest, Dataset test) = all.Split((int)(all.Count * settings.TestFraction), settings.Seed);
        (Dataset train, Dataset validation) = rest.Split((int)(rest.Count * settings.ValidationFraction), settings.Seed + 1);
        if (settings.TrainLimit is int limit && limit < train.Count)
        {
            train = train.Slice(0, limit);
        }

        // Standardize the features and the price with statistics of the training rows only.
        Standardizer features = Standardizer.Fit(train, StandardizerKind.PerFeature);
        foreach (Dataset set in new[] { train, validation, test })
        {
            features.Apply(set);
        }

        (float priceMean, float priceStd) = MeanAndStd(train.Targets);
        Dataset trainScaled = ScaleTargets(train, priceMean, priceStd);
        Dataset validationScaled = ScaleTargets(validation, priceMean, priceStd);

        // A custom metric: the fraction of validation diamonds priced within 10 % of their real price.
        var within10 = new CustomMetric("within_10pct", (outputs, data) =>
        {
            int hits = 0;
            for (int i = 0; i < data.Count; i++)
            {
                float predicted = (outputs[i] * priceStd) + priceMean;
                float actual = (data.Targets[i] * priceStd) + priceMean;
                hits += Math.Abs(predicted - actual) <= 0.1f * actual ? 1 : 0;
            }

            return (double)hits / data.Count;
        });

        var net = new DiamondPriceMlp(seed: settings.Seed);
        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            Seed = settings.Seed,
            Schedule = new CosineSchedule(),
            Metrics = [within10],
        });
        TrainingHistory history = trainer.Fit(net, new Adam(settings.LearningRate), trainScaled, validationScaled, progress);

        // Test metrics in dollars: undo the price standardization of the predictions.
        float[] predicted = net.Predict(test.Features);
        for (int i = 0; i < predicted.Length; i++)
        {
            predicted[i] = (predicted[i] * priceStd) + priceMean;
        }

        RegressionMetrics testMetrics = RegressionMetrics.Compute(predicted, test.Targets);
        double[] weights = LeastSquares.Fit(train.Features, train.Targets, train.FeatureCount);
        RegressionMetrics baseline = RegressionMetrics.Compute(LeastSquares.Predict(weights, test.Features, test.FeatureCount), test.Targets);
        return new RegressionOutcome(net, history, testMetrics, baseline, train.Count, test.Count);
    }

    /// <summary>The mean and (population) standard deviation of <paramref name="values"/>, in double precision.</summary>
    public static (float Mean, float Std) MeanAndStd(ReadOnlySpan<float> values)
    {
        double mean = 0;
        foreach (float v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double variance = 0;
        foreach (float v in values)
        {
            variance += (v - mean) * (v - mean);
        }

        return ((float)mean, (float)Math.Sqrt(variance / values.Length));
    }

    /// <summary>A copy of <paramref name="data"/> whose targets are (target − mean) / std.</summary>
    public static Dataset ScaleTargets(Dataset data, float mean, float std)
    {
        var targets = data.Targets.ToArray();
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = (targets[i] - mean) / std;
        }

        return new Dataset(data.Features.ToArray(), targets, data.FeatureShape.ToArray(), data.TargetCount);
    }
}

/// <summary>Ordinary least squares with an intercept, by the normal equations in double precision (the baseline).</summary>
public static class LeastSquares
{
    /// <summary>Fits y ≈ w·x + b; returns the <paramref name="features"/> weights followed by the intercept.</summary>
    /// <param name="x">Samples × <paramref name="features"/> values.</param>
    /// <param name="y">One target per sample.</param>
    /// <param name="features">The number of features.</param>
    public static double[] Fit(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int features)
    {
        int n = y.Length;
        int k = features + 1;
        var a = new double[k, k];
        var b = new double[k];
        var row = new double[k];
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < features; j++)
            {
                row[j] = x[(s * features) + j];
            }

            row[features] = 1;
            for (int i = 0; i < k; i++)
            {
                b[i] += row[i] * y[s];
                for (int j = 0; j < k; j++)
                {
                    a[i, j] += row[i] * row[j];
                }
            }
        }

        // Gaussian elimination with partial pivoting on the k × k system A w = b.
        for (int c = 0; c < k; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < k; r++)
            {
                if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c]))
                {
                    pivot = r;
                }
            }

            for (int j = 0; j < k; j++)
            {
                (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            }

            (b[c], b[pivot]) = (b[pivot], b[c]);
            for (int r = c + 1; r < k; r++)
            {
                double f = a[r, c] / a[c, c];
                for (int j = c; j < k; j++)
                {
                    a[r, j] -= f * a[c, j];
                }

                b[r] -= f * b[c];
            }
        }

        var w = new double[k];
        for (int r = k - 1; r >= 0; r--)
        {
            double sum = b[r];
            for (int j = r + 1; j < k; j++)
            {
                sum -= a[r, j] * w[j];
            }

            w[r] = sum / a[r, r];
        }

        return w;
    }

    /// <summary>The predictions w·x + b of weights from <see cref="Fit"/>.</summary>
    public static float[] Predict(double[] weights, ReadOnlySpan<float> x, int features)
    {
        var predictions = new float[x.Length / features];
        for (int s = 0; s < predictions.Length; s++)
        {
            double sum = weights[features];
            for (int j = 0; j < features; j++)
            {
                sum += weights[j] * x[(s * features) + j];
            }

            predictions[s] = (float)sum;
        }

        return predictions;
    }
}
