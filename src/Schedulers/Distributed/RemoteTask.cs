namespace TaskGraph.Distributed;

/// <summary>
/// One plan node packed for a remote worker: the node's <see cref="NodeProgram"/> (its tasks, a fused chain in
/// order, and where each argument comes from), detached from the plan, and its inputs. Small inputs travel in the
/// message; large ones stay on the worker that made them and the message says where (<see cref="Held"/>): the worker
/// running the task fetches them from that peer over the data plane, never through the client or the broker. Any
/// worker can run the message, and a redelivered copy runs the same way. Plain data: the wire codec writes it field
/// by field; a worker decodes it with <see cref="Decode"/>, which refuses a malformed program before anything runs.
/// </summary>
internal sealed class RemoteTask
{
    /// <summary>The computation this task belongs to (results are matched by it and <see cref="Node"/>).</summary>
    public string Compute = "";

    /// <summary>The node number in the client's plan.</summary>
    public int Node;

    /// <summary>The key of the node's result task, for error messages and logs.</summary>
    public string Key = "";

    /// <summary>What the node runs, as the client's plan compiled it.</summary>
    public NodeProgram Program;

    /// <summary>
    /// The results of the node's dependencies, in the order of the plan's dependency list (input <c>i</c> of
    /// <see cref="Program"/>). The client fills in the small ones; the worker fills in those of <see cref="Held"/>
    /// before running.
    /// </summary>
    public object?[] Inputs = [];

    /// <summary>Per input: where a worker holds it (its value is fetched from there), or null when <see cref="Inputs"/> carries it.</summary>
    public HeldInput?[] Held = [];

    /// <summary>True when the client wants the value itself back (an output of the computation); else a large result stays on the worker.</summary>
    public bool ReturnValue;

    /// <summary>Longest pin or store id accepted (any 64 characters fit the data plane's 256 UTF-8 bytes of computation id).</summary>
    public const int MaxStoreIdLength = DataPlane.DataPlaneProtocol.MaxComputeIdBytes / 4;

    /// <summary>
    /// Persist: the id under which the worker also keeps a large result after the computation ends (an output of a
    /// persisting computation, see <see cref="WorkerResident"/>); null for every other task.
    /// </summary>
    public string? Pin;

    /// <summary>
    /// Packs node <paramref name="node"/> of <paramref name="plan"/>; <paramref name="input"/> gives each
    /// dependency's value (inline) or where it is held.
    /// </summary>
    public static RemoteTask Pack(string compute, ExecutionPlan plan, int node, Func<int, (object? Value, HeldInput? Held)> input)
    {
        var deps = plan.Dependencies[node];
        var inputs = new object?[deps.Length];
        var held = new HeldInput?[deps.Length];
        for (int i = 0; i < deps.Length; i++) (inputs[i], held[i]) = input(deps[i]);
        return new RemoteTask
        {
            Compute = compute, Node = node, Key = plan.KeyOf(node).ToString(), Program = plan.Program(node).Detach(),
            Inputs = inputs, Held = held, ReturnValue = plan.IsOutput(node),
        };
    }

    /// <summary>
    /// Decodes a task message: a <see cref="RemoteTask"/> whose program is well formed (<see cref="NodeProgram.Defect"/>)
    /// for the inputs it carries.
    /// </summary>
    /// <exception cref="WireException">The bytes are malformed, or the program is, naming the task.</exception>
    public static RemoteTask Decode(byte[] bytes) => Check(WireCodec.FromBytes<RemoteTask>(bytes));

    /// <summary>Checks a decoded task as <see cref="Decode"/> does (a task of a <see cref="TaskBatch"/> too); returns it.</summary>
    /// <exception cref="WireException">The task is malformed, naming it.</exception>
    public static RemoteTask Check(RemoteTask task)
    {
        if (task.Inputs is null) throw new WireException($"Malformed task '{task.Key}' (node {task.Node}): no inputs.");
        if (task.Program.Defect(task.Inputs.Length) is { } defect) throw new WireException($"Malformed task '{task.Key}' (node {task.Node}): {defect}.");
        if (task.Pin is { Length: > MaxStoreIdLength })
            throw new WireException($"Malformed task '{task.Key}' (node {task.Node}): a pin id of {task.Pin.Length} characters.");
        // Held: none (every input inline) or one entry per input.
        if (task.Held is null || (task.Held.Length != 0 && task.Held.Length != task.Inputs.Length))
            throw new WireException($"Malformed task '{task.Key}' (node {task.Node}): {task.Held?.Length ?? 0} held-input entries for {task.Inputs.Length} inputs.");
        foreach (var h in task.Held)
            if (h is { Store.Length: > MaxStoreIdLength })
                throw new WireException($"Malformed task '{task.Key}' (node {task.Node}): a held input's store id of {h.Store.Length} characters.");
        return task;
    }

