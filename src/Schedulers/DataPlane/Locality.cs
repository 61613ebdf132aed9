namespace TaskGraph.DataPlane;

/// <summary>
/// Where a task should run, by the bytes of its inputs each worker holds: the one rule of the process pool and the
/// cluster (moving a task is cheaper than moving its data).
/// </summary>
internal static class Locality
{
    /// <summary>Inputs weighing at least this much on one worker pull their task to that worker; below it the task goes to whoever is free.</summary>
    public const long MinBytes = 256 * 1024;

    /// <summary>
    /// What an input of <paramref name="size"/> bytes with <paramref name="dependents"/> dependent tasks weighs for
    /// placing one of them: its size shared among its dependents. An input that many tasks read (the index of a
    /// broadcast join, a lookup table) is fetched once by each worker that runs one of them and kept there, so it
    /// should not pull them all to the worker that made it; the per-partition input each of them reads alone should.
    /// Without this, every probe of a broadcast join queued on the worker holding the index while the other worker
    /// read the partitions and shipped each one over (dask/distributed#5325 ignores such "widely shared"
    /// dependencies in <c>decide_worker</c> for the same reason).
    /// </summary>
    public static long Weight(long size, int dependents) => dependents > 1 ? size / dependents : size;
}
