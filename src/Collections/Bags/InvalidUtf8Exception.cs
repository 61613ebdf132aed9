namespace TaskGraph;

/// <summary>
/// A text file read by <see cref="Bag.ReadText(string, long, InvalidUtf8Handling)"/> holds bytes that are not valid UTF-8. Names the file and the
/// byte offset of the first invalid sequence; read with <see cref="InvalidUtf8Handling.Replace"/> to substitute
/// U+FFFD instead.
/// </summary>
public sealed class InvalidUtf8Exception : IOException
{
    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Offset in bytes, from the start of the file, of the first invalid byte sequence.</summary>
    public long ByteOffset { get; }

    /// <summary>Creates the exception for <paramref name="path"/> at <paramref name="byteOffset"/>.</summary>
    public InvalidUtf8Exception(string path, long byteOffset)
        : base($"Invalid UTF-8 in '{path}' at byte offset {byteOffset}. Read with InvalidUtf8Handling.Replace to substitute U+FFFD for invalid bytes.")
    {
        Path = path;
        ByteOffset = byteOffset;
    }
}

/// <summary>What <see cref="Bag.ReadText(string, long, InvalidUtf8Handling)"/> does with bytes that are not valid UTF-8.</summary>
public enum InvalidUtf8Handling
{
    /// <summary>Fail with an <see cref="InvalidUtf8Exception"/> naming the file and byte offset (the default, like Python's <c>errors="strict"</c>).</summary>
    Throw,

    /// <summary>Substitute U+FFFD for each invalid sequence (Python's <c>errors="replace"</c>).</summary>
    Replace,
}
