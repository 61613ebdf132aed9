using TaskGraph.Wire;

namespace TaskGraph.Distributed;

/// <summary>
/// Checks, before any task runs, that every task's function (with what its closure captured) can cross a process
/// boundary. A capture that cannot (a stream, a lock, a delegate to an unserializable target…) fails the compute
/// at once, naming the task and the field, instead of failing halfway through the graph.
/// </summary>
internal static class RemoteCapture
{
    public static void Check(ExecutionPlan plan)
    {
        var seen = new HashSet<Delegate>(ReferenceEqualityComparer.Instance);
        foreach (var spec in plan.Tasks)
        {
            // A persisted result is used where it is kept, never sent (see WorkerResident).
            if (spec.Function is not { } f || f.Target is IResidentResult || !seen.Add(f.Delegate)) continue;
            try
            {
                WireCodec.Check(f.Delegate, $"task {spec.Key}");
            }
            catch (WireException e)
            {
                throw SendFailure.For(spec, e);
            }
        }
    }
}
