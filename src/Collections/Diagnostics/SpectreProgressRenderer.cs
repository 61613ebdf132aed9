using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace TaskGraph.Diagnostics;

/// <summary>
/// A live Spectre.Console bar in a terminal: description, bar, percentage, tasks done/total, rate, elapsed time.
/// Spectre's live display blocks the thread that runs it, so it runs on a thread of its own until the
/// computation ends.
/// </summary>
internal sealed class SpectreProgressRenderer(IAnsiConsole console, TimeSpan interval) : IProgressRenderer
{
    private readonly ManualResetEventSlim _finished = new();
    private ProgressSnapshot? _final;
    private volatile ProgressSnapshot? _shown;
    private Thread? _thread;

    public void Start(ProgressTracker tracker)
    {
        _thread = new Thread(() => Run(tracker)) { IsBackground = true, Name = "taskgraph-progress" };
        _thread.Start();
    }

    public void Finish(ProgressSnapshot final)
    {
        _final = final;
        _finished.Set();
        // Bounded: a wedged console must not hang the computation's caller.
        _thread?.Join(TimeSpan.FromSeconds(5));
    }

    private void Run(ProgressTracker tracker)
    {
        try
        {
            console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new CountColumn(() => _shown), new RateColumn(() => _shown), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("compute", maxValue: Math.Max(1, tracker.Plan.Count));
                    while (!_finished.Wait(interval)) Show(task, tracker.Snapshot());
                    var final = _final ?? tracker.Snapshot();
                    Show(task, final);
                    if (final.Error is not null) task.Description = $"compute ({final.Status})";
                    ctx.Refresh();
                });
        }
        catch (InvalidOperationException)
        {
            // Another live display owns the console (Spectre allows one at a time): show nothing rather than fail the compute.
        }
    }

    private void Show(ProgressTask task, ProgressSnapshot s)
    {
        _shown = s;
        task.Value = s.Total == 0 ? task.MaxValue : s.Done;
    }

    /// <summary>Tasks done of total, e.g. <c>400/1000 tasks</c>.</summary>
    private sealed class CountColumn(Func<ProgressSnapshot?> shown) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var s = shown();
            return new Text(s is null ? "" : $"{s.Done}/{s.Total} tasks");
        }
    }

    /// <summary>Tasks per second since the start.</summary>
    private sealed class RateColumn(Func<ProgressSnapshot?> shown) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var s = shown();
            return new Text(s is null ? "" : s.Rate.ToString("0", CultureInfo.InvariantCulture) + " tasks/s");
        }
    }
}
