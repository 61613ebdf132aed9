namespace TaskGraph.Tests;

/// <summary>
/// Operators on delayed numbers, <c>Wrap</c> up to eight arguments and <c>pure</c>, on every scheduler, checked
/// against the same arithmetic done eagerly.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class DelayedOperatorSuite(string schedulerName)
{
    private IScheduler _scheduler = null!;

    [OneTimeSetUp]
    public void CreateScheduler() => _scheduler = SchedulerCases.Create(schedulerName);

    private ComputeOptions On => new() { Scheduler = _scheduler };

    [Test]
    public void ArithmeticOnDelayedIntegersMatchesPlainArithmetic()
    {
        int x = 17, y = -5;
        Delayed<int> a = Delayed.Value(x), b = Delayed.Run(() => y);
        var exprs = new (string Name, Delayed<int> Lazy, int Eager)[]
        {
            ("a + b", a + b, x + y), ("a - b", a - b, x - y), ("a * b", a * b, x * y), ("a / b", a / b, x / y),
            ("a % b", a % b, x % y), ("-a", -a, -x), ("a * 2", a * 2, x * 2), ("3 - a", 3 - a, 3 - x),
            ("100 / b", 100 / b, 100 / y), ("a % 4", a % 4, x % 4), ("(a + 1) * (b - 2)", (a + 1) * (b - 2), (x + 1) * (y - 2)),
            ("|b|", b.Abs(), Math.Abs(y)),
        };
        var results = Delayed.Compute(exprs.Select(e => e.Lazy), On);
        for (int i = 0; i < exprs.Length; i++) Assert.That(results[i], Is.EqualTo(exprs[i].Eager), exprs[i].Name);
    }

    [Test]
    public void ArithmeticAndComparisonsOnDelayedDoubles()
    {
        double x = 2.5, y = 0.75;
        Delayed<double> a = Delayed.Value(x), b = Delayed.Value(y);
        Assert.That(((a + b) / (a - b) * 2.0).Compute(On), Is.EqualTo((x + y) / (x - y) * 2.0));
        var cmp = new (string Name, Delayed<bool> Lazy, bool Eager)[]
        {
            ("a < b", a < b, x < y), ("a > b", a > b, x > y), ("a <= a + 0", a <= a + 0.0, true), ("a >= b", a >= b, x >= y),
            ("a < 3", a < 3.0, x < 3.0), ("b > 1", b > 1.0, y > 1.0), ("a eq a*1", a.Eq(a * 1.0), true), ("a ne b", a.Ne(b), true),
        };
        var results = Delayed.Compute(cmp.Select(e => e.Lazy), On);
        for (int i = 0; i < cmp.Length; i++) Assert.That(results[i], Is.EqualTo(cmp[i].Eager), cmp[i].Name);
    }

    [Test]
    public void DividingAnIntegerByZeroFailsTheTaskNamingIt()
    {
        var zero = Delayed.Value(0);
        var ex = Assert.Catch(() => (Delayed.Value(1) / zero).Compute(On));
        Assert.That(ex!.ToString(), Does.Contain("truediv"));
    }

    private static int Digits8(int a, int b, int c, int d, int e, int f, int g, int h)
        => a * 10_000_000 + b * 1_000_000 + c * 100_000 + d * 10_000 + e * 1_000 + f * 100 + g * 10 + h;

    [Test]
    public void WrapTakesUpToEightArguments()
    {
        var v = Enumerable.Range(1, 8).Select(i => Delayed.Value(i)).ToArray();
        Assert.That(Delayed.Wrap((int a, int b, int c, int d, int e) => a + b + c + d + e)(v[0], v[1], v[2], v[3], v[4]).Compute(On), Is.EqualTo(15));
        Assert.That(Delayed.Wrap((int a, int b, int c, int d, int e, int f) => a * b * c * d * e * f)(v[0], v[1], v[2], v[3], v[4], v[5]).Compute(On), Is.EqualTo(720));
        Assert.That(Delayed.Wrap((int a, int b, int c, int d, int e, int f, int g) => a + b + c + d + e + f + g)(v[0], v[1], v[2], v[3], v[4], v[5], v[6]).Compute(On), Is.EqualTo(28));
        var digits = Delayed.Wrap<int, int, int, int, int, int, int, int, int>(Digits8);
        Assert.That(digits(v[0], v[1], v[2], v[3], v[4], v[5], v[6], 8).Compute(On), Is.EqualTo(12_345_678));
    }

    private static int Scale(int x, int factor = 10, int offset = 0) => x * factor + offset;

    [Test]
    public void OptionalArgumentsAreBoundInTheWrappedLambda()
    {
        // C#'s own optional and named parameters do the work of Dask's keyword arguments: the lambda binds them.
        var scaleDefault = Delayed.Wrap((int x) => Scale(x));
        var scaleOffset = Delayed.Wrap((int x) => Scale(x, offset: 3));
        var (p, q) = Delayed.Compute(scaleDefault(4), scaleOffset(4), On);
        Assert.That((p, q), Is.EqualTo((Scale(4), Scale(4, offset: 3))));
    }

    [Test]
    public void ImpureWrapRunsEveryCall()
    {
        var calls = Delayed.Wrap((int x) => Guid.NewGuid().ToString() + x, pure: false);
        var (a, b) = Delayed.Compute(calls(1), calls(1), On);
        Assert.That(a, Is.Not.EqualTo(b), "two impure calls with equal arguments are two tasks");
    }
}

