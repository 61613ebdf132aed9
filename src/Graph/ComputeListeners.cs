namespace TaskGraph;

/// <summary>
/// Listeners that observe every computation while registered, like Dask's <c>with ProgressBar():</c>.
/// <c>using (ComputeListeners.Register(listener)) { ... }</c>.
/// </summary>
public static class ComputeListeners
{
    private static IComputeListener[] _active = [];

    /// <summary>The listeners registered now.</summary>
    public static IReadOnlyList<IComputeListener> Active => Volatile.Read(ref _active);

    /// <summary>Registers <paramref name="listener"/> until the returned handle is disposed.</summary>
    public static IDisposable Register(IComputeListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Swap(a => [.. a, listener]);
        return new Registration(listener);
    }

    private static void Swap(Func<IComputeListener[], IComputeListener[]> change)
    {
        while (true)
        {
            var old = Volatile.Read(ref _active);
            if (Interlocked.CompareExchange(ref _active, change(old), old) == old) return;
        }
    }

    private sealed class Registration(IComputeListener listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Swap(a => a.Where(l => !ReferenceEquals(l, listener)).ToArray());
        }
    }
}
