namespace NetGen.Tests;

/// <summary>
/// A test's own thread count: each <see cref="Set"/> opens a <see cref="Compute.UseThreads"/> scope for the calling
/// thread and the work it starts (closing the previous one), so tests that vary the thread count run in parallel with
/// the others without changing the process default. Dispose closes the last scope.
/// </summary>
internal sealed class TestThreads : IDisposable
{
    private Compute.ThreadCountScope _scope;
    private bool _open;

    /// <summary>Uses <paramref name="threads"/> threads from now on (until the next Set or Dispose).</summary>
    public void Set(int threads)
    {
        Dispose();
        _scope = Compute.UseThreads(threads);
        _open = true;
    }

    /// <summary>Puts back the thread count in effect before the first <see cref="Set"/>.</summary>
    public void Dispose()
    {
        if (_open)
        {
            _scope.Dispose();
            _open = false;
        }
    }
}
