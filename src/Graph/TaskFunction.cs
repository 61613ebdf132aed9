using System.Collections.Concurrent;
using System.Reflection;

namespace TaskGraph;

/// <summary>
/// Calls a typed user delegate with untyped arguments. Every invoker is a static generic method of
/// <see cref="TaskInvokers"/>, so an out-of-process scheduler can name it (method plus type arguments) and
/// rebuild the same call on the other side.
/// </summary>
public delegate object? TaskInvoker(Delegate function, object?[] args);

/// <summary>
/// What a task runs: the user's delegate (method identity plus closure target) and the invoker that adapts
/// it to untyped arguments. A function is data (docs/ARCHITECTURE.md, "Graph"): <see cref="Method"/>,
/// <see cref="Target"/> and <see cref="InvokerMethod"/> are all a serializer needs.
/// </summary>
public sealed class TaskFunction
{
    private static readonly ConcurrentDictionary<MethodInfo, string> Names = new();
    [ThreadStatic] private static TaskFunction? _last;

    /// <summary>The user's delegate.</summary>
    public Delegate Delegate { get; }

    /// <summary>The adapter that calls <see cref="Delegate"/> with an argument array.</summary>
    public TaskInvoker Invoker { get; }

    /// <summary>The user's method (for a lambda, the compiler-generated method holding its body).</summary>
    public MethodInfo Method => Delegate.Method;

    /// <summary>The closure or instance the method runs on (null for static methods).</summary>
    public object? Target => Delegate.Target;

    /// <summary>The static generic invoker method, closed over the argument and result types.</summary>
    public MethodInfo InvokerMethod => Invoker.Method;

    /// <summary>A readable name: the method name, or <c>lambda</c>-style names for anonymous functions.</summary>
    public string Name { get; }

    /// <summary>Fingerprint of method and captured state; unique when the state cannot be fingerprinted.</summary>
    public Token Token { get; }

    /// <summary>False when the closure state could not be fingerprinted, so every call gets a fresh key.</summary>
    public bool IsDeterministic { get; }

    /// <summary>The name the caller asked for (null: derived from the method), compared when reusing the last function.</summary>
    private readonly string? _explicitName;

    private TaskFunction(Delegate function, TaskInvoker invoker, string? name)
    {
        Delegate = function;
        Invoker = invoker;
        _explicitName = name;
        Name = name ?? NameOf(function.Method);
        var b = new TokenBuilder(TokenDomains.TaskFunction);
        IsDeterministic = ValueTokenizer.TryAddDelegate(ref b, function);
        Token = IsDeterministic ? b.Finish() : ValueTokenizer.Unique();
    }

    private TaskFunction(Delegate function, TaskInvoker invoker)
    {
        Delegate = function;
        Invoker = invoker;
        Name = NameOf(function.Method);
        Token = ValueTokenizer.Unique();
    }

    /// <summary>
    /// A function a worker received from its parent, to run: not fingerprinted (keys were made by the parent,
    /// and fingerprinting a closure costs more than a small task).
    /// </summary>
    internal static TaskFunction Received(Delegate function, TaskInvoker invoker) => new(function, invoker);

    /// <summary>
    /// Wraps <paramref name="function"/>. Building a graph calls this once per task, usually with the same
    /// delegate instance in a loop, so the last function made on this thread is reused.
    /// </summary>
    public static TaskFunction Create(Delegate function, TaskInvoker invoker, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function, "function");
        var last = _last;
        if (last is not null && ReferenceEquals(last.Delegate, function) && last.Invoker == invoker && name == last._explicitName)
            return last;
        return _last = new TaskFunction(function, invoker, name);
    }

    /// <summary>Runs the function on already-resolved arguments.</summary>
    public object? Invoke(object?[] args) => Invoker(Delegate, args);

    /// <summary>
    /// A readable name for a method: <c>Inc</c>; <c>Parse</c> for a local function <c>Parse</c> (compiled as
    /// <c>&lt;Main&gt;g__Parse|0_0</c>, or <c>&lt;&lt;Main&gt;$&gt;g__Parse|0_0</c> in top-level statements);
    /// <c>Main.lambda</c> for a lambda inside <c>Main</c> (<c>&lt;Main&gt;b__0_0</c>), also in top-level statements.
    /// </summary>
    public static string NameOf(MethodInfo method) => Names.GetOrAdd(method, static m => NameOf(m.Name));

    /// <summary><see cref="NameOf(MethodInfo)"/> for a method name as the compiler wrote it.</summary>
    internal static string NameOf(string n)
    {
        if (!n.StartsWith('<')) return n;
        // Compiler-generated names read <outer>k__rest: k is 'g' for a local function (rest = Name|ids), 'b' for a lambda.
        // The outer method may itself be generated: <Main>$ is the method holding top-level statements.
        int close = n.LastIndexOf(">", StringComparison.Ordinal);
        var outer = close > 1 ? n[1..close] : "";
        var rest = close + 1 < n.Length ? n[(close + 1)..] : "";
        if (rest.StartsWith("g__", StringComparison.Ordinal))
        {
            int bar = rest.IndexOf('|');
            var local = bar > 3 ? rest[3..bar] : rest[3..];
            if (local.Length > 0) return local;
        }
        if (outer.StartsWith('<') && outer.EndsWith(">$", StringComparison.Ordinal)) outer = outer[1..^2];
        return outer.Length > 0 ? $"{outer}.lambda" : "lambda";
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var t = Method.DeclaringType;
        while (t is not null && t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false)) t = t.DeclaringType;
        return t is null ? Name : $"{t.Name}.{Name}";
    }
}
