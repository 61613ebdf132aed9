using System.Reflection;

// The worker process of TaskGraph's process pool. It is launched as
//   dotnet exec --runtimeconfig <app>.runtimeconfig.json --depsfile <app>.deps.json TaskGraph.Worker.dll ...
// so it resolves the application's own assemblies (user code, packages) exactly like the parent. The runner lives
// in TaskGraph.Schedulers, found through the application's deps file; this project cannot reference it at compile
// time because TaskGraph.Schedulers references this project (to have the worker copied next to every app).
var schedulers = Assembly.Load(new AssemblyName("TaskGraph.Schedulers"));
var host = schedulers.GetType("TaskGraph.WorkerHost", throwOnError: true)!;
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
