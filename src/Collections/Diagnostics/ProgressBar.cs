using Spectre.Console;

namespace TaskGraph.Diagnostics;

/// <summary>
/// Shows the progress of every computation while it is alive, like Dask's <c>with ProgressBar():</c>:
/// <code>
/// using (new ProgressBar())
///     total.Compute();
/// </code>
/// Tasks done of total, elapsed time and rate appear as a live bar in a terminal, as plain periodic lines when
/// output is redirected (CI logs), and as an HTML display updated in place in a notebook. It listens to the
/// shared execution core (<see cref="IComputeListener"/>), so it works with every scheduler. For one computation
/// only, pass <see cref="Listener"/> in <see cref="ComputeOptions.Listeners"/>; to show progress always, set
/// <see cref="ShowAlways"/>.
/// </summary>
public sealed class ProgressBar : IDisposable
{
    private static readonly object AlwaysGate = new();
    private static ProgressBar? _always;
    private readonly ProgressListener _listener;
    private readonly IDisposable _registration;

    /// <summary>Starts showing progress of every computation until disposed.</summary>
    public ProgressBar(ProgressOptions? options = null)
    {
        _listener = new ProgressListener(options ?? new ProgressOptions());
        _registration = ComputeListeners.Register(_listener);
    }

    /// <summary>The figures of the last computation that finished while this bar was active (null before one has).</summary>
    public ProgressSnapshot? Last => _listener.Last;

    /// <summary>
    /// A progress listener for the computations it is passed to:
    /// <c>x.Compute(new ComputeOptions { Listeners = [ProgressBar.Listener()] })</c>.
    /// </summary>
    public static IComputeListener Listener(ProgressOptions? options = null) => new ProgressListener(options ?? new ProgressOptions());

    /// <summary>
    /// The global option: true shows progress of every computation in the process (with default options) until
    /// set back to false.
    /// </summary>
    public static bool ShowAlways
    {
        get { lock (AlwaysGate) return _always is not null; }
        set
        {
            lock (AlwaysGate)
            {
                if (value && _always is null) _always = new ProgressBar();
                else if (!value && _always is not null) { _always.Dispose(); _always = null; }
            }
        }
    }

    /// <summary>Stops showing progress (a computation running now finishes its display).</summary>
    public void Dispose() => _registration.Dispose();

    /// <summary>
    /// The listener: follows one computation at a time. A computation started while another is shown (a task
    /// that calls <c>Compute</c> itself) is not shown: two live bars would fight over one terminal line.
    /// </summary>
    private sealed class ProgressListener(ProgressOptions options) : IComputeListener
    {
        private readonly object _gate = new();
        private volatile ProgressTracker? _current;
        private IProgressRenderer? _renderer;

        public ProgressSnapshot? Last { get; private set; }

        public void OnComputeStarted(ExecutionPlan plan)
        {
            lock (_gate)
            {
                if (_current is not null) return;
                var tracker = new ProgressTracker(plan);
                _renderer = CreateRenderer();
                _current = tracker;
                _renderer.Start(tracker);
            }
        }

        public void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
        {
            var current = _current;
            if (current is not null && ReferenceEquals(current.Plan, plan)) current.TaskFinished();
        }

        public void OnComputeFinished(ExecutionPlan plan, Exception? error)
        {
            lock (_gate)
            {
                if (_current is not { } tracker || !ReferenceEquals(tracker.Plan, plan)) return;
                var final = tracker.Finish(error);
                _renderer!.Finish(final);
                Last = final;
                _current = null;
                _renderer = null;
            }
        }

        private IProgressRenderer CreateRenderer()
        {
            var mode = options.Mode;
            INotebookDisplay? display = options.Display;
            if (mode == ProgressMode.Auto)
            {
                display ??= InteractiveKernelDisplay.Detect();
                mode = display is not null ? ProgressMode.Notebook
                    : options.Output is null && !Console.IsOutputRedirected ? ProgressMode.Terminal
                    : ProgressMode.Lines;
            }
            var interval = options.IntervalFor(mode);
            var output = options.Output ?? Console.Out;
            switch (mode)
            {
                case ProgressMode.Notebook:
                    display ??= InteractiveKernelDisplay.Detect()
                        ?? throw new InvalidOperationException("ProgressMode.Notebook needs a running .NET Interactive kernel or ProgressOptions.Display.");
                    return new NotebookProgressRenderer(display, interval);
                case ProgressMode.Terminal:
                    var console = AnsiConsole.Create(new AnsiConsoleSettings
                    {
                        Out = new AnsiConsoleOutput(output),
                        Ansi = options.ForceAnsi ? AnsiSupport.Yes : AnsiSupport.Detect,
                        Interactive = options.ForceAnsi ? InteractionSupport.Yes : InteractionSupport.Detect,
                    });
                    return new SpectreProgressRenderer(console, interval);
                default:
                    return new LineProgressRenderer(output, interval);
            }
        }
    }
}
