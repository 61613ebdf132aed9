using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using TaskGraph.DataPlane;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// Chooses the data plane's transport by measurement (issue 16): the same values, from the same
/// <see cref="ResultStore"/>, encoded and decoded with the same <see cref="WireCodec"/>, fetched on loopback either
/// through our sockets (<see cref="DataServer"/> / <see cref="DataPeers"/>: the pipes' frame format, a pooled
/// connection authenticated once by HMAC challenge–response) or through Kestrel from the shared framework
/// (HTTP/2 cleartext with prior knowledge, and HTTP/1.1), read with a pooled <see cref="HttpClient"/>. Only the
/// transport differs. Both ends run in this process, as in <see cref="DataPlaneTransfer"/>.
/// <para>Authentication: a socket connection proves the secret once and then carries any number of requests.
/// HTTP has no such per-connection step without TLS, so every HTTP request carries an HMAC-SHA256 of its path and
/// a timestamp, checked by the server (replays within the 60 s window are not refused: a nonce cache would add
/// to HTTP's cost). Neither is encrypted.</para>
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *TransportComparison*</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
[GcServer(false)]
public class TransportComparison
{
    /// <summary>sockets: ours; kestrel-h2 / kestrel-h1: Kestrel with HTTP/2 or HTTP/1.1.</summary>
    [Params("sockets", "kestrel-h2", "kestrel-h1")]
    public string Transport { get; set; } = "sockets";

    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private ResultStore _store = null!;
    private DataServer? _server;
    private DataPeers? _peers;
    private WebApplication? _kestrel;
    private HttpClient? _http;
    private Version _version = HttpVersion.Version11;

