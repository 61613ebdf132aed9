using System.Runtime.Loader;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace TaskGraph.Tests.Wire;

/// <summary>
/// A process that is parent and worker at once (this test process) receives the bytes of an assembly it already
/// has: no copy is loaded, and type identities keep resolving to the assembly already here, so decoded values
/// cast to the application's own types (a copy in a cell context gave "[A]Reading cannot be cast to [B]Reading").
/// </summary>
[NonParallelizable]
public class ReceivedAssemblyIdentityTests
{
    private static int CellContexts() => AssemblyLoadContext.All.Count(c => c.Name?.StartsWith("taskgraph-cell-", StringComparison.Ordinal) == true);

    [Test]
    public void TheBytesOfAnApplicationAssemblyDoNotShadowIt()
    {
        var tests = typeof(ReceivedAssemblyIdentityTests).Assembly;
        var (name, mvid) = (tests.GetName().Name!, tests.ManifestModule.ModuleVersionId);
        int before = CellContexts();
        InMemoryAssemblies.Load(name, mvid, File.ReadAllBytes(tests.Location));
        // Accepted (a failed load would throw here). Earlier tests in this process may have received these bytes as a
        // cell (the hostile-input and notebook-cell tests), so the cell table may hold a copy; what must hold is that
        // no lookup ever resolves to it.
        Assert.That(CellContexts(), Is.EqualTo(before), "no copy was loaded");
        Assert.That(Identities.FindAssembly(name, mvid), Is.SameAs(tests));
        var reading = new Reading { Sensor = "s", Values = [1, 2], At = DateTime.UnixEpoch, Tags = new() { ["a"] = 1 } };
        var back = WireCodec.FromBytes(WireCodec.ToBytes(reading));
        Assert.That(back!.GetType(), Is.SameAs(typeof(Reading)));
        Assert.That(((Reading)back).Sensor, Is.EqualTo("s"));
        var point = (WireCodecTests.Point)WireCodec.FromBytes(WireCodec.ToBytes(new WireCodecTests.Point(1, 2, "p")))!;
        Assert.That(point, Is.EqualTo(new WireCodecTests.Point(1, 2, "p")));
    }

    [Test]
    public void ACellReceivedByTheProcessThatCompiledItResolvesToTheOriginal()
    {
        var options = ScriptOptions.Default.AddReferences(typeof(Delayed).Assembly).AddImports("System", "TaskGraph");
        var state = CSharpScript.RunAsync("public record Cell(int X); var make = new Func<int, object>(x => new Cell(x));", options).GetAwaiter().GetResult();
        var make = (Func<int, object>)state.GetVariable("make").Value;
        var cell = make.Method.Module.Assembly;
        var (name, mvid) = (cell.GetName().Name!, cell.ManifestModule.ModuleVersionId);
        int before = CellContexts();
        InMemoryAssemblies.Load(name, mvid, InMemoryAssemblies.ImageOf(cell));
        Assert.That(InMemoryAssemblies.IsReceived(cell), Is.True, "the original itself is the received assembly");
        Assert.That(CellContexts(), Is.EqualTo(before), "no copy was loaded");
        Assert.That(Identities.FindAssembly(name, mvid), Is.SameAs(cell));
        var value = make(5);
        byte[] bytes;
        using (InMemoryAssemblies.Collect([])) bytes = WireCodec.ToBytes(value);
        var back = WireCodec.FromBytes(bytes)!;
        Assert.That(back.GetType(), Is.SameAs(value.GetType()), "the original type, not a copy's");
        Assert.That(back, Is.EqualTo(value));
    }
}
