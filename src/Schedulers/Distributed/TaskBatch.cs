using TaskGraph.Wire;

namespace TaskGraph.Distributed;

/// <summary>
/// Several small tasks of one computation in one broker message: one publish, one signature, one acknowledgement
/// and one reply message for all of them, instead of one each. The client packs tasks when many are ready and
/// they are short (<see cref="DistributedCompute"/> sizes batches by the run time workers report), never more than
/// <see cref="MaxTasks"/> nor (when it can split) more than <see cref="MaxBytes"/>; a worker runs them one after
/// the other and answers with <see cref="ResultBatch"/> messages, then acknowledges the batch.
/// <para>A batch redelivered after its worker died is not run as a batch again: the worker republishes each task as
/// a message of its own carrying that death (<see cref="Topology.DeathsHeader"/>), so a task that kills its workers
/// is still refused after three deaths, alone, and its neighbours run. Results are idempotent by node: the client
/// ignores a node's second result.</para>
/// </summary>
internal sealed class TaskBatch
{
    /// <summary>Most tasks in one message (a worker refuses more).</summary>
    public const int MaxTasks = 64;

    /// <summary>A batch encoded larger than this is split in two by the client (unless it holds one task).</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The computation every task belongs to.</summary>
    public string Compute = "";

    /// <summary>The tasks, run in this order.</summary>
    public RemoteTask[] Tasks = [];

    /// <summary>
    /// Decodes a task message: one <see cref="RemoteTask"/> (<paramref name="batched"/> false) or a batch of them,
    /// each checked as <see cref="RemoteTask.Decode"/> checks one, all of the batch's computation, no node twice.
    /// </summary>
    /// <exception cref="WireException">The bytes are malformed, or a task is, naming it.</exception>
    public static RemoteTask[] Decode(byte[] bytes, out bool batched)
    {
        var message = WireCodec.FromBytes(bytes);
        if (message is RemoteTask one)
        {
            batched = false;
            return [RemoteTask.Check(one)];
        }
        if (message is not TaskBatch batch) throw new WireException($"Malformed message: expected a task or a batch of tasks, read {(message is null ? "null" : "a " + message.GetType())}.");
        batched = true;
        var tasks = batch.Tasks;
        if (tasks is null || tasks.Length == 0 || tasks.Length > MaxTasks)
            throw new WireException($"Malformed batch of computation '{batch.Compute}': {tasks?.Length ?? 0} tasks (1 to {MaxTasks}).");
        var nodes = new HashSet<int>();
        foreach (var task in tasks)
        {
            if (task is null) throw new WireException($"Malformed batch of computation '{batch.Compute}': a task is missing.");
            RemoteTask.Check(task);
            if (task.Compute != batch.Compute)
                throw new WireException($"Malformed batch of computation '{batch.Compute}': task '{task.Key}' (node {task.Node}) belongs to computation '{task.Compute}'.");
            if (!nodes.Add(task.Node))
                throw new WireException($"Malformed batch of computation '{batch.Compute}': node {task.Node} ('{task.Key}') is in it twice.");
        }
        return tasks;
    }
}

/// <summary>The results of some tasks of one <see cref="TaskBatch"/>, in one reply message.</summary>
internal sealed class ResultBatch
{
    /// <summary>The results (each names its computation and node).</summary>
    public RemoteResult[] Results = [];

    /// <summary>
    /// Decodes a reply: one <see cref="RemoteResult"/> or a batch of them (at most <see cref="TaskBatch.MaxTasks"/>,
    /// none missing).
    /// </summary>
    /// <exception cref="WireException">The bytes are malformed.</exception>
    public static RemoteResult[] Decode(byte[] bytes)
    {
        var message = WireCodec.FromBytes(bytes);
        if (message is RemoteResult one) return [one];
        if (message is not ResultBatch batch) throw new WireException($"The reply is not a task result (read {(message is null ? "null" : "a " + message.GetType())}).");
        if (batch.Results is not { Length: > 0 and <= TaskBatch.MaxTasks } results)
            throw new WireException($"Malformed batch of results: {batch.Results?.Length ?? 0} results (1 to {TaskBatch.MaxTasks}).");
        foreach (var r in results)
            if (r is null) throw new WireException("Malformed batch of results: a result is missing.");
        return results;
    }
}
