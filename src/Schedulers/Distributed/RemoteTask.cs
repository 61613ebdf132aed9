namespace TaskGraph.Distributed;

/// <summary>
/// One plan node packed for a remote worker: the functions of its tasks (a fused chain runs in order) and,
/// for each argument, where its value comes from. Small inputs travel in the message; large ones stay on the
/// worker that made them and the message says where (<see cref="Held"/>): the worker running the task fetches
/// them from that peer over the data plane, never through the client or the broker. Any worker can run the
/// message, and a redelivered copy runs the same way.
/// Plain data: the wire codec writes it field by field.
/// </summary>
internal sealed class RemoteTask
{
    /// <summary>Argument source: the argument's literal value (<see cref="Literals"/>).</summary>
    public const int FromLiteral = -1;

    /// <summary>Argument source: the previous task's result (inside a fused chain).</summary>
    public const int FromPrevious = -2;

    /// <summary>The computation this task belongs to (results are matched by it and <see cref="Node"/>).</summary>
    public string Compute = "";

    /// <summary>The node number in the client's plan.</summary>
    public int Node;

    /// <summary>The key of the node's result task, for error messages and logs.</summary>
    public string Key = "";

    /// <summary>Per task: its key, so a failure inside a fused chain names the task that failed.</summary>
    public string[] Keys = [];

    /// <summary>Per task: its function's readable name.</summary>
    public string[] FunctionNames = [];

    /// <summary>Per task: the user function (null for a literal task).</summary>
    public Delegate?[] Functions = [];

    /// <summary>Per task: the invoker adapting the function to an argument array.</summary>
    public TaskInvoker?[] Invokers = [];

    /// <summary>Per task: its literal value (literal tasks) — otherwise unused.</summary>
    public object?[] Values = [];

    /// <summary>Per task: where its arguments start in <see cref="Sources"/> and <see cref="Literals"/>.</summary>
    public int[] ArgStart = [];

    /// <summary>Per argument: an index into <see cref="Inputs"/>, <see cref="FromLiteral"/> or <see cref="FromPrevious"/>.</summary>
    public int[] Sources = [];

    /// <summary>Per argument: the literal value when its source is <see cref="FromLiteral"/>.</summary>
    public object?[] Literals = [];

    /// <summary>
    /// The results of the node's dependencies, in the order of the plan's dependency list. The client fills in
    /// the small ones; the worker fills in those of <see cref="Held"/> before running.
    /// </summary>
    public object?[] Inputs = [];

    /// <summary>Per input: where a worker holds it (its value is fetched from there), or null when <see cref="Inputs"/> carries it.</summary>
    public HeldInput?[] Held = [];

    /// <summary>True when the client wants the value itself back (an output of the computation); else a large result stays on the worker.</summary>
    public bool ReturnValue;

    /// <summary>
    /// Packs node <paramref name="node"/> of <paramref name="plan"/>; <paramref name="input"/> gives each
    /// dependency's value (inline) or where it is held.
    /// </summary>
    public static RemoteTask Pack(string compute, ExecutionPlan plan, int node, Func<int, (object? Value, HeldInput? Held)> input)
    {
        var members = plan.Members(node);
        var deps = plan.Dependencies[node];
        var inputIndex = new Dictionary<TaskKey, int>();
        var inputs = new object?[deps.Length];
        var held = new HeldInput?[deps.Length];
        for (int i = 0; i < deps.Length; i++)
        {
            inputIndex[plan.KeyOf(deps[i])] = i;
            (inputs[i], held[i]) = input(deps[i]);
        }
        var t = new RemoteTask
        {
            Compute = compute, Node = node, Key = plan.KeyOf(node).ToString(), Inputs = inputs, Held = held, ReturnValue = plan.IsOutput(node),
            Functions = new Delegate?[members.Length], Invokers = new TaskInvoker?[members.Length],
            Values = new object?[members.Length], ArgStart = new int[members.Length + 1],
            Keys = new string[members.Length], FunctionNames = new string[members.Length],
        };
        var sources = new List<int>();
        var literals = new List<object?>();
        TaskKey? previous = null;
        for (int m = 0; m < members.Length; m++)
        {
            var spec = plan.Tasks[members[m]];
            t.Functions[m] = spec.Function?.Delegate;
            t.Invokers[m] = spec.Function?.Invoker;
            t.Values[m] = spec.Value;
            t.Keys[m] = spec.Key.ToString();
            t.FunctionNames[m] = spec.Function?.ToString() ?? spec.Key.Name;
            t.ArgStart[m] = sources.Count;
            foreach (var a in spec.Args)
            {
                if (a.Dependency is not { } d) { sources.Add(FromLiteral); literals.Add(a.Literal); }
                else if (previous is { } p && d.Key == p) { sources.Add(FromPrevious); literals.Add(null); }
                else { sources.Add(inputIndex[d.Key]); literals.Add(null); }
            }
            previous = spec.Key;
        }
        t.ArgStart[members.Length] = sources.Count;
        t.Sources = sources.ToArray();
        t.Literals = literals.ToArray();
        return t;
    }

    /// <summary>
    /// Runs the tasks in order; returns the last one's result. A throwing task is reported as
    /// <see cref="TaskFailedException"/> naming it (the original exception inside).
    /// </summary>
    public object? Run()
    {
        object? previous = null;
        for (int m = 0; m < Functions.Length; m++)
        {
            if (Functions[m] is not { } f) { previous = Values[m]; continue; }
            int a0 = ArgStart[m], n = ArgStart[m + 1] - a0;
            var args = n == 0 ? [] : new object?[n];
            for (int a = 0; a < n; a++)
            {
                int src = Sources[a0 + a];
                args[a] = src >= 0 ? Inputs[src] : src == FromLiteral ? Literals[a0 + a] : previous;
            }
            try
            {
                previous = Invokers[m]!(f, args);
            }
            catch (Exception e)
            {
                throw new TaskFailedException(Keys[m], FunctionNames[m], e);
            }
        }
        return previous;
    }
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

    /// <summary>The key of the task that failed (inside a fused chain it may not be the node's own).</summary>
    public string? FailedKey;

    /// <summary>The function of the task that failed.</summary>
    public string? FailedFunction;

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
        var w = new TaskGraph.Wire.WireWriter();
        TaskGraph.Wire.RemoteErrors.Write(w, error);
        r.Error = w.ToArray();
        return r;
    }

    /// <summary>The exception a failed result carries, rebuilt with the worker's stack trace.</summary>
    public Exception ReadError() => TaskGraph.Wire.RemoteErrors.Read(TaskGraph.Wire.WireReader.FromBytes(Error!));
}
