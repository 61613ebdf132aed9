using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TaskGraph.DataPlane;

/// <summary>
/// The asking end of the data plane: authenticated connections to peers' <see cref="DataServer"/>s, kept in a
/// small pool per address (a connection serves one request at a time; parallel fetches open more). A worker uses
/// it to fetch inputs held elsewhere, a client to release and drop results.
/// <para>A peer that cannot be reached raises <see cref="DataPlaneException"/> with
/// <see cref="DataPlaneException.Unreachable"/> set: its results are to be taken as lost. A broken pooled
/// connection (the peer restarted its end) is retried once on a fresh one.</para>
/// </summary>
internal sealed class DataPeers : IDisposable
{
    /// <summary>Idle connections kept per peer.</summary>
    private const int IdlePerPeer = 8;

    private readonly DataPlaneKey _key;
    private readonly TimeSpan _connectTimeout;
    private readonly ConcurrentDictionary<string, ConcurrentBag<Connection>> _idle = new(StringComparer.Ordinal);
    private long _bytesReceived;
    private volatile bool _disposed;

    /// <summary>Connections proving <paramref name="key"/>; a connect gives up after <paramref name="connectTimeout"/> (default 10 s).</summary>
    public DataPeers(DataPlaneKey key, TimeSpan? connectTimeout = null)
    {
        _key = key;
        _connectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>Bytes of answers received from peers.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Fetches node <paramref name="node"/>'s result of <paramref name="compute"/> from the peer at <paramref name="address"/>; false when that peer does not hold it.</summary>
    /// <exception cref="DataPlaneException">The peer is unreachable, refused us, or answered malformed bytes.</exception>
    public bool TryGet(string address, string compute, int node, out object? value)
    {
        object? got = null;
        bool found = Use(address, c => c.TryGet(compute, node, out got, ref _bytesReceived));
        value = got;
        return found;
    }

    /// <summary>
    /// Fetches results from their holders, up to four at once: the one way a worker of
    /// the runtime (the pool's and the cluster's) gets the inputs it does not hold. A holder that cannot be reached is
    /// not asked again in this call: every result it holds is reported missing.
    /// </summary>
    /// <param name="wanted">The results to fetch: their holder's address, store and node.</param>
    /// <param name="found">Called (from several threads) with the index in <paramref name="wanted"/> and the value of each result fetched.</param>
    /// <returns>The indices in <paramref name="wanted"/> that could not be had, and the holders that could not be reached at all.</returns>
    /// <exception cref="DataPlaneException">A holder refused us or answered malformed bytes.</exception>
    public (int[] Missing, string[] Unreachable) FetchAll(IReadOnlyList<Wanted> wanted, Action<int, object?> found)
    {
        var missing = new ConcurrentBag<int>();
        var unreachable = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        void One(int i)
        {
            var w = wanted[i];
            if (unreachable.ContainsKey(w.Holder)) { missing.Add(i); return; }
            try
            {
                if (TryGet(w.Holder, w.Store, w.Node, out var value)) found(i, value);
                else missing.Add(i);
            }
            catch (DataPlaneException e) when (e.Unreachable)
            {
                unreachable[w.Holder] = true;
                missing.Add(i);
            }
        }
        if (wanted.Count == 1) One(0);
        else if (wanted.Count > 1) Parallel.For(0, wanted.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, One);
        return (missing.Order().ToArray(), unreachable.Keys.ToArray());
    }

    /// <summary>One result to fetch: the peer holding it, and where it is in that peer's store (a computation's id, or a persist's, and the node it is stored as).</summary>
    public readonly record struct Wanted(string Holder, string Store, int Node);

    /// <summary>Tells the peer at <paramref name="address"/> that these results are no longer needed.</summary>
    public void Release(string address, string compute, IReadOnlyList<int> nodes)
    {
        for (int start = 0; start < nodes.Count; start += 200_000)
        {
            int s = start;
            Send(address, c => c.Release(compute, nodes, s, Math.Min(nodes.Count - s, 200_000)));
        }
    }

    /// <summary>Tells the peer at <paramref name="address"/> to drop every result of <paramref name="compute"/>.</summary>
    public void Drop(string address, string compute) => Send(address, c => c.Drop(compute));

    private bool Use(string address, Func<Connection, bool> request)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int attempt = 0; ; attempt++)
        {
            Connection? c = null;
            bool pooled = _idle.TryGetValue(address, out var bag) && bag.TryTake(out c);
            if (!pooled) c = Connection.Open(address, _key, _connectTimeout);
            bool result;
            try
            {
                result = request(c!);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                c!.Dispose();
                if (pooled && attempt == 0) continue; // a stale pooled connection: try a fresh one
                throw new DataPlaneException($"The data plane connection to {address} broke: {e.Message}", e) { Unreachable = true };
            }
            catch
            {
                c!.Dispose();
                throw;
            }
            var idle = _idle.GetOrAdd(address, _ => new ConcurrentBag<Connection>());
            if (_disposed || idle.Count >= IdlePerPeer) c!.Dispose();
            else idle.Add(c!);
            return result;
        }
    }

    private void Send(string address, Action<Connection> request) => Use(address, c => { request(c); return true; });

    /// <summary>Closes every pooled connection.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var bag in _idle.Values)
            while (bag.TryTake(out var c)) c.Dispose();
    }

    /// <summary>Parses <c>host:port</c> (an IPv6 host in brackets).</summary>
    internal static EndPoint ParseAddress(string address)
    {
        if (IPEndPoint.TryParse(address, out var ip) && ip.Port != 0) return ip;
        int colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out int port) || port is <= 0 or > 65535)
            throw new DataPlaneException($"'{address}' is not a data plane address (host:port).");
        return new DnsEndPoint(address[..colon].Trim('[', ']'), port);
    }

    /// <summary>One authenticated connection.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly WireReader _reader;
        private readonly string _address;
        private readonly byte[] _request = new byte[4 + 1 + 2 + DataPlaneProtocol.MaxComputeIdBytes + 4];

        private Connection(Socket socket, string address)
        {
            _socket = socket;
            _address = address;
            _stream = new NetworkStream(socket, ownsSocket: true);
            _reader = new WireReader(_stream, 256 * 1024);
        }

        public static Connection Open(string address, DataPlaneKey key, TimeSpan timeout)
        {
            var endpoint = ParseAddress(address);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using (var cts = new CancellationTokenSource(timeout))
                    socket.ConnectAsync(endpoint, cts.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                socket.Dispose();
                throw new DataPlaneException($"Cannot reach the data plane at {address}: {e.Message}", e) { Unreachable = true };
            }
            var c = new Connection(socket, address);
            try
            {
                c.Handshake(key);
                return c;
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                c.Dispose();
                throw new DataPlaneException($"The data plane at {address} closed the connection during the handshake: {e.Message}", e) { Unreachable = true };
            }
            catch
            {
                c.Dispose();
                throw;
            }
        }

        private void Handshake(DataPlaneKey key)
        {
            _socket.ReceiveTimeout = (int)DataPlaneProtocol.HandshakeTimeout.TotalMilliseconds;
            var hello = new byte[8 + DataPlaneKey.NonceBytes];
            if (!DataServer.ReadFully(_stream, hello)) throw new IOException("the peer closed the connection");
            if (!hello.AsSpan(0, 8).SequenceEqual(DataPlaneProtocol.Magic))
                throw new DataPlaneException($"{_address} does not speak TaskGraph's data plane protocol.");
            var theirs = hello.AsSpan(8);
            var mine = DataPlaneKey.Nonce();
            var answer = new byte[8 + DataPlaneKey.NonceBytes + DataPlaneKey.ProofBytes];
            DataPlaneProtocol.Magic.CopyTo(answer);
            mine.CopyTo(answer, 8);
            key.Proof("client", theirs, mine).CopyTo(answer, 8 + DataPlaneKey.NonceBytes);
            _stream.Write(answer);
            var verdict = new byte[1 + DataPlaneKey.ProofBytes];
            if (!DataServer.ReadFully(_stream, verdict.AsSpan(0, 1)) || verdict[0] != 1)
                throw new DataPlaneException($"The data plane at {_address} refused us: this process and that worker do not share the data plane secret (the cluster's, or the process pool's).");
            if (!DataServer.ReadFully(_stream, verdict.AsSpan(1)) || !key.Check(verdict.AsSpan(1), "server", mine, theirs))
                throw new DataPlaneException($"The data plane at {_address} did not prove it holds the data plane secret: refusing its data.");
            _socket.ReceiveTimeout = 0;
        }

        private int Begin(byte op, string compute)
        {
            int n = Encoding.UTF8.GetByteCount(compute);
            if (n > DataPlaneProtocol.MaxComputeIdBytes) throw new ArgumentException($"A computation id of {n} bytes (at most {DataPlaneProtocol.MaxComputeIdBytes}).", nameof(compute));
            _request[4] = op;
            BitConverter.TryWriteBytes(_request.AsSpan(5), (short)n);
            Encoding.UTF8.GetBytes(compute, _request.AsSpan(7));
            return 7 + n;
        }

        public bool TryGet(string compute, int node, out object? value, ref long received)
        {
            int at = Begin(DataPlaneProtocol.Get, compute);
            BitConverter.TryWriteBytes(_request.AsSpan(at), node);
            BitConverter.TryWriteBytes(_request.AsSpan(0, 4), at + 4 - 4);
            _stream.Write(_request, 0, at + 4);
            long length = _reader.ReadInt64();
            if (length < 1 || length > WireLimits.Default.MaxMessageBytes)
                throw new DataPlaneException($"The data plane at {_address} announced an answer of {length} bytes.");
            long start = _reader.Position;
            byte status = _reader.ReadByte();
            Interlocked.Add(ref received, length + 8);
            if (status == DataPlaneProtocol.Missing && length == 1) { value = null; return false; }
            if (status != DataPlaneProtocol.Found) throw new DataPlaneException($"The data plane at {_address} answered status {status}.");
            try
            {
                // The value may not claim more bytes than its frame announced.
                // An authenticated peer's blocks are read straight into their arrays (no copy through pieces).
                _reader.DirectBytes = Math.Max(WireReader.IncrementalBytes, length);
                value = WireCodec.Read(_reader, WireLimits.Default with { MaxMessageBytes = length });
            }
            catch (WireException e)
            {
                throw new DataPlaneException($"The data plane at {_address} sent a value that cannot be decoded: {e.Message}", e);
            }
            if (_reader.Position - start != length)
                throw new DataPlaneException($"The data plane at {_address} sent a value of {_reader.Position - start} bytes in a frame of {length}.");
            return true;
        }

        public void Release(string compute, IReadOnlyList<int> nodes, int from, int count)
        {
            int at = Begin(DataPlaneProtocol.Release, compute);
            var frame = new byte[at + 4 + 4 * count];
            _request.AsSpan(0, at).CopyTo(frame);
            BitConverter.TryWriteBytes(frame.AsSpan(at), count);
            for (int i = 0; i < count; i++) BitConverter.TryWriteBytes(frame.AsSpan(at + 4 + 4 * i), nodes[from + i]);
            BitConverter.TryWriteBytes(frame.AsSpan(0, 4), frame.Length - 4);
            _stream.Write(frame);
        }

        public void Drop(string compute)
        {
            int at = Begin(DataPlaneProtocol.Drop, compute);
            BitConverter.TryWriteBytes(_request.AsSpan(0, 4), at - 4);
            _stream.Write(_request, 0, at);
        }

        public void Dispose() => _stream.Dispose();
    }
}
