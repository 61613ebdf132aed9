namespace TaskGraph.Distributed;

/// <summary>
/// Splits large message bodies so that no message exceeds the broker's limit (RabbitMQ's default maximum is
/// 128 MiB; chunks default to 16 MiB to keep the broker's memory use smooth), and puts them back together on the
/// other side. Each chunk carries the message id, its index and the chunk count in headers.
/// </summary>
internal sealed class MessageChunks
{
    /// <summary>Default chunk size: 16 MiB.</summary>
    public const int DefaultChunkSize = 16 << 20;

    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly long _maxMessageBytes;

    private sealed class Pending(int count)
    {
        public readonly ReadOnlyMemory<byte>?[] Parts = new ReadOnlyMemory<byte>?[count];
        public int Received;
        public long Bytes;
    }

    /// <summary>Creates a reassembly buffer refusing messages larger than <paramref name="maxMessageBytes"/> in total.</summary>
    public MessageChunks(long maxMessageBytes = 4L << 30) => _maxMessageBytes = maxMessageBytes;

    /// <summary>The pieces of <paramref name="body"/>, each at most <paramref name="chunkSize"/> bytes (one piece when it fits).</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> body, int chunkSize = DefaultChunkSize)
    {
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize));
        if (body.Length == 0) { yield return body; yield break; }
        for (int offset = 0; offset < body.Length; offset += chunkSize)
            yield return body.Slice(offset, Math.Min(chunkSize, body.Length - offset));
    }

    /// <summary>Number of chunks <see cref="Split"/> makes of a body of <paramref name="length"/> bytes.</summary>
    public static int Count(int length, int chunkSize = DefaultChunkSize) => Math.Max(1, (length + chunkSize - 1) / chunkSize);

    /// <summary>
    /// Adds chunk <paramref name="index"/> of <paramref name="count"/> of message <paramref name="id"/> (the bytes are
    /// copied: the client library owns delivery buffers). Returns the whole body once every chunk has arrived;
    /// a repeated chunk (a redelivery) is ignored.
    /// </summary>
    public byte[]? Add(string id, int index, int count, ReadOnlySpan<byte> chunk)
    {
        if (count < 1 || index < 0 || index >= count) throw new InvalidDataException($"Message '{id}': chunk {index} of {count} is out of range.");
        if (count == 1) return chunk.ToArray();
        lock (_pending)
        {
            if (!_pending.TryGetValue(id, out var p)) _pending[id] = p = new Pending(count);
            if (p.Parts.Length != count) throw new InvalidDataException($"Message '{id}': chunk count changed from {p.Parts.Length} to {count}.");
            if (p.Parts[index] is not null) return null;
            p.Bytes += chunk.Length;
            if (p.Bytes > _maxMessageBytes)
            {
                _pending.Remove(id);
                throw new InvalidDataException($"Message '{id}' exceeds the limit of {_maxMessageBytes} bytes.");
            }
            p.Parts[index] = chunk.ToArray();
            if (++p.Received < count) return null;
            _pending.Remove(id);
            var whole = new byte[p.Bytes];
            int at = 0;
            foreach (var part in p.Parts)
            {
                part!.Value.Span.CopyTo(whole.AsSpan(at));
                at += part.Value.Length;
            }
            return whole;
        }
    }

    /// <summary>Messages still waiting for chunks.</summary>
    public int PendingCount { get { lock (_pending) return _pending.Count; } }
}
