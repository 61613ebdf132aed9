using System.Runtime.InteropServices;

namespace TaskGraph;

/// <summary>
/// How to start a worker so it runs the very same build as the parent:
/// <c>dotnet exec --runtimeconfig &lt;app&gt;.runtimeconfig.json --depsfile &lt;app&gt;.deps.json TaskGraph.Worker.dll</c>.
/// The application's deps file is the first entry of the host's <c>APP_CONTEXT_DEPS_FILES</c> (under a test
/// runner: the test project's), its runtimeconfig sits beside it. This works for console apps, the NUnit/VSTest
/// host and file-based apps (<c>dotnet run app.cs</c>).
/// </summary>
internal sealed record WorkerLaunch(string Dotnet, string? RuntimeConfig, string? DepsFile, string WorkerDll)
{
    private static readonly Lazy<WorkerLaunch> Current = new(Resolve);

    /// <summary>The launch settings of this process (resolved once).</summary>
    public static WorkerLaunch ForThisProcess => Current.Value;

    private static WorkerLaunch Resolve()
    {
        var worker = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(WorkerLaunch).Assembly.Location) ?? "" }
            .Select(d => Path.Combine(d, "TaskGraph.Worker.dll"))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"TaskGraph.Worker.dll is not next to the application ({AppContext.BaseDirectory}): the process pool cannot start workers. " +
                "Reference the TaskGraph.Schedulers project (it brings the worker), or use Scheduler.Threads().");
        string? deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?
            .Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists);
        string? config = deps is null ? null : deps[..^".deps.json".Length] + ".runtimeconfig.json";
        if (config is not null && !File.Exists(config)) config = null;
        if (config is null)
        {
            var own = Path.ChangeExtension(worker, ".runtimeconfig.json");
            config = File.Exists(own) ? own : null;
        }
        return new WorkerLaunch(FindDotnet(), config, deps, worker);
    }

    private static string FindDotnet()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        // The shared framework lives in <root>/shared/Microsoft.NETCore.App/<version>/; the host is <root>/dotnet.
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtimeDir)));
        var exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (root is not null && File.Exists(Path.Combine(root, exe))) return Path.Combine(root, exe);
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? exe;
    }

    /// <summary>The command-line arguments before the worker's own.</summary>
    public IEnumerable<string> Arguments()
    {
        yield return "exec";
        if (RuntimeConfig is not null) { yield return "--runtimeconfig"; yield return RuntimeConfig; }
        if (DepsFile is not null) { yield return "--depsfile"; yield return DepsFile; }
        yield return WorkerDll;
    }
}
