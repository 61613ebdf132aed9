namespace TaskGraph.Display;

/// <summary>
/// Names the formatter source that shows a type in a notebook. .NET Interactive finds it by convention, from the
/// class name alone (<c>Formatter.TryRegisterFromConventionBasedFormatterSources</c>), so TaskGraph needs no
/// package reference to the kernel. Internal on purpose (the collections assembly sees it through
/// InternalsVisibleTo): a public type of the same name would clash with
/// <c>Microsoft.DotNet.Interactive.Formatting.TypeFormatterSourceAttribute</c> in cells that import both namespaces,
/// and the kernel reads it through reflection, which does not care about visibility.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = true)]
internal sealed class TypeFormatterSourceAttribute : Attribute
{
    /// <summary>Names the formatter source type (a public parameterless constructor and <c>CreateTypeFormatters()</c>).</summary>
    public TypeFormatterSourceAttribute(Type formatterSourceType) => FormatterSourceType = formatterSourceType;

    /// <summary>The formatter source the kernel instantiates.</summary>
    public Type FormatterSourceType { get; }

    /// <summary>MIME types the kernel should prefer for the annotated type (first wins).</summary>
    public string[]? PreferredMimeTypes { get; set; }
}
