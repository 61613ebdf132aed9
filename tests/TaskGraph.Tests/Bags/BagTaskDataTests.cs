using System.Reflection;

namespace TaskGraph.Tests.Bags;

/// <summary>
/// Bag tasks must be shippable by the process pool's field-by-field codec: a task's delegate target and its
/// literal arguments hold plain data only (user delegates over plain closures, arrays, lists, strings, numbers),
/// never streams, handles, locks, pools, threads or compiled expression trees.
/// </summary>
public class BagTaskDataTests
{
    private static readonly Type[] Forbidden =
    [
        typeof(Stream), typeof(System.Runtime.InteropServices.SafeHandle), typeof(Lock), typeof(SemaphoreSlim),
        typeof(Thread), typeof(Task), typeof(CancellationTokenSource), typeof(System.Buffers.ArrayPool<byte>),
        typeof(System.Buffers.ArrayPool<char>), typeof(TextWriter), typeof(TextReader),
    ];

    [Test]
    public void EveryTaskOfTheBagOperationsHoldsPlainData()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "a b c\nd e f\n");
            var chunker = new TokenChunker(new StopwordSet(["a"]), 2);
            var text = Bag.ReadText(path, 4).Map(chunker.Chunk).FlatMap(d => d.Chunks);
            var numbers = Bag.From(Enumerable.Range(0, 10), 3);
            TaskSpec[] outputs =
            [
                text.ToDelayed().Spec, text.Count().Spec, text.Frequencies(sort: true).ToDelayed().Spec, text.Distinct().ToDelayed().Spec,
                text.ToText(Path.Combine(Path.GetTempPath(), "never-written-*.txt")).Spec,
                numbers.GroupBy(x => x % 3).ToDelayed().Spec, numbers.Join(numbers, x => x, y => y, (x, y) => x + y).ToDelayed().Spec,
                numbers.Max().Spec, numbers.Mean().Spec, numbers.Aggregate(p => p.Count, c => c.Sum()).Spec,
                numbers.MapPartitions(p => p.Reverse()).Fold(0, (a, x) => a + x, (a, b) => a + b).Spec,
            ];
            var plan = ExecutionPlan.Compile(outputs, fuse: false);
            int checkedTasks = 0;
            for (int node = 0; node < plan.Count; node++)
            {
                var task = plan.ResultTask(node);
                if (task.Function is not { } fn) continue;
                Assert.That(Violation(task), Is.Null);
                checkedTasks++;
            }
            Assert.That(checkedTasks, Is.GreaterThan(20));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void TheCheckCatchesACapturedStream()
    {
        using var stream = new MemoryStream(new byte[10]);
        var bag = Bag.From(Enumerable.Range(0, 4), 2).Map(x => x + stream.Length);
        var task = bag.ToDelayedPartitions()[0].Spec;
        Assert.That(Violation(task), Does.Contain("MemoryStream"));
    }

    /// <summary>The first thing in the task's function or literal arguments that is not plain data, or null.</summary>
    private static string? Violation(TaskSpec task)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var found = Find(task.Function!.Delegate, $"task {task.Key}", seen);
        foreach (var arg in task.Args)
            if (found is null && !arg.IsDependency) found = Find(arg.Literal, $"literal argument of {task.Key}", seen);
        return found;
    }

    private static string? Find(object? value, string where, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value)) return null;
        var type = value.GetType();
        foreach (var f in Forbidden)
            if (f.IsAssignableFrom(type)) return $"{where} holds a {type.Name}";
        if (value is Delegate d)
        {
            if (d.Method.Module.Assembly.IsDynamic || d.Method is System.Reflection.Emit.DynamicMethod || d.Method.DeclaringType is null)
                return $"{where} holds a compiled (dynamic) delegate";
            return Find(d.Target, $"{where} -> target of {d.Method.Name}", seen);
        }
        if (value is System.Collections.IEnumerable items)
        {
            foreach (var item in items)
                if (Find(item, $"{where}[]", seen) is { } inItem) return inItem;
            if (type.IsArray) return null;
        }
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                if (!field.FieldType.IsPrimitive && Find(field.GetValue(value), $"{where}.{field.Name}", seen) is { } inField) return inField;
        return null;
    }
}
