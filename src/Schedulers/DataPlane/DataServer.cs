using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TaskGraph.DataPlane;

/// <summary>
/// A worker's end of the data plane: listens on a TCP port (loopback unless told otherwise), authenticates each
/// connection (<see cref="DataPlaneProtocol"/>), then serves its <see cref="ResultStore"/>: peers fetch results,
/// the client releases and drops them. One thread per connection (connections are few and long-lived: each peer
/// keeps a small pool), at most <see cref="MaxConnections"/> at once.
/// <para>Everything read is untrusted until the handshake succeeds, and bounded after it: the handshake has
/// fixed sizes and a deadline, requests at most <see cref="DataPlaneProtocol.MaxRequestBytes"/>; a connection
/// that breaks the protocol is closed.</para>
/// </summary>
internal sealed class DataServer : IDisposable
{
    /// <summary>Most connections served at once; more are closed at once.</summary>
    public const int MaxConnections = 256;

    private readonly ResultStore _store;
    private readonly DataPlaneKey _key;
    private readonly Socket _listener;
    private readonly Action<string>? _log;
    private readonly HashSet<Socket> _open = [];
    private long _bytesSent;
    private long _refused;
    private volatile bool _disposed;

    /// <summary>
    /// Starts listening on <paramref name="bind"/> (default: loopback) and <paramref name="port"/> (0: any free
    /// port). Peers are told <paramref name="advertise"/> (default: the bound address; the machine's name when
    /// bound to every interface).
    /// </summary>
    public DataServer(ResultStore store, DataPlaneKey key, IPAddress? bind = null, int port = 0, string? advertise = null, Action<string>? log = null)
    {
        _store = store;
        _key = key;
        _log = log;
        bind ??= IPAddress.Loopback;
        _listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(bind, port));
        _listener.Listen(128);
        var bound = (IPEndPoint)_listener.LocalEndPoint!;
        string host = advertise ?? (bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any) ? Dns.GetHostName() : bind.ToString());
        Address = host.Contains(':') && !host.StartsWith('[') ? $"[{host}]:{bound.Port}" : $"{host}:{bound.Port}";
        new Thread(AcceptLoop) { IsBackground = true, Name = "taskgraph-data-accept" }.Start();
    }

    /// <summary>The address peers connect to (<c>host:port</c>), announced with every result held here.</summary>
    public string Address { get; }

    /// <summary>Bytes of answers sent so far.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Connections closed because they failed the handshake (wrong or no secret, wrong protocol).</summary>
    public long RefusedConnections => Interlocked.Read(ref _refused);

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket s;
            try
            {
                s = _listener.Accept();
            }
            catch (Exception) when (_disposed)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            lock (_open)
            {
                if (_open.Count >= MaxConnections) { s.Dispose(); continue; }
                _open.Add(s);
            }
            new Thread(() => Serve(s)) { IsBackground = true, Name = "taskgraph-data-peer" }.Start();
        }
    }

    private void Serve(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        string peer = socket.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            socket.NoDelay = true;
            if (!Handshake(socket, stream))
            {
                Interlocked.Increment(ref _refused);
                _log?.Invoke($"data plane: refused a connection from {peer} (it did not prove it holds the data plane secret)");
                return;
            }
            var header = new byte[4];
            var request = new byte[256];
            var answer = new WireWriter(64 * 1024);
            while (!_disposed)
            {
                if (!ReadFully(stream, header)) return; // the peer closed the connection
                int length = BitConverter.ToInt32(header);
                if (length < 3 || length > DataPlaneProtocol.MaxRequestBytes)
                    throw new DataPlaneException($"a request frame of {length} bytes (at most {DataPlaneProtocol.MaxRequestBytes})");
                if (request.Length < length) request = new byte[Math.Max(length, request.Length * 2)];
                if (!ReadFully(stream, request.AsSpan(0, length))) return;
                Handle(request.AsSpan(0, length), stream, answer);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The peer went away: nothing to answer.
        }
        catch (DataPlaneException e)
        {
            _log?.Invoke($"data plane: closed the connection from {peer}: {e.Message}");
        }
        finally
        {
            lock (_open) _open.Remove(socket);
        }
    }

    private bool Handshake(Socket socket, NetworkStream stream)
    {
        socket.ReceiveTimeout = (int)DataPlaneProtocol.HandshakeTimeout.TotalMilliseconds;
        var mine = DataPlaneKey.Nonce();
        stream.Write(DataPlaneProtocol.Magic);
        stream.Write(mine);
        var hello = new byte[8 + DataPlaneKey.NonceBytes + DataPlaneKey.ProofBytes];
        if (!ReadFully(stream, hello)) return false;
        var span = hello.AsSpan();
        var theirs = span.Slice(8, DataPlaneKey.NonceBytes);
        if (!span[..8].SequenceEqual(DataPlaneProtocol.Magic) || !_key.Check(span[(8 + DataPlaneKey.NonceBytes)..], "client", mine, theirs))
        {
            stream.WriteByte(0);
            return false;
        }
        stream.WriteByte(1);
        stream.Write(_key.Proof("server", theirs, mine));
        socket.ReceiveTimeout = 0;
        return true;
    }

    private void Handle(ReadOnlySpan<byte> request, NetworkStream stream, WireWriter answer)
    {
        byte op = request[0];
        int idLength = BitConverter.ToInt16(request[1..3]);
        if (idLength < 0 || idLength > DataPlaneProtocol.MaxComputeIdBytes || 3 + idLength > request.Length)
            throw new DataPlaneException($"a computation id of {idLength} bytes");
        var compute = Encoding.UTF8.GetString(request.Slice(3, idLength));
        var data = request[(3 + idLength)..];
        switch (op)
        {
            case DataPlaneProtocol.Get:
            {
                if (data.Length != 4) throw new DataPlaneException("a malformed get request");
                int node = BitConverter.ToInt32(data);
                answer.BeginFrame();
                if (_store.TryGet(compute, node, out var value))
                {
                    answer.WriteByte(DataPlaneProtocol.Found);
                    try
                    {
                        WireCodec.Write(answer, value, "result");
                    }
                    catch (WireException)
                    {
                        answer.BeginFrame();
                        answer.WriteByte(DataPlaneProtocol.Missing);
                    }
                }
                else answer.WriteByte(DataPlaneProtocol.Missing);
                Interlocked.Add(ref _bytesSent, answer.WriteFrame(stream));
                answer.Reset();
                break;
            }
            case DataPlaneProtocol.Release:
            {
                if (data.Length < 4) throw new DataPlaneException("a malformed release request");
                int count = BitConverter.ToInt32(data);
                if (count < 0 || data.Length != 4 + 4L * count) throw new DataPlaneException($"a release of {count} nodes in {data.Length} bytes");
                for (int i = 0; i < count; i++) _store.Release(compute, BitConverter.ToInt32(data.Slice(4 + 4 * i, 4)));
                break;
            }
            case DataPlaneProtocol.Drop:
                _store.Drop(compute);
                break;
            default:
                throw new DataPlaneException($"unknown request {op}");
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>'s length; false when the stream ends first (at a frame boundary or not).</summary>
    internal static bool ReadFully(Stream stream, Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = stream.Read(buffer[done..]);
            if (n == 0) return false;
            done += n;
        }
        return true;
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _listener.Dispose();
        lock (_open)
        {
            foreach (var s in _open) s.Dispose();
            _open.Clear();
        }
    }
}
