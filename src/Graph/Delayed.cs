namespace TaskGraph;

/// <summary>
/// Builds delayed values: literals, lazy calls, combinations of several delayed inputs, wrapped methods (Dask's
/// <c>@delayed</c>), and computes several outputs in one graph so that work they share runs once.
/// </summary>
public static partial class Delayed
{
    /// <summary>
    /// A delayed literal: a task of its own whose key fingerprints the value, or, with <paramref name="name"/>, whose key
    /// is exactly that name (as Dask's <c>delayed(1, name="X")</c>); computing two different values under one name
    /// together is an error.
    /// </summary>
    public static Delayed<T> Value<T>(T value, string? name = null) => new(TaskSpec.Literal(value, name));

    /// <summary>A delayed value standing for an existing task (used by collections and low-level graph code).</summary>
    public static Delayed<T> FromSpec<T>(TaskSpec spec) => new(spec ?? throw new ArgumentNullException(nameof(spec)));

    /// <summary>
    /// A lazy call of <paramref name="f"/>. Pure by default (the key fingerprints the function and what it
    /// captures); <paramref name="pure"/>: false gives the call a key of its own, for functions with side effects.
    /// </summary>
    public static Delayed<R> Run<R>(Func<R> f, string? name = null, bool pure = true) => Impure(Call<R>(f, Invokers0<R>.Call, name), pure);

    /// <summary>A delayed call of <paramref name="f"/> on 2 delayed (or plain) inputs.</summary>
    public static Delayed<R> Combine<T1, T2, R>(Delayed<T1> a1, Delayed<T2> a2, Func<T1, T2, R> f, string? name = null)
        => Call<R>(f, TaskInvokers.Call2<T1, T2, R>, name, Arg(a1), Arg(a2));

    /// <summary>A delayed call of <paramref name="f"/> on 3 delayed (or plain) inputs.</summary>
    public static Delayed<R> Combine<T1, T2, T3, R>(Delayed<T1> a1, Delayed<T2> a2, Delayed<T3> a3, Func<T1, T2, T3, R> f, string? name = null)
        => Call<R>(f, TaskInvokers.Call3<T1, T2, T3, R>, name, Arg(a1), Arg(a2), Arg(a3));

