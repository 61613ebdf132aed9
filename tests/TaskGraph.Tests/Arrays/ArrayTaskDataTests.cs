using System.Reflection;

namespace TaskGraph.Tests.Arrays;

/// <summary>
/// Array tasks must be shippable to worker processes by a field-by-field codec: every task's delegate target is
/// null or plain data (primitives, arrays, strings, enums and plain classes of those), never a compiled
/// expression, stream, lock or pool; block results are plain <see cref="DenseArray{T}"/>s.
/// </summary>
public class ArrayTaskDataTests
{
    private static IEnumerable<TaskSpec> AllSpecs(NdArray a)
    {
        var seen = new HashSet<TaskKey>();
        var stack = new Stack<TaskSpec>(a is NdArray<double> d ? d.ToDelayedBlocks().Select(x => x.Spec) : ((NdArray<long>)a).ToDelayedBlocks().Select(x => x.Spec));
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            if (!seen.Add(s.Key)) continue;
            yield return s;
            foreach (var dep in s.Dependencies) stack.Push(dep);
        }
    }

    private static void AssertPlain(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        if (!seen.Add(value)) return;
        var t = value.GetType();
        Assert.That(value, Is.Not.InstanceOf<Delegate>(), $"{path} holds a delegate");
        Assert.That(value, Is.Not.InstanceOf<Stream>(), $"{path} holds a stream");
        Assert.That(t.Namespace is "System" || t.Namespace?.Split('.')[0] == "TaskGraph" || t.IsArray, $"{path} holds a {t.FullName}");
        if (value is Array arr)
        {
            if (t.GetElementType()!.IsPrimitive) return;
            int i = 0;
            foreach (var item in arr) AssertPlain(item, $"{path}[{i++}]", seen);
            return;
        }
        for (var tt = t; tt is not null && tt != typeof(object); tt = tt.BaseType)
            foreach (var f in tt.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                AssertPlain(f.GetValue(value), $"{path}.{f.Name}", seen);
    }

    [Test]
    public void EveryTaskTargetIsPlainData()
    {
        var x = NdArray.Random([30, 20], [7, 6], seed: 1);
        var y = NdArray.Where(x > 0.5, NdArray.Sqrt(x + x.T.T), 0.0).Rechunk(10, 10);
        var m = x.MatMul(x.T);
        var r = ((y.Std(0) + m.Sum(1)[Sel.Slice(0, 20)]).Sum()).ArgMax();
        var specs = AllSpecs(r).Concat(AllSpecs(NdArray.Concatenate([y, y], 0).Reshape(-1))).ToList();
        Assert.That(specs.Count, Is.GreaterThan(20));
        foreach (var s in specs)
        {
            if (s.IsLiteral) continue;
            AssertPlain(s.Function!.Target, s.Key.ToString(), new HashSet<object>(ReferenceEqualityComparer.Instance));
            foreach (var a in s.Args) if (!a.IsDependency) AssertPlain(a.Literal, s.Key + " arg", new HashSet<object>(ReferenceEqualityComparer.Instance));
        }
    }
}

/// <summary>Array keys are deterministic where inputs are, so identical arrays built twice collapse.</summary>
public class ArrayKeyTests
{
    private static TaskKey KeyOf(NdArray<double> a) => a.ToDelayedBlocks()[0].Key;

    [Test]
    public void SameArrayBuiltTwiceHasSameKeys()
    {
        NdArray<double> Build(ulong seed) => (NdArray.Random([40, 30], [8, 7], seed) * 2.0 + 1.0).Rechunk(10, 10)[Sel.Slice(1, 30, 2)].Std(0).Sum();
        Assert.That(KeyOf(Build(5)), Is.EqualTo(KeyOf(Build(5))));
        Assert.That(KeyOf(Build(5)), Is.Not.EqualTo(KeyOf(Build(6))));
        var data = Enumerable.Range(0, 12).Select(i => (double)i).ToArray();
        var m1 = NdArray.FromArray(data, [3, 4], [2, 2]).MatMul(NdArray.Ones<double>([4, 2], [2, 2]));
        var m2 = NdArray.FromArray((double[])data.Clone(), [3, 4], [2, 2]).MatMul(NdArray.Ones<double>([4, 2], [2, 2]));
        Assert.That(KeyOf(m1), Is.EqualTo(KeyOf(m2)));
        data[3] = 99;
        Assert.That(KeyOf(NdArray.FromArray(data, [3, 4], [2, 2]).Sum()), Is.Not.EqualTo(KeyOf(m1.Sum())));
        var (a, b) = Delayed.Compute(Build(5).ToDelayedBlocks()[0], Build(5).ToDelayedBlocks()[0]);
        Assert.That(a.Scalar, Is.EqualTo(b.Scalar));
    }
}
