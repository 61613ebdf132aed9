using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace TaskGraph.Tests.DataPlane;

/// <summary>
/// The data plane between real sockets on loopback: a peer fetches, releases and drops held results; a connection
/// without the cluster secret is refused and learns nothing; malformed or oversized frames close the connection.
/// </summary>
public class DataPlaneTests
{
    private static DataPlaneKey Key(string secret) => ClusterSecret.FromText(secret).DataPlaneKey;

    private const string Secret = "the-cluster-secret-of-these-tests";

    [Test]
    public void PeerFetchesReleasesAndDropsHeldResults()
    {
        var store = new ResultStore();
        var big = Enumerable.Range(0, 1_000_000).Select(i => i * 0.5).ToArray();
        store.Put("c1", 7, big);
        store.Put("c1", 8, "eight");
        store.Put("c2", 7, 42L);
        using var server = new DataServer(store, Key(Secret));
        using var peers = new DataPeers(Key(Secret));

        Assert.That(peers.TryGet(server.Address, "c1", 7, out var got), Is.True);
        Assert.That(got, Is.EqualTo(big));
        Assert.That(peers.TryGet(server.Address, "c1", 8, out got), Is.True);
        Assert.That(got, Is.EqualTo("eight"));
        Assert.That(peers.TryGet(server.Address, "c1", 9, out _), Is.False, "never held");
        Assert.That(peers.BytesReceived, Is.GreaterThan(8_000_000L));

        peers.Release(server.Address, "c1", [7]);
        Assert.That(peers.TryGet(server.Address, "c1", 7, out _), Is.False, "released");
        Assert.That(peers.TryGet(server.Address, "c1", 8, out _), Is.True, "a release names its nodes only");

        peers.Drop(server.Address, "c1");
        Assert.That(peers.TryGet(server.Address, "c1", 8, out _), Is.False, "dropped");
        store.Put("c1", 10, 1.0);
        Assert.That(store.TryGet("c1", 10, out _), Is.False, "a dropped computation stores nothing more");
        Assert.That(peers.TryGet(server.Address, "c2", 7, out got), Is.True, "other computations keep theirs");
        Assert.That(got, Is.EqualTo(42L));
        Assert.That(server.RefusedConnections, Is.Zero);
    }

