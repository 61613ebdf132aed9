namespace TaskGraph.Diagnostics;

/// <summary>Settings of a <see cref="ProgressBar"/>. Every property is optional.</summary>
public sealed record ProgressOptions
{
    /// <summary>Where progress goes (default <see cref="ProgressMode.Auto"/>).</summary>
    public ProgressMode Mode { get; init; } = ProgressMode.Auto;

    /// <summary>The writer for terminal and line output; null writes to <see cref="Console.Out"/> as it is when a computation starts.</summary>
    public TextWriter? Output { get; init; }

    /// <summary>
    /// Time between updates; null means 100 ms for a terminal bar or a notebook display and 1 s for plain lines
    /// (a CI log should not get ten lines a second).
    /// </summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>The notebook display for <see cref="ProgressMode.Notebook"/>; null uses the running .NET Interactive kernel.</summary>
    public INotebookDisplay? Display { get; init; }

    /// <summary>For <see cref="ProgressMode.Terminal"/>: treat <see cref="Output"/> as an interactive ANSI terminal even when it is not the console (tests, recordings).</summary>
    public bool ForceAnsi { get; init; }

    internal TimeSpan IntervalFor(ProgressMode mode) => Interval ?? (mode == ProgressMode.Lines ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(100));
}
