using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TaskGraph.Tests.Notebooks;

/// <summary>
/// A stand-in for the .NET Interactive kernel's display API, compiled at test time into an assembly named like
/// the real one (<c>Microsoft.DotNet.Interactive</c>, type <c>Kernel</c> with <c>display(object, params string[])</c>
/// returning a value with <c>Update(object)</c>), so notebook cells call <c>display(...)</c> as in a notebook and
/// TaskGraph's progress bar finds "a kernel" exactly as it would in one. What is shown goes to a sink the test
/// installs in the AppDomain's data (shared by every load context).
/// </summary>
public static class FakeKernel
{
    /// <summary>The AppDomain data slot holding the sink: <c>Action&lt;string id, object value, string kind&gt;</c>.</summary>
    public const string SinkSlot = "TaskGraph.Tests.FakeKernel.Sink";

    private const string Source = """
        namespace Microsoft.DotNet.Interactive
        {
            public static class Kernel
            {
                public static DisplayedValue display(object value, params string[] mimeTypes)
                {
                    var id = System.Guid.NewGuid().ToString("N");
                    Send(id, value, "display");
                    return new DisplayedValue(id);
                }

                internal static void Send(string id, object value, string kind)
                    => (System.AppDomain.CurrentDomain.GetData("TaskGraph.Tests.FakeKernel.Sink") as System.Action<string, object, string>)?.Invoke(id, value, kind);
            }

            public sealed class DisplayedValue
            {
                private readonly string _id;
                public DisplayedValue(string id) => _id = id;
                public string DisplayId => _id;
                public void Update(object updatedValue) => Kernel.Send(_id, updatedValue, "update");
            }
        }
        """;

    private static readonly Lazy<string> Built = new(Build);

    /// <summary>The path of the compiled fake kernel assembly (built once per test run).</summary>
    public static string AssemblyPath => Built.Value;

    private static string Build()
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll" or "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Microsoft.DotNet.Interactive", [CSharpSyntaxTree.ParseText(Source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));
        var dir = Path.Combine(Path.GetTempPath(), "taskgraph-fake-kernel-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "Microsoft.DotNet.Interactive.dll");
        var result = compilation.Emit(path);
        if (!result.Success)
            throw new InvalidOperationException("The fake kernel did not compile: " + string.Join("; ", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return path;
    }
}