    [Test]
    public void ParallelFetchesEachGetTheirOwnValue()
    {
        var store = new ResultStore();
        for (int n = 0; n < 64; n++) store.Put("c", n, Enumerable.Range(n, 10_000).Select(i => (long)i).ToArray());
        using var server = new DataServer(store, Key(Secret));
        using var peers = new DataPeers(Key(Secret));
        var sums = new long[64];
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n =>
        {
            Assert.That(peers.TryGet(server.Address, "c", n, out var v), Is.True);
            sums[n] = ((long[])v!).Sum();
        });
        Assert.That(sums, Is.EqualTo(Enumerable.Range(0, 64).Select(n => Enumerable.Range(n, 10_000).Sum(i => (long)i)).ToArray()));
    }

    [Test]
    public void WrongSecretIsRefusedAndGetsNoData()
    {
        var store = new ResultStore();
        store.Put("c", 1, "private");
        using var server = new DataServer(store, Key(Secret));
        using var stranger = new DataPeers(Key("some-other-secret-entirely"));
        var e = Assert.Throws<DataPlaneException>(() => stranger.TryGet(server.Address, "c", 1, out _))!;
        Assert.That(e.Message, Does.Contain("refused").And.Contain("secret"));
        Assert.That(e.Unreachable, Is.False, "a refusal is not a dead peer");
        Assert.That(e.Message, Does.Not.Contain(Secret));
        // The server counts the refusal after it wrote the byte the client just read: wait for the count, not on it.
        Assert.That(() => server.RefusedConnections, Is.EqualTo(1).After(5000, 10));
    }

    [Test]
    public void UnauthenticatedConnectionIsClosedWithoutAnAnswer()
    {
        var store = new ResultStore();
        store.Put("c", 1, "private");
        using var server = new DataServer(store, Key(Secret));
        using var socket = Connect(server.Address);
        using var stream = new NetworkStream(socket);
        var hello = ReadExactly(stream, 8 + DataPlaneKey.NonceBytes);
        Assert.That(hello[..8], Is.EqualTo("TGDATA01"u8.ToArray()));
        // A request frame instead of a handshake: read as a (wrong) proof, refused with a single 0, then closed.
        var request = new byte[8 + DataPlaneKey.NonceBytes + DataPlaneKey.ProofBytes];
        "TGDATA01"u8.CopyTo(request);
        RandomNumberGenerator.Fill(request.AsSpan(8));
        stream.Write(request);
        Assert.That(stream.ReadByte(), Is.EqualTo(0), "refused");
        Assert.That(stream.ReadByte(), Is.EqualTo(-1), "and closed");
        // The server counts the refusal after it wrote the byte the client just read: wait for the count, not on it.
        Assert.That(() => server.RefusedConnections, Is.EqualTo(1).After(5000, 10));
    }

    [Test]
    public void ReplayedHandshakeIsRefused()
    {
        // A proof recorded from one connection is useless on the next: the server's nonce differs.
        var key = Key(Secret);
        using var server = new DataServer(new ResultStore(), key);
        byte[] recorded;
        using (var first = Connect(server.Address))
        using (var s1 = new NetworkStream(first))
        {
            var theirs = ReadExactly(s1, 8 + DataPlaneKey.NonceBytes)[8..];
            var mine = DataPlaneKey.Nonce();
            recorded = [.. "TGDATA01"u8, .. mine, .. key.Proof("client", theirs, mine)];
            s1.Write(recorded);
            Assert.That(s1.ReadByte(), Is.EqualTo(1), "the genuine handshake passes");
        }
        using var second = Connect(server.Address);
        using var s2 = new NetworkStream(second);
        ReadExactly(s2, 8 + DataPlaneKey.NonceBytes);
        s2.Write(recorded);
        Assert.That(s2.ReadByte(), Is.EqualTo(0));
        // The server counts the refusal after it wrote the byte the client just read: wait for the count, not on it.
        Assert.That(() => server.RefusedConnections, Is.EqualTo(1).After(5000, 10));
    }

    [Test]
    public void OversizedRequestFrameClosesTheConnection()
    {
        var key = Key(Secret);
        var store = new ResultStore();
        store.Put("c", 1, "x");
        using var server = new DataServer(store, key);
        using var socket = Connect(server.Address);
        using var stream = new NetworkStream(socket);
        var theirs = ReadExactly(stream, 8 + DataPlaneKey.NonceBytes)[8..];
        var mine = DataPlaneKey.Nonce();
        stream.Write([.. "TGDATA01"u8, .. mine, .. key.Proof("client", theirs, mine)]);
        Assert.That(ReadExactly(stream, 1 + DataPlaneKey.ProofBytes)[0], Is.EqualTo(1));
        stream.Write(BitConverter.GetBytes(DataPlaneProtocol.MaxRequestBytes + 1));
        socket.ReceiveTimeout = 30_000;
        Assert.That(stream.ReadByte(), Is.EqualTo(-1), "closed before reading the announced megabyte");
    }

    [Test]
    public void ServerThatCannotProveTheSecretIsNotTrusted()
    {
        // A fake peer that accepts any client but does not know the key: the client refuses its data.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var fake = Task.Run(() =>
        {
            using var c = listener.AcceptTcpClient();
            var s = c.GetStream();
            s.Write([.. "TGDATA01"u8, .. DataPlaneKey.Nonce()]);
            ReadExactly(s, 8 + DataPlaneKey.NonceBytes + DataPlaneKey.ProofBytes);
            s.Write([1, .. RandomNumberGenerator.GetBytes(DataPlaneKey.ProofBytes)]);
            s.ReadByte();
        });
        using var peers = new DataPeers(Key(Secret));
        var e = Assert.Throws<DataPlaneException>(() => peers.TryGet($"127.0.0.1:{port}", "c", 1, out _))!;
        Assert.That(e.Message, Does.Contain("did not prove"));
        fake.Wait(TimeSpan.FromSeconds(30));
    }

    [Test]
    public void DeadPeerIsReportedUnreachable()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        using var peers = new DataPeers(Key(Secret));
        var e = Assert.Throws<DataPlaneException>(() => peers.TryGet($"127.0.0.1:{port}", "c", 1, out _))!;
        Assert.That(e.Unreachable, Is.True);
    }

    private static Socket Connect(string address)
    {
        var s = new Socket(SocketType.Stream, ProtocolType.Tcp);
        s.Connect((IPEndPoint)DataPeers.ParseAddress(address));
        return s;
    }

    private static byte[] ReadExactly(Stream s, int n)
    {
        var b = new byte[n];
        s.ReadExactly(b);
        return b;
    }
}
