namespace TaskGraph;

/// <summary>
/// The spill directory of one computation (<see cref="ComputeOptions.MemoryLimit"/>): made before the first task
/// runs, deleted with everything in it when the computation's task completes, whichever way.
/// </summary>
internal sealed class SpillArea
{
    private SpillArea(SpillTarget target) => Target = target;

    /// <summary>The target the computation's tasks receive.</summary>
    public SpillTarget Target { get; }

    /// <summary>A fresh directory <c>taskgraph-spill-*</c> under <paramref name="root"/> (default: the temporary folder).</summary>
    public static SpillArea Create(string? root, long memoryLimit)
    {
        root ??= Path.GetTempPath();
        var dir = Path.Combine(root, "taskgraph-spill-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return new SpillArea(new SpillTarget(dir, memoryLimit));
    }

    /// <summary><paramref name="run"/>'s result, once the directory is gone.</summary>
    public async Task<object?[]> DeleteAfter(Task<object?[]> run)
    {
        try
        {
            return await run.ConfigureAwait(false);
        }
        finally
        {
            Delete();
        }
    }

    /// <summary>
    /// Deletes the directory and its files. A task of a failed or cancelled computation may still be creating a file
    /// while the directory is emptied (the directory then refuses to go): that is retried a few times; once the
    /// directory is gone no task can create a file there again.
    /// </summary>
    public void Delete()
    {
        var dir = Target.Directory!;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(50);
            }
        }
    }
}
