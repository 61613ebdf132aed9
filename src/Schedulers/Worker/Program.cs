using System.Reflection;
using System.Runtime.Loader;

// TaskGraph's worker program, in two modes.
//
// Process pool (launched by ProcessPoolScheduler, positional arguments: pipe names and slot):
//   dotnet exec --runtimeconfig <app>.runtimeconfig.json --depsfile <app>.deps.json TaskGraph.Worker.dll ...
// so it resolves the application's own assemblies (user code, packages) exactly like the parent. A parent whose
// folder does not hold the worker (a notebook kernel) starts it from the TaskGraph.Schedulers package folder with
//   ... TaskGraph.Worker.dll --probe <dir>:<dir>:... <pipes and slot>
// and the worker resolves (and trusts) the parent's assemblies from those folders.
//
// Cluster worker (named options):
//   TASKGRAPH_BROKER=amqp://user:pass@host:5672/vhost TASKGRAPH_CLUSTER_SECRET_FILE=... \
//   dotnet TaskGraph.Worker.dll --app path/to/app/bin [--threads N] [--debug]
// resolves assemblies only from the --app folder (and the shared framework), and runs signed tasks from the broker.
//
// The runners live in TaskGraph.Schedulers and TaskGraph.Distributed, found at run time: this project cannot
// reference them at compile time because TaskGraph.Schedulers references this project (to have the worker copied
// next to every application).
string[] probe = [];
if (args.Length >= 2 && args[0] == "--probe")
{
    probe = args[1].Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
    args = args[2..];
    AssemblyLoadContext.Default.Resolving += (context, name) =>
    {
        foreach (var dir in probe)
        {
            var path = Path.Combine(dir, name.Name + ".dll");
            if (File.Exists(path)) return context.LoadFromAssemblyPath(path);
        }
        return null;
    };
    var identities = Assembly.Load(new AssemblyName("TaskGraph.Schedulers")).GetType("TaskGraph.Wire.Identities", throwOnError: true)!;
    foreach (var dir in probe) identities.GetMethod("TrustDirectory")!.Invoke(null, [dir]);
}
bool cluster = args.Contains("--broker") || args.Contains("--app");
string hostType = "TaskGraph.Processes.WorkerHost", hostAssembly = "TaskGraph.Schedulers";
if (cluster)
{
    int at = Array.IndexOf(args, "--app");
    var app = Path.GetFullPath(at >= 0 && at + 1 < args.Length ? args[at + 1] : AppContext.BaseDirectory);
    if (!Directory.Exists(app))
    {
        Console.Error.WriteLine($"TaskGraph worker: the application folder '{app}' does not exist.");
        return 2;
    }
    AssemblyLoadContext.Default.Resolving += (context, name) =>
    {
        // Names can come from the wire: only a plain file name directly in the --app folder, never a path
        // ("../../x/Evil" must not map a file outside it).
        if (name.Name is not { Length: > 0 } simple || simple.Contains("..") || simple.IndexOfAny(['/', '\\', ':']) >= 0 || Path.IsPathRooted(simple)) return null;
        var path = Path.GetFullPath(Path.Combine(app, simple + ".dll"));
        return Path.GetDirectoryName(path) == app.TrimEnd(Path.DirectorySeparatorChar) && File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
    };
    hostType = "TaskGraph.Distributed.DistributedWorkerHost";
    hostAssembly = "TaskGraph.Distributed";
    var schedulers = Assembly.Load(new AssemblyName("TaskGraph.Schedulers"));
    schedulers.GetType("TaskGraph.Wire.Identities", throwOnError: true)!.GetMethod("TrustDirectory")!.Invoke(null, [app]);
}
var host = Assembly.Load(new AssemblyName(hostAssembly)).GetType(hostType, throwOnError: true)!;
var run = host.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!;
try
{
    return (int)run.Invoke(null, [args])!;
}
catch (TargetInvocationException e) when (e.InnerException is not null)
{
    Console.Error.WriteLine($"TaskGraph worker failed: {e.InnerException}");
    return 1;
}
