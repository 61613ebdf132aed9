using System.Diagnostics;

namespace TaskGraph.Diagnostics;

/// <summary>
/// One time base for every diagnostic in the process, so task times and resource samples line up on the same
/// axis of a report: time since this class was first used, from the monotonic <see cref="Stopwatch"/>.
/// </summary>
internal static class DiagnosticsClock
{
    private static readonly long Origin = Stopwatch.GetTimestamp();

    /// <summary>Time since the origin.</summary>
    public static TimeSpan Now => Stopwatch.GetElapsedTime(Origin);

    /// <summary>The time of a raw <see cref="Stopwatch.GetTimestamp"/> reading.</summary>
    public static TimeSpan At(long timestamp) => Stopwatch.GetElapsedTime(Origin, timestamp);
}
