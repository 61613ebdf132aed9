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
/// it to untyped arguments. A function is data (DESIGN.md principle 1): <see cref="Method"/>,
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

    private TaskFunction(Delegate function, TaskInvoker invoker, string? name)
    {
        Delegate = function;
        Invoker = invoker;
        Name = name ?? NameOf(function.Method);
        var b = new TokenBuilder(0x46554E43UL);
        IsDeterministic = ValueTokenizer.TryAddDelegate(ref b, function);
        Token = IsDeterministic ? b.Finish() : ValueTokenizer.Unique();
    }

    /// <summary>
    /// Wraps <paramref name="function"/>. Building a graph calls this once per task, usually with the same
    /// delegate instance in a loop, so the last function made on this thread is reused.
    /// </summary>
    public static TaskFunction Create(Delegate function, TaskInvoker invoker, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function, "function");
        var last = _last;
        if (last is not null && ReferenceEquals(last.Delegate, function) && last.Invoker == invoker && (name is null || name == last.Name))
            return last;
        return _last = new TaskFunction(function, invoker, name);
    }

    /// <summary>Runs the function on already-resolved arguments.</summary>
    public object? Invoke(object?[] args) => Invoker(Delegate, args);

    /// <summary>A readable name for a method: <c>Inc</c>, or <c>Main.lambda</c> for a lambda inside Main.</summary>
    public static string NameOf(MethodInfo method) => Names.GetOrAdd(method, static m =>
    {
        var n = m.Name;
        if (n.StartsWith('<'))
        {
            int close = n.IndexOf('>');
            var outer = close > 1 ? n[1..close] : "";
            return outer.Length > 0 ? $"{outer}.lambda" : "lambda";
        }
        return n;
    });

    /// <inheritdoc />
    public override string ToString()
    {
        var t = Method.DeclaringType;
        while (t is not null && t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false)) t = t.DeclaringType;
        return t is null ? Name : $"{t.Name}.{Name}";
    }
}
