using System.Numerics;

namespace TaskGraph;

/// <summary>
/// Arithmetic and comparisons on delayed numbers (Dask's operators on <c>Delayed</c>): <c>a + b</c>, <c>a * 2</c>,
/// <c>-a</c>, <c>a &lt; b</c> each build one task whose key covers the operator and both operands (their keys, or
/// the literal value of a plain operand), so <c>a + b</c> and <c>a - b</c>, or <c>a * 2</c> and <c>a * 3</c>,
/// never share a key, and the same expression built twice collapses into one task.
/// <para>
/// <c>==</c> and <c>!=</c> are not overloaded: C# keeps them for reference equality of the delayed handles (and
/// collections use them so); use <see cref="Eq{T}"/> and <see cref="Ne{T}"/> for delayed equality.
/// </para>
/// </summary>
public static class DelayedOperators
{
    extension<T>(Delayed<T>) where T : INumber<T>
    {
        /// <summary>A delayed <c>a + b</c>.</summary>
        public static Delayed<T> operator +(Delayed<T> a, Delayed<T> b) => Binary(NumberOps<T>.Add, "add", a, b);
        /// <summary>A delayed <c>a + b</c> with a plain right operand.</summary>
        public static Delayed<T> operator +(Delayed<T> a, T b) => Binary(NumberOps<T>.Add, "add", a, b);
        /// <summary>A delayed <c>a + b</c> with a plain left operand.</summary>
        public static Delayed<T> operator +(T a, Delayed<T> b) => Binary(NumberOps<T>.Add, "add", a, b);
        /// <summary>A delayed <c>a - b</c>.</summary>
        public static Delayed<T> operator -(Delayed<T> a, Delayed<T> b) => Binary(NumberOps<T>.Subtract, "sub", a, b);
        /// <summary>A delayed <c>a - b</c> with a plain right operand.</summary>
        public static Delayed<T> operator -(Delayed<T> a, T b) => Binary(NumberOps<T>.Subtract, "sub", a, b);
        /// <summary>A delayed <c>a - b</c> with a plain left operand.</summary>
        public static Delayed<T> operator -(T a, Delayed<T> b) => Binary(NumberOps<T>.Subtract, "sub", a, b);
        /// <summary>A delayed <c>a * b</c>.</summary>
        public static Delayed<T> operator *(Delayed<T> a, Delayed<T> b) => Binary(NumberOps<T>.Multiply, "mul", a, b);
        /// <summary>A delayed <c>a * b</c> with a plain right operand.</summary>
        public static Delayed<T> operator *(Delayed<T> a, T b) => Binary(NumberOps<T>.Multiply, "mul", a, b);
        /// <summary>A delayed <c>a * b</c> with a plain left operand.</summary>
        public static Delayed<T> operator *(T a, Delayed<T> b) => Binary(NumberOps<T>.Multiply, "mul", a, b);
        /// <summary>A delayed <c>a / b</c> (C# division: integers truncate; dividing an integer by zero fails the task).</summary>
        public static Delayed<T> operator /(Delayed<T> a, Delayed<T> b) => Binary(NumberOps<T>.Divide, "truediv", a, b);
        /// <summary>A delayed <c>a / b</c> with a plain right operand.</summary>
        public static Delayed<T> operator /(Delayed<T> a, T b) => Binary(NumberOps<T>.Divide, "truediv", a, b);
        /// <summary>A delayed <c>a / b</c> with a plain left operand.</summary>
        public static Delayed<T> operator /(T a, Delayed<T> b) => Binary(NumberOps<T>.Divide, "truediv", a, b);
        /// <summary>A delayed <c>a % b</c> (C# remainder: the sign of <c>a</c>).</summary>
        public static Delayed<T> operator %(Delayed<T> a, Delayed<T> b) => Binary(NumberOps<T>.Remainder, "mod", a, b);
        /// <summary>A delayed <c>a % b</c> with a plain right operand.</summary>
        public static Delayed<T> operator %(Delayed<T> a, T b) => Binary(NumberOps<T>.Remainder, "mod", a, b);
        /// <summary>A delayed <c>-a</c>.</summary>
        public static Delayed<T> operator -(Delayed<T> a) => Delayed.Call<T>(NumberOps<T>.Negate, Invokers<T, T>.Call1, "neg", Arg(a));