/// <summary>Keys of delayed operators and wrapped calls: a key covers the operator, every operand and purity.</summary>
public class DelayedOperatorKeyTests
{
    private static readonly string[] OperatorNames = ["+", "-", "*", "/", "%", "<", ">", "<=", ">="];

    private static TaskKey Build(string op, Delayed<long> a, Delayed<long> b) => op switch
    {
        "+" => (a + b).Key, "-" => (a - b).Key, "*" => (a * b).Key, "/" => (a / b).Key, "%" => (a % b).Key,
        "<" => (a < b).Key, ">" => (a > b).Key, "<=" => (a <= b).Key, ">=" => (a >= b).Key,
        _ => throw new ArgumentException(op),
    };

    [Test]
    public void DifferentOperandsOrOperatorsGiveDifferentKeys([Values(1, 2, 3)] int seed)
    {
        // Property: over random (operator, left literal, right task) triples, equal triples give equal keys and
        // different triples give different keys.
        var rnd = new Random(seed);
        var byTriple = new Dictionary<(string, long, long), TaskKey>();
        var inputs = Enumerable.Range(0, 4).Select(i => Delayed.Value((long)i * 7)).ToArray();
        for (int round = 0; round < 300; round++)
        {
            var op = OperatorNames[rnd.Next(OperatorNames.Length)];
            long left = rnd.Next(-3, 4);
            int right = rnd.Next(inputs.Length);
            var key = Build(op, left, inputs[right]);
            if (byTriple.TryGetValue((op, left, right), out var seen)) Assert.That(key, Is.EqualTo(seen), $"{left} {op} input{right} built twice");
            else
            {
                foreach (var (triple, other) in byTriple)
                    Assert.That(key, Is.Not.EqualTo(other), $"{left} {op} input{right} shares a key with {triple}");
                byTriple[(op, left, right)] = key;
            }
        }
    }

    [Test]
    public void OperandOrderTypeAndUnaryMinusAreInTheKey()
    {
        Delayed<int> a = Delayed.Value(1), b = Delayed.Value(2);
        Keys.KeyAssert.AllDistinct(
            ("a - b", (a - b).Key), ("b - a", (b - a).Key), ("-a", (-a).Key), ("-b", (-b).Key), ("a + 0", (a + 0).Key),
            ("a * 1", (a * 1).Key), ("|a|", a.Abs().Key), ("a eq b", a.Eq(b).Key), ("a ne b", a.Ne(b).Key),
            ("long a + 0", (Delayed.Value(1L) + 0L).Key), ("double a + 0", (Delayed.Value(1.0) + 0.0).Key));
        Assert.That((a + b).Key.ToString(), Does.StartWith("add-"));
    }

    private static int Scale(int x, int factor = 10, int offset = 0) => x * factor + offset;

    [Test]
    public void WrappedCallsArePureByDefaultAndCoverBoundOptions()
    {
        var f = Delayed.Wrap((int x) => x + 1);
        Assert.That(f(1).Key, Is.EqualTo(f(1).Key), "pure by default: the same call is one task");
        var impure = Delayed.Wrap((int x) => x + 1, pure: false);
        Assert.That(impure(1).Key, Is.Not.EqualTo(impure(1).Key));
        Assert.That(Delayed.Run(() => 1, pure: false).Key, Is.Not.EqualTo(Delayed.Run(() => 1, pure: false).Key));
        Assert.That(Wrapped(3)(1).Key, Is.Not.EqualTo(Wrapped(4)(1).Key), "a bound optional argument is in the key");
        Assert.That(Wrapped(3)(1).Key, Is.EqualTo(Wrapped(3)(1).Key));
    }

    private static Func<Delayed<int>, Delayed<int>> Wrapped(int offset) => Delayed.Wrap((int x) => Scale(x, offset: offset));
}
