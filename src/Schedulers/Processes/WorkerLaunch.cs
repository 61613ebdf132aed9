using System.Reflection;
using System.Runtime.InteropServices;
using TaskGraph.Wire;

namespace TaskGraph.Processes;

/// <summary>
/// How to start a worker so it runs the very same build as the parent:
/// <c>dotnet exec --runtimeconfig &lt;app&gt;.runtimeconfig.json --depsfile &lt;app&gt;.deps.json TaskGraph.Worker.dll</c>.
/// The application's deps file is the first entry of the host's <c>APP_CONTEXT_DEPS_FILES</c> (under a test
/// runner: the test project's), its runtimeconfig sits beside it. This works for console apps, the NUnit/VSTest
/// host and file-based apps (<c>dotnet run app.cs</c>), with TaskGraph from a project reference or from the
/// packages (the worker is a lib asset of <c>TaskGraph.Schedulers</c>, so it lands next to the application).
///
/// <para>A host whose folder does not hold the worker (a notebook kernel, which loads packages from the NuGet
/// folder) starts it from beside <c>TaskGraph.Schedulers.dll</c> with the host's runtimeconfig but not its deps
/// file (that names the host's own files, relative to the host's folder), and tells it where the parent's
/// assemblies came from (<c>--probe</c>): the worker resolves them from those folders.</para>
/// </summary>
internal sealed record WorkerLaunch(string Dotnet, string? RuntimeConfig, string? DepsFile, string WorkerDll, bool Probe)
{
    private const string WorkerFile = "TaskGraph.Worker.dll";
    private static readonly Lazy<WorkerLaunch> Current = new(Resolve);
    private static readonly HashSet<string> TrustedHere = new(StringComparer.Ordinal);

    /// <summary>The launch settings of this process (resolved once).</summary>
    public static WorkerLaunch ForThisProcess => Current.Value;

    private static WorkerLaunch Resolve()
    {
        var appDir = AppContext.BaseDirectory;
        var libDir = Path.GetDirectoryName(typeof(WorkerLaunch).Assembly.Location) ?? "";
        string? deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?
            .Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists);
        string? config = deps is null ? null : deps[..^".deps.json".Length] + ".runtimeconfig.json";
        if (config is not null && !File.Exists(config)) config = null;

        var beside = Path.Combine(appDir, WorkerFile);
        if (File.Exists(beside))
        {
            config ??= File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json")) ? Path.ChangeExtension(beside, ".runtimeconfig.json") : null;
            return new WorkerLaunch(FindDotnet(), config, deps, beside, Probe: false);
        }
        var packaged = Path.Combine(libDir, WorkerFile);
        if (libDir.Length > 0 && File.Exists(packaged))
            return new WorkerLaunch(FindDotnet(), config, null, packaged, Probe: true);
        throw new InvalidOperationException(
            $"{WorkerFile} was found neither next to the application ({appDir}) nor next to TaskGraph.Schedulers.dll ({libDir}): " +
            "the process pool cannot start workers. Reference the TaskGraph.Schedulers package or project (the worker comes with it), " +
            "or use Scheduler.Threads().");
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

    /// <summary>The command-line arguments before the worker's own (computed per start: a notebook may have loaded more packages since).</summary>
    public IEnumerable<string> Arguments()
    {
        yield return "exec";
        if (RuntimeConfig is not null) { yield return "--runtimeconfig"; yield return RuntimeConfig; }
        if (DepsFile is not null) { yield return "--depsfile"; yield return DepsFile; }
        yield return WorkerDll;
        if (Probe)
        {
            yield return "--probe";
            yield return string.Join(Path.PathSeparator, ProbeDirectories());
        }
    }

    /// <summary>
    /// The folders of every assembly this process loaded from outside the host's own files (packages restored by a
    /// notebook), after loading what those assemblies reference (a package a task uses may not be loaded here
    /// yet). They are trusted here too, so results whose types come from those packages decode in the parent.
    /// </summary>
    internal static IReadOnlyList<string> ProbeDirectories()
    {
        var platform = new HashSet<string>(StringComparer.Ordinal);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
            foreach (var p in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)) platform.Add(Path.GetFullPath(p));
        bool External(Assembly a) => !a.IsDynamic && (a.Location.Length == 0 || !platform.Contains(Path.GetFullPath(a.Location)));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<Assembly>(AppDomain.CurrentDomain.GetAssemblies().Where(External));
        foreach (var a in queue) seen.Add(a.FullName ?? "");
        while (queue.Count > 0)
        {
            AssemblyName[] references;
            try { references = queue.Dequeue().GetReferencedAssemblies(); }
            catch (Exception e) when (e is NotSupportedException or FileNotFoundException) { continue; }
            foreach (var name in references)
            {
                if (!seen.Add(name.FullName)) continue;
                Assembly loaded;
                try { loaded = Assembly.Load(name); }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException) { continue; }
                if (External(loaded)) queue.Enqueue(loaded);
            }
        }
        var dirs = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => External(a) && a.Location.Length > 0)
            .Select(a => Path.GetDirectoryName(Path.GetFullPath(a.Location))!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        lock (TrustedHere)
            foreach (var d in dirs)
                if (TrustedHere.Add(d)) Identities.TrustDirectory(d);
        return dirs;
    }
}
