namespace TaskGraph.Wire;

/// <summary>
/// A value cannot be written to or read from the wire: its type cannot cross a process boundary, an assembly
/// differs between the two processes, or the bytes are malformed. <see cref="Path"/> names where in the value
/// (for a closure: which captured variable) the problem is.
/// </summary>
public sealed class WireException : Exception
{
    /// <summary>Where in the value the problem is, e.g. <c>target.stream</c>; empty at the root.</summary>
    public string Path { get; }

    /// <summary>Creates the exception (also used when a worker's exception is rebuilt in the parent).</summary>
    public WireException(string message) : this(message, "", null) { }

    /// <summary>Creates the exception.</summary>
    public WireException(string message, string path, Exception? inner = null)
        : base(path.Length == 0 ? message : $"{message} (at '{path}')", inner) => Path = path;
}
