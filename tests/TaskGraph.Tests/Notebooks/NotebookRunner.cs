using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace TaskGraph.Tests.Notebooks;

/// <summary>
/// Runs a notebook's C# cells in order the way the .NET Interactive C# kernel does: one Roslyn script submission
/// per cell, each continuing the previous one's state (<c>CSharpScript.RunAsync</c>, then
/// <c>ScriptState.ContinueWithAsync</c>), with the kernel's default imports and its <c>display</c> function.
/// Kernel magics are translated: <c>#r "nuget: TaskGraph..."</c> references the TaskGraph assemblies under test
/// (what restoring the package would load), <c>#i</c> (a package source) and <c>#!</c> directives are dropped.
/// </summary>
public static partial class NotebookRunner
{
    /// <summary>What one code cell did: its value (the kernel shows it), what it displayed, and how it failed.</summary>
    public sealed record CellRun(NotebookDocument.Cell Cell, object? ReturnValue, IReadOnlyList<Shown> Shown, Exception? Error);

    /// <summary>A value shown with <c>display(...)</c> (<see cref="Kind"/> <c>display</c>) or a later in-place update of it (<c>update</c>).</summary>
    public sealed record Shown(string DisplayId, object Value, string Kind);

    /// <summary>Packages a notebook may reference: the TaskGraph packages, mapped to the assemblies under test.</summary>
    private static readonly Dictionary<string, System.Reflection.Assembly[]> Packages = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TaskGraph"] = [typeof(ProgressBar).Assembly, typeof(Delayed).Assembly, typeof(Scheduler).Assembly],
        ["TaskGraph.Graph"] = [typeof(Delayed).Assembly],
        ["TaskGraph.Schedulers"] = [typeof(Delayed).Assembly, typeof(Scheduler).Assembly],
    };

    /// <summary>The namespaces the C# kernel imports in every notebook.</summary>
    private static readonly string[] KernelImports =
        ["System", "System.Collections", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks"];

    [GeneratedRegex("""^\s*#r\s+"nuget:\s*([^,"\s]+)\s*(?:,\s*([^"]*))?"\s*$""")]
    private static partial Regex NugetReference();

    [GeneratedRegex("""^\s*#i\s+"[^"]*"\s*$""")]
    private static partial Regex PackageSource();

    [GeneratedRegex("""^\s*#!""")]
    private static partial Regex KernelDirective();

    /// <summary>
    /// The cell's code as a script: magic lines become empty lines (so compiler line numbers still match the
    /// notebook), and the packages they asked for are returned.
    /// </summary>
    public static (string Code, IReadOnlyList<string> Packages) Translate(string source)
    {
        var packages = new List<string>();
        var lines = source.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (NugetReference().Match(line) is { Success: true } m)
            {
                packages.Add(m.Groups[1].Value);
                lines[i] = "";
            }
            else if (PackageSource().IsMatch(line) || KernelDirective().IsMatch(line)) lines[i] = "";
        }
        return (string.Join('\n', lines), packages);
    }

    /// <summary>Runs every code cell of <paramref name="notebook"/> in order; a failing cell stops the run (as "Run All" does).</summary>
    public static async Task<IReadOnlyList<CellRun>> RunAsync(NotebookDocument notebook)
    {
        var runs = new List<CellRun>();
        var shown = new List<Shown>();
        object gate = new();
        Action<string, object, string> sink = (id, value, kind) => { lock (gate) shown.Add(new Shown(id, value, kind)); };
        AppDomain.CurrentDomain.SetData(FakeKernel.SinkSlot, sink);
        try
        {
            var options = ScriptOptions.Default
                .WithReferences(typeof(object).Assembly, typeof(Enumerable).Assembly, typeof(List<>).Assembly, typeof(Console).Assembly,
                    typeof(Thread).Assembly, typeof(System.Diagnostics.Stopwatch).Assembly, typeof(ValueTuple<,>).Assembly)
                .AddReferences(MetadataReference.CreateFromFile(FakeKernel.AssemblyPath))
                .WithImports(KernelImports);
            // The kernel is loaded and its display function in scope before the first cell, as in a notebook.
            ScriptState<object> state = await CSharpScript.RunAsync("using static Microsoft.DotNet.Interactive.Kernel;\ntypeof(Microsoft.DotNet.Interactive.Kernel)", options);
            foreach (var cell in notebook.CodeCells)
            {
                if (cell.Language is not (null or "csharp" or "C#"))
                    throw new NotSupportedException($"Cell {cell.Index} is in '{cell.Language}'; only C# cells are run.");
                var (code, packages) = Translate(cell.Source);
                foreach (var p in packages)
                {
                    if (!Packages.TryGetValue(p, out var assemblies))
                        throw new NotSupportedException($"Cell {cell.Index} references package '{p}', which the test cannot provide.");
                    options = options.AddReferences(assemblies);
                }
                lock (gate) shown.Clear();
                try
                {
                    state = await state.ContinueWithAsync(code, options);
                    List<Shown> during;
                    lock (gate) during = [.. shown];
                    runs.Add(new CellRun(cell, state.ReturnValue, during, null));
                }
                catch (Exception e)
                {
                    runs.Add(new CellRun(cell, null, [], e));
                    break;
                }
            }
        }
        finally
        {
            AppDomain.CurrentDomain.SetData(FakeKernel.SinkSlot, null);
        }
        return runs;
    }
}
