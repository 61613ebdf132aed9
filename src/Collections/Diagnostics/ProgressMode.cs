namespace TaskGraph.Diagnostics;

/// <summary>How a <see cref="ProgressBar"/> shows progress.</summary>
public enum ProgressMode
{
    /// <summary>A notebook display when running in a .NET Interactive kernel, a live bar in a terminal, else plain lines.</summary>
    Auto,

    /// <summary>A live Spectre.Console bar redrawn in place (needs a terminal that understands ANSI).</summary>
    Terminal,

    /// <summary>A plain line every <see cref="ProgressOptions.Interval"/> and one at the end: for redirected output and CI logs.</summary>
    Lines,

    /// <summary>An HTML display in a notebook cell, updated in place.</summary>
    Notebook,
}
