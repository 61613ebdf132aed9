using System.IO.Pipes;

namespace TaskGraph.Processes;

/// <summary>
/// Entry point of a worker process (called by <c>TaskGraph.Worker.dll</c>, which the process pool launches
/// with the parent's own runtimeconfig and deps files, so the worker resolves exactly the parent's assemblies).
/// Arguments: the task pipe's name, the data pipe's name, the worker's slot number.
///
/// <para>The worker exits when the parent asks, when a pipe closes, or when its standard input reaches end of
/// file — which is what happens when the parent dies, however it dies: no orphans. Its standard output and
/// error are read by the parent and shown prefixed with the worker's id; the protocol has its own pipes, so user
/// code may print freely.</para>
/// </summary>
public static class WorkerHost
{
    /// <summary>Runs the worker until it is shut down; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 2 && args[0] == "--orphan-check")
            return OrphanCheck(int.Parse(args[1]));
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: TaskGraph.Worker <task-pipe> <data-pipe> [slot]");
            return 2;
        }
        var watcher = new Thread(WatchParent) { IsBackground = true, Name = "taskgraph-parent-watch" };
        watcher.Start();
        using var task = new NamedPipeClientStream(".", args[0], PipeDirection.InOut);
        using var data = new NamedPipeClientStream(".", args[1], PipeDirection.InOut);
        task.Connect(60_000);
        data.Connect(60_000);
        var runner = new WorkerTaskRunner(acceptsCompiledCode: true); // its task pipe comes from the parent that launched it
        var dataThread = new Thread(() =>
        {
            try { runner.ServeData(data); }
            catch (Exception e) { Console.Error.WriteLine($"data pipe failed: {e}"); }
            Environment.Exit(0);
        }) { IsBackground = true, Name = "taskgraph-data" };
        dataThread.Start();
        try { runner.ServeTasks(task); }
        catch (IOException) { /* the parent went away */ }
        return 0;
    }

    /// <summary>
    /// Diagnostic mode (used by the no-orphans test): become a parent with a pool of <paramref name="workers"/>,
    /// print the workers' process ids, then wait to be killed — the workers must then exit on their own.
    /// </summary>
    private static int OrphanCheck(int workers)
    {
        var pool = new ProcessPoolScheduler(workers);
        Console.Out.WriteLine("workers " + string.Join(' ', pool.WorkerProcessIds));
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    private static void WatchParent()
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buf = new byte[256];
            while (stdin.Read(buf, 0, buf.Length) > 0) { }
        }
        catch (Exception) { /* a broken stdin means the parent is gone, too */ }
        Environment.Exit(0);
    }
}