    /// <summary>A delayed call of <paramref name="f"/> on 4 delayed (or plain) inputs.</summary>
    public static Delayed<R> Combine<T1, T2, T3, T4, R>(Delayed<T1> a1, Delayed<T2> a2, Delayed<T3> a3, Delayed<T4> a4, Func<T1, T2, T3, T4, R> f, string? name = null)
        => Call<R>(f, TaskInvokers.Call4<T1, T2, T3, T4, R>, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4));

    /// <summary>A delayed call of <paramref name="f"/> on 5 delayed (or plain) inputs.</summary>
    public static Delayed<R> Combine<T1, T2, T3, T4, T5, R>(Delayed<T1> a1, Delayed<T2> a2, Delayed<T3> a3, Delayed<T4> a4, Delayed<T5> a5, Func<T1, T2, T3, T4, T5, R> f, string? name = null)
        => Call<R>(f, TaskInvokers.Call5<T1, T2, T3, T4, T5, R>, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5));

    /// <summary>A delayed call of <paramref name="f"/> on 6 delayed (or plain) inputs.</summary>
    public static Delayed<R> Combine<T1, T2, T3, T4, T5, T6, R>(Delayed<T1> a1, Delayed<T2> a2, Delayed<T3> a3, Delayed<T4> a4, Delayed<T5> a5, Delayed<T6> a6, Func<T1, T2, T3, T4, T5, T6, R> f, string? name = null)
        => Call<R>(f, TaskInvokers.Call6<T1, T2, T3, T4, T5, T6, R>, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5), Arg(a6));

    /// <summary>A delayed call of <paramref name="f"/> on 7 delayed (or plain) inputs.</summary>
    public static Delayed<R> Combine<T1, T2, T3, T4, T5, T6, T7, R>(Delayed<T1> a1, Delayed<T2> a2, Delayed<T3> a3, Delayed<T4> a4, Delayed<T5> a5, Delayed<T6> a6, Delayed<T7> a7, Func<T1, T2, T3, T4, T5, T6, T7, R> f, string? name = null)
        => Call<R>(f, TaskInvokers.Call7<T1, T2, T3, T4, T5, T6, T7, R>, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5), Arg(a6), Arg(a7));

    /// <summary>A delayed call of <paramref name="f"/> on 8 delayed (or plain) inputs.</summary>
    public static Delayed<R> Combine<T1, T2, T3, T4, T5, T6, T7, T8, R>(Delayed<T1> a1, Delayed<T2> a2, Delayed<T3> a3, Delayed<T4> a4, Delayed<T5> a5, Delayed<T6> a6, Delayed<T7> a7, Delayed<T8> a8, Func<T1, T2, T3, T4, T5, T6, T7, T8, R> f, string? name = null)
        => Call<R>(f, TaskInvokers.Call8<T1, T2, T3, T4, T5, T6, T7, T8, R>, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5), Arg(a6), Arg(a7), Arg(a8));

    /// <summary>One delayed array of all <paramref name="items"/>, in order (one task depending on each item).</summary>
    public static Delayed<T[]> All<T>(IEnumerable<Delayed<T>> items, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        var args = items.Select(Arg).ToArray();
        return Call<T[]>(Collector<T>.Collect, Collector<T>.Invoke, name ?? "all", args);
    }

    /// <summary>
    /// Wraps a method so that calling it with delayed (or plain) arguments gives a delayed result, like Dask's
    /// <c>@delayed</c> decorator: <c>var inc = Delayed.Wrap&lt;int, int&gt;(Inc); var x = inc(inc(1));</c>
    /// Pure by default: a call's key fingerprints the method (with what it captures) and every argument, so the
    /// same call made twice is one task. Pass <paramref name="pure"/>: false for a method with side effects or
    /// fresh results each time (random numbers, clocks, writes): each call then gets a key of its own (Dask's
    /// <c>pure=False</c>, which is Dask's default; here determinism is the default because keys fingerprint closures).
    /// Optional or named arguments of the wrapped method are bound in a lambda,
    /// <c>Delayed.Wrap((string s) =&gt; Parse(s, culture: c))</c>: what the lambda captures is part of the key.
    /// </summary>
    public static Func<Delayed<T1>, Delayed<R>> Wrap<T1, R>(Func<T1, R> f, string? name = null, bool pure = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        TaskInvoker invoker = TaskInvokers.Call1<T1, R>;
        return (a1) => Impure(Call<R>(f, invoker, name, Arg(a1)), pure);
    }

    /// <summary>
    /// Wraps a method so that calling it with delayed (or plain) arguments gives a delayed result, like Dask's
    /// <c>@delayed</c> decorator: <c>var inc = Delayed.Wrap&lt;int, int&gt;(Inc); var x = inc(inc(1));</c>
    /// Pure by default: a call's key fingerprints the method (with what it captures) and every argument, so the
    /// same call made twice is one task. Pass <paramref name="pure"/>: false for a method with side effects or
    /// fresh results each time (random numbers, clocks, writes): each call then gets a key of its own (Dask's
    /// <c>pure=False</c>, which is Dask's default; here determinism is the default because keys fingerprint closures).
    /// Optional or named arguments of the wrapped method are bound in a lambda,
    /// <c>Delayed.Wrap((string s) =&gt; Parse(s, culture: c))</c>: what the lambda captures is part of the key.
    /// </summary>
    public static Func<Delayed<T1>, Delayed<T2>, Delayed<R>> Wrap<T1, T2, R>(Func<T1, T2, R> f, string? name = null, bool pure = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        TaskInvoker invoker = TaskInvokers.Call2<T1, T2, R>;
        return (a1, a2) => Impure(Call<R>(f, invoker, name, Arg(a1), Arg(a2)), pure);
    }

    /// <summary>
    /// Wraps a method so that calling it with delayed (or plain) arguments gives a delayed result, like Dask's
    /// <c>@delayed</c> decorator: <c>var inc = Delayed.Wrap&lt;int, int&gt;(Inc); var x = inc(inc(1));</c>
    /// Pure by default: a call's key fingerprints the method (with what it captures) and every argument, so the
    /// same call made twice is one task. Pass <paramref name="pure"/>: false for a method with side effects or
    /// fresh results each time (random numbers, clocks, writes): each call then gets a key of its own (Dask's
    /// <c>pure=False</c>, which is Dask's default; here determinism is the default because keys fingerprint closures).
    /// Optional or named arguments of the wrapped method are bound in a lambda,
    /// <c>Delayed.Wrap((string s) =&gt; Parse(s, culture: c))</c>: what the lambda captures is part of the key.
    /// </summary>
    public static Func<Delayed<T1>, Delayed<T2>, Delayed<T3>, Delayed<R>> Wrap<T1, T2, T3, R>(Func<T1, T2, T3, R> f, string? name = null, bool pure = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        TaskInvoker invoker = TaskInvokers.Call3<T1, T2, T3, R>;
        return (a1, a2, a3) => Impure(Call<R>(f, invoker, name, Arg(a1), Arg(a2), Arg(a3)), pure);
    }

    /// <summary>
    /// Wraps a method so that calling it with delayed (or plain) arguments gives a delayed result, like Dask's
    /// <c>@delayed</c> decorator: <c>var inc = Delayed.Wrap&lt;int, int&gt;(Inc); var x = inc(inc(1));</c>
    /// Pure by default: a call's key fingerprints the method (with what it captures) and every argument, so the
    /// same call made twice is one task. Pass <paramref name="pure"/>: false for a method with side effects or
    /// fresh results each time (random numbers, clocks, writes): each call then gets a key of its own (Dask's
    /// <c>pure=False</c>, which is Dask's default; here determinism is the default because keys fingerprint closures).
    /// Optional or named arguments of the wrapped method are bound in a lambda,
    /// <c>Delayed.Wrap((string s) =&gt; Parse(s, culture: c))</c>: what the lambda captures is part of the key.
    /// </summary>
    public static Func<Delayed<T1>, Delayed<T2>, Delayed<T3>, Delayed<T4>, Delayed<R>> Wrap<T1, T2, T3, T4, R>(Func<T1, T2, T3, T4, R> f, string? name = null, bool pure = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        TaskInvoker invoker = TaskInvokers.Call4<T1, T2, T3, T4, R>;
        return (a1, a2, a3, a4) => Impure(Call<R>(f, invoker, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4)), pure);
    }

    /// <summary>
    /// Wraps a method so that calling it with delayed (or plain) arguments gives a delayed result, like Dask's
    /// <c>@delayed</c> decorator: <c>var inc = Delayed.Wrap&lt;int, int&gt;(Inc); var x = inc(inc(1));</c>
    /// Pure by default: a call's key fingerprints the method (with what it captures) and every argument, so the
    /// same call made twice is one task. Pass <paramref name="pure"/>: false for a method with side effects or
    /// fresh results each time (random numbers, clocks, writes): each call then gets a key of its own (Dask's
    /// <c>pure=False</c>, which is Dask's default; here determinism is the default because keys fingerprint closures).
    /// Optional or named arguments of the wrapped method are bound in a lambda,
    /// <c>Delayed.Wrap((string s) =&gt; Parse(s, culture: c))</c>: what the lambda captures is part of the key.
    /// </summary>
    public static Func<Delayed<T1>, Delayed<T2>, Delayed<T3>, Delayed<T4>, Delayed<T5>, Delayed<R>> Wrap<T1, T2, T3, T4, T5, R>(Func<T1, T2, T3, T4, T5, R> f, string? name = null, bool pure = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        TaskInvoker invoker = TaskInvokers.Call5<T1, T2, T3, T4, T5, R>;
        return (a1, a2, a3, a4, a5) => Impure(Call<R>(f, invoker, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5)), pure);
    }

    /// <summary>
    /// Wraps a method so that calling it with delayed (or plain) arguments gives a delayed result, like Dask's
    /// <c>@delayed</c> decorator: <c>var inc = Delayed.Wrap&lt;int, int&gt;(Inc); var x = inc(inc(1));</c>
    /// Pure by default: a call's key fingerprints the method (with what it captures) and every argument, so the
    /// same call made twice is one task. Pass <paramref name="pure"/>: false for a method with side effects or
    /// fresh results each time (random numbers, clocks, writes): each call then gets a key of its own (Dask's
    /// <c>pure=False</c>, which is Dask's default; here determinism is the default because keys fingerprint closures).
    /// Optional or named arguments of the wrapped method are bound in a lambda,
    /// <c>Delayed.Wrap((string s) =&gt; Parse(s, culture: c))</c>: what the lambda captures is part of the key.
    /// </summary>
    public static Func<Delayed<T1>, Delayed<T2>, Delayed<T3>, Delayed<T4>, Delayed<T5>, Delayed<T6>, Delayed<R>> Wrap<T1, T2, T3, T4, T5, T6, R>(Func<T1, T2, T3, T4, T5, T6, R> f, string? name = null, bool pure = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        TaskInvoker invoker = TaskInvokers.Call6<T1, T2, T3, T4, T5, T6, R>;
        return (a1, a2, a3, a4, a5, a6) => Impure(Call<R>(f, invoker, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5), Arg(a6)), pure);
    }

    /// <summary>
    /// Wraps a method so that calling it with delayed (or plain) arguments gives a delayed result, like Dask's
    /// <c>@delayed</c> decorator: <c>var inc = Delayed.Wrap&lt;int, int&gt;(Inc); var x = inc(inc(1));</c>
    /// Pure by default: a call's key fingerprints the method (with what it captures) and every argument, so the
    /// same call made twice is one task. Pass <paramref name="pure"/>: false for a method with side effects or
    /// fresh results each time (random numbers, clocks, writes): each call then gets a key of its own (Dask's
    /// <c>pure=False</c>, which is Dask's default; here determinism is the default because keys fingerprint closures).
    /// Optional or named arguments of the wrapped method are bound in a lambda,
    /// <c>Delayed.Wrap((string s) =&gt; Parse(s, culture: c))</c>: what the lambda captures is part of the key.
    /// </summary>
    public static Func<Delayed<T1>, Delayed<T2>, Delayed<T3>, Delayed<T4>, Delayed<T5>, Delayed<T6>, Delayed<T7>, Delayed<R>> Wrap<T1, T2, T3, T4, T5, T6, T7, R>(Func<T1, T2, T3, T4, T5, T6, T7, R> f, string? name = null, bool pure = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        TaskInvoker invoker = TaskInvokers.Call7<T1, T2, T3, T4, T5, T6, T7, R>;
        return (a1, a2, a3, a4, a5, a6, a7) => Impure(Call<R>(f, invoker, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5), Arg(a6), Arg(a7)), pure);
    }

    /// <summary>
    /// Wraps a method so that calling it with delayed (or plain) arguments gives a delayed result, like Dask's
    /// <c>@delayed</c> decorator: <c>var inc = Delayed.Wrap&lt;int, int&gt;(Inc); var x = inc(inc(1));</c>
    /// Pure by default: a call's key fingerprints the method (with what it captures) and every argument, so the
    /// same call made twice is one task. Pass <paramref name="pure"/>: false for a method with side effects or
    /// fresh results each time (random numbers, clocks, writes): each call then gets a key of its own (Dask's
    /// <c>pure=False</c>, which is Dask's default; here determinism is the default because keys fingerprint closures).
    /// Optional or named arguments of the wrapped method are bound in a lambda,
    /// <c>Delayed.Wrap((string s) =&gt; Parse(s, culture: c))</c>: what the lambda captures is part of the key.
    /// </summary>
    public static Func<Delayed<T1>, Delayed<T2>, Delayed<T3>, Delayed<T4>, Delayed<T5>, Delayed<T6>, Delayed<T7>, Delayed<T8>, Delayed<R>> Wrap<T1, T2, T3, T4, T5, T6, T7, T8, R>(Func<T1, T2, T3, T4, T5, T6, T7, T8, R> f, string? name = null, bool pure = true)
    {
        ArgumentNullException.ThrowIfNull(f);
        TaskInvoker invoker = TaskInvokers.Call8<T1, T2, T3, T4, T5, T6, T7, T8, R>;
        return (a1, a2, a3, a4, a5, a6, a7, a8) => Impure(Call<R>(f, invoker, name, Arg(a1), Arg(a2), Arg(a3), Arg(a4), Arg(a5), Arg(a6), Arg(a7), Arg(a8)), pure);
    }

    /// <summary>Computes 2 values in one graph: tasks they share run once.</summary>
    public static (T1, T2) Compute<T1, T2>(Delayed<T1> a1, Delayed<T2> a2, ComputeOptions? options = null)
    {
        var r = Computation.Run([a1.Spec, a2.Spec], options);
        return ((T1)r[0]!, (T2)r[1]!);
    }

    /// <summary>Computes 3 values in one graph: tasks they share run once.</summary>
    public static (T1, T2, T3) Compute<T1, T2, T3>(Delayed<T1> a1, Delayed<T2> a2, Delayed<T3> a3, ComputeOptions? options = null)
    {
        var r = Computation.Run([a1.Spec, a2.Spec, a3.Spec], options);
        return ((T1)r[0]!, (T2)r[1]!, (T3)r[2]!);
    }

    /// <summary>Computes 4 values in one graph: tasks they share run once.</summary>
    public static (T1, T2, T3, T4) Compute<T1, T2, T3, T4>(Delayed<T1> a1, Delayed<T2> a2, Delayed<T3> a3, Delayed<T4> a4, ComputeOptions? options = null)
    {
        var r = Computation.Run([a1.Spec, a2.Spec, a3.Spec, a4.Spec], options);
        return ((T1)r[0]!, (T2)r[1]!, (T3)r[2]!, (T4)r[3]!);
    }

    /// <summary>Computes many values of one type in one graph: tasks they share run once.</summary>
    public static T[] Compute<T>(IEnumerable<Delayed<T>> items, ComputeOptions? options = null)
        => Computation.Run(items.Select(d => d.Spec).ToArray(), options).Select(v => (T)v!).ToArray();

    /// <summary>Computes many values of one type in one graph without blocking the caller.</summary>
    public static async Task<T[]> ComputeAsync<T>(IEnumerable<Delayed<T>> items, ComputeOptions? options = null)
        => (await Computation.RunAsync(items.Select(d => d.Spec).ToArray(), options).ConfigureAwait(false)).Select(v => (T)v!).ToArray();

    /// <summary>A delayed call of an arbitrary delegate through an invoker (the building block of every builder).</summary>
    public static Delayed<R> Call<R>(Delegate f, TaskInvoker invoker, string? name, params TaskArg[] args)
        => new(TaskSpec.Call(TaskFunction.Create(f, invoker, name), args));

    private static Delayed<R> Impure<R>(Delayed<R> d, bool pure) => pure ? d : d.Impure();

    private static TaskArg Arg<T>(Delayed<T> d) => (d ?? throw new ArgumentNullException(nameof(d), "A delayed argument is null.")).AsArg();

    private static class Invokers0<R>
    {
        public static readonly TaskInvoker Call = TaskInvokers.Call0<R>;
    }

    private static class Collector<T>
    {
        public static readonly Func<object?[], T[]> Collect = CollectArray;
        public static readonly TaskInvoker Invoke = TaskInvokers.CallArgs<T[]>;

        private static T[] CollectArray(object?[] args)
        {
            var result = new T[args.Length];
            for (int i = 0; i < args.Length; i++) result[i] = (T)args[i]!;
            return result;
        }
    }
}
