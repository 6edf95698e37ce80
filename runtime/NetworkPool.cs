using System;
using System.Threading;
using System.Threading.Tasks;

namespace NetGen;

/// <summary>
/// A bounded pool of inference instances of one network, for running inference on many threads at once (a web server,
/// a batch job): every instance is a <see cref="NetworkBase.CloneForInference"/> of <see cref="Prototype"/>, so all of
/// them read one shared copy of the parameters and each has only its own activation arena.
/// </summary>
/// <remarks>
/// <para>
/// Rent an instance for one request and give it back by disposing the lease
/// (<c>using var lease = pool.Rent(); lease.Network.Forward(input, batch, output);</c>), or let
/// <see cref="Predict"/> do both. Instances are created on first need, at most <see cref="MaxInstances"/>, and reused:
/// after every instance has seen the largest batch, renting, running and returning allocate nothing. When all
/// instances are rented, <see cref="Rent"/> waits for one to come back (<see cref="RentAsync"/> waits without blocking
/// a thread).
/// </para>
/// <para>
/// The pool is thread-safe; the instance behind a lease belongs to the renter until the lease is disposed, and must
/// not be used after that. The parameters are shared, not copied: change them (an optimizer step, loading a
/// checkpoint) only while no request is running, or build a new pool from a new prototype and switch to it.
/// </para>
/// </remarks>
/// <typeparam name="TNetwork">The generated network type.</typeparam>
public sealed class NetworkPool<TNetwork>
    where TNetwork : NetworkBase
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _available;
    private readonly TNetwork[] _instances;
    private readonly long[] _stamps; // per instance: odd while rented; a lease remembers the value it was rented at
    private readonly int[] _idle; // a stack of the indices of idle instances
    private int _idleCount;
    private int _created;

    /// <summary>Creates a pool whose instances share <paramref name="prototype"/>'s parameters.</summary>
    /// <param name="prototype">The trained network; the pool never changes it, and it stays usable for training.</param>
    /// <param name="maxInstances">The most instances the pool creates; 0 (the default) means twice <see cref="Environment.ProcessorCount"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxInstances"/> is negative.</exception>
    /// <exception cref="ArgumentException">The network's clone is not a <typeparamref name="TNetwork"/> (a class derived from a generated network).</exception>
    /// <exception cref="NotSupportedException">The network is not generated and cannot clone itself.</exception>
    public NetworkPool(TNetwork prototype, int maxInstances = 0)
    {
        ArgumentNullException.ThrowIfNull(prototype);
        ArgumentOutOfRangeException.ThrowIfNegative(maxInstances);
        Prototype = prototype;
        MaxInstances = maxInstances == 0 ? Math.Max(2, Environment.ProcessorCount * 2) : maxInstances;
        _instances = new TNetwork[MaxInstances];
        _stamps = new long[MaxInstances];
        _idle = new int[MaxInstances];
        _available = new SemaphoreSlim(MaxInstances, MaxInstances);

        // The first instance now, so that a network that cannot be pooled fails here rather than on a request.
        if (prototype.CloneForInference() is not TNetwork first)
        {
            throw new ArgumentException($"{prototype.GetType().Name} clones into its generated base class, not into {typeof(TNetwork).Name}; pool the generated network type.", nameof(prototype));
        }

        _instances[0] = first;
        _created = 1;
        _idle[0] = 0;
        _idleCount = 1;
    }

    /// <summary>The network whose parameters and buffers every instance reads.</summary>
    public TNetwork Prototype { get; }

    /// <summary>The most instances the pool creates (and so the most requests that run at the same time).</summary>
    public int MaxInstances { get; }

    /// <summary>How many instances the pool has created so far (never more than <see cref="MaxInstances"/>).</summary>
    public int InstanceCount => Volatile.Read(ref _created);

    /// <summary>Rents an instance, waiting while all <see cref="MaxInstances"/> are rented.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The lease; dispose it to give the instance back.</returns>
    /// <exception cref="OperationCanceledException">The wait was cancelled.</exception>
    public Lease Rent(CancellationToken cancellationToken = default)
    {
        _available.Wait(cancellationToken);
        return Take();
    }

    /// <summary>Rents an instance, waiting asynchronously while all <see cref="MaxInstances"/> are rented.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The lease; dispose it to give the instance back.</returns>
    /// <exception cref="OperationCanceledException">The wait was cancelled.</exception>
    public async ValueTask<Lease> RentAsync(CancellationToken cancellationToken = default)
    {
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        return Take();
    }

    /// <summary>
    /// Runs <paramref name="batchSize"/> samples through a rented instance and copies the outputs into
    /// <paramref name="output"/>: <see cref="Rent"/>, <see cref="NetworkBase.Forward(ReadOnlySpan{float}, int, Span{float})"/>, return.
    /// </summary>
    /// <param name="input">The inputs, <c>batchSize × InputSize</c> floats.</param>
    /// <param name="batchSize">The number of samples; positive.</param>
    /// <param name="output">Receives the outputs, at least <c>batchSize × OutputSize</c> floats.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public void Predict(ReadOnlySpan<float> input, int batchSize, Span<float> output)
    {
        Lease lease = Rent();
        try
        {
            lease.Network.Forward(input, batchSize, output);
        }
        finally
        {
            lease.Dispose();
        }
    }

    /// <summary>Pops an idle instance, or creates one; the caller holds a permit of <see cref="_available"/>.</summary>
    private Lease Take()
    {
        int index;
        lock (_gate)
        {
            if (_idleCount > 0)
            {
                index = _idle[--_idleCount];
            }
            else
            {
                // A permit guarantees an idle instance or room for a new one.
                index = _created;
                _instances[index] = (TNetwork)Prototype.CloneForInference();
                Volatile.Write(ref _created, index + 1);
            }

            long stamp = ++_stamps[index];
            return new Lease(this, index, stamp);
        }
    }

    private void Return(int index, long stamp)
    {
        lock (_gate)
        {
            if (_stamps[index] != stamp)
            {
                throw new InvalidOperationException("This lease was already returned (a copy of it was disposed); the instance may now belong to another renter.");
            }

            _stamps[index] = stamp + 1;
            _idle[_idleCount++] = index;
        }

        _available.Release();
    }

    /// <summary>One rented instance; dispose it (once) to give the instance back to the pool.</summary>
    public struct Lease : IDisposable
    {
        private NetworkPool<TNetwork>? _pool;
        private readonly int _index;
        private readonly long _stamp;

        internal Lease(NetworkPool<TNetwork> pool, int index, long stamp)
        {
            _pool = pool;
            _index = index;
            _stamp = stamp;
        }

        /// <summary>The rented instance: in inference mode, sharing the prototype's parameters; yours until disposal.</summary>
        /// <exception cref="InvalidOperationException">The lease was disposed, or is a default value.</exception>
        public readonly TNetwork Network => _pool is { } pool && Volatile.Read(ref pool._stamps[_index]) == _stamp
            ? pool._instances[_index]
            : throw new InvalidOperationException("This lease was disposed (or never rented); rent a new one from the pool.");

        /// <summary>Gives the instance back to the pool; a second call on the same lease does nothing.</summary>
        /// <exception cref="InvalidOperationException">A copy of this lease already gave the instance back.</exception>
        public void Dispose()
        {
            NetworkPool<TNetwork>? pool = _pool;
            if (pool is null)
            {
                return;
            }

            _pool = null;
            pool.Return(_index, _stamp);
        }
    }
}
