namespace TaskGraph.Diagnostics;

/// <summary>
/// Plain progress lines for redirected output (CI logs): one line every interval while the computation runs and
/// a final one, never control characters.
/// </summary>
internal sealed class LineProgressRenderer(TextWriter output, TimeSpan interval) : IProgressRenderer
{
    private readonly object _gate = new();
    private Timer? _timer;
    private ProgressTracker? _tracker;

    public void Start(ProgressTracker tracker)
    {
        _tracker = tracker;
        // A tick that sees every task done leaves the line to Finish, which adds the outcome.
        _timer = new Timer(_ => { if (tracker.Snapshot() is { } s && s.Done < s.Total) Write(s); }, null, interval, interval);
    }

    public void Finish(ProgressSnapshot final)
    {
        // Dispose(WaitHandle) waits for a tick in flight, so the final line is the last one written.
        if (_timer is { } timer)
        {
            using var done = new ManualResetEvent(false);
            if (timer.Dispose(done)) done.WaitOne(TimeSpan.FromSeconds(5));
        }
        Write(final);
    }

    private void Write(ProgressSnapshot snapshot)
    {
        lock (_gate)
        {
            output.WriteLine(snapshot.ToString());
            output.Flush();
        }
    }
}
