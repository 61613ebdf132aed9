namespace TaskGraph.Frames;

/// <summary>
/// A file read by a frame changed between building the frame and computing it (its length or last write time
/// differs), so the blocks planned over it no longer match its lines. Rebuild the frame over the new file.
/// </summary>
public sealed class FileChangedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public FileChangedException(string path, long builtLength, long builtLastWriteUtcTicks, long length, long lastWriteUtcTicks)
        : base($"{path} changed since the frame was built (length {builtLength} → {length} bytes, last write "
               + $"{Time(builtLastWriteUtcTicks)} → {Time(lastWriteUtcTicks)} UTC); rebuild the frame.")
    {
        Path = path;
        BuiltLength = builtLength;
        BuiltLastWriteUtc = new DateTime(builtLastWriteUtcTicks, DateTimeKind.Utc);
        Length = length;
        LastWriteUtc = new DateTime(lastWriteUtcTicks, DateTimeKind.Utc);
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Its length when the frame was built.</summary>
    public long BuiltLength { get; }

    /// <summary>Its last write time when the frame was built.</summary>
    public DateTime BuiltLastWriteUtc { get; }

    /// <summary>Its length now.</summary>
    public long Length { get; }

    /// <summary>Its last write time now.</summary>
    public DateTime LastWriteUtc { get; }

    private static string Time(long ticks) => new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture);
}
