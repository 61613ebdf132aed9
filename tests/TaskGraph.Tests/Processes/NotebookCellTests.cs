using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using TaskGraph.Wire;

namespace TaskGraph.Tests.Processes;

/// <summary>
/// Lambdas defined in notebook cells on the process pool. Cells are compiled the way the notebook kernel does
/// (Roslyn script submissions, each continuing the previous one's state): their assemblies exist only in memory,
/// so the pool ships their bytes to its real worker processes. A changed cell, a forged module version and the
/// cluster are refused with errors naming the assembly.
/// </summary>
[NonParallelizable]
public class NotebookCellTests
{
    private ProcessPoolScheduler _pool = null!;

    [OneTimeSetUp]
    public void StartPool() => _pool = new ProcessPoolScheduler(2);

    [OneTimeTearDown]
    public void StopPool() => _pool.Dispose();

    private static readonly ScriptOptions Options = ScriptOptions.Default
        .AddReferences(typeof(Delayed).Assembly, typeof(Scheduler).Assembly, typeof(Enumerable).Assembly)
        .AddImports("System", "System.Linq", "TaskGraph");

    /// <summary>Runs <paramref name="cells"/> as consecutive submissions; returns the final state.</summary>
    private static ScriptState<object> Cells(params string[] cells)
    {
        var state = CSharpScript.RunAsync(cells[0], Options).GetAwaiter().GetResult();
        foreach (var cell in cells.Skip(1)) state = state.ContinueWithAsync(cell, Options).GetAwaiter().GetResult();
        return state;
    }

    private static T Var<T>(ScriptState<object> state, string name) => (T)state.GetVariable(name).Value;

    [Test]
    public void ALambdaFromACellUsingATypeOfAnEarlierCellRunsInTheWorkerProcesses()
    {
        var state = Cells(
            "public record Pt(double X, double Y);",
            """
            var scale = 10.0;
            var scored = Enumerable.Range(0, 6).Select(i => Delayed.Value(new Pt(i, 1)).Then(p => p.X * scale + p.Y)).ToArray();
            var total = Delayed.Combine(scored[0], scored[5], (a, b) => a + b);
            var moved = Delayed.Value(new Pt(2, 1)).Then(p => (object)new Pt(p.X + 1, p.Y * 2));
            var ptType = typeof(Pt);
            var where = Delayed.Value(new Pt(0, 0)).Then(p => Environment.ProcessId);
            """);
        var lambda = Var<Delayed<double>[]>(state, "scored")[0].Spec.Function!.Method.Module.Assembly;
        Assert.That(lambda.Location, Is.Empty, "the cell's code exists only in memory");

        var on = new ComputeOptions { Scheduler = _pool };
        Assert.That(Var<Delayed<double>[]>(state, "scored").Select(d => d.Compute(on)), Is.EqualTo(new[] { 1.0, 11, 21, 31, 41, 51 }));
        Assert.That(Var<Delayed<double>>(state, "total").Compute(on), Is.EqualTo(52.0));
        Assert.That(Var<Delayed<int>>(state, "where").Compute(on), Is.AnyOf(_pool.WorkerProcessIds.ToArray()), "it ran in a worker process");
        // A value of the first cell's type comes back into the notebook as that type.
        var moved = Var<Delayed<object>>(state, "moved").Compute(on);
        Assert.That(moved!.GetType(), Is.SameAs(Var<Type>(state, "ptType")));
        Assert.That(moved.ToString(), Is.EqualTo("Pt { X = 3, Y = 2 }"));
    }

    [Test]
    public void ARerunCellRunsItsNewCodeAndTheOldTaskItsOldCode()
    {
        var first = Cells("Func<int, int> g = x => x + 1; var d = Delayed.Value(1).Then(g);");
        var rerun = first.ContinueWithAsync("Func<int, int> g = x => x + 100; var d = Delayed.Value(1).Then(g);", Options).GetAwaiter().GetResult();
        var (oldCell, newCell) = (Var<Delayed<int>>(first, "d"), Var<Delayed<int>>(rerun, "d"));
        Assert.That(newCell.Spec.Function!.Method.Module.ModuleVersionId, Is.Not.EqualTo(oldCell.Spec.Function!.Method.Module.ModuleVersionId));
        var on = new ComputeOptions { Scheduler = _pool };
        Assert.That(oldCell.Compute(on), Is.EqualTo(2));
        Assert.That(newCell.Compute(on), Is.EqualTo(101));
        Assert.That(oldCell.Compute(on), Is.EqualTo(2), "both versions live side by side in the workers, each under its own module version");
    }

