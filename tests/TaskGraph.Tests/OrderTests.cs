using TaskGraph.Passes;

namespace TaskGraph.Tests;

/// <summary>The ordering pass. Graphs are drawn with dependencies below their dependents.</summary>
public class OrderTests
{
    private static Dictionary<string, int> Priorities(Adjacency deps, string[] names, params int[] outputs)
    {
        var (p, _) = Order.Run(deps, outputs, i => names[i]);
        return names.Select((n, i) => (n, p[i])).ToDictionary(t => t.n, t => t.Item2);
    }

    [Test]
    public void FinishesABranchBeforeStartingTheNext()
    {
        //   a1   a2
        //   |    |
        //   b1   b2
        //    \  /
        //     c
        string[] names = ["a1", "a2", "b1", "b2", "c"];
        var deps = Adjacency.FromLists([[], [], [0], [1], [2, 3]]);
        var p = Priorities(deps, names, 4);
        Assert.That(p["b1"], Is.LessThan(p["a2"]));
        Assert.That(p["a1"], Is.LessThan(p["b1"]));
        Assert.That(p["c"], Is.EqualTo(4));
    }

    [Test]
    public void TreeReductionCombinesPairsEarly()
    {
        //        s
        //      /   \
        //    s01   s23
        //    / \   / \
        //   x0 x1 x2 x3
        string[] names = ["x0", "x1", "x2", "x3", "s01", "s23", "s"];
        var deps = Adjacency.FromLists([[], [], [], [], [0, 1], [2, 3], [4, 5]]);
        var p = Priorities(deps, names, 6);
        Assert.That(p["s01"], Is.LessThan(p["x2"]), "x0 and x1 are combined before x2 is produced");
    }

    [Test]
    public void SharedRootComesBeforeEveryUser()
    {
        //   u1  u2  u3
        //    \  |  /
        //      r
        string[] names = ["r", "u1", "u2", "u3", "all"];
        var deps = Adjacency.FromLists([[], [0], [0], [0], [1, 2, 3]]);
        var p = Priorities(deps, names, 4);
        Assert.That(p["r"], Is.Zero);
        Assert.That(p["u1"], Is.LessThan(p["u2"]));
        Assert.That(p["u2"], Is.LessThan(p["u3"]));
    }

