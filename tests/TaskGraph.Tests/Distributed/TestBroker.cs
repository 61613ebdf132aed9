using System.Diagnostics;

namespace TaskGraph.Tests;

/// <summary>
/// The broker distributed tests talk to: <c>TASKGRAPH_TEST_BROKER</c> when set (CI starts one), else a private
/// broker started from <c>.ci/rabbitmq.sh</c> on a port of its own for this test run and stopped after it, so
/// <c>dotnet test</c> works on a machine with Debian's rabbitmq-server installed and nothing running.
/// </summary>
[SetUpFixture]
public sealed class TestBroker
{
    private const string Variable = "TASKGRAPH_TEST_BROKER";
    private static readonly Lazy<string> Started = new(Start);
    private static bool _ownBroker;

    /// <summary>The broker URI (starts a private broker on first use if needed).</summary>
    public static string Uri => Started.Value;

    private static string Start()
    {
        var given = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(given)) return given;
        if (!File.Exists("/usr/lib/rabbitmq/bin/rabbitmq-server"))
            throw new InvalidOperationException($"Distributed tests need RabbitMQ: install Debian's rabbitmq-server (apt-get install rabbitmq-server) or set {Variable}=amqp://...");
        Run("rabbit_start");
        _ownBroker = true;
        return "amqp://guest:guest@127.0.0.1:5679/";
    }

    private static void Run(string command) => RunScript(5679, "/tmp/taskgraph-rabbit-tests", command);

    /// <summary>Runs <c>rabbit_start</c> or <c>rabbit_stop</c> of <c>.ci/rabbitmq.sh</c> for a broker on <paramref name="port"/>.</summary>
    public static void RunScript(int port, string dir, string command)
    {
        var script = Path.Combine(RepoRoot(), ".ci", "rabbitmq.sh");
        var psi = new ProcessStartInfo("bash", ["-c", $"source '{script}'; RABBIT_PORT={port}; RABBIT_DIR={dir}; {command}"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(180_000)) { p.Kill(true); throw new TimeoutException($"{command} took over 3 minutes"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{command} failed: {err.Result}");
    }

    /// <summary>
    /// A port and state folder for a broker of a test's own (one it stops or restarts), derived from the test
    /// broker's port so that test runs of several worktrees on one machine do not share it.
    /// </summary>
    public static (int Port, string Dir) Spare(int offset)
    {
        int port = new System.Uri(Uri).Port + offset;
        return (port, $"/tmp/taskgraph-rabbit-spare-{port}");
    }

    /// <summary>The repository root (the folder holding TaskGraph.sln).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TaskGraph.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("TaskGraph.sln not found above the test assembly.");
    }

    /// <summary>Stops the shared cluster and the private broker, if this run started them (after every fixture of the assembly).</summary>
    [OneTimeTearDown]
    public void StopOwnBroker()
    {
        Distributed.TestCluster.DisposeShared();
        if (_ownBroker) Run("rabbit_stop");
    }
}
