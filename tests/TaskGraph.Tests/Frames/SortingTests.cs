namespace TaskGraph.Tests.Frames;

/// <summary>
/// Sorting by one or two numeric keys without missing values takes the encoded-key path: its order must be LINQ's
/// stable OrderBy with <see cref="double.CompareTo(double)"/> (NaN first, -0 equal to 0), ascending and descending.
/// </summary>
public class SortingTests
{
    private static readonly double[] Specials = [double.NaN, -0.0, 0.0, double.NegativeInfinity, double.PositiveInfinity, -1e-300, 1e300, -2.5, 2.5];

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void TwoNumericKeysSortAsLinqDoes(bool firstDescending, bool secondDescending)
    {
        var rnd = new Random(3);
        int n = 5000;
        var x = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? Specials[rnd.Next(Specials.Length)] : Math.Round(rnd.NextDouble() * 20 - 10, 1)).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (long)rnd.Next(-50, 50) * (long)int.MaxValue).ToArray();
        var t = Table.Create(("x", Column.Of(x)), ("y", Column.Of(y)));
        var order = Sorting.Order(t, ["x", "y"], [firstDescending, secondDescending]);
        IOrderedEnumerable<int> linq = firstDescending
            ? Enumerable.Range(0, n).OrderByDescending(i => x[i], Comparer<double>.Default)
            : Enumerable.Range(0, n).OrderBy(i => x[i], Comparer<double>.Default);
        linq = secondDescending ? linq.ThenByDescending(i => y[i]) : linq.ThenBy(i => y[i]);
        Assert.That(order, Is.EqualTo(linq.ToArray()));
    }

    [Test]
    public void OneInt32KeyIsStable()
    {
        var v = Enumerable.Range(0, 3000).Select(i => (i * 7919) % 101 - 50).ToArray();
        var t = Table.Create(("v", Column.Of(v)));
        Assert.That(Sorting.Order(t, ["v"], [true]), Is.EqualTo(Enumerable.Range(0, v.Length).OrderByDescending(i => v[i]).ToArray()));
    }
}
