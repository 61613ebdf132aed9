namespace TaskGraph.Frames;

/// <summary>How CSV text is read and written (RFC 4180: quoted fields may hold separators, doubled quotes and newlines).</summary>
public sealed record CsvOptions
{
    /// <summary>The first line holds column names (otherwise columns are named <c>column0</c>, <c>column1</c>, …).</summary>
    public bool Header { get; init; } = true;

    /// <summary>The field separator (an ASCII character).</summary>
    public char Separator { get; init; } = ',';

    /// <summary>Column types by name; columns not listed are inferred from a sample at the start of the first file.</summary>
    public IReadOnlyDictionary<string, ColumnType>? ColumnTypes { get; init; }

    /// <summary>Bytes sampled at the start of the first file to infer column types.</summary>
    public int SampleBytes { get; init; } = 256 * 1024;

    /// <summary>Skip (and count) malformed lines instead of failing on the first one.</summary>
    public bool SkipBadLines { get; init; }

    /// <summary>Text read as a missing value besides the empty field (e.g. <c>NA</c>); null for none.</summary>
    public string? NullText { get; init; }

    /// <summary>Distinct strings per column and block kept dictionary-encoded (beyond it, plain strings).</summary>
    public int MaxDictionarySize { get; init; } = 4096;

    /// <summary>
    /// What bytes that are not valid UTF-8 do: by default the read fails with an <see cref="InvalidUtf8Exception"/>
    /// naming the file, byte offset and line (every byte of the file is checked, whichever columns are read);
    /// <see cref="InvalidUtf8Handling.Replace"/> substitutes U+FFFD for each invalid sequence.
    /// </summary>
    public InvalidUtf8Handling InvalidUtf8 { get; init; } = InvalidUtf8Handling.Throw;

    internal byte Sep => Separator < 128 ? (byte)Separator : throw new ArgumentException($"The separator '{Separator}' is not ASCII.");
}
