using System.IO.Pipes;

namespace TaskGraph.Processes;

/// <summary>
/// Entry point of a worker process (called by <c>TaskGraph.Worker.dll</c>, which the process pool launches
/// with the parent's own runtimeconfig and deps files, so the worker resolves exactly the parent's assemblies).
/// Arguments: the task pipe's name, the worker's slot number. The pool's data plane key comes over the task pipe
/// (<see cref="Protocol.Hello"/>), never on the command line; the worker then serves its results — persisted ones
/// too — to the parent and the other workers of the pool on a loopback port (<see cref="DataServer"/>) and fetches
/// theirs directly.
///
/// <para>The worker exits when the parent asks, when its pipe closes, or when its standard input reaches end of
/// file — which is what happens when the parent dies, however it dies: no orphans. Its standard output and
/// error are read by the parent and shown prefixed with the worker's id; the protocol has its own pipe, so user
/// code may print freely.</para>
/// </summary>
public static class WorkerHost
{
    /// <summary>Runs the worker until it is shut down; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 2 && args[0] == "--orphan-check")
            return OrphanCheck(int.Parse(args[1]));
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: TaskGraph.Worker <task-pipe> [slot]");
            return 2;
        }
        var watcher = new Thread(WatchParent) { IsBackground = true, Name = "taskgraph-parent-watch" };
        watcher.Start();
        using var task = new NamedPipeClientStream(".", args[0], PipeDirection.InOut);
        task.Connect(60_000);
        var key = new DataPlaneKey(ReadHello(task));
        using var peers = new DataPeers(key);
        var runner = new WorkerTaskRunner(acceptsCompiledCode: true, peers); // its task pipe comes from the parent that launched it
        using var server = new DataServer(runner.Store, key, log: line => Console.Error.WriteLine(line));
        var answer = new WireWriter(256);
        answer.BeginFrame();
        answer.WriteUtf8(server.Address);
        answer.WriteFrame(task);
        try { runner.ServeTasks(task); }
        catch (IOException) { /* the parent went away */ }
        return 0;
    }

    /// <summary>The handshake's first frame (<see cref="Protocol.Hello"/>): the pool's data plane key.</summary>
    private static byte[] ReadHello(Stream task)
    {
        var header = new byte[8 + 1 + 4];
        if (!DataServer.ReadFully(task, header)) throw new EndOfStreamException("The parent closed the task pipe before its hello.");
        long length = BitConverter.ToInt64(header);
        int n = BitConverter.ToInt32(header, 9);
        if (header[8] != Protocol.Hello || n < 16 || n > Protocol.MaxHelloBytes || length != 1 + 4 + n)
            throw new InvalidDataException("The parent's first frame is not a hello with a data plane key.");
        var key = new byte[n];
        if (!DataServer.ReadFully(task, key)) throw new EndOfStreamException("The parent closed the task pipe during its hello.");
        return key;
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
