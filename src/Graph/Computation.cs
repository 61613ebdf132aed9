namespace TaskGraph;

/// <summary>The path every <c>Compute</c> takes: compile the outputs into a plan, pick the scheduler, run.</summary>
internal static class Computation
{
    public static object?[] Run(TaskSpec[] outputs, ComputeOptions? options)
        => RunAsync(outputs, options).GetAwaiter().GetResult();

    public static Task<object?[]> RunAsync(TaskSpec[] outputs, ComputeOptions? options)
    {
        options ??= new ComputeOptions();
        DashboardHook.EnsureStarted();
        var scheduler = options.Scheduler ?? TaskGraphOptions.CurrentScheduler;
        var plan = ExecutionPlan.Compile(outputs, options.Fuse);
        var active = ComputeListeners.Active;
        IReadOnlyList<IComputeListener> listeners = options.Listeners.Count == 0 ? active : [.. active, .. options.Listeners];
        var context = new ComputeContext(options.CancellationToken, listeners) { StallTimeout = options.StallTimeout };
        if (options.MemoryLimit is not { } limit)
        {
            foreach (var l in listeners) l.OnComputeScheduled(plan, scheduler);
            return scheduler.ExecuteAsync(plan, context);
        }
        var spill = SpillArea.Create(options.SpillDirectory, limit);
        try
        {
            plan = plan.WithSpillTarget(spill.Target);
            foreach (var l in listeners) l.OnComputeScheduled(plan, scheduler);
            return spill.DeleteAfter(scheduler.ExecuteAsync(plan, context));
        }
        catch
        {
            spill.Delete();
            throw;
        }
    }
}
