namespace TaskGraph.Display;

/// <summary>
/// One formatter object in the shape .NET Interactive accepts by convention: a <see cref="MimeType"/>, the
/// <see cref="Type"/> it formats, and a single <see cref="Format"/> method that writes the value.
/// </summary>
/// <typeparam name="T">The type this formatter shows (instances of subtypes too).</typeparam>
internal sealed class DisplayFormatter<T>
{
    private readonly Action<T, TextWriter> _write;

    /// <summary>Creates a formatter writing <paramref name="mimeType"/> output with <paramref name="write"/>.</summary>
    public DisplayFormatter(string mimeType, Action<T, TextWriter> write)
    {
        MimeType = mimeType;
        _write = write;
    }

    /// <summary>The MIME type this formatter writes (<c>text/html</c>, <c>image/svg+xml</c>).</summary>
    public string MimeType { get; }

    /// <summary>The type formatted.</summary>
    public Type Type => typeof(T);

    /// <summary>Writes <paramref name="instance"/>; false (nothing written) when it is not a <typeparamref name="T"/>.</summary>
    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not T value) return false;
        _write(value, writer);
        return true;
    }
}
