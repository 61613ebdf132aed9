namespace TaskGraph;

/// <summary>
/// One plan node packed for a remote worker: the functions of its tasks (a fused chain runs in order) and,
/// for each argument, where its value comes from. Everything a worker needs travels in the message — the
/// inputs' values included — so any worker can run it and a redelivered copy runs the same way.
/// Plain data: the wire codec writes it field by field.
/// </summary>
public sealed class RemoteTask
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

    /// <summary>The results of the node's dependencies, in the order of the plan's dependency list.</summary>
    public object?[] Inputs = [];

    /// <summary>Packs node <paramref name="node"/> of <paramref name="plan"/> with its inputs read from <paramref name="results"/>.</summary>
    public static RemoteTask Pack(string compute, ExecutionPlan plan, int node, object?[] results)
    {
        var members = plan.Members(node);
        var deps = plan.Dependencies[node];
        var inputIndex = new Dictionary<TaskKey, int>();
        var inputs = new object?[deps.Length];
        for (int i = 0; i < deps.Length; i++)
        {
            inputIndex[plan.KeyOf(deps[i])] = i;
            inputs[i] = results[deps[i]];
        }
        var t = new RemoteTask
        {
            Compute = compute, Node = node, Key = plan.KeyOf(node).ToString(), Inputs = inputs,
            Functions = new Delegate?[members.Length], Invokers = new TaskInvoker?[members.Length],
            Values = new object?[members.Length], ArgStart = new int[members.Length + 1],
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

    /// <summary>Runs the tasks in order; returns the last one's result.</summary>
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
            previous = Invokers[m]!(f, args);
        }
        return previous;
    }
}

/// <summary>What a worker sends back: the node's result, or the error it raised (type, message, remote stack).</summary>
public sealed class RemoteResult
{
    /// <summary>The computation.</summary>
    public string Compute = "";

    /// <summary>The node number.</summary>
    public int Node;

    /// <summary>The result when <see cref="ErrorType"/> is null.</summary>
    public object? Value;

    /// <summary>The failing exception's type name, or null on success.</summary>
    public string? ErrorType;

    /// <summary>The failing exception's message.</summary>
    public string? ErrorMessage;

    /// <summary>The failing exception's stack trace on the worker.</summary>
    public string? ErrorStack;

    /// <summary>Which worker ran it.</summary>
    public string Worker = "";
}

/// <summary>An exception raised by a task on a remote worker, rebuilt in the client: type name, message and the worker's stack.</summary>
public sealed class RemoteTaskException : Exception
{
    /// <summary>The original exception's full type name.</summary>
    public string RemoteType { get; }

    /// <summary>The stack trace on the worker.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>Creates the exception.</summary>
    public RemoteTaskException(string type, string message, string? stack, string worker)
        : base($"{type}: {message} (on {worker})")
    {
        RemoteType = type;
        RemoteStackTrace = stack;
    }

    /// <inheritdoc />
    public override string? StackTrace => RemoteStackTrace;
}
