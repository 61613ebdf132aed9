namespace TaskGraph.Tests.Frames;

/// <summary>
/// Window functions across partitions (shift, diff, cumulative functions, rolling statistics, map-overlap) on every
/// scheduler: pandas' documented answers on small frames, and on 200 rows with missing values and NaN, split into
/// partitions of 0, 1 and a few rows (shorter than the windows) and larger ones, a plain loop over all rows.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class WindowSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [SetUp]
    public void SetUp() => _s = SchedulerCases.Create(schedulerName);

    /// <summary>A frame over <paramref name="t"/> cut into partitions of the given sizes (zeros make empty partitions).</summary>
    private static Frame Split(Table t, params int[] sizes)
    {
        Assert.That(sizes.Sum(), Is.EqualTo(t.RowCount), "the sizes cover the table");
        var parts = new List<Table>();
        int at = 0;
        foreach (int n in sizes) { parts.Add(t.Slice(at, n)); at += n; }
        return Frame.FromPartitions(parts, t.Schema);
    }

    private static double?[] Doubles(Table t, string c) => Enumerable.Range(0, t.RowCount).Select(r => (double?)t[r, c]).ToArray();

    private static void AssertDoubles(double?[] actual, double?[] expected, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what);
        for (int i = 0; i < actual.Length; i++)
        {
            if (expected[i] is not { } e) { Assert.That(actual[i], Is.Null, $"{what}, row {i}"); continue; }
            Assert.That(actual[i], Is.Not.Null, $"{what}, row {i}");
            if (double.IsNaN(e)) Assert.That(actual[i], Is.NaN, $"{what}, row {i}");
            else Assert.That(actual[i]!.Value, Is.EqualTo(e).Within(1e-9 * Math.Max(1, Math.Abs(e))), $"{what}, row {i}");
        }
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(5)]
    public void RollingMatchesPandasDocumentation(int partitions)
    {
        // pandas.DataFrame.rolling's examples: B = [0, 1, 2, NaN, 4]
        var f = Frame.FromTable(Table.Create(("B", Column.Of(new double[] { 0, 1, 2, 0, 4 }, [true, true, true, false, true]))), partitions);
        var r = f.WithColumns(
            ("sum2", Window.Rolling("B", 2).Sum()),
            ("sum2min1", Window.Rolling("B", 2, minPeriods: 1).Sum()),
            ("sum3center", Window.Rolling("B", 3, minPeriods: 1, center: true).Sum())).Compute(_s);
        AssertDoubles(Doubles(r, "sum2"), [null, 1.0, 3.0, null, null], "rolling(2).sum()");
        AssertDoubles(Doubles(r, "sum2min1"), [0.0, 1.0, 3.0, 2.0, 4.0], "rolling(2, min_periods=1).sum()");
        AssertDoubles(Doubles(r, "sum3center"), [1.0, 3.0, 3.0, 6.0, 4.0], "rolling(3, min_periods=1, center=True).sum()");
    }

    [Test]
    public void ShiftDiffAndCumulativeFunctionsMatchPandasDocumentation()
    {
        // pandas.DataFrame.shift's example: Col1 = [10, 20, 15, 30, 45]
        var shift = Split(Table.Create(("Col1", Column.Of(new long[] { 10, 20, 15, 30, 45 }))), 2, 0, 1, 2)
            .WithColumns(("later", Window.Shift("Col1", 3)), ("earlier", Window.Shift("Col1", -2))).Compute(_s);
        Assert.That(shift["later"].Type, Is.EqualTo(ColumnType.Int64));
        Assert.That(Enumerable.Range(0, 5).Select(r => shift[r, "later"]), Is.EqualTo(new object?[] { null, null, null, 10L, 20L }));
        Assert.That(Enumerable.Range(0, 5).Select(r => shift[r, "earlier"]), Is.EqualTo(new object?[] { 15L, 30L, 45L, null, null }));

        // pandas.DataFrame.diff's example: a = 1..6, b = [1, 1, 2, 3, 5, 8], c = squares
        var diff = Split(Table.Create(("a", Column.Of(new long[] { 1, 2, 3, 4, 5, 6 })), ("b", Column.Of(new long[] { 1, 1, 2, 3, 5, 8 })),
                ("c", Column.Of(new long[] { 1, 4, 9, 16, 25, 36 }))), 1, 1, 0, 3, 1)
            .WithColumns(("da", Window.Diff("a")), ("db", Window.Diff("b")), ("dc", Window.Diff("c")), ("da-1", Window.Diff("a", -1))).Compute(_s);
        AssertDoubles(Doubles(diff, "da"), [null, 1, 1, 1, 1, 1], "a.diff()");
        AssertDoubles(Doubles(diff, "db"), [null, 0, 1, 1, 2, 3], "b.diff()");
        AssertDoubles(Doubles(diff, "dc"), [null, 3, 5, 7, 9, 11], "c.diff()");
        AssertDoubles(Doubles(diff, "da-1"), [-1, -1, -1, -1, -1, null], "a.diff(periods=-1)");

        // pandas.DataFrame.cumsum/cumprod/cummax/cummin's example: A = [2, 3, 1], B = [1, NaN, 0]
        var cum = Split(Table.Create(("A", Column.Of(new[] { 2.0, 3.0, 1.0 })), ("B", Column.Of(new[] { 1.0, double.NaN, 0.0 }))), 1, 0, 1, 1)
            .WithColumns(("sA", Window.CumSum("A")), ("sB", Window.CumSum("B")), ("pA", Window.CumProd("A")), ("pB", Window.CumProd("B")),
                ("maxA", Window.CumMax("A")), ("maxB", Window.CumMax("B")), ("minA", Window.CumMin("A")), ("minB", Window.CumMin("B"))).Compute(_s);
        AssertDoubles(Doubles(cum, "sA"), [2, 5, 6], "A.cumsum()");
        AssertDoubles(Doubles(cum, "sB"), [1, double.NaN, 1], "B.cumsum()");
        AssertDoubles(Doubles(cum, "pA"), [2, 6, 6], "A.cumprod()");
        AssertDoubles(Doubles(cum, "pB"), [1, double.NaN, 0], "B.cumprod()");
        AssertDoubles(Doubles(cum, "maxA"), [2, 3, 3], "A.cummax()");
        AssertDoubles(Doubles(cum, "maxB"), [1, double.NaN, 1], "B.cummax()");
        AssertDoubles(Doubles(cum, "minA"), [2, 2, 1], "A.cummin()");
        AssertDoubles(Doubles(cum, "minB"), [1, double.NaN, 0], "B.cummin()");
    }

    // 200 rows: x double with missing values and NaN, p near 1 (products stay finite), i int64 with missing values,
    // d int32, day dates with missing values, s strings with missing values
    private static Table Data()
    {
        var rng = new Random(11);
        int n = 200;
        var x = Enumerable.Range(0, n).Select(i => i % 19 == 4 ? double.NaN : Math.Round(rng.NextDouble() * 200 - 100, 2)).ToArray();
        var xValid = Enumerable.Range(0, n).Select(i => i % 11 != 7).ToArray();
        var p = Enumerable.Range(0, n).Select(_ => 0.95 + rng.NextDouble() * 0.1).ToArray();
        var iv = Enumerable.Range(0, n).Select(_ => (long)rng.Next(-1000, 1000)).ToArray();
        var iValid = Enumerable.Range(0, n).Select(i => i % 13 != 2).ToArray();
        var d = Enumerable.Range(0, n).Select(_ => rng.Next(-50, 50)).ToArray();
        var day = Enumerable.Range(0, n).Select(_ => new DateOnly(2024, 1, 1).AddDays(rng.Next(400))).ToArray();
        var dayValid = Enumerable.Range(0, n).Select(i => i % 17 != 0).ToArray();
        var s = Enumerable.Range(0, n).Select(i => i % 9 == 3 ? null : "w" + i).ToArray();
        return Table.Create(("x", Column.Of(x, xValid)), ("p", Column.Of(p)), ("i", Column.Of(iv, iValid)), ("d", Column.Of(d)),
            ("day", Column.Of(day, dayValid)), ("s", Column.Of(s)));
    }

    private static readonly (int Window, int? MinPeriods, bool Center)[] RollingCases = [(1, null, false), (3, null, false), (4, 2, true), (10, 1, false), (25, 5, true), (3, 0, false)];

    private static readonly string[] Stats = ["sum", "mean", "min", "max", "count", "var", "std"];

    private static Window Stat(RollingWindow w, string stat) => stat switch
    {
        "sum" => w.Sum(), "mean" => w.Mean(), "min" => w.Min(), "max" => w.Max(), "count" => w.Count(), "var" => w.Var(), _ => w.Std(),
    };

    // the plain loop: each row's window of present values, computed from scratch
    private static double? RollingByLoop(double?[] v, int row, int window, int minPeriods, bool center, string stat)
    {
        int offset = center ? (window - 1) / 2 : 0;
        var vals = new List<double>();
        for (int j = row + offset - window + 1; j <= row + offset; j++)
            if (j >= 0 && j < v.Length && v[j] is { } x && !double.IsNaN(x)) vals.Add(x);
        if (vals.Count < minPeriods) return null;
        double Var() { double m = vals.Average(); return vals.Sum(y => (y - m) * (y - m)) / (vals.Count - 1); }
        return stat switch
        {
            "sum" => vals.Sum(),
            "count" => vals.Count,
            _ when vals.Count == 0 => null,
            "mean" => vals.Average(),
            "min" => vals.Min(),
            "max" => vals.Max(),
            _ when vals.Count < 2 => null,
            "var" => Var(),
            _ => Math.Sqrt(Var()),
        };
    }

    private static IEnumerable<int[]> Layouts()
    {
        yield return [200];
        yield return [0, 1, 0, 3, 1, 0, 0, 2, 13, 80, 0, 1, 99];
        yield return [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 150];
        yield return [100, 0, 0, 1, 1, 1, 97, 0];
    }

    [TestCaseSource(nameof(Layouts))]
    public void RollingStatisticsMatchALoopOverAllRows(int[] sizes)
    {
        var table = Data();
        var windows = new List<(string, Window)>();
        foreach (var (w, min, center) in RollingCases)
            foreach (var stat in Stats)
                windows.Add(($"{stat}-{w}-{min}-{center}", Stat(Window.Rolling("x", w, min, center), stat)));
        windows.Add(("int-mean", Window.Rolling("i", 4, 2).Mean()));
        var r = Split(table, sizes).WithColumns([.. windows]).Compute(_s);
        Assert.That(r.RowCount, Is.EqualTo(table.RowCount));
        var x = Doubles(table, "x");
        foreach (var (w, min, center) in RollingCases)
            foreach (var stat in Stats)
            {
                var name = $"{stat}-{w}-{min}-{center}";
                Assert.That(r[name].Type, Is.EqualTo(ColumnType.Double));
                AssertDoubles(Doubles(r, name), x.Select((_, row) => RollingByLoop(x, row, w, min ?? w, center, stat)).ToArray(), name);
            }
        var iv = Enumerable.Range(0, table.RowCount).Select(row => (double?)(long?)table[row, "i"]).ToArray();
        AssertDoubles(Doubles(r, "int-mean"), iv.Select((_, row) => RollingByLoop(iv, row, 4, 2, false, "mean")).ToArray(), "int-mean");
    }

    [TestCaseSource(nameof(Layouts))]
    public void ShiftDiffAndCumulativeFunctionsMatchALoopOverAllRows(int[] sizes)
    {
        var table = Data();
        int n = table.RowCount;
        var r = Split(table, sizes).WithColumns(
            ("shift1", Window.Shift("x")), ("shift3", Window.Shift("x", 3)), ("shift-2", Window.Shift("i", -2)), ("shift12s", Window.Shift("s", 12)),
            ("shift-150", Window.Shift("d", -150)), ("shift0", Window.Shift("d", 0)), ("diff1", Window.Diff("x")), ("diff-2", Window.Diff("i", -2)), ("diff7", Window.Diff("d", 7)),
            ("cumsum", Window.CumSum("x")), ("cumprod", Window.CumProd("p")), ("cummax", Window.CumMax("x")), ("cummin", Window.CumMin("d")),
            ("cumcount", Window.CumCount("x")), ("cumsum-i", Window.CumSum("i")), ("cummax-day", Window.CumMax("day")), ("cumcount-s", Window.CumCount("s")),
            ("x", Window.CumSum("x"))).Compute(_s); // the last replaces its own source; the others still read the original x
        object? V(string c, int row) => row >= 0 && row < n ? table[row, c] : null;
        foreach (var (name, col, k) in new[] { ("shift1", "x", 1), ("shift3", "x", 3), ("shift-2", "i", -2), ("shift12s", "s", 12), ("shift-150", "d", -150), ("shift0", "d", 0) })
        {
            Assert.That(r[name].Type, Is.EqualTo(table[col].Type), name);
            for (int row = 0; row < n; row++)
            {
                var e = V(col, row - k);
                if (e is double d && double.IsNaN(d)) Assert.That(r[row, name], Is.NaN, $"{name}, row {row}");
                else Assert.That(r[row, name], Is.EqualTo(e), $"{name}, row {row}");
            }
        }
        double? Diff(string col, int row, int k)
        {
            var (a, b) = (V(col, row), V(col, row - k));
            return a is null || b is null ? null : Convert.ToDouble(a) - Convert.ToDouble(b);
        }
        AssertDoubles(Doubles(r, "diff1"), Enumerable.Range(0, n).Select(row => Diff("x", row, 1)).ToArray(), "diff1");
        AssertDoubles(Doubles(r, "diff-2"), Enumerable.Range(0, n).Select(row => Diff("i", row, -2)).ToArray(), "diff-2");
        AssertDoubles(Doubles(r, "diff7"), Enumerable.Range(0, n).Select(row => Diff("d", row, 7)).ToArray(), "diff7");

        // running values by a loop: a missing value stays missing, a NaN stays NaN, neither enters the running value
        double?[] Running(string col, Func<double, double, double> f)
        {
            var result = new double?[n];
            double? acc = null;
            for (int row = 0; row < n; row++)
            {
                if (V(col, row) is not { } v) continue;
                double x = Convert.ToDouble(v);
                if (double.IsNaN(x)) { result[row] = x; continue; }
                acc = acc is { } a ? f(a, x) : x;
                result[row] = acc;
            }
            return result;
        }
        AssertDoubles(Doubles(r, "cumsum"), Running("x", (a, b) => a + b), "cumsum");
        AssertDoubles(Doubles(r, "x"), Running("x", (a, b) => a + b), "cumsum replacing x");
        AssertDoubles(Doubles(r, "cumprod"), Running("p", (a, b) => a * b), "cumprod");
        AssertDoubles(Doubles(r, "cummax"), Running("x", Math.Max), "cummax");
        Assert.That(r["cummin"].Type, Is.EqualTo(ColumnType.Int32));
        Assert.That(Enumerable.Range(0, n).Select(row => (double?)(int?)r[row, "cummin"]), Is.EqualTo(Running("d", Math.Min)), "cummin");
        Assert.That(r["cumsum-i"].Type, Is.EqualTo(ColumnType.Int64));
        Assert.That(Enumerable.Range(0, n).Select(row => (double?)(long?)r[row, "cumsum-i"]), Is.EqualTo(Running("i", (a, b) => a + b)), "cumsum of int64");
        var maxDay = new DateOnly?[n];
        DateOnly? best = null;
        for (int row = 0; row < n; row++)
            if (V("day", row) is DateOnly day) maxDay[row] = best = best is { } b && b > day ? b : day;
        Assert.That(Enumerable.Range(0, n).Select(row => (DateOnly?)r[row, "cummax-day"]), Is.EqualTo(maxDay), "cummax of dates");
        long count = 0, countS = 0;
        for (int row = 0; row < n; row++)
        {
            if (V("x", row) is double v && !double.IsNaN(v)) count++;
            if (V("s", row) is not null) countS++;
            Assert.That(r[row, "cumcount"], Is.EqualTo(count), $"cumcount, row {row}");
            Assert.That(r[row, "cumcount-s"], Is.EqualTo(countS), $"cumcount of strings, row {row}");
        }
    }

    // a centred sum of up to four rows (two before, one after) within whatever table it is given: the same on the
    // whole table as on a partition extended by its neighbours' rows
    private static Table SumAround(Table t)
    {
        var x = t["d"];
        var sums = new long[t.RowCount];
        for (int row = 0; row < t.RowCount; row++)
            for (int j = Math.Max(0, row - 2); j <= Math.Min(t.RowCount - 1, row + 1); j++) sums[row] += x.Int32s[j];
        return t.With("around", Column.Of(sums));
    }

    [TestCaseSource(nameof(Layouts))]
    public void MapOverlapSeesTheNeighbouringRowsAndTrimsThem(int[] sizes)
    {
        var table = Data();
        var output = new Schema([.. table.Schema.Fields, new Field("around", ColumnType.Int64)]);
        var f = Split(table, sizes).MapOverlap(2, 1, SumAround, output);
        Assert.That(f.Schema, Is.EqualTo(output));
        var expected = SumAround(table);
        Assert.That(f.Compute(_s).ContentEquals(expected), Is.True);
        // steps after it, reading only some columns
        var filtered = f.Filter(Expr.Col("d") > 0).Select("d", "around").Compute(_s);
        var rows = Enumerable.Range(0, table.RowCount).Where(row => table["d"].Int32s[row] > 0).ToArray();
        Assert.That(filtered["around"].Int64s.Take(filtered.RowCount), Is.EqualTo(rows.Select(row => expected["around"].Int64s[row])));
    }

    [Test]
    public void AFunctionThatChangesTheRowCountFailsNamingTheRule()
    {
        var f = Frame.FromTable(Data(), 3).MapOverlap(1, 0, t => t.Head(1));
        var ex = Assert.Catch(() => f.Compute(_s));
        Assert.That(ex!.ToString(), Does.Contain("one row per row"));
    }

    [Test]
    public void WindowsComposeWithStepsBeforeAndAfter()
    {
        var table = Data();
        var f = Frame.FromTable(table, 6).Filter(Expr.Col("d") >= 0)
            .WithColumn("prev", Window.Shift("d"))
            .Filter(Expr.Col("d") < 40)
            .Select("d", "prev");
        var r = f.Compute(_s);
        var kept = Enumerable.Range(0, table.RowCount).Where(row => table["d"].Int32s[row] >= 0).Select(row => table["d"].Int32s[row]).ToList();
        var expected = kept.Select((d, k) => (d, prev: k == 0 ? (int?)null : kept[k - 1])).Where(e => e.d < 40).ToList();
        Assert.That(Enumerable.Range(0, r.RowCount).Select(row => ((int)r[row, "d"]!, (int?)r[row, "prev"])), Is.EqualTo(expected));
        Assert.That(f.Head(3, _s).RowCount, Is.EqualTo(3));
    }
}

