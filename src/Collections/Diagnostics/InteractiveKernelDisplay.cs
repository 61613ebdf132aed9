using System.Reflection;

namespace TaskGraph.Diagnostics;

/// <summary>
/// The <see cref="INotebookDisplay"/> of a running .NET Interactive kernel, reached by reflection so TaskGraph
/// needs no package reference: <c>Microsoft.DotNet.Interactive.Kernel.display(object, params string[])</c> returns a
/// <c>DisplayedValue</c> whose <c>Update(object)</c> replaces the output in place.
/// </summary>
internal sealed class InteractiveKernelDisplay : INotebookDisplay
{
    private const string KernelAssembly = "Microsoft.DotNet.Interactive";
    private const string KernelType = "Microsoft.DotNet.Interactive.Kernel";
    private readonly MethodInfo _display;

    private InteractiveKernelDisplay(MethodInfo display) => _display = display;

    /// <summary>The kernel's display when this process hosts a .NET Interactive kernel, else null.</summary>
    public static INotebookDisplay? Detect()
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetName().Name != KernelAssembly) continue;
            // The real kernel: display events with one explicit id (updates in place in Jupyter).
            if (KernelEventDisplay.FromAssembly(assembly) is { } events) return events;
            return assembly.GetType(KernelType) is { } kernel ? FromKernelType(kernel) : null;
        }
        return null;
    }

    /// <summary>The display of a kernel-shaped type (a static <c>display(object, string[])</c>), or null when it has none.</summary>
    internal static INotebookDisplay? FromKernelType(Type kernel)
    {
        var display = kernel.GetMethod("display", BindingFlags.Public | BindingFlags.Static, [typeof(object), typeof(string[])]);
        return display is null ? null : new InteractiveKernelDisplay(display);
    }

    /// <inheritdoc />
    public INotebookDisplayHandle Show(object value)
    {
        var shown = _display.Invoke(null, [value, new[] { HtmlFormatterSource.Html }]);
        var update = shown?.GetType().GetMethod("Update", [typeof(object)]);
        return new Handle(shown, update);
    }

    private sealed class Handle(object? shown, MethodInfo? update) : INotebookDisplayHandle
    {
        public void Update(object value)
        {
            if (shown is not null && update is not null) update.Invoke(shown, [value]);
        }
    }
}
