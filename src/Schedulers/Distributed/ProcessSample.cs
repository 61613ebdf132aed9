using System.Diagnostics;

namespace TaskGraph.Distributed;

/// <summary>
/// A cluster worker's own CPU time and memory, attached to its results so the client's dashboard can show them
/// (the client cannot sample a process on another machine). Sampled at most every <see cref="Interval"/>: reading
/// /proc for every result would cost more than a small task.
/// </summary>
internal static class ProcessSample
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private static readonly object Gate = new();
    private static long _sampledAt;
    private static long _cpuMillis;
    private static long _workingSet;

    /// <summary>Writes the latest sample into <paramref name="result"/>, taking a new one when the last is older than <see cref="Interval"/>.</summary>
    public static void Attach(RemoteResult result)
    {
        long now = Stopwatch.GetTimestamp();
        lock (Gate)
        {
            if (_sampledAt == 0 || Stopwatch.GetElapsedTime(_sampledAt, now) >= Interval)
            {
                using var p = Process.GetCurrentProcess();
                _cpuMillis = (long)p.TotalProcessorTime.TotalMilliseconds;
                _workingSet = p.WorkingSet64;
                _sampledAt = now;
            }
            result.ProcessId = Environment.ProcessId;
            result.CpuMillis = _cpuMillis;
            result.WorkingSet = _workingSet;
        }
    }
}