        /// <summary>A delayed <c>a &lt; b</c>.</summary>
        public static Delayed<bool> operator <(Delayed<T> a, Delayed<T> b) => Compare(NumberOps<T>.Less, "lt", a, b);
        /// <summary>A delayed <c>a &gt; b</c>.</summary>
        public static Delayed<bool> operator >(Delayed<T> a, Delayed<T> b) => Compare(NumberOps<T>.Greater, "gt", a, b);
        /// <summary>A delayed <c>a &lt;= b</c>.</summary>
        public static Delayed<bool> operator <=(Delayed<T> a, Delayed<T> b) => Compare(NumberOps<T>.LessOrEqual, "le", a, b);
        /// <summary>A delayed <c>a &gt;= b</c>.</summary>
        public static Delayed<bool> operator >=(Delayed<T> a, Delayed<T> b) => Compare(NumberOps<T>.GreaterOrEqual, "ge", a, b);
        /// <summary>A delayed <c>a &lt; b</c> with a plain right operand.</summary>
        public static Delayed<bool> operator <(Delayed<T> a, T b) => Compare(NumberOps<T>.Less, "lt", a, b);
        /// <summary>A delayed <c>a &gt; b</c> with a plain right operand.</summary>
        public static Delayed<bool> operator >(Delayed<T> a, T b) => Compare(NumberOps<T>.Greater, "gt", a, b);
        /// <summary>A delayed <c>a &lt;= b</c> with a plain right operand.</summary>
        public static Delayed<bool> operator <=(Delayed<T> a, T b) => Compare(NumberOps<T>.LessOrEqual, "le", a, b);
        /// <summary>A delayed <c>a &gt;= b</c> with a plain right operand.</summary>
        public static Delayed<bool> operator >=(Delayed<T> a, T b) => Compare(NumberOps<T>.GreaterOrEqual, "ge", a, b);
    }

    /// <summary>A delayed <c>a == b</c> (value equality; <c>==</c> itself compares the delayed handles).</summary>
    public static Delayed<bool> Eq<T>(this Delayed<T> a, Delayed<T> b) where T : INumber<T> => Compare(NumberOps<T>.Equal, "eq", a, b);

    /// <summary>A delayed <c>a != b</c> (value inequality).</summary>
    public static Delayed<bool> Ne<T>(this Delayed<T> a, Delayed<T> b) where T : INumber<T> => Compare(NumberOps<T>.NotEqual, "ne", a, b);

    /// <summary>A delayed <c>|a|</c>.</summary>
    public static Delayed<T> Abs<T>(this Delayed<T> a) where T : INumber<T> => Delayed.Call<T>(NumberOps<T>.AbsOf, Invokers<T, T>.Call1, "abs", Arg(a));

    private static Delayed<T> Binary<T>(Func<T, T, T> f, string name, Delayed<T> a, Delayed<T> b) where T : INumber<T>
        => Delayed.Call<T>(f, NumberOps<T>.Call2, name, Arg(a), Arg(b));

    private static Delayed<bool> Compare<T>(Func<T, T, bool> f, string name, Delayed<T> a, Delayed<T> b) where T : INumber<T>
        => Delayed.Call<bool>(f, NumberOps<T>.Compare2, name, Arg(a), Arg(b));

    private static TaskArg Arg<T>(Delayed<T> d) => (d ?? throw new ArgumentNullException(nameof(d), "A delayed operand is null.")).AsArg();
}

/// <summary>
/// The operator bodies as named static methods, cached as delegates once per type: a key fingerprints the method,
/// so each operator has its own key, and no delegate is allocated per task.
/// </summary>
internal static class NumberOps<T> where T : INumber<T>
{
    public static readonly TaskInvoker Call2 = TaskInvokers.Call2<T, T, T>;
    public static readonly TaskInvoker Compare2 = TaskInvokers.Call2<T, T, bool>;
    public static readonly Func<T, T, T> Add = AddOf;
    public static readonly Func<T, T, T> Subtract = SubtractOf;
    public static readonly Func<T, T, T> Multiply = MultiplyOf;
    public static readonly Func<T, T, T> Divide = DivideOf;
    public static readonly Func<T, T, T> Remainder = RemainderOf;
    public static readonly Func<T, T> Negate = NegateOf;
    public static readonly Func<T, T> AbsOf = AbsOfValue;
    public static readonly Func<T, T, bool> Less = LessOf;
    public static readonly Func<T, T, bool> Greater = GreaterOf;
    public static readonly Func<T, T, bool> LessOrEqual = LessOrEqualOf;
    public static readonly Func<T, T, bool> GreaterOrEqual = GreaterOrEqualOf;
    public static readonly Func<T, T, bool> Equal = EqualOf;
    public static readonly Func<T, T, bool> NotEqual = NotEqualOf;

    private static T AddOf(T a, T b) => a + b;
    private static T SubtractOf(T a, T b) => a - b;
    private static T MultiplyOf(T a, T b) => a * b;
    private static T DivideOf(T a, T b) => a / b;
    private static T RemainderOf(T a, T b) => a % b;
    private static T NegateOf(T a) => -a;
    private static T AbsOfValue(T a) => T.Abs(a);
    private static bool LessOf(T a, T b) => a < b;
    private static bool GreaterOf(T a, T b) => a > b;
    private static bool LessOrEqualOf(T a, T b) => a <= b;
    private static bool GreaterOrEqualOf(T a, T b) => a >= b;
    private static bool EqualOf(T a, T b) => a == b;
    private static bool NotEqualOf(T a, T b) => a != b;
}
