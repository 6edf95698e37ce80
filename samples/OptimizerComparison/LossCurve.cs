using NetGen.Training;

namespace NetGen.Samples.OptimizerComparison;

/// <summary>
/// A training callback that records the mean training loss of every <see cref="StepsPerPoint"/> consecutive steps
/// (single-batch losses are too noisy to compare optimizers by).
/// </summary>
/// <param name="stepsPerPoint">The steps averaged into one point; positive.</param>
public sealed class LossCurve(int stepsPerPoint) : TrainingCallback
{
    private readonly List<double> _points = [];
    private double _sum;
    private int _count;

    /// <summary>The steps averaged into one point.</summary>
    public int StepsPerPoint { get; } = stepsPerPoint > 0 ? stepsPerPoint : throw new ArgumentOutOfRangeException(nameof(stepsPerPoint));

    /// <summary>The recorded points, first to last; a last partial window is not included.</summary>
    public IReadOnlyList<double> Points => _points;

    /// <inheritdoc />
    public override void OnStepEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _sum += context.LastLoss;
        if (++_count == StepsPerPoint)
        {
            _points.Add(_sum / _count);
            _sum = 0;
            _count = 0;
        }
    }
}
