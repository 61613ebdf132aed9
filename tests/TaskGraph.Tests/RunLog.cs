namespace TaskGraph.Tests;

/// <summary>
/// Counts the runs of test tasks from any thread or process: each run writes a file of its own named after the log.
/// Lines appended to one file would be lost now and then: <c>File.AppendAllText</c> from two processes at once
/// writes at the end each saw, not with O_APPEND, so one line can overwrite the other.
/// </summary>
internal static class RunLog
{
    /// <summary>Records one run of <paramref name="what"/> under <paramref name="log"/>.</summary>
    public static void Record(string log, string what) => File.WriteAllText($"{log}.run.{Environment.ProcessId}.{Guid.NewGuid():N}", what);

    /// <summary>How many runs were recorded under <paramref name="log"/>.</summary>
    public static int Count(string log) => Runs(log).Length;

    /// <summary>Removes the records of <paramref name="log"/>.</summary>
    public static void Delete(string log)
    {
        foreach (var f in Runs(log)) File.Delete(f);
    }

    private static string[] Runs(string log) => Directory.GetFiles(Path.GetDirectoryName(log)!, Path.GetFileName(log) + ".run.*");
}
