using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using NetGen.Data;
using NetGen.Training;

namespace NetGen.Optimizers;

/// <summary>
/// An objective for <see cref="Lbfgs"/>: returns f(x) and writes ∇f(x) into <paramref name="gradient"/>, which arrives
/// zeroed and has the length of <paramref name="x"/>.
/// </summary>
/// <param name="x">The point at which to evaluate.</param>
/// <param name="gradient">Receives the gradient at <paramref name="x"/>.</param>
/// <returns>The objective's value at <paramref name="x"/>.</returns>
public delegate double ObjectiveFunction(ReadOnlySpan<float> x, Span<float> gradient);

/// <summary>How <see cref="Lbfgs"/> chooses the step length along each search direction.</summary>
public enum LbfgsLineSearch
{
    /// <summary>
    /// A bracketing and zooming search with cubic interpolation that stops at a step satisfying the strong Wolfe
    /// conditions (sufficient decrease with c1 = 1e-4, curvature |φ'(t)| ≤ 0.9·|φ'(0)|), so that every accepted step
    /// has positive curvature yᵀs &gt; 0 and the quasi-Newton update stays well defined. The default; torch's
    /// <c>line_search_fn="strong_wolfe"</c>.
    /// </summary>
    StrongWolfe = 0,

    /// <summary>Backtracking from the initial step with quadratic interpolation until the Armijo condition (c1 = 1e-4) holds.</summary>
    Backtracking = 1,

    /// <summary>
    /// No line search: a fixed step of <see cref="Lbfgs.LearningRate"/> (on the first iteration scaled by
    /// <c>min(1, 1/‖g‖₁)</c>), exactly as torch's <c>LBFGS</c> without <c>line_search_fn</c>; it may diverge.
    /// </summary>
    None = 2,
}

/// <summary>Why <see cref="Lbfgs.Minimize"/> stopped.</summary>
public enum LbfgsStopReason
{
    /// <summary>The largest gradient component fell to <see cref="Lbfgs.GradientTolerance"/> or below (converged).</summary>
    GradientTolerance = 0,

    /// <summary>The step, the change of the objective or the directional derivative fell below <see cref="Lbfgs.ChangeTolerance"/>.</summary>
    ChangeTolerance = 1,

    /// <summary><see cref="Lbfgs.MaxIterations"/> iterations were taken.</summary>
    MaxIterations = 2,

    /// <summary><see cref="Lbfgs.MaxEvaluations"/> objective evaluations were spent.</summary>
    MaxEvaluations = 3,

    /// <summary>The line search found no step that decreases the objective; the last good point is kept.</summary>
    LineSearchFailed = 4,

    /// <summary>The objective became NaN or infinite (possible only without a line search).</summary>
    NonFiniteObjective = 5,
}

/// <summary>The outcome of an <see cref="Lbfgs"/> run.</summary>
/// <param name="Loss">The objective's value at the final point.</param>
/// <param name="Iterations">The number of iterations (search directions) taken.</param>
/// <param name="Evaluations">The number of objective evaluations, the first one included.</param>
/// <param name="GradientMaxNorm">The largest absolute gradient component at the final point.</param>
/// <param name="StopReason">Why the run stopped.</param>
public readonly record struct LbfgsResult(double Loss, int Iterations, int Evaluations, double GradientMaxNorm, LbfgsStopReason StopReason);

/// <summary>
/// Limited-memory BFGS for smooth full-batch problems (Nocedal &amp; Wright, Numerical Optimization, ch. 7): the search
/// direction is the two-loop recursion over the last <see cref="HistorySize"/> step and gradient-change pairs applied to
/// −∇f, scaled by <c>γ = sᵀy / yᵀy</c>; the step length comes from a <see cref="LbfgsLineSearch"/> (strong Wolfe by
/// default). Options follow torch's <c>optim.LBFGS</c> (<c>lr</c>, <c>max_iter</c>, <c>max_eval</c>,
/// <c>tolerance_grad</c>, <c>tolerance_change</c>, <c>history_size</c>), but one <see cref="Minimize"/> call is a whole
/// optimization, so the defaults allow more iterations and keep a scipy-like history of 10.
/// </summary>
/// <remarks>
/// The point is a flat float vector updated in place; dot products accumulate in double. The history, the direction
/// and the line-search buffers are allocated on the first call for a given length and reused, so iterations allocate
/// nothing. Not thread-safe.
/// </remarks>
public sealed class Lbfgs : IStateful<OptimizerState>
{
    private const double ArmijoConstant = 1e-4;
    private const double CurvatureConstant = 0.9;
    private const int MaxLineSearchEvaluations = 25;
    private const int DotBlock = 1024;

