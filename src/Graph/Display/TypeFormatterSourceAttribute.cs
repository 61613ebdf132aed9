namespace TaskGraph;

/// <summary>
/// Names the formatter source that shows a type in a notebook. .NET Interactive finds it by convention, from the
/// class name alone, so no package reference to the kernel is needed. Internal, like its twin in the TaskGraph
/// assembly: a public type of this name would clash with .NET Interactive's own in cells importing both namespaces.
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
