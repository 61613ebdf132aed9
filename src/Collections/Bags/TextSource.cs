using System.Buffers;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace TaskGraph.Bags;

/// <summary>
/// Reads the lines of a <see cref="TextBlock"/> and pushes them as strings (without the line terminator; a
/// <c>\r</c> before the <c>\n</c> is dropped too). The block is read with one positioned read plus, for its last
/// line, as many more as it takes to reach the next <c>\n</c>; the bytes are validated as UTF-8 in one vectorized
/// pass before any line is decoded.
/// </summary>
internal sealed class TextSource : PartitionProducer<string>
{
    private const int Probe = 64 * 1024;
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <inheritdoc />
    public override void Produce(object? input, int partition, ElementSink<string> sink)
    {
        var block = input as TextBlock ?? throw new InvalidCastException($"Partition {partition} of a text bag is not a TextBlock.");
        byte[]? buffer = null;
        try
        {
            long start;
            int length;
            using (var handle = File.OpenHandle(block.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan))
                (start, length) = ReadBlock(handle, block, ref buffer);
            PushLines(block, partition, start, buffer.AsSpan(0, length), sink);
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the lines starting in the block into <paramref name="buffer"/>: returns their first byte's file offset and their byte count.</summary>
    private static (long Start, int Length) ReadBlock(SafeFileHandle handle, TextBlock block, ref byte[]? buffer)
    {
        long fileLength = RandomAccess.GetLength(handle);
        long end = Math.Min(block.Offset + block.Length, fileLength);
        long start = block.Offset == 0 ? 0 : LineStartAtOrAfter(handle, block.Offset, fileLength);
        if (start >= end) return (start, 0);
        int length = checked((int)(end - start));
        buffer = ArrayPool<byte>.Shared.Rent(length + Probe);
        ReadExactly(handle, buffer.AsSpan(0, length), start);
        // The last line runs on to the next '\n' (or the end of the file).
        while (buffer[length - 1] != (byte)'\n' && start + length < fileLength)
        {
            if (buffer.Length - length < Probe)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }
            int want = (int)Math.Min(Probe, fileLength - (start + length));
            var more = buffer.AsSpan(length, want);
            ReadExactly(handle, more, start + length);
            int nl = more.IndexOf((byte)'\n');
            length += nl < 0 ? want : nl + 1;
        }
        return (start, length);
    }

    /// <summary>The first line start at or after <paramref name="offset"/>: just after the first '\n' at or after offset - 1.</summary>
    private static long LineStartAtOrAfter(SafeFileHandle handle, long offset, long fileLength)
    {
        Span<byte> probe = stackalloc byte[4096];
        for (long pos = offset - 1; pos < fileLength; pos += probe.Length)
        {
            int n = (int)Math.Min(probe.Length, fileLength - pos);
            ReadExactly(handle, probe[..n], pos);
            int nl = probe[..n].IndexOf((byte)'\n');
            if (nl >= 0) return pos + nl + 1;
        }
        return fileLength;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> target, long offset)
    {
        while (target.Length > 0)
        {
            int n = RandomAccess.Read(handle, target, offset);
            if (n <= 0) throw new EndOfStreamException($"The file ended while reading at byte offset {offset} (was it truncated while being read?).");
            target = target[n..];
            offset += n;
        }
    }

    private static void PushLines(TextBlock block, int partition, long start, ReadOnlySpan<byte> bytes, ElementSink<string> sink)
    {
        int pos = 0;
        if (start == 0 && bytes.StartsWith(Bom)) pos = Bom.Length;
        if (block.InvalidUtf8 == InvalidUtf8Handling.Throw && !System.Text.Unicode.Utf8.IsValid(bytes[pos..]))
            throw new InvalidUtf8Exception(block.Path, start + pos + InvalidUtf8Exception.FirstInvalid(bytes[pos..]));

        long index = 0;
        int lineStart = pos;
        try
        {
            while (pos < bytes.Length)
            {
                lineStart = pos;
                int nl = bytes[pos..].IndexOf((byte)'\n');
                int lineEnd = nl < 0 ? bytes.Length : pos + nl;
                int contentEnd = lineEnd > pos && bytes[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;
                // Encoding.UTF8 substitutes U+FFFD for invalid sequences (only reachable with Replace: Throw validated above).
                sink.Push(Encoding.UTF8.GetString(bytes[pos..contentEnd]));
                index++;
                pos = lineEnd + 1;
            }
        }
        catch (Exception e) when (e is not BagElementException)
        {
            throw new BagElementException(partition, index, $"{block.Path}, line at byte offset {start + lineStart}", e);
        }
    }
}
