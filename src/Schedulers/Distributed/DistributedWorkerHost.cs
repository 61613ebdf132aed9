namespace TaskGraph;

/// <summary>
/// Command line of a cluster worker:
/// <c>dotnet TaskGraph.Worker.dll --broker amqp://user:pass@host/vhost --app path/to/app/bin [--threads N] [--queue NAME] [--debug]</c>
/// (the broker may come from <c>TASKGRAPH_BROKER</c> instead; threads default to the core count). The worker
/// program resolves assemblies only from <c>--app</c> before calling <see cref="Run"/>.
/// </summary>
public static class DistributedWorkerHost
{
    /// <summary>Runs a worker until Ctrl+C, SIGTERM or the loss of the broker; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        string? broker = null;
        int threads = Environment.ProcessorCount;
        bool debug = false;
        string queue = Topology.Tasks;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--broker": broker = args[++i]; break;
                case "--threads": threads = int.Parse(args[++i]); break;
                case "--debug": debug = true; break;
                case "--queue": queue = args[++i]; break;
                case "--app": i++; break; // handled by the worker program (assembly resolution)
            }
        }
        var address = broker is null ? BrokerAddress.FromEnvironment() : BrokerAddress.Parse(broker);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        try
        {
            return new DistributedWorker(address, threads, Console.Error, debug, queue).RunAsync(stop.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (BrokerUnavailableException e)
        {
            Console.Error.WriteLine($"[taskgraph-worker] {e.Message}");
            return 3;
        }
    }
}
