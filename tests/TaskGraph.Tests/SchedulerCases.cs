namespace TaskGraph.Tests;

/// <summary>
/// The schedulers every behavioural suite runs on. A new scheduler adds its name here and inherits every test
/// of <see cref="SchedulerSuite"/> (and of the collection suites built the same way).
/// </summary>
public static class SchedulerCases
{
    /// <summary>Scheduler names as accepted by <see cref="Scheduler.FromName"/>.</summary>
    public static IEnumerable<string> All()
    {
        yield return "sync";
        yield return "threads";
        yield return "processes";
        yield return "distributed";
    }

    /// <summary>Schedulers that run tasks inside the test process (tests that observe process-local state use these).</summary>
    public static IEnumerable<string> InProcess()
    {
        yield return "sync";
        yield return "threads";
    }

    /// <summary>Creates the scheduler under test.</summary>
    public static IScheduler Create(string name) => name switch
    {
        // One pool of two workers for the whole test run: starting workers costs ~0.1 s each, and CI has 2 cores.
        "processes" => SharedProcesses.Value,
        // Two cluster worker processes on the test broker, shared by the whole run.
        "distributed" => Distributed.TestCluster.Shared.Scheduler,
        _ => Scheduler.FromName(name),
    };

    private static readonly Lazy<IScheduler> SharedProcesses = new(() => Scheduler.Processes(2));
}
