using System.Runtime.InteropServices;

namespace TaskGraph.Distributed;

/// <summary>
/// Command line of a cluster worker:
/// <c>dotnet TaskGraph.Worker.dll --app path/to/app/bin [--threads N] [--queue NAME] [--allowed-failures N] [--debug]
/// [--listen IP] [--data-port N] [--advertise HOST]</c>
/// with the broker in <c>TASKGRAPH_BROKER</c> (or <c>--broker-file PATH</c>, a file holding the URI) and the cluster
/// secret in <c>TASKGRAPH_CLUSTER_SECRET</c> (or <c>TASKGRAPH_CLUSTER_SECRET_FILE</c> / <c>--secret-file PATH</c>).
/// Secrets never go on the command line, which any local user can read (<c>/proc/&lt;pid&gt;/cmdline</c>):
/// <c>--broker</c> is accepted only without a password. Threads default to the core count. The worker program
/// resolves assemblies only from <c>--app</c> before calling <see cref="Run"/>.
/// The data plane (results fetched by peers) listens on <c>--listen</c> (default 127.0.0.1: one machine only; give
/// the machine's address, or 0.0.0.0, for workers on several machines) and <c>--data-port</c> (default: any free
/// port), and is announced to peers as <c>--advertise</c> (default: the address listened on, or the host name).
/// </summary>
public static class DistributedWorkerHost
{
    /// <summary>Runs a worker until SIGTERM or Ctrl+C (exit code 0); returns 2 for a bad command line or setting, 3 for an unreachable broker.</summary>
    public static int Run(string[] args)
    {
        BrokerAddress address;
        ClusterSecret secret;
        int threads = Environment.ProcessorCount, allowedFailures = 3;
        bool debug = false;
        string queue = Topology.Tasks;
        System.Net.IPAddress listen = System.Net.IPAddress.Loopback;
        int dataPort = 0;
        string? advertise = null;
        try
        {
            string? broker = null, brokerFile = null, secretFile = null;
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--broker": broker = Value(); break;
                    case "--broker-file": brokerFile = Value(); break;
                    case "--secret-file": secretFile = Value(); break;
                    case "--threads": threads = int.Parse(Value()); break;
                    case "--allowed-failures": allowedFailures = int.Parse(Value()); break;
                    case "--debug": debug = true; break;
                    case "--queue": queue = Value(); break;
                    case "--listen": listen = System.Net.IPAddress.Parse(Value()); break;
                    case "--data-port": dataPort = int.Parse(Value()); break;
                    case "--advertise": advertise = Value(); break;
                    case "--app": Value(); break; // handled by the worker program (assembly resolution)
                    case "--secret": throw new ArgumentException($"The cluster secret is never taken from the command line (any local user can read it): set {ClusterSecret.Variable}, {ClusterSecret.FileVariable} or --secret-file.");
                }
            }
            address = broker is not null ? BrokerAddress.Parse(broker)
                : brokerFile is not null ? BrokerAddress.FromFile(brokerFile)
                : BrokerAddress.FromEnvironment();
            if (broker is not null && address.HasPassword)
                throw new ArgumentException($"--broker must not carry a password (any local user can read a command line): put the URI in {BrokerAddress.Variable} or in a file named by --broker-file.");
            secret = secretFile is not null ? ClusterSecret.FromFile(secretFile) : ClusterSecret.FromEnvironment();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"[taskgraph-worker] {e.Message}");
            return 2;
        }
        // Tasks run user code: do not hand the secret to processes they start.
        Environment.SetEnvironmentVariable(ClusterSecret.Variable, null);
        Environment.SetEnvironmentVariable(BrokerAddress.Variable, null);

        // Never disposed: a signal can arrive while (or after) the worker returns.
        var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext c)
        {
            c.Cancel = true; // the worker finishes its tasks in hand and returns; the process then exits with 0
            Console.Error.WriteLine($"[taskgraph-worker] {c.Signal} received: stopping");
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        try
        {
            return new DistributedWorker(address, secret, threads, Console.Error, debug, queue, allowedFailures, listen, dataPort, advertise).RunAsync(stop.Token).GetAwaiter().GetResult();
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
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"[taskgraph-worker] {address.Scrub(e.Message)}");
            return 2;
        }
    }
}
