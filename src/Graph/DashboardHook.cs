using System.Reflection;

namespace TaskGraph;

/// <summary>
/// Starts the live dashboard named by <c>TASKGRAPH_DASHBOARD</c> before the first computation. The dashboard lives
/// in the TaskGraph assembly (it needs ASP.NET Core), which this one cannot reference, so it is found by name.
/// Without the variable this costs one static read per computation, nothing per task.
/// </summary>
internal static class DashboardHook
{
    /// <summary>The environment variable naming the address the dashboard serves on.</summary>
    public const string Variable = "TASKGRAPH_DASHBOARD";

    private static readonly string? Address = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } a ? a.Trim() : null;
    private static int _started;

    public static void EnsureStarted()
    {
        if (Address is null || Interlocked.Exchange(ref _started, 1) != 0) return;
        var start = Type.GetType("TaskGraph.Diagnostics.Dashboard, TaskGraph")
            ?.GetMethod("StartFromEnvironment", BindingFlags.NonPublic | BindingFlags.Static);
        if (start is null)
        {
            Console.Error.WriteLine($"{Variable} is set, but the TaskGraph assembly with the dashboard is not loaded: no dashboard.");
            return;
        }
        start.Invoke(null, [Address]);
    }
}
