namespace TaskGraph.Diagnostics;

/// <summary>Shows one computation's progress somewhere (a terminal, a log, a notebook).</summary>
internal interface IProgressRenderer
{
    /// <summary>The computation started: begin showing <paramref name="tracker"/>.</summary>
    void Start(ProgressTracker tracker);

    /// <summary>The computation ended: show <paramref name="final"/> and stop before returning (so output is complete when <c>Compute</c> returns).</summary>
    void Finish(ProgressSnapshot final);
}