    private int _length = -1;
    private float[] _s = [], _y = [], _direction = [], _gradient = [], _previousGradient = [], _start = [], _trialGradient = [], _lowGradient = [];
    private double[] _rho = [], _alpha = [];

    /// <summary>Creates an L-BFGS optimizer.</summary>
    /// <param name="historySize">The number m of correction pairs kept; positive (torch's <c>history_size</c>).</param>
    /// <param name="lineSearch">How step lengths are chosen.</param>
    /// <param name="learningRate">The initial step length tried along each direction (torch's <c>lr</c>); 1 is right with a line search.</param>
    /// <param name="maxIterations">The most iterations per <see cref="Minimize"/> call; positive.</param>
    /// <param name="maxEvaluations">The most objective evaluations per call, or null for twice <paramref name="maxIterations"/> (plus one).</param>
    /// <param name="gradientTolerance">Stop when the largest absolute gradient component is at most this (torch's <c>tolerance_grad</c>).</param>
    /// <param name="changeTolerance">Stop when the largest step component or the change of the objective falls below this (torch's <c>tolerance_change</c>).</param>
    public Lbfgs(
        int historySize = 10,
        LbfgsLineSearch lineSearch = LbfgsLineSearch.StrongWolfe,
        float learningRate = 1f,
        int maxIterations = 100,
        int? maxEvaluations = null,
        double gradientTolerance = 1e-7,
        double changeTolerance = 1e-9)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historySize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        if (!(learningRate > 0f) || !float.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        }

        if (!(gradientTolerance >= 0) || !(changeTolerance >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(gradientTolerance), "The tolerances must be 0 or more.");
        }