    [GlobalSetup]
    public void Setup()
    {
        _store = DataPlaneTransfer.Store();
        if (Transport == "sockets")
        {
            var key = new DataPlaneKey(_secret);
            _server = new DataServer(_store, key);
            _peers = new DataPeers(key);
        }
        else
        {
            bool h2 = Transport == "kestrel-h2";
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, 0, l => l.Protocols = h2 ? HttpProtocols.Http2 : HttpProtocols.Http1);
                // Let a response run ahead of the socket by 1 MB (default 64 KB) before a flush waits: fewer waits.
                k.Limits.MaxResponseBufferSize = ResponseChunk;
            });
            _kestrel = builder.Build();
            ((IApplicationBuilder)_kestrel).Run(Serve);
            _kestrel.StartAsync().GetAwaiter().GetResult();
            var address = _kestrel.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _http = new HttpClient(new SocketsHttpHandler
            {
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan, // keep the connection, like DataPeers' pool
                // HTTP/2 flow control: the client's receive window starts at 64 KB and grows with the measured
                // round trip, which on loopback is too short to grow it much. 16 MB lets the server send freely:
                // the best case for HTTP/2 (with the default, the 100 MB fetch took 240-310 ms instead of 130-150,
                // under load).
                InitialHttp2StreamWindowSize = 16 << 20,
            })
            { BaseAddress = new Uri(address) };
            _version = h2 ? HttpVersion.Version20 : HttpVersion.Version11;
        }
        Fetch(2); // connect (and, for sockets, authenticate) once, like a worker's pooled connection
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peers?.Dispose();
        _server?.Dispose();
        _http?.Dispose();
        _kestrel?.StopAsync().GetAwaiter().GetResult();
        (_kestrel as IDisposable)?.Dispose();
    }

    /// <summary>A 100 MB <c>double[]</c>.</summary>
    [Benchmark]
    public int Fetch100MBDoubles() => ((double[])Fetch(0)!).Length;

    /// <summary>A frame partition of 4 million rows (two 32 MB columns).</summary>
    [Benchmark]
    public int Fetch64MBTable() => ((Table)Fetch(1)!).RowCount;

    /// <summary>A 1 KB <c>double[]</c>: the cost per request.</summary>
    [Benchmark]
    public int Fetch1KB() => ((double[])Fetch(2)!).Length;

    private object? Fetch(int node)
    {
        if (_peers is not null) return _peers.TryGet(_server!.Address, "bench", node, out var v) ? v : throw new InvalidOperationException("missing");
        string path = $"/bench/{node}";
        // Exact version: HTTP/2 cleartext with prior knowledge (no upgrade round trip, no fallback).
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = _version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.TryAddWithoutValidation(ProofHeader, Proof(path, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        // Headers first, then the body as a stream: the value is decoded while it arrives, as DataPeers does.
        using var response = _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{response.StatusCode} {response.Version}: {response.Content.ReadAsStringAsync().Result}");
        long length = response.Content.Headers.ContentLength ?? throw new InvalidOperationException("no Content-Length");
        using var body = response.Content.ReadAsStream();
        // Same reading as DataPeers: an authenticated peer's blocks go straight into their arrays, within the
        // announced length. The buffer is sized to the answer so that a small one does not allocate 256 KB.
        var reader = new WireReader(body, (int)Math.Clamp(length, 256, 256 * 1024)) { DirectBytes = Math.Max(WireReader.IncrementalBytes, length) };
        var value = WireCodec.Read(reader, WireLimits.Default with { MaxMessageBytes = length });
        if (reader.Position != length) throw new InvalidOperationException($"{reader.Position} bytes decoded of {length}");
        return value;
    }

    private const string ProofHeader = "tg-proof";

    /// <summary>Bytes written to Kestrel's response pipe between flushes (and its buffer limit).</summary>
    private const int ResponseChunk = 1 << 20;

    /// <summary><c>timestamp.HMAC-SHA256(secret, "timestamp path")</c> in hex.</summary>
    private string Proof(string path, long seconds) =>
        $"{seconds}.{Convert.ToHexString(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes($"{seconds} {path}")))}";

    private bool Authentic(HttpRequest request)
    {
        string? given = request.Headers[ProofHeader];
        int dot = given?.IndexOf('.') ?? -1;
        if (dot <= 0 || !long.TryParse(given.AsSpan(0, dot), out long seconds)) return false;
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 60) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given!), Encoding.ASCII.GetBytes(Proof(request.Path.Value!, seconds)));
    }

    /// <summary>The endpoint: <c>GET /{compute}/{node}</c> answers the wire-encoded value, 404 when not held.</summary>
    private async Task Serve(HttpContext context)
    {
        if (!Authentic(context.Request)) { context.Response.StatusCode = 401; return; }
        var parts = context.Request.Path.Value!.Split('/');
        if (parts.Length != 3 || !int.TryParse(parts[2], out int node) || !_store.TryGet(parts[1], node, out var value))
        {
            context.Response.StatusCode = 404;
            return;
        }
        // Encoded as DataServer does: large arrays stay out of line and are copied once, into Kestrel's pipe.
        var answer = new WireWriter(4096);
        WireCodec.Write(answer, value, "result");
        context.Response.ContentLength = answer.Length;
        answer.CopyTo(new PipeStream(context.Response.BodyWriter));
        await context.Response.BodyWriter.FlushAsync();
    }

    /// <summary>
    /// A write-only stream over Kestrel's response pipe, so that <see cref="WireWriter.CopyTo"/> can write spans.
    /// Kestrel's own response stream copies each span into a rented array first, and one 100 MB write would be
    /// buffered whole in the pipe: this copies into the pipe's memory and flushes every <see cref="ResponseChunk"/>.
    /// The flush is waited for synchronously (WireWriter writes synchronously), on a thread-pool thread: with one
    /// request at a time that costs a blocked thread, not throughput (raising the thread pool's minimum from 2 to 32
    /// did not change the figures).
    /// </summary>
    private sealed class PipeStream(PipeWriter pipe) : Stream
    {
        private long _unflushed;

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                int n = (int)Math.Min(data.Length, ResponseChunk - _unflushed);
                pipe.Write(data[..n]);
                data = data[n..];
                if ((_unflushed += n) == ResponseChunk)
                {
                    pipe.FlushAsync().AsTask().GetAwaiter().GetResult();
                    _unflushed = 0;
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
