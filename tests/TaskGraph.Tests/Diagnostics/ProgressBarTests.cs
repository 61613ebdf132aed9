using System.Xml.Linq;

namespace TaskGraph.Tests.Diagnostics;

/// <summary>Progress on every scheduler: lines for logs, a Spectre bar for terminals, HTML for notebooks.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ProgressBarTests(string schedulerName)
{
    private IScheduler _scheduler = null!;

    [OneTimeSetUp]
    public void CreateScheduler() => _scheduler = SchedulerCases.Create(schedulerName);

    private ComputeOptions On => new() { Scheduler = _scheduler, Fuse = false };

    /// <summary>The sum 1..n as a graph of n leaves, one collector and one sum: n + 2 tasks.</summary>
    private static Delayed<int> SumOf(int n) => Delayed.All(Enumerable.Range(0, n).Select(i => Delayed.Run(() => i + 1).Impure())).Then(v => v.Sum());

    [Test]
    public void LinesModeEndsWithTheFinalCount()
    {
        var output = new StringWriter();
        using var bar = new ProgressBar(new ProgressOptions { Mode = ProgressMode.Lines, Output = output });
        Assert.That(SumOf(40).Compute(On), Is.EqualTo(820));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[^1], Does.Contain("42/42 tasks").And.Contain("100%").And.Contain("tasks/s"));
        Assert.That(output.ToString().Contains('\u001b'), Is.False, "plain lines carry no terminal control codes");
        Assert.That(bar.Last, Is.Not.Null);
        Assert.That((bar.Last!.Done, bar.Last.Total, bar.Last.Status), Is.EqualTo((42, 42, "done")));
    }

    [Test]
    public void LinesModeWritesPeriodicLinesWhileRunning()
    {
        var output = new LineCollector();
        // The gate is a file, so the task can wait for it in a worker process too (a wait handle cannot cross).
        var gate = Path.Combine(Path.GetTempPath(), $"tg-gate-{Guid.NewGuid():N}");
        var slow = Delayed.Run(() => { WaitForFile(gate, TimeSpan.FromSeconds(10)); return 1; }).Then(x => x + 1);
        using var bar = new ProgressBar(new ProgressOptions { Mode = ProgressMode.Lines, Output = output, Interval = TimeSpan.FromMilliseconds(10) });
        var run = Task.Run(() => slow.Compute(On));
        // Released once a periodic line shows the computation still running (bounded wait).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (output.Lines.Count == 0 && DateTime.UtcNow < deadline) Thread.Sleep(5);
        File.WriteAllText(gate, "");
        try { Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True); }
        finally { File.Delete(gate); }
        var lines = output.Lines.ToArray();
        Assert.That(lines.Length, Is.GreaterThanOrEqualTo(2));
        Assert.That(lines[0], Does.Contain("0/2 tasks"));
        Assert.That(lines[^1], Does.Contain("2/2 tasks"));
    }

    private static void WaitForFile(string path, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (!File.Exists(path) && DateTime.UtcNow < until) Thread.Sleep(5);
    }

    /// <summary>A writer that keeps whole lines and can be read while another thread writes.</summary>
    private sealed class LineCollector : TextWriter
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value) => Lines.Enqueue(value ?? "");
    }

    [Test]
    public void TerminalModeDrawsASpectreBar()
    {
        var output = new StringWriter();
        using (new ProgressBar(new ProgressOptions { Mode = ProgressMode.Terminal, Output = output, ForceAnsi = true }))
            SumOf(20).Compute(On);
        var text = output.ToString();
        Assert.That(text, Does.Contain("compute").And.Contain("22/22 tasks").And.Contain("100%"));
        Assert.That(text.Contains("\u001b[", StringComparison.Ordinal), Is.True, "a live bar redraws with ANSI control codes");
    }

    [Test]
    public void NotebookModeShowsHtmlAndUpdatesItInPlace()
    {
        var display = new RecordingDisplay();
        using (new ProgressBar(new ProgressOptions { Mode = ProgressMode.Notebook, Display = display }))
            SumOf(10).Compute(On);
        Assert.That(display.Shown, Has.Count.EqualTo(1), "one display per computation, then updates");
        var final = (ProgressSnapshot)display.Updates[^1];
        Assert.That((final.Done, final.Total, final.Finished), Is.EqualTo((12, 12, true)));
        var html = XElement.Parse(final.ToHtml());
        Assert.That(html.Attribute("data-status")!.Value, Is.EqualTo("done"));
        Assert.That(Span(html, "done"), Is.EqualTo("12"));
        Assert.That(Span(html, "total"), Is.EqualTo("12"));
        Assert.That(Span(html, "percent"), Is.EqualTo("100%"));
        Assert.That(html.Descendants("div").Single(d => (string?)d.Attribute("class") == "bar").Attribute("style")!.Value, Does.Contain("width: 100%"));
    }

    private static string Span(XElement html, string cls) => html.Descendants("span").Single(s => (string?)s.Attribute("class") == cls).Value;

    [Test]
    public void AFailureEndsTheBarAsFailed()
    {
        var output = new StringWriter();
        using var bar = new ProgressBar(new ProgressOptions { Mode = ProgressMode.Lines, Output = output });
        var boom = Delayed.Run<int>(() => throw new InvalidOperationException("boom")).Then(x => x + 1);
        Assert.That(() => boom.Compute(On), Throws.TypeOf<TaskFailedException>());
        Assert.That(bar.Last!.Status, Is.EqualTo("failed"));
        Assert.That(output.ToString().TrimEnd(), Does.EndWith("failed"));
    }

    [Test]
    public void ListenerShowsOneComputationOnly()
    {
        var display = new RecordingDisplay();
        var listener = ProgressBar.Listener(new ProgressOptions { Mode = ProgressMode.Notebook, Display = display });
        SumOf(5).Compute(On with { Listeners = [listener] });
        SumOf(6).Compute(On);
        Assert.That(display.Shown, Has.Count.EqualTo(1));
        Assert.That(((ProgressSnapshot)display.Updates[^1]).Total, Is.EqualTo(7));
    }

    [Test]
    public void DisposedBarShowsNothingMore()
    {
        var output = new StringWriter();
        new ProgressBar(new ProgressOptions { Mode = ProgressMode.Lines, Output = output }).Dispose();
        SumOf(3).Compute(On);
        Assert.That(output.ToString(), Is.Empty);
    }

    /// <summary>An <see cref="INotebookDisplay"/> that keeps what it was given.</summary>
    private sealed class RecordingDisplay : INotebookDisplay
    {
        public List<object> Shown { get; } = [];
        public List<object> Updates { get; } = [];

        public INotebookDisplayHandle Show(object value)
        {
            lock (this) Shown.Add(value);
            return new Handle(this);
        }

        private sealed class Handle(RecordingDisplay owner) : INotebookDisplayHandle
        {
            public void Update(object value)
            {
                lock (owner) owner.Updates.Add(value);
            }
        }
    }
}
