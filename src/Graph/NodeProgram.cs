namespace TaskGraph;

/// <summary>
/// What one plan node runs: its member tasks in order (one task, or a fused chain), and for each argument of each
/// member where its value comes from (<see cref="ArgumentSource"/>). Computed once, in
/// <see cref="ExecutionPlan.Compile"/>, and run by <see cref="Run{TInputs}"/> everywhere: by the plan itself
/// (threads, synchronous), in a process-pool worker and in a cluster worker.
/// <code>
///   node 7 = [read, parse, filter]      dependencies: [node 2]
///   read(input 0, literal "a.csv")      parse(previous)      filter(previous, literal 0.5)
/// </code>
///
/// <para>A view over flat arrays, not an object per node: the plan's program of node <c>g</c> points into the
/// plan's own task table, member list and argument sources (<see cref="ExecutionPlan.Program"/>), so running a
/// node in process allocates nothing beyond the argument arrays the functions take. A program that travels
/// (<see cref="Detach"/>) owns small arrays of its own: the member tasks with their dependency arguments blanked,
/// and their sources. Such a program comes from another process: <see cref="Defect"/> checks it before it runs.</para>
/// </summary>
internal readonly struct NodeProgram
{
    /// <summary>The task table the members index (the plan's tasks, or a detached program's own members).</summary>
    private readonly TaskSpec[] _tasks;

    /// <summary>The member list the node's members are a range of; null when the members are <c>_tasks[0.._count)</c>.</summary>
    private readonly int[]? _members;

    /// <summary>Where the node's members start in <see cref="_members"/>, and how many there are.</summary>
    private readonly int _first, _count;

    /// <summary>Per task of <see cref="_tasks"/>: where its arguments' sources start in <see cref="_sources"/>.</summary>
    private readonly int[] _argStart;

    /// <summary>Per argument: where its value comes from.</summary>
    private readonly ArgumentSource[] _sources;

    /// <summary>How many inputs the node reads (the length of its dependency list).</summary>
    private readonly int _inputs;

    /// <summary>A program over the given arrays (not checked: a plan builds correct ones, and a received one is checked with <see cref="Defect"/>).</summary>
    public NodeProgram(TaskSpec[] tasks, int[]? members, int first, int count, int[] argStart, ArgumentSource[] sources, int inputs)
    {
        _tasks = tasks;
        _members = members;
        _first = first;
        _count = count;
        _argStart = argStart;
        _sources = sources;
        _inputs = inputs;
    }

    /// <summary>Number of member tasks.</summary>
    public int MemberCount => _count;

    /// <summary>Number of inputs the node reads.</summary>
    public int InputCount => _inputs;

    /// <summary>Member task <paramref name="member"/> (0 runs first).</summary>
    public TaskSpec Member(int member) => _tasks[_members is null ? member : _members[_first + member]];

    /// <summary>Where argument <paramref name="arg"/> of member <paramref name="member"/> comes from.</summary>
    public ArgumentSource Source(int member, int arg) => _sources[_argStart[_members is null ? member : _members[_first + member]] + arg];

    /// <summary>The node's inputs, however a runtime holds them: <c>this[i]</c> is the result of the node's <c>i</c>-th dependency.</summary>
    public interface IInputs
    {
        /// <summary>Input <paramref name="input"/>; throws when this runtime cannot supply it.</summary>
        object? this[int input] { get; }
    }

    /// <summary>Inputs given as an array, in the order of the node's dependency list.</summary>
    public readonly struct ArrayInputs(object?[] values) : IInputs
    {
        /// <inheritdoc />
        public object? this[int input] => values[input];
    }

    /// <summary>
    /// Runs the members in order; returns the last one's result. A member that throws — or whose argument cannot
    /// be supplied — is reported as <see cref="TaskFailedException"/> naming it (<see cref="TaskFailedException.Member"/>
    /// says which), the original exception inside.
    /// </summary>
    /// <remarks>Generic over the inputs so that each runtime's way of reading them is a struct call the JIT inlines.</remarks>
    public object? Run<TInputs>(TInputs inputs) where TInputs : struct, IInputs
    {
        object? previous = null;
        for (int i = 0; i < _count; i++)
        {
            int t = _members is null ? i : _members[_first + i];
            var spec = _tasks[t];
            if (spec.Function is not { } function)
            {
                previous = spec.Value;
                continue;
            }
            var args = spec.ArgArray;
            var values = args.Length == 0 ? [] : new object?[args.Length];
            int a0 = _argStart[t];
            try
            {
                for (int a = 0; a < values.Length; a++)
                {
                    var source = _sources[a0 + a];
                    values[a] = source.IsInput ? inputs[source.InputIndex] : source.IsLiteral ? args[a].Literal : previous;
                }
                previous = function.Invoker(function.Delegate, values);
            }
            catch (Exception e)
            {
                throw new TaskFailedException(spec.Key.ToString(), function.ToString(), e) { Member = i };
            }
        }
        return previous;
    }

    /// <summary>
    /// A copy that owns its arrays and can cross a process boundary: the member tasks with their dependency
    /// arguments blanked (their values come from the sources, and a dependency would drag its whole graph along),
    /// and the members' sources. Keys, functions and literals are the plan's own objects.
    /// </summary>
    public NodeProgram Detach()
    {
        var tasks = new TaskSpec[_count];
        var argStart = new int[_count];
        int total = 0;
        for (int i = 0; i < _count; i++)
        {
            tasks[i] = Member(i).WithoutDependencies();
            argStart[i] = total;
            total += tasks[i].ArgArray.Length;
        }
        var sources = new ArgumentSource[total];
        for (int i = 0; i < _count; i++)
            for (int a = 0; a < tasks[i].ArgArray.Length; a++) sources[argStart[i] + a] = Source(i, a);
        return new NodeProgram(tasks, null, 0, _count, argStart, sources, _inputs);
    }

    /// <summary>
    /// What is wrong with this program, when it came from another process (null: nothing). Checks every array
    /// and index before anything runs: a member list within the task table, every member a task with a function
    /// and invoker or a literal, every argument's source inside the source array and one of the three kinds, no
    /// previous result for the first member, no input beyond <paramref name="inputs"/> (the inputs the receiver
    /// holds) or the program's own count. The text names the member by key.
    /// </summary>
    public string? Defect(int inputs)
    {
        if (_tasks is null || _argStart is null || _sources is null) return "the program's arrays are missing";
        if (_inputs != inputs) return $"the program reads {_inputs} inputs but {inputs} were supplied";
        if (_count < 1) return $"the program has {_count} members (at least one)";
        if (_members is null)
        {
            if (_first != 0 || _count > _tasks.Length) return $"members 0..{_count} lie outside the {_tasks.Length} tasks sent";
        }
        else if (_first < 0 || _first > _members.Length || _count > _members.Length - _first)
            return $"members {_first}..{(long)_first + _count} lie outside the member list of {_members.Length}";
        for (int i = 0; i < _count; i++)
        {
            int t = _members is null ? i : _members[_first + i];
            if ((uint)t >= (uint)_tasks.Length) return $"member {i} is task {t}, outside the {_tasks.Length} tasks sent";
            if (_tasks[t] is not { } spec) return $"member {i} is missing";
            string who = spec.Key.IsEmpty ? $"member {i}" : $"member {i} ('{spec.Key}')";
            if (spec.ArgArray is not { } args) return $"{who} has no argument list";
            if (spec.Function is not { } f)
            {
                if (args.Length != 0) return $"{who} is a literal with {args.Length} arguments";
                continue;
            }
            if (f.Delegate is null || f.Invoker is null) return $"{who} has a function without {(f.Delegate is null ? "a delegate" : "an invoker")}";
            if ((uint)t >= (uint)_argStart.Length) return $"{who} has no argument start (task {t} of {_argStart.Length})";
            int a0 = _argStart[t];
            if (a0 < 0 || a0 > _sources.Length || args.Length > _sources.Length - a0)
                return $"{who}'s {args.Length} argument sources start at {a0}, outside the {_sources.Length} sources sent";
            for (int a = 0; a < args.Length; a++)
            {
                if (args[a].Dependency is not null) return $"{who}'s argument {a} names another task (sources say where values come from)";
                var s = _sources[a0 + a];
                if (!s.IsValid) return $"{who}'s argument {a} has source {s}";
                if (s.IsPrevious && i == 0) return $"{who}'s argument {a} reads the previous member's result, but it is the first member";
                if (s.IsInput && s.InputIndex >= _inputs) return $"{who}'s argument {a} reads input {s.InputIndex}, but the node has {_inputs} inputs";
            }
        }
        return null;
    }
}
