namespace TaskGraph.Diagnostics;

/// <summary>One measurement of one process by a <see cref="ResourceProfiler"/>.</summary>
/// <param name="Time">When (on the diagnostics clock shared with <see cref="Profiler"/>).</param>
/// <param name="Process">Which process: <c>main</c> for this one, else the worker's name.</param>
/// <param name="ProcessId">Its operating-system id.</param>
/// <param name="CpuPercent">CPU use since the previous sample; 100 is one core fully busy (as Dask reports it).</param>
/// <param name="MemoryMB">Working set, in MiB.</param>
public sealed record ResourceSample(TimeSpan Time, string Process, int ProcessId, double CpuPercent, double MemoryMB);
