namespace TaskGraph;

/// <summary>
/// The static generic adapters from untyped argument arrays to typed delegates. One method per arity:
/// <c>CallN</c> unboxes N arguments and calls a <c>Func</c> of N parameters; <see cref="CallArgs{R}"/> passes
/// the whole argument array (used for variadic tasks such as <c>Delayed.All</c>).
/// </summary>
public static class TaskInvokers
{
    /// <summary>Calls a <c>Func&lt;object?[], R&gt;</c> with the whole argument array.</summary>
    public static object? CallArgs<R>(Delegate f, object?[] a) => ((Func<object?[], R>)f)(a);

    /// <summary>Calls a function of 0 argument(s).</summary>
    public static object? Call0<R>(Delegate f, object?[] a) => ((Func<R>)f)();

    /// <summary>Calls a function of 1 argument(s).</summary>
    public static object? Call1<T1, R>(Delegate f, object?[] a) => ((Func<T1, R>)f)((T1)a[0]!);

    /// <summary>Calls a function of 2 argument(s).</summary>
    public static object? Call2<T1, T2, R>(Delegate f, object?[] a) => ((Func<T1, T2, R>)f)((T1)a[0]!, (T2)a[1]!);

    /// <summary>Calls a function of 3 argument(s).</summary>
    public static object? Call3<T1, T2, T3, R>(Delegate f, object?[] a) => ((Func<T1, T2, T3, R>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!);

    /// <summary>Calls a function of 4 argument(s).</summary>
    public static object? Call4<T1, T2, T3, T4, R>(Delegate f, object?[] a) => ((Func<T1, T2, T3, T4, R>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!, (T4)a[3]!);

    /// <summary>Calls a function of 5 argument(s).</summary>
    public static object? Call5<T1, T2, T3, T4, T5, R>(Delegate f, object?[] a) => ((Func<T1, T2, T3, T4, T5, R>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!, (T4)a[3]!, (T5)a[4]!);

    /// <summary>Calls a function of 6 argument(s).</summary>
    public static object? Call6<T1, T2, T3, T4, T5, T6, R>(Delegate f, object?[] a) => ((Func<T1, T2, T3, T4, T5, T6, R>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!, (T4)a[3]!, (T5)a[4]!, (T6)a[5]!);

    /// <summary>Calls a function of 7 argument(s).</summary>
    public static object? Call7<T1, T2, T3, T4, T5, T6, T7, R>(Delegate f, object?[] a) => ((Func<T1, T2, T3, T4, T5, T6, T7, R>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!, (T4)a[3]!, (T5)a[4]!, (T6)a[5]!, (T7)a[6]!);

    /// <summary>Calls a function of 8 argument(s).</summary>
    public static object? Call8<T1, T2, T3, T4, T5, T6, T7, T8, R>(Delegate f, object?[] a) => ((Func<T1, T2, T3, T4, T5, T6, T7, T8, R>)f)((T1)a[0]!, (T2)a[1]!, (T3)a[2]!, (T4)a[3]!, (T5)a[4]!, (T6)a[5]!, (T7)a[6]!, (T8)a[7]!);
}