        int evaluations = maxEvaluations ?? (2 * maxIterations) + 1;
        ArgumentOutOfRangeException.ThrowIfLessThan(evaluations, 1, nameof(maxEvaluations));
        HistorySize = historySize;
        LineSearch = lineSearch;
        LearningRate = learningRate;
        MaxIterations = maxIterations;
        MaxEvaluations = evaluations;
        GradientTolerance = gradientTolerance;
        ChangeTolerance = changeTolerance;
    }

    /// <summary>The number of correction pairs kept.</summary>
    public int HistorySize { get; }

    /// <summary>How step lengths are chosen.</summary>
    public LbfgsLineSearch LineSearch { get; }

    /// <summary>The initial step length tried along each direction.</summary>
    public float LearningRate { get; }

    /// <summary>The most iterations per call.</summary>
    public int MaxIterations { get; }

    /// <summary>The most objective evaluations per call.</summary>
    public int MaxEvaluations { get; }

    /// <summary>The tolerance on the largest absolute gradient component (the ∞-norm of the gradient).</summary>
    public double GradientTolerance { get; }

    /// <summary>The tolerance on the largest step component and on the change of the objective.</summary>
    public double ChangeTolerance { get; }

    /// <summary>Minimizes <paramref name="objective"/> starting from <paramref name="x"/>, which receives the final point.</summary>
    /// <param name="x">The starting point; overwritten with each trial point during the search and with the result at the end.</param>
    /// <param name="objective">The function and its gradient.</param>
    /// <returns>The final loss, the iteration and evaluation counts, and why the run stopped.</returns>
    /// <exception cref="ArgumentException">The objective is not finite at the starting point.</exception>
    public LbfgsResult Minimize(Span<float> x, ObjectiveFunction objective)
    {
        LbfgsResult result = MinimizeFrom(x, objective);
        StepCount += result.Iterations;
        return result;
    }

    /// <summary>The iterations taken by all <see cref="Minimize"/> (and <see cref="Fit"/>) calls so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>
    /// The state that outlives a call: the iteration count. Each <see cref="Minimize"/> call is a whole optimization
    /// that starts its correction history afresh, so there are no buffers to save (the reused scratch vectors hold
    /// nothing the next call reads).
    /// </summary>
    /// <returns>The step count and no buffers.</returns>
    public OptimizerState GetState() => new(StepCount, [], []);

    /// <summary>Takes the iteration count of a state from <see cref="GetState"/>.</summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentException">The state holds buffers (it is another optimizer's) or a negative count.</exception>
    public void SetState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        StateCheck.Fits(
            state.Names.Count == 0 && state.StepCount >= 0,
            $"An L-BFGS state holds no buffers and a step count of 0 or more, not [{string.Join(", ", state.Names)}] and {state.StepCount}.");

        StepCount = state.StepCount;
    }

    private LbfgsResult MinimizeFrom(Span<float> x, ObjectiveFunction objective)
    {
        ArgumentNullException.ThrowIfNull(objective);
        EnsureBuffers(x.Length);
        int n = x.Length, m = HistorySize;
        Span<float> g = _gradient, d = _direction, gPrevious = _previousGradient, x0 = _start;
        int evaluations = 0;
        double f = Evaluate(objective, x, g, ref evaluations);
        if (!double.IsFinite(f))
        {
            throw new ArgumentException($"The objective is {f} at the starting point; L-BFGS needs a finite start.", nameof(x));
        }

        double gMax = MaxAbs(g);
        if (gMax <= GradientTolerance)
        {
            return new LbfgsResult(f, 0, evaluations, gMax, LbfgsStopReason.GradientTolerance);
        }

        int count = 0, newest = -1;
        double gamma = 1;
        for (int iteration = 1; iteration <= MaxIterations; iteration++)
        {
            // Direction: d = −H·g by the two-loop recursion (plain −g on the first iteration or after a reset).
            double gtd = TwoLoop(g, d, count, newest, gamma);
            if (gtd >= 0 && count > 0)
            {
                count = 0; // the history no longer gives a descent direction: forget it and use steepest descent
                gamma = 1;
                gtd = TwoLoop(g, d, 0, newest, gamma);
            }

            if (gtd > -ChangeTolerance)
            {
                return new LbfgsResult(f, iteration - 1, evaluations, gMax, LbfgsStopReason.ChangeTolerance);
            }

            double t = iteration == 1 ? Math.Min(1.0, 1.0 / TensorPrimitives.SumOfMagnitudes(g)) * LearningRate : LearningRate;
            x.CopyTo(x0);
            g.CopyTo(gPrevious);
            double f0 = f;

            bool moved = LineSearch switch
            {
                LbfgsLineSearch.StrongWolfe => StrongWolfe(objective, x, g, f0, gtd, ref t, ref f, ref evaluations),
                LbfgsLineSearch.Backtracking => Backtrack(objective, x, g, f0, gtd, ref t, ref f, ref evaluations),
                _ => FixedStep(objective, x, g, t, ref f, ref evaluations),
            };
            if (!moved)
            {
                x0.CopyTo(x);
                gPrevious.CopyTo(g);
                return new LbfgsResult(f0, iteration, evaluations, gMax, LbfgsStopReason.LineSearchFailed);
            }

            gMax = MaxAbs(g);
            if (!double.IsFinite(f))
            {
                return new LbfgsResult(f, iteration, evaluations, gMax, LbfgsStopReason.NonFiniteObjective);
            }

            // Correction pair s = x − x₀, y = g − g₀, kept only with positive curvature yᵀs.
            int slot = (newest + 1) % m;
            Span<float> s = _s.AsSpan(slot * n, n), y = _y.AsSpan(slot * n, n);
            TensorPrimitives.Subtract(x, x0, s);
            TensorPrimitives.Subtract(g, gPrevious, y);
            double ys = Dot(y, s);
            double stepMax = MaxAbs(s);
            if (ys > 1e-10)
            {
                newest = slot;
                count = Math.Min(count + 1, m);
                _rho[slot] = 1.0 / ys;
                gamma = ys / Dot(y, y);
            }

            if (gMax <= GradientTolerance)
            {
                return new LbfgsResult(f, iteration, evaluations, gMax, LbfgsStopReason.GradientTolerance);
            }

            if (stepMax <= ChangeTolerance || Math.Abs(f - f0) < ChangeTolerance)
            {
                return new LbfgsResult(f, iteration, evaluations, gMax, LbfgsStopReason.ChangeTolerance);
            }

            if (evaluations >= MaxEvaluations)
            {
                return new LbfgsResult(f, iteration, evaluations, gMax, LbfgsStopReason.MaxEvaluations);
            }
        }

        return new LbfgsResult(f, MaxIterations, evaluations, gMax, LbfgsStopReason.MaxIterations);
    }

    /// <summary>
    /// Trains <paramref name="network"/> on the whole of <paramref name="dataset"/> at once: the objective is the mean
    /// loss over all samples (forward passes of <paramref name="batchSize"/> samples whose gradients are combined with
    /// weights <c>size/count</c>) plus the penalties of <paramref name="gradientTransforms"/>. The network runs in
    /// <see cref="NetworkMode.Training"/> mode (its previous mode is restored); L-BFGS needs a deterministic objective,
    /// so use it with networks without dropout or other training-time randomness.
    /// </summary>
    /// <param name="network">The network; its parameters are the starting point and receive the result.</param>
    /// <param name="dataset">All training samples.</param>
    /// <param name="gradientTransforms">Penalties (such as an L2 penalty) added to the objective and its gradient, or null. Clipping does not belong here: it would make the gradient disagree with the objective.</param>
    /// <param name="batchSize">The samples per forward pass, or 0 for the whole dataset in one pass.</param>
    /// <returns>The final loss (with penalties) and the counts.</returns>
    public LbfgsResult Fit(NetworkBase network, Dataset dataset, IReadOnlyList<IGradientTransform>? gradientTransforms = null, int batchSize = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        if (dataset.Count == 0)
        {
            throw new ArgumentException("The dataset is empty.", nameof(dataset));
        }

        if (dataset.FeatureCount != network.InputSize)
        {
            throw new ArgumentException($"The dataset's samples have {dataset.FeatureCount} features but the network takes {network.InputSize} inputs.", nameof(dataset));
        }

        if (dataset.ClassCount > network.OutputSize)
        {
            throw new ArgumentException($"The dataset has {dataset.ClassCount} classes but the network has only {network.OutputSize} outputs.", nameof(dataset));
        }

        int total = dataset.Count;
        int chunk = batchSize == 0 ? total : Math.Min(batchSize, total);
        int features = dataset.FeatureCount;
        network.EnsureBatchCapacity(chunk);

        double Objective(ReadOnlySpan<float> x, Span<float> gradient)
        {
            Span<float> parameters = network.Parameters;
            if (!x.Overlaps(parameters))
            {
                x.CopyTo(parameters);
            }

            double loss = 0;
            ReadOnlySpan<float> samples = dataset.Features;
            ReadOnlySpan<int> labels = dataset.Labels;
            for (int start = 0; start < total; start += chunk)
            {
                int size = Math.Min(chunk, total - start);
                float weight = (float)size / total;
                network.Forward(samples.Slice(start * features, size * features), size);
                loss += (double)network.Loss(labels.Slice(start, size)) * size / total;
                network.ZeroGradients();
                network.Backward(labels.Slice(start, size));
                AddScaled(network.Gradients, weight, gradient);
            }

            if (gradientTransforms is not null)
            {
                for (int t = 0; t < gradientTransforms.Count; t++)
                {
                    loss += gradientTransforms[t].Apply(network, gradient);
                }
            }

            return loss;
        }

        NetworkMode mode = network.Mode;
        network.Mode = NetworkMode.Training;
        try
        {
            return Minimize(network.Parameters, Objective);
        }
        finally
        {
            network.Mode = mode;
        }
    }

    /// <summary>
    /// Writes <c>d = −H·g</c> using the <paramref name="count"/> newest correction pairs (newest in slot
    /// <paramref name="newest"/>) and the initial scaling <paramref name="gamma"/>; returns <c>gᵀd</c>.
    /// </summary>
    private double TwoLoop(ReadOnlySpan<float> g, Span<float> d, int count, int newest, double gamma)
    {
        int n = g.Length, m = HistorySize;
        for (int i = 0; i < n; i++)
        {
            d[i] = -g[i];
        }

        // First loop, newest to oldest: αᵢ = ρᵢ·sᵢᵀq, q −= αᵢ·yᵢ.
        for (int k = 0; k < count; k++)
        {
            int slot = (newest - k + m) % m;
            double a = _rho[slot] * Dot(_s.AsSpan(slot * n, n), d);
            _alpha[slot] = a;
            AddScaled(_y.AsSpan(slot * n, n), (float)-a, d);
        }

        // r = γ·q, then oldest to newest: βᵢ = ρᵢ·yᵢᵀr, r += (αᵢ − βᵢ)·sᵢ.
        if (gamma != 1)
        {
            float scale = (float)gamma;
            for (int i = 0; i < n; i++)
            {
                d[i] *= scale;
            }
        }

        for (int k = count - 1; k >= 0; k--)
        {
            int slot = (newest - k + m) % m;
            double b = _rho[slot] * Dot(_y.AsSpan(slot * n, n), d);
            AddScaled(_s.AsSpan(slot * n, n), (float)(_alpha[slot] - b), d);
        }

        return Dot(g, d);
    }

    /// <summary>Sets <c>x = x₀ + t·d</c>.</summary>
    private void MoveTo(Span<float> x, double t)
    {
        ReadOnlySpan<float> x0 = _start, d = _direction;
        float step = (float)t;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = x0[i] + (step * d[i]);
        }
    }

    /// <summary>Evaluates φ(t) = f(x₀ + t·d): moves <paramref name="x"/> there, fills <paramref name="gradient"/> and returns (f, φ'(t)).</summary>
    private (double F, double Slope) Phi(ObjectiveFunction objective, Span<float> x, double t, Span<float> gradient, ref int evaluations)
    {
        MoveTo(x, t);
        double f = Evaluate(objective, x, gradient, ref evaluations);
        return (double.IsFinite(f) ? f : double.PositiveInfinity, Dot(gradient, _direction));
    }

    /// <summary>
    /// Strong Wolfe line search (Nocedal &amp; Wright, algorithms 3.5 and 3.6): grow the step until a bracket holds an
    /// acceptable point, then shrink the bracket by safeguarded cubic interpolation. On return x, g and f are those of
    /// the accepted step, or of the best point with sufficient decrease found; false when there was none.
    /// </summary>
    private bool StrongWolfe(ObjectiveFunction objective, Span<float> x, Span<float> g, double f0, double gtd0, ref double t, ref double f, ref int evaluations)
    {
        Span<float> trial = _trialGradient, low = _lowGradient;
        double dMax = MaxAbs(_direction);

        // The "low" end: the best point so far with sufficient decrease (t = 0 at first), with its gradient.
        double tLow = 0, fLow = f0, dLow = gtd0;
        g.CopyTo(low);
        double tHigh = 0, fHigh = 0, dHigh = 0;
        bool bracketed = false;
        int tries = 0;

        // Phase 1: bracketing.
        double tPrevious = 0, fPrevious = f0, dPrevious = gtd0;
        while (tries < MaxLineSearchEvaluations)
        {
            (double ft, double dt) = Phi(objective, x, t, trial, ref evaluations);
            tries++;
            if (ft > f0 + (ArmijoConstant * t * gtd0) || (tries > 1 && ft >= fPrevious))
            {
                (tHigh, fHigh, dHigh) = (t, ft, dt);
                bracketed = true;
                break;
            }

            if (Math.Abs(dt) <= -CurvatureConstant * gtd0)
            {
                trial.CopyTo(g);
                f = ft;
                return true;
            }

            (tLow, fLow, dLow) = (t, ft, dt);
            trial.CopyTo(low);
            if (dt >= 0)
            {
                (tHigh, fHigh, dHigh) = (tPrevious, fPrevious, dPrevious);
                bracketed = true;
                break;
            }

            double next = CubicMinimum(tPrevious, fPrevious, dPrevious, t, ft, dt, t + (0.01 * (t - tPrevious)), 10 * t);
            (tPrevious, fPrevious, dPrevious) = (t, ft, dt);
            t = next;
        }

        // Phase 2: zoom into [tLow, tHigh] keeping sufficient decrease at the low end.
        while (bracketed && tries < MaxLineSearchEvaluations && Math.Abs(tHigh - tLow) * dMax >= ChangeTolerance)
        {
            double lo = Math.Min(tLow, tHigh), hi = Math.Max(tLow, tHigh), margin = 0.1 * (hi - lo);
            double tz = Math.Clamp(CubicMinimum(tLow, fLow, dLow, tHigh, fHigh, dHigh, lo, hi), lo + margin, hi - margin);
            (double fz, double dz) = Phi(objective, x, tz, trial, ref evaluations);
            tries++;
            if (fz > f0 + (ArmijoConstant * tz * gtd0) || fz >= fLow)
            {
                (tHigh, fHigh, dHigh) = (tz, fz, dz);
                continue;
            }

            if (Math.Abs(dz) <= -CurvatureConstant * gtd0)
            {
                trial.CopyTo(g);
                t = tz;
                f = fz;
                return true;
            }

            if (dz * (tHigh - tLow) >= 0)
            {
                (tHigh, fHigh, dHigh) = (tLow, fLow, dLow);
            }

            (tLow, fLow, dLow) = (tz, fz, dz);
            trial.CopyTo(low);
        }

        // No strong Wolfe point within the budget: settle for the best point with sufficient decrease.
        if (tLow == 0)
        {
            return false;
        }

        MoveTo(x, tLow); // the objective was evaluated there before; its gradient is in `low`
        low.CopyTo(g);
        t = tLow;
        f = fLow;
        return true;
    }

    /// <summary>Backtracking with quadratic interpolation until the Armijo condition holds; false after the budget.</summary>
    private bool Backtrack(ObjectiveFunction objective, Span<float> x, Span<float> g, double f0, double gtd0, ref double t, ref double f, ref int evaluations)
    {
        Span<float> trial = _trialGradient;
        for (int tries = 0; tries < MaxLineSearchEvaluations; tries++)
        {
            (double ft, _) = Phi(objective, x, t, trial, ref evaluations);
            if (ft <= f0 + (ArmijoConstant * t * gtd0))
            {
                trial.CopyTo(g);
                f = ft;
                return true;
            }

            // Minimum of the quadratic through φ(0), φ'(0) and φ(t), kept within [0.1·t, 0.5·t].
            double curvature = ft - f0 - (gtd0 * t);
            double next = double.IsFinite(curvature) && curvature > 0 ? -gtd0 * t * t / (2 * curvature) : 0.5 * t;
            t = Math.Clamp(next, 0.1 * t, 0.5 * t);
        }

        return false;
    }

    /// <summary>Torch's behaviour without a line search: one step of length <paramref name="t"/>, accepted whatever it gives.</summary>
    private bool FixedStep(ObjectiveFunction objective, Span<float> x, Span<float> g, double t, ref double f, ref int evaluations)
    {
        (double ft, _) = Phi(objective, x, t, _trialGradient, ref evaluations);
        _trialGradient.CopyTo(g);
        f = ft;
        return true;
    }

    /// <summary>
    /// The minimizer of the cubic through (t1, f1, d1) and (t2, f2, d2), clamped to [lower, upper]; the middle of the
    /// interval when the cubic has no minimizer or the data are not finite.
    /// </summary>
    private static double CubicMinimum(double t1, double f1, double d1, double t2, double f2, double d2, double lower, double upper)
    {
        double e1 = d1 + d2 - (3 * (f1 - f2) / (t1 - t2));
        double radicand = (e1 * e1) - (d1 * d2);
        if (radicand >= 0 && double.IsFinite(radicand))
        {
            double e2 = Math.Sqrt(radicand) * (t2 >= t1 ? 1 : -1);
            double t = t2 - ((t2 - t1) * ((d2 + e2 - e1) / (d2 - d1 + (2 * e2))));
            if (double.IsFinite(t))
            {
                return Math.Clamp(t, lower, upper);
            }
        }

        return 0.5 * (lower + upper);
    }

    private static double Evaluate(ObjectiveFunction objective, ReadOnlySpan<float> x, Span<float> gradient, ref int evaluations)
    {
        gradient.Clear();
        evaluations++;
        return objective(x, gradient);
    }

    private void EnsureBuffers(int n)
    {
        if (n == _length)
        {
            return;
        }

        int m = HistorySize;
        _s = new float[checked(m * n)];
        _y = new float[m * n];
        _rho = new double[m];
        _alpha = new double[m];
        _direction = new float[n];
        _gradient = new float[n];
        _previousGradient = new float[n];
        _start = new float[n];
        _trialGradient = new float[n];
        _lowGradient = new float[n];
        _length = n;
    }

    /// <summary>Σ a[i]·b[i]: <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> over blocks, summed in double across blocks.</summary>
    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double total = 0;
        for (int start = 0; start < a.Length; start += DotBlock)
        {
            int length = Math.Min(DotBlock, a.Length - start);
            total += TensorPrimitives.Dot(a.Slice(start, length), b.Slice(start, length));
        }

        return total;
    }

    /// <summary><c>y[i] += a·x[i]</c>.</summary>
    private static void AddScaled(ReadOnlySpan<float> x, float a, Span<float> y) => TensorPrimitives.MultiplyAdd(x, a, y, y);

    /// <summary>The largest |x[i]| (NaN when any is NaN), 0 for an empty vector.</summary>
    private static double MaxAbs(ReadOnlySpan<float> x) => x.IsEmpty ? 0 : MathF.Abs(TensorPrimitives.MaxMagnitude(x));
}