    [Test]
    public void PrioritiesAreATopologicalOrder()
    {
        var rng = new Random(1);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = rng.Next(1, 60);
            var lists = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, i).Where(_ => rng.NextDouble() < 0.1).ToArray()).ToList();
            lists.Add(Enumerable.Range(0, n).ToArray()); // a sink that needs everything
            var deps = Adjacency.FromLists(lists);
            var (p, order) = Order.Run(deps, [n], i => i.ToString());
            for (int v = 0; v <= n; v++)
                foreach (var d in deps[v]) Assert.That(p[d], Is.LessThan(p[v]));
            Assert.That(order.Distinct().Count(), Is.EqualTo(n + 1));
        }
    }

    // ---- Dask's ordering properties (dask/tests/test_order.py), translated. Graphs are written as
    // "task: dependency dependency; root; ..." and drawn with dependents above their dependencies. Tests that take
    // `abcde` run twice, the second time with the letters a..e renamed e..a (Dask's `abcde` fixture): the property
    // must come from the graph's shape, not from the names that break ties.

    /// <summary>A graph of named nodes for ordering tests.</summary>
    internal sealed record Named(string[] Names, Adjacency Deps)
    {
        public int this[string name] => Array.IndexOf(Names, name) is var i and >= 0 ? i : throw new KeyNotFoundException(name);

        /// <summary>Parses "b: a c; a; c" (dependencies after the colon); <paramref name="letters"/> renames a..e.</summary>
        public static Named Parse(string spec, string letters = "abcde")
        {
            string Rename(string s) => new(s.Select(ch => "abcde".IndexOf(ch) is var i and >= 0 ? letters[i] : ch).ToArray());
            var names = new List<string>();
            var deps = new List<List<int>>();
            int Id(string name)
            {
                name = Rename(name);
                int i = names.IndexOf(name);
                if (i >= 0) return i;
                names.Add(name);
                deps.Add([]);
                return names.Count - 1;
            }
            foreach (var entry in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = entry.Split(':');
                int v = Id(parts[0].Trim());
                if (parts.Length > 1)
                    foreach (var d in parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)) deps[v].Add(Id(d));
            }
            return new Named(names.ToArray(), Adjacency.FromLists(deps.Select(l => l.ToArray()).ToList()));
        }

        /// <summary>Orders the graph (outputs: the tasks nobody needs; ties broken by name) and checks it is topological.</summary>
        public Dictionary<string, int> Order()
        {
            var dependents = Deps.Transpose();
            var outputs = Enumerable.Range(0, Names.Length).Where(v => dependents.Degree(v) == 0).ToArray();
            var (p, order) = Passes.Order.Run(Deps, outputs, i => Names[i], (a, b) => string.CompareOrdinal(Names[a], Names[b]));
            for (int v = 0; v < Names.Length; v++)
                foreach (var d in Deps[v]) Assert.That(p[d], Is.LessThan(p[v]), $"{Names[d]} runs before {Names[v]}");
            Assert.That(order.Distinct().Count(), Is.EqualTo(Names.Length));
            return Names.Select((n, i) => (n, p[i])).ToDictionary(t => t.n, t => t.Item2);
        }

        /// <summary>The most results held at once when run in <paramref name="o"/> (Dask's <c>max(diagnostics(dsk)[1])</c>).</summary>
        public int Peak(Dictionary<string, int> o) => Passes.Order.PeakPressure(Deps, Names.Select(this.IndexOfName).OrderBy(i => o[Names[i]]).ToArray());

        private int IndexOfName(string n) => this[n];
    }

    private static readonly string[] Letters = ["abcde", "edcba"];

    // dask/tests/test_order.py::test_ordering_keeps_groups_together
    //   b0      b1          b0      b1
    //  /  \    /  \   and  /  \    /  \    (second: b0 needs a0 and a2, b1 needs a1 and a3)
    // a0  a1  a2  a3      a0  a2  a1  a3
    [TestCaseSource(nameof(Letters))]
    public void KeepsGroupsTogether(string letters)
    {
        var o = Named.Parse("b0: a0 a1; b1: a2 a3", letters).Order();
        string a = letters[..1];
        Assert.That(Math.Abs(o[a + "0"] - o[a + "1"]), Is.EqualTo(1));
        Assert.That(Math.Abs(o[a + "2"] - o[a + "3"]), Is.EqualTo(1));
        o = Named.Parse("b0: a0 a2; b1: a1 a3", letters).Order();
        Assert.That(Math.Abs(o[a + "0"] - o[a + "2"]), Is.EqualTo(1));
        Assert.That(Math.Abs(o[a + "1"] - o[a + "3"]), Is.EqualTo(1));
    }

    // dask/tests/test_order.py::test_avoid_broker_nodes
    // b0    b1  b2       whichever root runs first, its branch finishes before the other root runs
    // |      \  /
    // a0      a1
    [TestCaseSource(nameof(Letters))]
    public void AvoidsBrokerNodes(string letters)
    {
        var o = Named.Parse("b0: a0; b1: a1; b2: a1", letters).Order();
        char a = letters[0], b = letters[1];
        Assert.That(o[$"{a}1"] < o[$"{b}0"] || (o[$"{b}1"] < o[$"{a}0"] && o[$"{b}2"] < o[$"{a}0"]), string.Join(", ", o));
    }

    // dask/tests/test_order.py::test_base_of_reduce_preferred
    //            a3
    //           /|
    //         a2 |
    //        /|  |
    //      a1 |  |
    //     /|  |  |
    //   a0 |  |  |
    //   |  |  |  |
    //   b0 b1 b2 b3
    //     \ \ / /
    //        c           b0 runs quickly (first after c), b1 soon after
    [TestCaseSource(nameof(Letters))]
    public void BaseOfReducePreferred(string letters)
    {
        var o = Named.Parse("a3: a2 b3; a2: a1 b2; a1: a0 b1; a0: b0; b0: c; b1: c; b2: c; b3: c", letters).Order();
        char b = letters[1];
        Assert.That(o[$"{b}0"], Is.LessThanOrEqualTo(1));
        Assert.That(o[$"{b}1"], Is.LessThanOrEqualTo(3));
    }

    // dask/tests/test_order.py::test_avoid_upwards_branching
    //    a1
    //    |
    //    a2
    //    |
    //    a3    d1        d1 runs before b1: it frees c1, while b1 would add b1 and b2 to memory first
    //   /  \  /
    // b1    c1
    // |     |
    // b2    c2
    //       |
    //       c3
    [TestCaseSource(nameof(Letters))]
    public void AvoidsUpwardsBranching(string letters)
    {
        var o = Named.Parse("a1: a2; a2: a3; a3: b1 c1; b1: b2; c1: c2; c2: c3; d1: c1", letters).Order();
        Assert.That(o[$"{letters[3]}1"], Is.LessThan(o[$"{letters[1]}1"]));
    }

    // dask/tests/test_order.py::test_avoid_upwards_branching_complex
    //      a1
    //      |
    // e2   a2  d2  d3
    // |    |    \  /
    // e1   a3    d1
    //  \  /  \  /
    //   b1    c1        c1 before b1 (c1 stays in memory less long), d2 and d3 together
    //   |     |
    //   b2    c2
    //         |
    //         c3
    [TestCaseSource(nameof(Letters))]
    public void AvoidsUpwardsBranchingComplex(string letters)
    {
        var o = Named.Parse("a1: a2; a2: a3; a3: b1 c1; b1: b2; c1: c2; c2: c3; d1: c1; d2: d1; d3: d1; e1: b1; e2: e1", letters).Order();
        char b = letters[1], c = letters[2], d = letters[3];
        Assert.That(o[$"{c}1"], Is.LessThan(o[$"{b}1"]));
        Assert.That(Math.Abs(o[$"{d}2"] - o[$"{d}3"]), Is.EqualTo(1));
    }

    // dask/tests/test_order.py::test_deep_bases_win_over_dependents
    //         a
    //       / | \
    //      b  c |        b (deeper: it needs d and e) runs before c
    //     / \ | /
    //    e    d
    [TestCaseSource(nameof(Letters))]
    public void DeepBasesWinOverDependents(string letters)
    {
        var o = Named.Parse("a: b c d; b: d e; c: d", letters).Order();
        Assert.That(o[letters[1..2]], Is.LessThan(o[letters[2..3]]));
    }

    // dask/tests/test_order.py::test_prefer_deep
    //     c
    //     |
    // e   b         the longer chain first: a and b before d
    // |   |
    // d   a
    [TestCaseSource(nameof(Letters))]
    public void PrefersDeep(string letters)
    {
        var o = Named.Parse("b: a; c: b; e: d", letters).Order();
        Assert.That(o[letters[..1]], Is.LessThan(o[letters[3..4]]));
        Assert.That(o[letters[1..2]], Is.LessThan(o[letters[3..4]]));
    }

    // dask/tests/test_order.py::test_stacklimit: a chain far deeper than any call stack allows (x0 <- x1 <- ... <- x200000)
    [Test]
    public void DeepChainsNeedNoRecursion()
    {
        const int n = 200_000;
        var deps = Adjacency.FromLists(Enumerable.Range(0, n).Select(i => i == 0 ? Array.Empty<int>() : [i - 1]).ToList());
        var (p, order) = Order.Run(deps, [n - 1], i => $"x{i}");
        Assert.That(order, Is.EqualTo(Enumerable.Range(0, n)));
        Assert.That(p[n - 1], Is.EqualTo(n - 1));
    }

    // dask/tests/test_order.py::test_break_ties_by_str
    //            y
    //   / / / / | \ \ \ \
    // x0 x1 x2 x3 ... x9      equal in every respect: the names decide. Dask walks them in descending
    //                         str order; we take ascending names (block 0 first, as test_gh_3055 and
    //                         test_string_ordering also accept).
    [Test]
    public void BreaksTiesByName()
    {
        var g = Named.Parse("y: " + string.Join(" ", Enumerable.Range(0, 10).Select(i => $"x{i}")));
        var o = g.Order();
        Assert.That(o["y"], Is.EqualTo(10));
        for (int i = 0; i < 10; i++) Assert.That(o[$"x{i}"], Is.EqualTo(i));
    }

    // dask/tests/test_order.py::test_string_ordering
    // ("a", 1)  ("a", 2)  ("a", 3)     unconnected: in name order (either direction in Dask)
    [Test]
    public void OrdersUnconnectedTasksByName()
    {
        var o = Named.Parse("a3; a1; a2").Order();
        Assert.That(new[] { o["a1"], o["a2"], o["a3"] }, Is.EqualTo(new[] { 0, 1, 2 }));
    }

    // dask/tests/test_order.py::test_order_doesnt_fail_on_mixed_type_keys and ::test_type_comparisions_ok:
    // a plan mixing hand-written keys ("x"), block keys (name-token[i]) and plain task keys orders and runs.
    [Test]
    public void MixedKindsOfKeysOrder()
    {
        var named = new KeyedGraph().Value("x", 1).Value("a", 2).Get<int>("x");
        var blocks = NdArray.Ones<double>([4], [2]).ToDelayedBlocks();
        var z = Delayed.Combine(named, Delayed.Value(2), blocks[0], blocks[1], (x, y, b0, b1) => x + y + (int)(b0.Data[0] + b1.Data[0]));
        var plan = ExecutionPlan.Compile([z.Spec], fuse: false);
        Assert.That(plan.Order.Distinct().Count(), Is.EqualTo(plan.Count));
        Assert.That(z.Compute(Scheduler.Synchronous), Is.EqualTo(5));
    }

    // dask/tests/test_order.py::test_favor_longest_critical_path
    //    a
    //    |
    // d  b  e        b (on the way to the longest path's end a) before the short d and e
    //  \ | /
    //    c
    [TestCaseSource(nameof(Letters))]
    public void FavorsLongestCriticalPath(string letters)
    {
        var o = Named.Parse("d: c; e: c; b: c; a: b", letters).Order();
        Assert.That(o[letters[3..4]], Is.GreaterThan(o[letters[1..2]]));
        Assert.That(o[letters[4..5]], Is.GreaterThan(o[letters[1..2]]));
    }

    // dask/tests/test_order.py::test_run_smaller_sections
    //         aa
    //        / |
    //   b   d  bb dd
    //  / \ /|  | /
    // a   c e  cc          at most 3 results held at once (Dask reaches 3)
    [TestCaseSource(nameof(Letters))]
    public void RunsSmallerSections(string letters)
    {
        var g = Named.Parse("b: a c; d: c e; bb: cc; aa: d bb; dd: cc", letters);
        Assert.That(g.Peak(g.Order()), Is.LessThanOrEqualTo(3));
    }

    // dask/tests/test_order.py::test_local_parents_of_reduction
    //         c1
    //         |
    //     b1  c2
    //     |  /|
    // a1  b2  c3
    // |  /|
    // a2  b3           the a stack finishes before b2, then the b stack before c2
    // |
    // a3
    [TestCaseSource(nameof(Letters))]
    public void LocalParentsOfAReductionFinishFirst(string letters)
    {
        var g = Named.Parse("a2: a3; a1: a2; b2: b3 a2; b1: b2; c2: c3 b2; c1: c2", letters);
        var o = g.Order();
        var expected = new[] { "a3", "a2", "a1", "b3", "b2", "b1", "c3", "c2", "c1" }.Select(s => Named.Parse(s, letters).Names[0]);
        Assert.That(o.OrderBy(kv => kv.Value).Select(kv => kv.Key), Is.EqualTo(expected));
    }

    // dask/tests/test_order.py::test_nearest_neighbor
    // a1  a2  a3  a4  a5  a6  a7 a8  a9
    //  \  |  /  \ |  /  \ |  / \ |  /
    //     b1      b2      b3     b4        a local group finishes before the next starts: about half of
    //                                      each kind lies in the first half of the order
    [TestCaseSource(nameof(Letters))]
    public void NearestNeighboursFinishTogether(string letters)
    {
        var g = Named.Parse("a1: b1; a2: b1; a3: b1 b2; a4: b2; a5: b2 b3; a6: b3; a7: b3 b4; a8: b4; a9: b4", letters);
        var o = g.Order();
        int firstA = Enumerable.Range(1, 9).Count(i => o[$"{letters[0]}{i}"] < o.Count / 2.0);
        int firstB = Enumerable.Range(1, 4).Count(i => o[$"{letters[1]}{i}"] < o.Count / 2.0);
        Assert.That(firstA, Is.InRange(4, 6));
        Assert.That(firstB, Is.InRange(2, 3));
    }

    // dask/tests/test_order.py::test_terminal_node_backtrack
    //                    s
    //            /   /       \   \
    //          s00  s10       s01  s11
    //           |    |         |    |
    //          b00  b10       b01  b11
    //          / \  / \       / \  / \
    //         a0  a1  a2    a3  a4  a5     after s00, s10 (which shares a1) comes before the right half
    [Test]
    public void TerminalNodeBacktracksToSharedData()
    {
        var o = Named.Parse("s: s00 s10 s01 s11; s00: b00; s10: b10; s01: b01; s11: b11; b00: a0 a1; b10: a1 a2; b01: a3 a4; b11: a4 a5").Order();
        Assert.That(o["a2"], Is.LessThan(o["a3"]));
    }

    // dask/tests/test_order.py::test_array_store_final_order: the graph da.store builds. Four (110, 4) arrays of
    // ones in (100, 2) blocks, concatenated along axis 0 and rechunked to (100, 2); each block is stored; one
    // task waits for all stores. The two block columns share nothing: the first column's stores all run before
    // any store of the second.
    [Test]
    public void ArrayStoreFinishesAColumnBeforeTheNext()
    {
        var arrays = Enumerable.Range(0, 4).Select(_ => NdArray.Ones<double>([110, 4], [100, 2])).ToArray();
        var x = NdArray.Concatenate(arrays, axis: 0).Rechunk([100, 2]);
        var blocks = x.ToDelayedBlocks();
        int columns = x.NumBlocks[1];
        var stores = blocks.Select((b, i) => b.Then(a => a.Data.Length, name: $"store-{i / columns}-{i % columns}")).ToArray();
        var all = Delayed.All(stores);
        var plan = ExecutionPlan.Compile([all.Spec], fuse: false);
        var storeNodes = Enumerable.Range(0, plan.Count).Where(v => plan.KeyOf(v).Name.StartsWith("store-")).ToArray();
        int Column(int v) => int.Parse(plan.KeyOf(v).Name.Split('-')[2]);
        int first = storeNodes.MinBy(v => plan.Priority[v]);
        int connectedMax = storeNodes.Where(v => Column(v) == Column(first)).Max(v => plan.Priority[v]);
        int disconnectedMin = storeNodes.Where(v => Column(v) != Column(first)).Min(v => plan.Priority[v]);
        Assert.That(connectedMax, Is.LessThan(disconnectedMin));
        Assert.That(all.Compute(Scheduler.Synchronous).Sum(), Is.EqualTo(440 * 4));
    }

    // dask/tests/test_order.py::test_eager_to_compute_dependent_to_free_parent
    //  |      |
    //  c1    c2       many motifs like this one: once c1 has run, c2 runs soon, so b is released.
    //    \  /         The graph has two deep, thick branches and two shallow ones: the deep ones run first and
    //     b           are reduced as far as possible before a shallow root is loaded; at most 8 results held.
    //     |
    //     a
    [Test]
    public void EagerToComputeADependentToFreeItsParent()
    {
        var g = Named.Parse(""
            + "a00: a06 a08; a01: a28 a26; a02: a24 a21; a03: a22 a25; a04: a29 a20; a05: a23 a27; a06: a04 a02; "
            + "a07: a00 a01; a08: a05 a03; a09: a43; a10: a36; a11: a33; a12: a47; a13: a44; a14: a42; a15: a37; "
            + "a16: a48; a17: a49; a18: a35; a19: a46; a20: a55; a21: a53; a22: a60; a23: a54; a24: a59; a25: a56; "
            + "a26: a61; a27: a52; a28: a57; a29: a58; a30: a19; a31: a07; a32: a30 a31; a33: a58; a34: a11 a09; "
            + "a35: a60; a36: a52; a37: a61; a38: a14 a10; a39: a38 a40; a40: a18 a17; a41: a34 a50; a42: a54; "
            + "a43: a55; a44: a53; a45: a16 a15; a46: a51 a45; a47: a59; a48: a57; a49: a56; a50: a12 a13; "
            + "a51: a41 a39; a52: a62; a53: a68; a54: a70; a55: a67; a56: a71; a57: a64; a58: a65; a59: a63; "
            + "a60: a69; a61: a66; a62; a63; a64; a65; a66; a67; a68; a69; a70; a71");
        var o = g.Order();
        Assert.That(g.Peak(o), Is.LessThanOrEqualTo(8));
        string[] shallowRoots = ["a64", "a66"];
        string[][] deepRoots = [["a68", "a63", "a65", "a67"], ["a69", "a70", "a71", "a62"]];
        string[][] reducers = [["a06", "a41"], ["a39", "a00"]];
        int firstShallow = shallowRoots.Min(r => o[r]);
        foreach (var roots in deepRoots) Assert.That(roots.Max(r => o[r]), Is.LessThan(firstShallow));
        foreach (var red in reducers.SelectMany(r => r)) Assert.That(o[red], Is.LessThan(firstShallow), red);
    }

    // dask/tests/test_order.py::test_diagnostics: the pressure helper gives Dask's numbers for Dask's order.
    //     a1  b1  c1  d1  e1
    //     /|\ /|\ /|\ /|  /
    //    / | X | X | X | /
    //   /  |/ \|/ \|/ \|/
    // a0  b0  c0  d0  e0
    [TestCaseSource(nameof(Letters))]
    public void PressureIsDasksDiagnostics(string letters)
    {
        var g = Named.Parse("a1: a0 b0 c0; b1: b0 c0 d0; c1: c0 d0 e0; d1: d0 e0; e1: e0", letters);
        // Dask's order when it starts from e: e0 e1 d0 d1 c0 c1 b0 b1 a0 a1
        var dasks = new[] { "e0", "e1", "d0", "d1", "c0", "c1", "b0", "b1", "a0", "a1" }.Select(s => g[Named.Parse(s, letters).Names[0]]).ToArray();
        Assert.That(Order.Pressure(g.Deps, dasks), Is.EqualTo(new[] { 0, 1, 1, 2, 2, 3, 2, 3, 2, 3 }));
        Assert.That(g.Peak(g.Order()), Is.LessThanOrEqualTo(3));
    }

    // dask/tests/test_order.py::test_use_structure_not_keys: a ring of overlapping reducers; 3 results held at most
    [Test]
    public void UsesStructureNotKeys()
    {
        var g = Named.Parse("b5: a2; b7: a0 a2; b9: a7 a0 a2; b1: a4 a7 a0; b2: a9 a4 a7; b4: a6 a9 a4; b3: a5 a6 a9; "
            + "b8: a1 a5 a6; b6: a8 a1 a5; b0: a3 a8 a1");
        Assert.That(g.Peak(g.Order()), Is.LessThanOrEqualTo(3));
    }

    // dask/tests/test_order.py::test_do_not_mutate_input: ordering leaves the graph it is given as it was
    [Test]
    public void DoesNotMutateItsInput()
    {
        var g = Named.Parse("b: a c; d: c e; bb: cc; aa: d bb; dd: cc");
        var starts = (int[])g.Deps.Starts.Clone();
        var items = (int[])g.Deps.Items.Clone();
        g.Order();
        g.Order();
        Assert.That(g.Deps.Starts, Is.EqualTo(starts));
        Assert.That(g.Deps.Items, Is.EqualTo(items));
    }

    // dask/tests/test_order.py::test_order_cycle: a cycle is named, not looped over
    [Test]
    public void NamesACycle()
    {
        var g = Named.Parse("a: b; b: c; c: a d");
        var e = Assert.Throws<GraphCycleException>(() => Order.Run(g.Deps, [g["a"]], i => g.Names[i]))!;
        Assert.That(e.Message, Does.Contain("a").And.Contain("b").And.Contain("c"));
    }

    // Random graphs (many roots, shared dependencies, several outputs): every order is topological and complete.
    [Test]
    public void RandomGraphsOrderTopologically()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(2, 80);
            var lists = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, i).Where(_ => rng.NextDouble() < 3.0 / (i + 1)).ToArray()).ToList();
            var g = new Named(Enumerable.Range(0, n).Select(i => $"t{i:D3}").ToArray(), Adjacency.FromLists(lists));
            g.Order();
        }
    }
}