    [Test]
    public void AWorkerRefusesAClosureNamingAModuleVersionItWasNotSent()
    {
        var d = Var<Delayed<int>>(Cells("var d = Delayed.Value(20).Then(x => x * 2 + 2);"), "d");
        var f = d.Spec.Function!;
        var cell = f.Method.Module.Assembly;
        var name = cell.GetName().Name!;
        var mvid = cell.ManifestModule.ModuleVersionId;
        Assert.That(name, Does.Match(@"^ℛ\*[0-9a-f-]{36}#\d+-\d+$"), "Roslyn's submission name");
        var define = new WireWriter(256);
        using (InMemoryAssemblies.Collect([]))
        {
            WireCodec.Write(define, f.Delegate);
            Identities.WriteMethod(define, f.InvokerMethod);
        }
        var image = InMemoryAssemblies.ImageOf(cell);
        var changed = Guid.NewGuid();

        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        using var peers = new DataPeers(new DataPlaneKey(key));
        using var worker = PoolWorker.Start(0, key, peers);
        // The honest message: the cell's bytes, then its closure. It runs.
        Assert.That(Run(worker, 1, (name, mvid, image), define.ToArray()), Is.EqualTo((Protocol.StatusValue, "42")));
        // The same closure naming another module version of that assembly (a changed cell): refused, nothing runs.
        var (status, error) = Run(worker, 2, null, Replace(define.ToArray(), mvid, changed));
        Assert.That(status, Is.EqualTo(Protocol.StatusFailed));
        Assert.That(error, Does.Contain(name).And.Contain(changed.ToString()).And.Contain("changed"));
        // Bytes announced under a module version they do not carry: refused when loaded, and the task that needs them says so.
        var forged = Guid.NewGuid();
        (status, error) = Run(worker, 3, (name, forged, image), Replace(define.ToArray(), mvid, forged));
        Assert.That(status, Is.EqualTo(Protocol.StatusFailed));
        Assert.That(error, Does.Contain(name).And.Contain(forged.ToString()).And.Contain("could not be loaded"));
    }

    [Test]
    public void TheClusterRefusesACellsLambdaNamingTheTaskAndTheAssembly()
    {
        var d = Var<Delayed<int>>(Cells("var d = Delayed.Value(1).Then(x => x + 1);"), "d");
        Assert.That(d.Compute(new ComputeOptions { Scheduler = _pool }), Is.EqualTo(2), "the pool runs it (and has encoded it)");
        var e = Assert.Throws<TaskFailedException>(() => d.Compute(Distributed.TestCluster.Shared.Scheduler))!;
        Assert.That(e.Key, Is.EqualTo(d.Key.ToString()));
        Assert.That(e.Message, Does.Contain(d.Spec.Function!.Method.Module.Assembly.GetName().Name!)
            .And.Contain("compiled in memory").And.Contain("cluster").And.Contain("Scheduler.Processes()"));
        Assert.Throws<WireException>(() => WireCodec.ToBytes(d.Spec.Function!.Delegate), "nor may any other message name it");
    }

    private static byte[] Replace(byte[] bytes, Guid from, Guid to)
    {
        var (a, b) = (from.ToByteArray(), to.ToByteArray());
        var copy = (byte[])bytes.Clone();
        int count = 0;
        for (int i = 0; i + a.Length <= copy.Length; i++)
            if (copy.AsSpan(i, a.Length).SequenceEqual(a)) { b.CopyTo(copy, i); count++; }
        Assert.That(count, Is.GreaterThan(0));
        return copy;
    }

    /// <summary>Sends one batch by hand (an assembly, a function, a run on literal 20) and returns the answer's status and value or error text.</summary>
    private static (byte Status, string Text) Run(PoolWorker worker, int compute, (string Name, Guid Mvid, byte[] Image)? assembly, byte[] define)
    {
        var w = new WireWriter(4096);
        w.BeginFrame();
        w.WriteByte(Protocol.Batch);
        w.WriteInt32(compute);
        if (assembly is var (name, mvid, image))
        {
            w.WriteByte(Protocol.ItemAssembly);
            w.WriteUtf8(name);
            w.Write(mvid);
            w.WriteInt32(image.Length);
            w.WriteBytes(image);
        }
        w.WriteByte(Protocol.ItemDefine);
        w.WriteInt32(0);
        w.WriteInt64(define.Length);
        w.WriteBytes(define);
        w.WriteByte(Protocol.ItemRun);
        w.WriteInt32(0);
        w.WriteByte(Protocol.RunReturnsValue);
        w.WriteInt32(0); // no inputs
        w.WriteInt32(1);
        w.WriteByte(Protocol.MemberCall);
        w.WriteInt32(0);
        w.WriteInt32(1);
        w.WriteInt32(ArgumentSource.Literal.Code);
        var mark = w.BeginLength();
        WireCodec.Write(w, 20);
        w.PatchLength(mark);
        w.WriteByte(Protocol.ItemEnd);
        w.WriteFrame(worker.TaskStream);

        var r = worker.TaskReader;
        r.ReadInt64();
        Assert.That(r.ReadInt32(), Is.EqualTo(0));
        byte status = r.ReadByte();
        r.ReadInt64();
        if (status == Protocol.StatusValue) return (status, WireCodec.Read(r)!.ToString()!);
        Assert.That(status, Is.EqualTo(Protocol.StatusFailed));
        r.ReadInt32();
        return (status, RemoteErrors.Read(r).Message);
    }
}
