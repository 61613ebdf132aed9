namespace TaskGraph.Diagnostics;

/// <summary>An HTML progress display in a notebook cell, replaced in place every interval and at the end.</summary>
internal sealed class NotebookProgressRenderer(INotebookDisplay display, TimeSpan interval) : IProgressRenderer
{
    private readonly object _gate = new();
    private INotebookDisplayHandle? _handle;
    private Timer? _timer;

    public void Start(ProgressTracker tracker)
    {
        // Shown on the calling thread: the kernel ties a display to the cell that is running.
        _handle = display.Show(tracker.Snapshot());
        _timer = new Timer(_ => Update(tracker.Snapshot()), null, interval, interval);
    }

    public void Finish(ProgressSnapshot final)
    {
        if (_timer is { } timer)
        {
            using var done = new ManualResetEvent(false);
            if (timer.Dispose(done)) done.WaitOne(TimeSpan.FromSeconds(5));
        }
        Update(final);
    }

    private void Update(ProgressSnapshot snapshot)
    {
        lock (_gate) _handle?.Update(snapshot);
    }
}