    /// <summary>
    /// Runs the program on <see cref="Inputs"/>; returns the last member's result. A throwing task is reported as
    /// <see cref="TaskFailedException"/> naming it (the original exception inside).
    /// </summary>
    public object? Run() => Program.Run(new NodeProgram.ArrayInputs(Inputs));
}

/// <summary>An input of a task that a worker holds: the node whose result it is, the worker's data plane address, its encoded size.</summary>
internal sealed class HeldInput
{
    /// <summary>The node (of the same computation) whose result this is.</summary>
    public int Node;

    /// <summary>The holder's data plane address (<c>host:port</c>).</summary>
    public string Holder = "";

    /// <summary>The result's size in the wire codec.</summary>
    public long Size;

    /// <summary>A persisted result: the id its holder keeps it under (null: the task's own computation, under <see cref="Node"/>).</summary>
    public string? Store;

    /// <summary>A persisted result: its node in <see cref="Store"/>.</summary>
    public int StoredAs;

    /// <summary>
    /// Several tasks read this input (a broadcast join's index, a lookup table): the worker keeps the copy it
    /// fetches for the next of them it runs, and says so in <see cref="RemoteResult.Copies"/>.
    /// </summary>
    public bool KeepCopy;
}

/// <summary>
/// What a worker sends back: the node's result — its value (small results and outputs) or where it is held and
/// how big — or the error it raised (encoded by <c>RemoteErrors</c>: type, message, remote stack), or the inputs
/// it could not fetch (their holders died or released them: the client recomputes them and sends the task again).
/// </summary>
internal sealed class RemoteResult
{
    /// <summary>The computation.</summary>
    public string Compute = "";

    /// <summary>The node number.</summary>
    public int Node;

    /// <summary>The result when <see cref="Error"/> is null and <see cref="Holder"/> is empty.</summary>
    public object? Value;

    /// <summary>When the result stayed on the worker: that worker's data plane address; else empty.</summary>
    public string Holder = "";

    /// <summary>The result's encoded size (held results).</summary>
    public long Size;

    /// <summary>Inputs the worker could not fetch (nodes); the task did not run. Null otherwise.</summary>
    public int[]? Missing;

    /// <summary>Holders of <see cref="Missing"/> inputs that could not be reached at all (their results are lost).</summary>
    public string[]? Unreachable;

    /// <summary>The exception the task raised, as written by <c>RemoteErrors.Write</c>; null on success.</summary>
    public byte[]? Error;

    /// <summary>Which worker ran it.</summary>
    public string Worker = "";

    /// <summary>Inputs (<see cref="HeldInput.KeepCopy"/>) the worker fetched for this task and now keeps a copy of; null when none.</summary>
    public int[]? Copies;

    /// <summary>The data plane address of the worker keeping <see cref="Copies"/>.</summary>
    public string CopiesAt = "";

    /// <summary>The key of the task that failed (inside a fused chain it may not be the node's own).</summary>
    public string? FailedKey;

    /// <summary>The function of the task that failed.</summary>
    public string? FailedFunction;

    /// <summary>How long the worker ran the node, in microseconds (the client's task stream places the task with it).</summary>
    public long RunMicros;

    /// <summary>The worker's process id when the result carries a sample of its process (0: no sample).</summary>
    public int ProcessId;

    /// <summary>The worker process's CPU time in milliseconds, sampled with <see cref="WorkingSet"/>.</summary>
    public long CpuMillis;

    /// <summary>The worker process's resident memory in bytes.</summary>
    public long WorkingSet;

    /// <summary>A failed result carrying <paramref name="error"/> (a <see cref="TaskFailedException"/> is unwrapped into key, function and cause).</summary>
    public static RemoteResult Failed(string compute, int node, string worker, Exception error)
    {
        var r = new RemoteResult { Compute = compute, Node = node, Worker = worker };
        if (error is TaskFailedException { InnerException: { } cause } tf)
        {
            r.FailedKey = tf.Key;
            r.FailedFunction = tf.Function;
            error = cause;
        }
        var w = new WireWriter();
        RemoteErrors.Write(w, error);
        r.Error = w.ToArray();
        return r;
    }

    /// <summary>The exception a failed result carries, rebuilt with the worker's stack trace.</summary>
    public Exception ReadError() => RemoteErrors.Read(WireReader.FromBytes(Error!));
}