/// <summary>The ordering pass against QuikGraph on random DAGs and cyclic graphs (FsCheck draws them).</summary>
public class OrderOracleTests
{
    [Test]
    public void EveryTaskComesAfterItsDependencies() => GraphOracle.Check(c =>
    {
        var lists = GraphOracle.RandomLists(c);
        var quik = GraphOracle.ToQuik(lists);
        // Order needs every task without dependents among the outputs (as after cull); one more output from the middle.
        int[] outputs = [.. quik.Vertices.Where(v => !quik.Vertices.Any(u => quik.ContainsEdge(u, v))), c.Seed % c.Nodes];
        var (priority, order) = Order.Run(Adjacency.FromLists(lists), outputs, i => $"t{i:D3}");
        var reach = GraphOracle.Reachable(quik, outputs);
        // Every task reached is ordered once, and each QuikGraph edge (task -> dependency) goes back in priority.
        return reach.Count == c.Nodes && order.Length == c.Nodes && order.ToHashSet().SetEquals(reach)
               && order.Select((v, p) => priority[v] == p).All(ok => ok)
               && quik.Edges.All(e => priority[e.Target] < priority[e.Source]);
    });

    [Test]
    public void OrderRefusesExactlyTheGraphsQuikGraphFindsCyclic() => GraphOracle.Check(c =>
    {
        var lists = GraphOracle.RandomLists(c, backEdges: true);
        var quik = GraphOracle.ToQuik(lists);
        var all = Enumerable.Range(0, c.Nodes).ToArray();
        try
        {
            Order.Run(Adjacency.FromLists(lists), all, i => $"t{i}");
            return GraphOracle.IsDag(quik);
        }
        catch (GraphCycleException e)
        {
            var nodes = e.Cycle.Select(n => int.Parse(n[1..])).ToArray();
            return !GraphOracle.IsDag(quik) && nodes.Zip(nodes.Skip(1)).All(p => quik.ContainsEdge(p.First, p.Second));
        }
    });
}
