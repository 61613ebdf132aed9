namespace TaskGraph.Bags;

/// <summary>
/// A text file read by <see cref="Bag.ReadText(string, long, InvalidUtf8Handling)"/> or <see cref="Frame.ReadCsv"/>
/// holds bytes that are not valid UTF-8. Names the file, the byte offset of the first invalid sequence and, when
/// known, its line; read with <see cref="InvalidUtf8Handling.Replace"/> (for CSV, <see cref="CsvOptions.InvalidUtf8"/>)
/// to substitute U+FFFD instead.
/// </summary>
public sealed class InvalidUtf8Exception : IOException
{
    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Offset in bytes, from the start of the file, of the first invalid byte sequence.</summary>
    public long ByteOffset { get; }

    /// <summary>1-based line of the first invalid byte sequence; 0 when not known.</summary>
    public long Line { get; }

    /// <summary>Creates the exception for <paramref name="path"/> at <paramref name="byteOffset"/> (on <paramref name="line"/> when known).</summary>
    public InvalidUtf8Exception(string path, long byteOffset, long line = 0)
        : base($"Invalid UTF-8 in '{path}' at byte offset {byteOffset}{(line > 0 ? $" (line {line})" : "")}. Read with InvalidUtf8Handling.Replace to substitute U+FFFD for invalid bytes.")
    {
        Path = path;
        ByteOffset = byteOffset;
        Line = line;
    }

    /// <summary>Offset of the first byte that does not start a valid UTF-8 sequence (only called on invalid input: it is slow).</summary>
    internal static int FirstInvalid(ReadOnlySpan<byte> bytes)
    {
        int pos = 0;
        while (pos < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[pos..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return pos;
            pos += consumed;
        }
        return pos;
    }
}

/// <summary>What <see cref="Bag.ReadText(string, long, InvalidUtf8Handling)"/> and <see cref="Frame.ReadCsv"/> do with bytes that are not valid UTF-8.</summary>
public enum InvalidUtf8Handling
{
    /// <summary>Fail with an <see cref="InvalidUtf8Exception"/> naming the file and byte offset (the default, like Python's <c>errors="strict"</c>).</summary>
    Throw,

    /// <summary>Substitute U+FFFD for each invalid sequence (Python's <c>errors="replace"</c>).</summary>
    Replace,
}
