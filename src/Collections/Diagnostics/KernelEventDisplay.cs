using System.Reflection;

namespace TaskGraph.Diagnostics;

/// <summary>
/// The <see cref="INotebookDisplay"/> of a real .NET Interactive kernel: publishes <c>DisplayedValueProduced</c>
/// and then <c>DisplayedValueUpdated</c> events with one explicit display id on the cell's invocation context.
/// (The kernel's own <c>display(...).Update</c> sends its updates under a different id from the first display,
/// so Jupyter front ends drop them and a progress bar would stay at 0 %.) Reached by reflection: TaskGraph needs
/// no package reference. The HTML comes from the kernel's formatter, which finds TaskGraph's formatter sources.
/// </summary>
internal sealed class KernelEventDisplay : INotebookDisplay
{
    private readonly PropertyInfo _current;
    private readonly PropertyInfo _command;
    private readonly MethodInfo _publish;
    private readonly Type _produced;
    private readonly Type _updated;
    private readonly Type _formattedValue;
    private readonly MethodInfo? _toDisplayString;

    private KernelEventDisplay(PropertyInfo current, PropertyInfo command, MethodInfo publish, Type produced, Type updated, Type formattedValue, MethodInfo? toDisplayString)
    {
        _current = current;
        _command = command;
        _publish = publish;
        _produced = produced;
        _updated = updated;
        _formattedValue = formattedValue;
        _toDisplayString = toDisplayString;
    }

    /// <summary>The event display of the kernel in <paramref name="kernel"/> (the <c>Microsoft.DotNet.Interactive</c> assembly), or null when it lacks the types.</summary>
    public static KernelEventDisplay? FromAssembly(Assembly kernel)
    {
        var context = kernel.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext");
        var produced = kernel.GetType("Microsoft.DotNet.Interactive.Events.DisplayedValueProduced");
        var updated = kernel.GetType("Microsoft.DotNet.Interactive.Events.DisplayedValueUpdated");
        var kernelEvent = kernel.GetType("Microsoft.DotNet.Interactive.Events.KernelEvent");
        var formatting = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Microsoft.DotNet.Interactive.Formatting");
        var formattedValue = formatting?.GetType("Microsoft.DotNet.Interactive.Formatting.FormattedValue")
                             ?? kernel.GetType("Microsoft.DotNet.Interactive.FormattedValue");
        if (context is null || produced is null || updated is null || kernelEvent is null || formattedValue is null) return null;
        var current = context.GetProperty("Current", BindingFlags.Public | BindingFlags.Static);
        var command = context.GetProperty("Command", BindingFlags.Public | BindingFlags.Instance);
        var publish = context.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == "Publish" && m.GetParameters() is { Length: > 0 } p && p[0].ParameterType == kernelEvent
                        && p.Skip(1).All(x => x.IsOptional))
            .OrderBy(m => m.GetParameters().Length)
            .FirstOrDefault();
        var toDisplayString = formatting?.GetType("Microsoft.DotNet.Interactive.Formatting.Formatter")?
            .GetMethod("ToDisplayString", BindingFlags.Public | BindingFlags.Static, [typeof(object), typeof(string)]);
        if (current is null || command is null || publish is null) return null;
        return new KernelEventDisplay(current, command, publish, produced, updated, formattedValue, toDisplayString);
    }

    /// <inheritdoc />
    public INotebookDisplayHandle Show(object value)
    {
        // Shown on the cell's thread: the invocation context (and its command) is the running cell's.
        var context = _current.GetValue(null) ?? throw new InvalidOperationException("No .NET Interactive cell is running on this thread.");
        var command = _command.GetValue(context);
        var id = "taskgraph-" + Guid.NewGuid().ToString("N");
        Publish(context, _produced, value, command, id);
        return new Handle(this, context, command, id);
    }

    private void Publish(object context, Type eventType, object value, object? command, string id)
    {
        var html = _toDisplayString?.Invoke(null, [value, HtmlFormatterSource.Html]) as string ?? System.Net.WebUtility.HtmlEncode(value.ToString());
        var formatted = Array.CreateInstance(_formattedValue, 1);
        formatted.SetValue(Activator.CreateInstance(_formattedValue, HtmlFormatterSource.Html, html), 0);
        // Constructor arguments by name: (value, command, formattedValues, valueId) in whatever order this version has.
        var ctor = eventType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var args = ctor.GetParameters().Select(p => p.Name switch
        {
            "value" => value,
            "command" => command,
            "formattedValues" => formatted,
            "valueId" => id,
            _ => p.HasDefaultValue ? p.DefaultValue : null,
        }).ToArray();
        var e = ctor.Invoke(args);
        var publishArgs = _publish.GetParameters().Select((p, i) => i == 0 ? e : p.DefaultValue).ToArray();
        _publish.Invoke(context, publishArgs);
    }

    private sealed class Handle(KernelEventDisplay display, object context, object? command, string id) : INotebookDisplayHandle
    {
        public void Update(object value) => display.Publish(context, display._updated, value, command, id);
    }
}