/// <summary>Window columns and map-overlap: bad input fails when the frame is built, naming the culprit.</summary>
public class WindowValidationTests
{
    [Test]
    public void BadWindowsFailWhenTheFrameIsBuilt()
    {
        var f = Frame.FromTable(Table.Create(("w", Column.Of(new[] { "a", "b" })), ("v", Column.Of(new[] { 1.0, 2.0 }))));
        var ex = Assert.Throws<InvalidOperationException>(() => f.WithColumn("c", Window.CumSum("w")));
        Assert.That(ex!.Message, Does.Contain("'w'").And.Contain("String"));
        Assert.Throws<InvalidOperationException>(() => f.WithColumn("c", Window.Rolling("w", 2).Mean()));
        Assert.Throws<KeyNotFoundException>(() => f.WithColumn("c", Window.Shift("nope")));
        Assert.Throws<ArgumentOutOfRangeException>(() => Window.Rolling("v", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Window.Rolling("v", 3, minPeriods: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.MapOverlap(-1, 0, t => t));
        Assert.Throws<ArgumentException>(() => f.WithColumns(("c", Window.Shift("v")), ("c", Window.Diff("v"))));
    }
}

/// <summary>Keys of window columns and map-overlap cover the function, the column and every parameter.</summary>
public class WindowKeyTests
{
    private static TaskKey K(Frame f) => f.ToDelayed().Key;

    private static Func<Table, Table> HeadOf(int n) => t => t.Head(n);

    [Test]
    public void EachWindowAndParameterHasItsOwnKey()
    {
        var f = Frame.FromTable(Table.Create(("a", Column.Of(new[] { 1.0, 2.0, 3.0, 4.0 })), ("b", Column.Of(new[] { 4.0, 3.0, 2.0, 1.0 }))), 2);
        Frame W(Window w, string name = "w") => f.WithColumn(name, w);
        Keys.KeyAssert.AllDistinct(
            ("shift 1", K(W(Window.Shift("a")))), ("shift 2", K(W(Window.Shift("a", 2)))), ("shift -1", K(W(Window.Shift("a", -1)))),
            ("shift b", K(W(Window.Shift("b")))), ("shift named v", K(W(Window.Shift("a"), "v"))), ("diff 1", K(W(Window.Diff("a")))),
            ("diff 2", K(W(Window.Diff("a", 2)))), ("cumsum", K(W(Window.CumSum("a")))), ("cumprod", K(W(Window.CumProd("a")))),
            ("cummax", K(W(Window.CumMax("a")))), ("cummin", K(W(Window.CumMin("a")))), ("cumcount", K(W(Window.CumCount("a")))),
            ("rolling 3 sum", K(W(Window.Rolling("a", 3).Sum()))), ("rolling 4 sum", K(W(Window.Rolling("a", 4).Sum()))),
            ("rolling 3 min 1 sum", K(W(Window.Rolling("a", 3, 1).Sum()))), ("rolling 3 center sum", K(W(Window.Rolling("a", 3, center: true).Sum()))),
            ("rolling 3 mean", K(W(Window.Rolling("a", 3).Mean()))), ("rolling 3 min", K(W(Window.Rolling("a", 3).Min()))),
            ("rolling 3 max", K(W(Window.Rolling("a", 3).Max()))), ("rolling 3 count", K(W(Window.Rolling("a", 3).Count()))),
            ("rolling 3 var", K(W(Window.Rolling("a", 3).Var()))), ("rolling 3 var ddof 0", K(W(Window.Rolling("a", 3).Var(0)))),
            ("rolling 3 std", K(W(Window.Rolling("a", 3).Std()))),
            ("overlap 1 0", K(f.MapOverlap(1, 0, HeadOf(4)))), ("overlap 2 0", K(f.MapOverlap(2, 0, HeadOf(4)))),
            ("overlap 1 1", K(f.MapOverlap(1, 1, HeadOf(4)))), ("overlap other constant", K(f.MapOverlap(1, 0, HeadOf(5)))),
            ("overlap other function", K(f.MapOverlap(1, 0, t => t))));
        Keys.KeyAssert.SameTwice(("rolling", () => K(W(Window.Rolling("a", 3, 2, true).Std()))), ("cumsum", () => K(W(Window.CumSum("b")))),
            ("overlap", () => K(f.MapOverlap(1, 2, HeadOf(3)))));
    }
}
