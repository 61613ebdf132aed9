using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace TaskGraph.Tests.Notebooks;

/// <summary>
/// Methods defined in a notebook cell run on the script's submission object, which cannot be fingerprinted: each
/// call must get its own key, or <c>inc(1)</c> and <c>inc(2)</c> would collapse into one task.
/// </summary>
public class ScriptFunctionKeyTests
{
    private sealed class Counter
    {
        public int Offset = 1;
        public int Inc(int x) => x + Offset;
    }

    [Test]
    public void CallsOfAFunctionWhoseStateCannotBeFingerprintedDoNotCollapse()
    {
        var inc = Delayed.Wrap<int, int>(new Counter().Inc, "inc");
        var (a, b) = (inc(1), inc(2));
        Assert.That(a.Key, Is.Not.EqualTo(b.Key));
        Assert.That(Delayed.Combine(a, b, (x, y) => x * 10 + y).Compute(Scheduler.Synchronous), Is.EqualTo(23));
    }

    [Test]
    public async Task MethodsDefinedInAScriptKeepTheirArgumentsApart()
    {
        var options = ScriptOptions.Default.AddReferences(typeof(Delayed).Assembly, typeof(Scheduler).Assembly).AddImports("TaskGraph");
        var state = await CSharpScript.RunAsync("int Inc(int x) => x + 1;\nvar inc = Delayed.Wrap<int, int>(Inc, \"inc\");", options);
        state = await state.ContinueWithAsync("Delayed.Combine(inc(1), inc(2), (a, b) => a * 10 + b).Compute(Scheduler.Synchronous)");
        Assert.That(state.ReturnValue, Is.EqualTo(23));
    }
}
