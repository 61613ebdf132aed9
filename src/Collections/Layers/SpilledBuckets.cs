using K4os.Compression.LZ4;
using Microsoft.Win32.SafeHandles;

namespace TaskGraph.Collections;

/// <summary>Where a shuffle's gather finds bucket j of a split that did not keep its buckets in memory.</summary>
internal interface IBucketSource<out T>
{
    /// <summary>Bucket <paramref name="bucket"/>, read back.</summary>
    T Read(int bucket);
}

/// <summary>
/// The buckets of one shuffle split, spilled under a memory limit (<see cref="ComputeOptions.MemoryLimit"/>): one
/// file in the computation's spill directory (<see cref="SpillTarget"/>), each bucket in it encoded by the wire
/// codec (columns as raw memory, as between processes) and LZ4-compressed on its own, so a gather reads and
/// decodes only its bucket. The object itself is small plain data (the path and the byte ranges): it is the split
/// task's result, held or sent between worker processes on one machine instead of the buckets. The file goes
/// with the directory when the computation ends. Reading treats the file like bytes from another process:
/// ranges are checked against the file, and a short or corrupt bucket fails with an <see cref="IOException"/>
/// naming the file and bucket.
/// </summary>
internal sealed class SpilledBuckets<T> : IBucketSource<T> where T : class
{
    private SpilledBuckets(string path, long[] offsets)
    {
        Path = path;
        Offsets = offsets;
    }

    /// <summary>The spill file.</summary>
    public string Path { get; }

    /// <summary>Bucket b occupies bytes <c>[Offsets[b], Offsets[b + 1])</c> of the file.</summary>
    public long[] Offsets { get; }

    /// <summary>Number of buckets.</summary>
    public int Count => Offsets.Length - 1;

    /// <summary>Writes <paramref name="buckets"/> to a new file in <paramref name="target"/>'s directory.</summary>
    public static SpilledBuckets<T> Write(T[] buckets, SpillTarget target)
    {
        var path = System.IO.Path.Combine(target.Directory!, Guid.NewGuid().ToString("N") + ".spill");
        var offsets = new long[buckets.Length + 1];
        // CreateNew in the existing directory only: once the computation has deleted it, a late task fails here
        // instead of leaving a file behind.
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16))
        {
            for (int b = 0; b < buckets.Length; b++)
            {
                var packed = LZ4Pickler.Pickle(WireCodec.ToBytes(buckets[b]), LZ4Level.L00_FAST);
                file.Write(packed);
                offsets[b + 1] = offsets[b] + packed.Length;
            }
        }
        SpillCounters.FileWritten();
        return new SpilledBuckets<T>(path, offsets);
    }

    /// <inheritdoc />
    public T Read(int bucket)
    {
        if ((uint)bucket >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(bucket), bucket, $"The spill file '{Path}' holds {Count} buckets.");
        long start = Offsets[bucket], length = Offsets[bucket + 1] - start;
        using SafeFileHandle handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (start < 0 || length < 0 || length > Array.MaxLength || start + length > RandomAccess.GetLength(handle))
            throw new IOException($"The spill file '{Path}' is shorter than bucket {bucket} needs ({start + length:N0} bytes).");
        var packed = new byte[length];
        int read = 0;
        while (read < packed.Length)
        {
            int n = RandomAccess.Read(handle, packed.AsSpan(read), start + read);
            if (n == 0) throw new IOException($"The spill file '{Path}' ended inside bucket {bucket}.");
            read += n;
        }
        try
        {
            return WireCodec.FromBytes<T>(LZ4Pickler.Unpickle(packed));
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new IOException($"Bucket {bucket} of the spill file '{Path}' is corrupt: {e.Message}", e);
        }
    }
}

/// <summary>Counters shared by every <see cref="SpilledBuckets{T}"/> instantiation (the comparison runner reports them).</summary>
internal static class SpillCounters
{
    private static long _files;

    /// <summary>Spill files written by this process.</summary>
    public static long Files => Interlocked.Read(ref _files);

    /// <summary>Counts one more file.</summary>
    public static void FileWritten() => Interlocked.Increment(ref _files);
}
