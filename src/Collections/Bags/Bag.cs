namespace TaskGraph.Bags;

/// <summary>
/// Creates bags: lazy, partitioned sequences of elements (Dask's <c>dask.bag</c>), for text and records.
/// <code>
/// var counts = Bag.ReadText("logs/*.txt", blockSize: 16 &lt;&lt; 20)
///     .FlatMap(line => line.Split(' '))
///     .Frequencies(sort: true)
///     .Take(10);
/// </code>
/// </summary>
public static class Bag
{
    /// <summary>The default block size of <see cref="ReadText(string, long, InvalidUtf8Handling)"/>: 64 MiB.</summary>
    public const long DefaultBlockSize = 64L << 20;

    /// <summary>The largest block size (one block is read into one buffer).</summary>
    public const long MaxBlockSize = 1L << 30;

    /// <summary>
    /// The lines of a UTF-8 text file, or of every file matching a glob (<c>*</c> and <c>?</c> in the file name,
    /// files in ordinal order). Each file is cut into partitions of <paramref name="blockSize"/> bytes, aligned to
    /// line starts (a line belongs to the block its first byte is in). Lines come without their terminator
    /// (<c>\n</c> or <c>\r\n</c>); a UTF-8 byte order mark at the start of a file is skipped. Invalid UTF-8 fails
    /// with an <see cref="InvalidUtf8Exception"/> naming the file and byte offset, unless
    /// <paramref name="invalidUtf8"/> is <see cref="InvalidUtf8Handling.Replace"/>.
    /// </summary>
    public static Bag<string> ReadText(string pathOrGlob, long blockSize = DefaultBlockSize, InvalidUtf8Handling invalidUtf8 = InvalidUtf8Handling.Throw)
        => ReadText(ExpandGlob(pathOrGlob), blockSize, invalidUtf8);

    /// <summary>The lines of several UTF-8 text files, in the order given (see <see cref="ReadText(string, long, InvalidUtf8Handling)"/>).</summary>
    public static Bag<string> ReadText(IEnumerable<string> paths, long blockSize = DefaultBlockSize, InvalidUtf8Handling invalidUtf8 = InvalidUtf8Handling.Throw)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (blockSize <= 0 || blockSize > MaxBlockSize)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, $"The block size must be between 1 byte and {MaxBlockSize} bytes.");
        var blocks = new List<TextBlock>();
        var b = new TokenBuilder("bag-read-text");
        b.Add((ulong)blockSize);
        b.Add((ulong)invalidUtf8);
        foreach (var path in paths)
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new FileNotFoundException($"Bag.ReadText: no file '{path}'.", path);
            // The file's identity in the key: path, size and modification time (like Dask's tokenize of files).
            b.Add(info.FullName);
            b.Add((ulong)info.Length);
            b.Add((ulong)info.LastWriteTimeUtc.Ticks);
            for (long offset = 0; offset < info.Length; offset += blockSize)
                blocks.Add(new TextBlock(info.FullName, offset, Math.Min(blockSize, info.Length - offset), invalidUtf8));
        }
        var inputs = blocks.Select(blk => TaskArg.Value(blk)).ToArray();
        return new Bag<string>("read-text", b.Finish(), inputs, new TextSource());
    }

    /// <summary>
    /// A bag of <paramref name="items"/> cut into <paramref name="partitions"/> contiguous partitions of nearly equal
    /// size (order is kept). The items are copied now; each partition travels in its task as a plain array.
    /// </summary>
    public static Bag<T> From<T>(IEnumerable<T> items, int partitions = 4)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (partitions <= 0) throw new ArgumentOutOfRangeException(nameof(partitions), partitions, "A bag needs at least one partition.");
        var all = items.ToArray();
        int n = Math.Max(1, Math.Min(partitions, all.Length));
        var inputs = new TaskArg[n];
        var b = new TokenBuilder("bag-from-sequence");
        b.Add(ValueTokenizer.OfType(typeof(T)));
        for (int i = 0; i < n; i++)
        {
            int lo = (int)((long)all.Length * i / n), hi = (int)((long)all.Length * (i + 1) / n);
            var slice = all[lo..hi];
            if (!ValueTokenizer.TryAdd(ref b, slice)) b.Add(ValueTokenizer.Unique());
            inputs[i] = TaskArg.Value(slice);
        }
        return new Bag<T>("from-sequence", b.Finish(), inputs, new ListSource<T>());
    }

    /// <summary>A bag whose partitions are the results of delayed values (arrays), in order.</summary>
    public static Bag<T> FromDelayed<T>(IEnumerable<Delayed<T[]>> partitions)
        => FromSpecs<T>((partitions ?? throw new ArgumentNullException(nameof(partitions))).Select(d => d.Spec));

    /// <summary>A bag whose partitions are the results of delayed values (lists), in order.</summary>
    public static Bag<T> FromDelayed<T>(IEnumerable<Delayed<List<T>>> partitions)
        => FromSpecs<T>((partitions ?? throw new ArgumentNullException(nameof(partitions))).Select(d => d.Spec));

    private static Bag<T> FromSpecs<T>(IEnumerable<TaskSpec> specs)
    {
        var inputs = specs.Select(TaskArg.Of).ToArray();
        var b = new TokenBuilder("bag-from-delayed");
        foreach (var a in inputs) b.Add(a.Dependency!.Key.Token);
        return new Bag<T>("from-delayed", b.Finish(), inputs, new ListSource<T>());
    }

    /// <summary>The files a path or glob names: the path itself, or the matches of a pattern in its file name, in ordinal order.</summary>
    internal static string[] ExpandGlob(string pathOrGlob)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathOrGlob);
        var name = Path.GetFileName(pathOrGlob);
        if (name.IndexOfAny(['*', '?']) < 0)
        {
            if (!File.Exists(pathOrGlob)) throw new FileNotFoundException($"Bag.ReadText: no file '{pathOrGlob}'.", pathOrGlob);
            return [pathOrGlob];
        }
        var dir = Path.GetDirectoryName(pathOrGlob);
        if (string.IsNullOrEmpty(dir)) dir = ".";
        if (dir.IndexOfAny(['*', '?']) >= 0)
            throw new ArgumentException($"Bag.ReadText: wildcards are allowed in the file name only, not in the folder of '{pathOrGlob}'.", nameof(pathOrGlob));
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Bag.ReadText: no folder '{dir}' (pattern '{pathOrGlob}').");
        var files = Directory.GetFiles(dir, name);
        if (files.Length == 0) throw new FileNotFoundException($"Bag.ReadText: no file matches '{pathOrGlob}'.", pathOrGlob);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }
}
